package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/store/storetest"
)

// The newcomer's path through the command line: seed a region, import its
// reference data, ingest its logs, extract one patient's log.
func TestSeedImportIngestExtract(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	r := cli(t, "", nil, "seed", "--out", dir, "--patients", "200", "--staff", "60", "--days", "10", "--events", "2000", "--seed", "3")
	if r.code != 0 {
		t.Fatalf("seed: exit %d: %s", r.code, r.stderr)
	}
	imported := cli(t, dsn, nil, "import", "all", dir)
	if imported.code != 0 || !strings.Contains(imported.stdout, "population.csv: 200 rader importerade, 0 fel") {
		t.Fatalf("import: exit %d\n%s%s", imported.code, imported.stdout, imported.stderr)
	}
	r = cli(t, dsn, nil, "ingest", filepath.Join(dir, "logs"))
	if r.code != 0 || !strings.Contains(r.stdout, `"quarantined":0`) || strings.Contains(r.stdout, `"stored":0`) {
		t.Fatalf("ingest: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if again := cli(t, dsn, nil, "import", "all", dir); again.code != 0 || again.stdout != imported.stdout {
		t.Fatalf("re-import: exit %d %q, first %q", again.code, again.stdout, imported.stdout)
	}
	var pid string
	b, _ := os.ReadFile(filepath.Join(dir, "population.csv"))
	pid = strings.Split(strings.Split(string(b), "\n")[1], ",")[0]
	out := filepath.Join(t.TempDir(), "x.pdf")
	if r := cli(t, dsn, nil, "extract", "--patient", pid, "--from", "2026-10-01", "--to", "2026-10-31", "--by", "Test Testsson", "--out", out); r.code != 0 {
		t.Fatalf("extract: exit %d %s", r.code, r.stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() < 1000 {
		t.Fatalf("extract PDF: %v", err)
	}
}

func TestImportReportsBadRowsWithFileAndLine(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "population.csv")
	os.WriteFile(path, []byte("personal_id,given_name,family_name,street,postal_code,city,protected_identity,deceased_on,vip\n"+
		"191212121212,Tolvan,Tolvansson,Storgatan 1,11122,Stockholm,false,,false\n"+
		"191212121213,Fel,Felsson,Storgatan 2,11122,Stockholm,false,,false\n"), 0o644)
	r := cli(t, dsn, nil, "import", "population", path)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "population.csv:3: Personnumret är felaktigt") || strings.Contains(r.stderr, "191212121213") {
		t.Fatalf("stderr %q", r.stderr)
	}
	if !strings.Contains(r.stdout, "population.csv: 1 rad importerad, 1 fel") {
		t.Fatalf("stdout %q", r.stdout)
	}
}
