package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// cliIn is cli with the command line's own language set by INSYN_LANG.
func cliIn(t *testing.T, lang, dsn string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	env := map[string]string{"DATABASE_URL": dsn, "INSYN_LANG": lang}
	a := &app{
		stdout: &out, stderr: &errb,
		log: slog.New(slog.NewTextHandler(&errb, &slog.HandlerOptions{Level: level})), logLevel: level,
		clock:  &portal.FixedClock{T: time.Date(2026, 11, 23, 10, 0, 0, 0, portal.Stockholm)},
		getenv: func(k string) string { return env[k] },
	}
	code := a.main(context.Background(), args)
	return result{out.String(), errb.String(), code}
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

	// --lang picks the extract's language only: the command still speaks
	// INSYN_LANG (here Swedish).
	r = cli(t, dsn, nil, "extract", "--patient", "191212121212", "--from", "2026-03-01", "--to", "2026-03-31",
		"--lang", "en", "--by", "Anna", "--out", js)
	if r.code != 0 || !strings.Contains(r.stderr, "Loggutdraget med 15 åtkomster är sparat i") {
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
	s, err := store.Open(context.Background(), dsn, &portal.FixedClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.DB().Select(&reads, `SELECT reader_kind || ' ' || reader_name || ' ' || channel FROM log_reads ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(reads, "|") != "system Anna Utdragsson extract_pdf|system Anna extract_json" {
		t.Errorf("log reads: %v", reads)
	}

	// And the other way round: English messages, a Swedish extract.
	r = cliIn(t, "en", dsn, "extract", "--patient", "191212121212", "--from", "2026-03-01", "--to", "2026-03-31",
		"--lang", "sv", "--by", "Anna", "--out", js)
	if r.code != 0 || !strings.Contains(r.stderr, "The log extract with 15 accesses is saved in") {
		t.Fatalf("INSYN_LANG=en --lang sv: exit %d stderr %q", r.code, r.stderr)
	}
	b, _ = os.ReadFile(js)
	if err := json.Unmarshal(b, &x); err != nil || x.Lang != "sv" || x.Title != "Loggutdrag" {
		t.Fatalf("INSYN_LANG=en --lang sv gave a %q extract titled %q (%v)", x.Lang, x.Title, err)
	}
	// Without --lang the extract follows INSYN_LANG.
	r = cliIn(t, "en", dsn, "extract", "--patient", "191212121212", "--from", "2026-03-01", "--to", "2026-03-31",
		"--by", "Anna", "--out", js)
	b, _ = os.ReadFile(js)
	if err := json.Unmarshal(b, &x); r.code != 0 || err != nil || x.Lang != "en" {
		t.Fatalf("INSYN_LANG=en: exit %d, a %q extract (%v)", r.code, x.Lang, err)
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
		{[]string{"--patient", "191212121213", "--by", "A", "--out", out}, 2, "Personnumret är felaktigt: kontrollsiffran stämmer inte."},
		{[]string{"--patient", extracttest.OtherPatient, "--by", "A", "--out", out}, 1, "Det finns ingen patient med det personnumret i Insyn."},
		{[]string{"--patient", "191212121212", "--from", "2026-04-01", "--to", "2026-03-01", "--by", "A", "--out", out}, 2, "Perioden slutar innan den börjar."},
		{[]string{"--patient", "191212121212", "--from", "1 mars", "--by", "A", "--out", out}, 2, "Datumet 1 mars ska skrivas ÅÅÅÅ-MM-DD"},
		{[]string{"--patient", "191212121212", "--by", "A", "--out", filepath.Join(dir, "x.txt")}, 2, "Ange med --out en fil"},
		{[]string{"--by", "A", "--out", out}, 2, "Ange patientens personnummer med --patient."},
		{[]string{"--patient", "191212121212", "--out", out}, 2, "Ange med --by vem"},
		// The personal id is checked before --by and --out.
		{[]string{"--patient", "191212121213", "--out", out}, 2, "Personnumret är felaktigt: kontrollsiffran stämmer inte."},
		{[]string{"--patient", "191212121213", "--out", filepath.Join(dir, "x.txt")}, 2, "Personnumret är felaktigt"},
		// --lang is the extract's language; messages stay in INSYN_LANG.
		{[]string{"--patient", "191212121213", "--lang", "en", "--by", "A", "--out", out}, 2, "Personnumret är felaktigt"},
		{[]string{"--patient", "191212121212", "--lang", "de", "--by", "A", "--out", out}, 2, "Språket ska vara sv eller en."},
		// An output folder that does not exist: said plainly, no temporary file named.
		{[]string{"--patient", "191212121212", "--by", "A", "--out", filepath.Join(dir, "saknas", "x.pdf")}, 1,
			"Det går inte att skriva " + filepath.Join(dir, "saknas", "x.pdf") + ": mappen finns inte eller är skrivskyddad."},
	} {
		r := cli(t, dsn, nil, append([]string{"extract"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("insyn extract %v: exit %d stderr %q, want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run left a file behind")
	}
	// In English, and for a folder that cannot be written to.
	r := cliIn(t, "en", dsn, "extract", "--patient", "191212121213", "--lang", "sv", "--by", "A", "--out", out)
	if r.code != 2 || !strings.Contains(r.stderr, "The personal identity number is wrong") {
		t.Errorf("INSYN_LANG=en: exit %d stderr %q", r.code, r.stderr)
	}
	var reads int
	s, err := store.Open(context.Background(), dsn, &portal.FixedClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.DB().Get(&reads, `SELECT count(*) FROM log_reads`); err != nil {
		t.Fatal(err)
	}
	if reads != 0 {
		t.Errorf("%d log reads recorded by runs that wrote nothing", reads)
	}
	missing := filepath.Join(dir, "saknas", "x.pdf")
	r = cliIn(t, "en", dsn, "extract", "--patient", "191212121212", "--by", "A", "--out", missing)
	if want := "Cannot write " + missing + ": the folder does not exist or is read-only."; r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("missing folder: exit %d stderr %q, want %q", r.code, r.stderr, want)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "skrivskyddad")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		r = cliIn(t, "en", dsn, "extract", "--patient", "191212121212", "--by", "A", "--out", filepath.Join(ro, "x.pdf"))
		if want := "Cannot write " + filepath.Join(ro, "x.pdf") + ": the folder does not exist or is read-only."; r.code != 1 ||
			strings.TrimSpace(r.stderr) != want {
			t.Errorf("read-only folder: exit %d stderr %q, want %q", r.code, r.stderr, want)
		}
	}
	// An empty period still gives a valid PDF that says so.
	r = cli(t, dsn, nil, "extract", "--patient", "191212121212", "--from", "2025-01-01", "--to", "2025-01-31", "--by", "A", "--out", out)
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
	// A missing name is listed by the HSA-id to look up.
	for _, row := range [][]string{
		{"användarens namn saknas", "SE2321000016-5998", "Okänd person"},
		{"vårdenhetens namn saknas", "SE2321000016-1998", "Okänd vårdenhet"},
		{"vårdgivarens namn saknas", "SE2321000016-0099", "Okänd vårdgivare"},
	} {
		found := false
		for _, line := range strings.Split(r.stdout, "\n") {
			found = found || strings.Contains(line, row[0]) && strings.Contains(line, row[1]) && strings.Contains(line, row[2])
		}
		if !found {
			t.Errorf("quality list lacks the row %q:\n%s", row, r.stdout)
		}
	}
	for _, pid := range extracttest.StaffPersonalIDs {
		if strings.Contains(r.stdout, pid[2:]) {
			t.Errorf("quality list shows a personal id:\n%s", r.stdout)
		}
	}
	// --json: stable keys and raw values, whatever INSYN_LANG says.
	r = cliIn(t, "en", dsn, "quality", "--json")
	if r.code != 0 {
		t.Fatalf("--json: exit %d %q", r.code, r.stderr)
	}
	got := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	for dec.More() {
		var q struct{ Field, Code string }
		if err := dec.Decode(&q); err != nil {
			t.Fatal(err)
		}
		got[q.Code] = q.Field
	}
	for code, field := range map[string]string{"SE2321000016-1998": "unit_name", "SE2321000016-5998": "actor_name",
		"SE2321000016-0099": "provider_name", "XYZ-ÅTGÄRD-42": "activity", "HOPERAT-X": "purpose", "HOPX-UNKNOWN": "resource"} {
		if got[code] != field {
			t.Errorf("--json: code %s has field %q, want %q\n%s", code, got[code], field, r.stdout)
		}
	}
}
