package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func seededDSN(t *testing.T) string {
	t.Helper()
	dsn := storetest.DSN(t)
	s, err := store.Open(context.Background(), dsn, &portal.FixedClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	extracttest.Seed(t, s)
	return dsn
}

func TestExtractCommand(t *testing.T) {
	dsn := seededDSN(t)
	dir := t.TempDir()
	pdf, js := filepath.Join(dir, "utdrag.pdf"), filepath.Join(dir, "utdrag.json")

	r := cli(t, dsn, nil, "extract", "--patient", "19121212-1212", "--from", "2026-03-01", "--to", "2026-03-31",
		"--by", "Anna Utdragsson", "--out", pdf)
	if r.code != 0 || !strings.Contains(r.stderr, "Loggutdraget med 15 åtkomster är sparat i") {
		t.Fatalf("pdf: exit %d stderr %q", r.code, r.stderr)
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "2026-11-23 10:00 av Anna Utdragsson") {
		t.Errorf("produced by/when missing:\n%s", text)
	}

	r = cli(t, dsn, nil, "extract", "--patient", "191212121212", "--from", "2026-03-01", "--to", "2026-03-31",
		"--lang", "en", "--by", "Anna", "--out", js)
	if r.code != 0 || !strings.Contains(r.stderr, "The log extract with 15 accesses is saved") {
		t.Fatalf("json: exit %d stderr %q", r.code, r.stderr)
	}
	b, _ := os.ReadFile(js)
	var x extract.Extract
	if err := json.Unmarshal(b, &x); err != nil || x.Lang != "en" || x.Summary.Events != 15 {
		t.Fatalf("json output: %v %+v", err, x.Summary)
	}
	if strings.Contains(r.stdout+r.stderr, "191212121212") || strings.Contains(r.stdout+r.stderr, "19121212-1212") {
		t.Error("a personal id was printed")
	}

	var reads []string
	s, _ := store.Open(context.Background(), dsn, &portal.FixedClock{}, nil)
	defer s.Close()
	if err := s.DB().Select(&reads, `SELECT reader_kind || ' ' || reader_name || ' ' || channel FROM log_reads ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(reads, "|") != "staff Anna Utdragsson extract_pdf|staff Anna extract_json" {
		t.Errorf("log reads: %v", reads)
	}
}

func TestExtractCommandErrors(t *testing.T) {
	dsn := seededDSN(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.pdf")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--patient", "191212121213", "--by", "A", "--out", out}, 1, "Personnumret är felaktigt: kontrollsiffran stämmer inte."},
		{[]string{"--patient", extracttest.OtherPatient, "--by", "A", "--out", out}, 1, "Det finns ingen patient med det personnumret i Insyn."},
		{[]string{"--patient", "191212121212", "--from", "2026-04-01", "--to", "2026-03-01", "--by", "A", "--out", out}, 1, "Perioden slutar innan den börjar."},
		{[]string{"--patient", "191212121212", "--from", "1 mars", "--by", "A", "--out", out}, 1, "Datumet 1 mars ska skrivas ÅÅÅÅ-MM-DD"},
		{[]string{"--patient", "191212121212", "--by", "A", "--out", filepath.Join(dir, "x.txt")}, 2, "Ange med --out en fil"},
		{[]string{"--by", "A", "--out", out}, 2, "Ange patientens personnummer med --patient."},
		{[]string{"--patient", "191212121212", "--out", out}, 2, "Ange med --by vem"},
		{[]string{"--patient", "191212121213", "--lang", "en", "--by", "A", "--out", out}, 1, "The personal identity number is wrong"},
	} {
		r := cli(t, dsn, nil, append([]string{"extract"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("insyn extract %v: exit %d stderr %q, want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run left a file behind")
	}
	// An empty period still gives a valid PDF that says so.
	r := cli(t, dsn, nil, "extract", "--patient", "191212121212", "--from", "2025-01-01", "--to", "2025-01-31", "--by", "A", "--out", out)
	if r.code != 0 {
		t.Fatalf("empty period: exit %d %q", r.code, r.stderr)
	}
	text, err := exec.Command("pdftotext", out, "-").Output()
	if err != nil || !strings.Contains(string(text), "Inga åtkomster hittades under perioden.") {
		t.Errorf("empty period PDF: %v\n%s", err, text)
	}
}

func TestQualityCommand(t *testing.T) {
	dsn := seededDSN(t)
	r := cli(t, dsn, nil, "quality")
	if r.code != 0 {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	for _, w := range []string{"Datakvalitet", "XYZ-ÅTGÄRD-42", "HOPERAT-X", "HOPX-UNKNOWN", "annan typ av uppgift"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("quality list lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Journalanteckning") {
		t.Errorf("a known code is listed:\n%s", r.stdout)
	}
}
