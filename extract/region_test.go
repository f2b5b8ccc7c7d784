package extract_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/refdata"
	"github.com/insyn/insyn/portal/seed"
	"github.com/insyn/insyn/portal/store/storetest"
)

// The whole synthetic region, planted misuse included, rendered for every
// patient in both languages as JSON and as PDF text: no code may show.
func TestNoCodesInWholeSyntheticRegion(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, portal.Stockholm)
	if _, err := seed.Generate(seed.Options{Patients: 150, Staff: 60, Days: 20, Events: 4000, Seed: 11, Start: start}, dir); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t, nil)
	ctx := context.Background()
	if _, err := refdata.ImportDir(ctx, s, dir); err != nil {
		t.Fatal(err)
	}
	ins, err := ingest.Inputs([]string{filepath.Join(dir, "logs")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ingest.Run(ctx, s, ins, ingest.Options{}); err != nil || c.Stored == 0 || c.Quarantined != 0 {
		t.Fatalf("ingest %+v %v", c, err)
	}
	staffIDs := csvColumn(t, filepath.Join(dir, "staff.csv"), "personal_id")
	// The RIV activity words and the system name as the logs carry them.
	codes := []string{"Läsa", "Skriva", "Signera", "Utskrift", "Vidimera", "Radera", "TakeCare"}

	var patients []string
	if err := s.DB().Select(&patients, `SELECT DISTINCT patient_id FROM access_events ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(patients) < 100 {
		t.Fatalf("only %d patients with accesses", len(patients))
	}
	rows := 0
	for _, pid := range patients {
		pat, err := portal.ParsePersonalID(pid)
		if err != nil {
			t.Fatal(err)
		}
		// A patient who is also staff sees their own personal id in the
		// header; every other staff member's id must stay hidden.
		others := slices.DeleteFunc(slices.Clone(staffIDs), func(id string) bool { return id == pid })
		for _, lang := range []string{"sv", "en"} {
			req := extract.Request{Patient: pat, From: start.AddDate(0, 0, -30), To: start, Lang: lang,
				Actor: clerk, Channel: "test", ProducedAt: produced}
			var x extract.Extract
			if err := json.Unmarshal(buildJSON(t, s, req), &x); err != nil {
				t.Fatal(err)
			}
			for _, d := range x.Days {
				rows += len(d.Rows)
			}
			checkNoCodesOf(t, "JSON "+lang, lang, strings.Join(jsonValues(x), "\n"), others, codes)
			checkNoCodesOf(t, "PDF "+lang, lang, pdftotext(t, buildPDF(t, s, req)), others, codes)
			if t.Failed() {
				t.FailNow() // one patient's findings say enough
			}
		}
	}
	if rows < 1000 {
		t.Fatalf("only %d rows rendered; the test would prove little", rows)
	}
}

func csvColumn(t *testing.T, path, col string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := -1
	for i, h := range recs[0] {
		if h == col {
			idx = i
		}
	}
	var out []string
	for _, r := range recs[1:] {
		if r[idx] != "" {
			out = append(out, r[idx])
		}
	}
	return out
}
