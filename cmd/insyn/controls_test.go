package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestControlsReportCommand(t *testing.T) {
	dsn := storetest.DSN(t)
	s, err := store.Open(context.Background(), dsn, &portal.FixedClock{T: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.SeedControls(t, s)
	w.CompleteControls(t, s)
	s.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "rapport.pdf")

	r := cli(t, dsn, nil, "controls", "report", "--unit", string(w.Unit), "--month", "2026-04", "--by", "Hedda Chef", "--out", out)
	if r.code != 0 || !strings.Contains(r.stderr, "Kontrollrapporten med 3 kontroller skrevs till") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	text, err := exec.Command("pdftotext", "-raw", out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, want := range []string{"Kontrollrapport", "april 2026", "Kirurgkliniken", "2026-11-23 10:00 av Hedda Chef", "Riktad kontroll", "Bo Lund"} {
		if !strings.Contains(flat, want) {
			t.Errorf("%q missing:\n%s", want, flat)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report file mode: %v %v", fi, err)
	}

	en := filepath.Join(dir, "report.pdf")
	r = cliIn(t, "en", dsn, "controls", "report", "--unit", string(w.Unit), "--month", "2026-04", "--lang", "en", "--by", "Hedda", "--out", en)
	if r.code != 0 || !strings.Contains(r.stderr, "The control report with 3 checks was written to") {
		t.Fatalf("en: exit %d stderr %q", r.code, r.stderr)
	}
	if text, _ := exec.Command("pdftotext", "-raw", en, "-").Output(); !strings.Contains(string(text), "Control report") {
		t.Errorf("english report:\n%s", text)
	}

	// Usage errors exit 2 and write nothing; an unknown unit exits 1.
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"controls"}, "Användning: insyn controls report"},
		{[]string{"controls", "report", "--month", "2026-04", "--out", out}, "Ange vårdenheten med --unit."},
		{[]string{"controls", "report", "--unit", "x y", "--month", "2026-04", "--out", out}, "HSA"},
		{[]string{"controls", "report", "--unit", string(w.Unit), "--month", "april", "--out", out}, "Skriv månaden som ÅÅÅÅ-MM"},
		{[]string{"controls", "report", "--unit", string(w.Unit), "--month", "2026-04", "--out", "r.txt"}, "Ange en PDF-fil med --out"},
		{[]string{"controls", "report", "--unit", string(w.Unit), "--month", "2026-04", "--out", out, "--lang", "de"}, "Språket kan vara sv eller en."},
		{[]string{"controls", "report", "--unit", string(w.Unit), "--month", "2026-04", "--out", out, "--by", " "}, "Ange vem som tar fram rapporten med --by."},
	} {
		if r := cli(t, dsn, nil, c.args...); r.code != 2 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d stderr %q", c.args, r.code, r.stderr)
		}
	}
	missing := filepath.Join(dir, "none.pdf")
	if r := cli(t, dsn, nil, "controls", "report", "--unit", "SE2321000016-9999", "--month", "2026-04", "--by", "x", "--out", missing); r.code != 1 ||
		!strings.Contains(r.stderr, "Det finns ingen sådan vårdenhet") {
		t.Errorf("unknown unit: exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("a failed report left a file")
	}
}
