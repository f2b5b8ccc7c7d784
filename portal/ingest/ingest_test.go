package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv("INSYN_TEST_CHILD_DSN"); dsn != "" {
		os.Exit(childIngest(dsn))
	}
	os.Exit(storetest.Main(m))
}

const csvHeader = "source_system,source_log_id,occurred_at,actor_hsa_id,actor_name,actor_provider_hsa_id,actor_unit_hsa_id,actor_unit_name,activity,purpose,patient_id,resource_type\n"

// writeCSV writes n valid events spread over three months, plus one bad
// row every 1,000 rows.
func writeCSV(t testing.TB, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(csvHeader)
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, portal.Stockholm)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 2 * time.Minute).Format(time.RFC3339)
		pid := "191212121212"
		if i%1000 == 999 {
			pid = "191212121213" // fails the Luhn check
		}
		fmt.Fprintf(&b, "SYS1,log-%d,%s,SE2321000016-A%04d,Anna Lindqvist,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,%s,Journalanteckning\n", i, at, i%500, pid)
	}
	p := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, st *store.Store, paths ...string) store.Counts {
	t.Helper()
	ins, err := ingest.Inputs(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ingest.Run(context.Background(), st, ins, ingest.Options{BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIngestTwiceStoresNothingNew(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	path := writeCSV(t, dir, 5000)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("just some notes\n"), 0o644)
	first := run(t, st, dir)
	want := store.Counts{Read: 5001, Stored: 4995, Duplicates: 0, Quarantined: 6}
	if first != want {
		t.Fatalf("first run %+v, want %+v", first, want)
	}
	second := run(t, st, path)
	if second != (store.Counts{Read: 5000, Stored: 0, Duplicates: 4995, Quarantined: 5}) {
		t.Fatalf("second run %+v", second)
	}
	n, _ := st.CountEvents(context.Background())
	var q int
	st.DB().Get(&q, `SELECT count(*) FROM quarantine`)
	if n != 4995 || q != 6 {
		t.Fatalf("stored %d events and %d quarantined, want 4995 and 6", n, q)
	}
	var reason, file string
	var line int
	st.DB().QueryRow(`SELECT reason, source_file, line FROM quarantine WHERE format = 'unknown'`).Scan(&reason, &file, &line)
	if reason != "unknown_format" || !strings.HasSuffix(file, "notes.txt") || line != 1 {
		t.Fatalf("unknown file quarantined as %q %q %d", reason, file, line)
	}
	st.DB().QueryRow(`SELECT line FROM quarantine WHERE format = 'csv' ORDER BY line LIMIT 1`).Scan(&line)
	if line != 1001 {
		t.Fatalf("first bad row at line %d, want 1001", line)
	}
}

// childIngest is the process the crash and concurrency tests start: it
// ingests INSYN_TEST_CHILD_PATH (a list) and prints its counts. Unless
// INSYN_TEST_CHILD_FAST is set it pauses after each batch, so that a
// loaded machine still kills it half way.
func childIngest(dsn string) int {
	st, err := store.Open(context.Background(), dsn, portal.SystemClock{}, nil)
	if err != nil {
		return 1
	}
	defer st.Close()
	ins, err := ingest.Inputs(filepath.SplitList(os.Getenv("INSYN_TEST_CHILD_PATH")), nil)
	if err != nil {
		return 1
	}
	opts := ingest.Options{BatchSize: 500, Progress: func(int64, store.Counts) { time.Sleep(50 * time.Millisecond) }}
	if os.Getenv("INSYN_TEST_CHILD_FAST") != "" {
		opts = ingest.Options{BatchSize: 200}
	}
	c, err := ingest.Run(context.Background(), st, ins, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(c)
	return 0
}

func TestIngestKilledHalfWayThenRerunEqualsCleanRun(t *testing.T) {
	killed := storetest.Open(t, nil)
	clean := storetest.Open(t, nil)
	path := writeCSV(t, t.TempDir(), 30000)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INSYN_TEST_CHILD_DSN="+storetest.DSNOf(killed), "INSYN_TEST_CHILD_PATH="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _ := killed.CountEvents(context.Background())
		if n >= 5000 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("child ingest made no progress")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	partial, _ := killed.CountEvents(context.Background())
	if partial >= 29970 {
		t.Fatalf("the child finished (%d events) before it was killed; the test proves nothing", partial)
	}

	waitForBatchLocks(t, killed)
	rerun := run(t, killed, path)
	want := run(t, clean, path)
	var statuses []string
	killed.DB().Select(&statuses, `SELECT status FROM import_batches ORDER BY id`)
	if strings.Join(statuses, " ") != "interrupted done" {
		t.Fatalf("batch statuses after kill and rerun: %q, want the killed one interrupted", statuses)
	}
	nKilled, _ := killed.CountEvents(context.Background())
	nClean, _ := clean.CountEvents(context.Background())
	if nKilled != nClean || nClean != int64(want.Stored) {
		t.Fatalf("after kill and rerun %d events, clean run %d", nKilled, nClean)
	}
	if rerun.Duplicates != int(partial) || rerun.Stored+rerun.Duplicates != want.Stored {
		t.Fatalf("rerun %+v after %d committed, clean %+v", rerun, partial, want)
	}
}

// A Latin-1 row and a binary file among the inputs are quarantined; they
// do not make PostgreSQL refuse the batch around them.
func TestBrokenTextIsQuarantinedNotFatal(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	rows := csvHeader +
		"SYS1,a,2026-01-05T08:00:00+01:00,SE2321000016-A1,Anna,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,191212121212,Provsvar\n" +
		"SYS1,b,2026-01-05T08:01:00+01:00,SE2321000016-A1,J\xe5n,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,191212121212,Provsvar\n" +
		"SYS1,c,2026-01-05T08:02:00+01:00,SE2321000016-A1,Anna,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,191212121212,Provsvar\n"
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte(rows), 0o644)
	os.WriteFile(filepath.Join(dir, "b.gz"), []byte("\x1f\x8b\x08\x00\xff\xfe\x00\x00garbage"), 0o644)
	c := run(t, st, dir)
	if c != (store.Counts{Read: 4, Stored: 2, Quarantined: 2}) {
		var why []string
		st.DB().Select(&why, `SELECT reason || ' ' || detail || ' ' || source_file FROM quarantine`)
		t.Fatalf("counts %+v: %q", c, why)
	}
	var raw []byte
	if err := st.DB().Get(&raw, `SELECT raw FROM quarantine WHERE source_file LIKE '%a.csv'`); err != nil || !strings.Contains(string(raw), "J\xe5n") {
		t.Fatalf("quarantined raw not kept byte for byte: %q %v", raw, err)
	}
}

// An input that cannot be read does not stop the others; its error is
// reported after they are stored.
func TestUnreadableInputDoesNotStopTheOthers(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	good := writeCSV(t, dir, 10)
	gone := filepath.Join(dir, "gone.csv")
	os.WriteFile(gone, []byte(csvHeader), 0o644)
	ins, err := ingest.Inputs([]string{gone, good}, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(gone)
	c, err := ingest.Run(context.Background(), st, ins, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "gone.csv") {
		t.Fatalf("error %v", err)
	}
	if c.Stored != 10 {
		t.Fatalf("stored %d of the readable input, want 10", c.Stored)
	}
}

// waitForBatchLocks waits until no session holds a batch lock: a killed
// process's backend notices the closed socket within moments.
func waitForBatchLocks(t *testing.T, st *store.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1768845177
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d batch locks still held", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Real messages that used to be refused or to abort the ingest: a SOAP
// header with WS-Security, windows-1252 and UTF-16 XML, an empty FHIR
// Bundle and a record past the size bound. Each is detected, and ends as
// events or as quarantine rows with raw bytes.
func TestIngestRealXMLMessages(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	encode := func(e encoding.Encoding, s string) string {
		b, err := e.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const wsse = `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
		`<wsse:UsernameToken><wsse:Username>takecare</wsse:Username></wsse:UsernameToken></wsse:Security>`
	riv1Bare := read("riv1/testdata/bare_request.xml")
	riv2Bare := read("riv2/testdata/bare_request.xml")
	files := map[string]string{
		"wsse.xml":   strings.Replace(read("riv1/testdata/soap_request.xml"), "<soapenv:Header>", "<soapenv:Header>"+wsse, 1),
		"cp1252.xml": encode(charmap.Windows1252, strings.Replace(riv1Bare, `encoding="UTF-8"`, `encoding="windows-1252"`, 1)),
		"utf16.xml":  encode(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), strings.Replace(riv2Bare, `encoding="UTF-8"`, `encoding="UTF-16"`, 1)),
		"empty.xml":  `<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><total value="0"/></Bundle>`,
		"big.xml": strings.Replace(read("atna/testdata/se-several.xml"), `<EventIdentification `,
			"<Padding>"+strings.Repeat("x", portal.MaxRecordBytes)+"</Padding><EventIdentification ", 1),
	}
	for name, doc := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := run(t, st, dir)
	// 3 + 1 + 1 events, and two of se-several.xml's messages: the large
	// one before them is quarantined, as are the empty Bundle and the
	// file's own message without a unit.
	if c.Stored != 5+2 || c.Quarantined != 3 {
		var why []string
		st.DB().Select(&why, `SELECT reason || ' ' || detail || ' ' || source_file FROM quarantine`)
		t.Fatalf("counts %+v: %q", c, why)
	}
	var rows []struct {
		Reason string `db:"reason"`
		Raw    []byte `db:"raw"`
	}
	if err := st.DB().Select(&rows, `SELECT reason, raw FROM quarantine WHERE reason <> 'missing_field' ORDER BY reason`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Reason != "not_access_log" || string(rows[0].Raw) != files["empty.xml"] ||
		rows[1].Reason != "too_large" || len(rows[1].Raw) != portal.MaxRecordBytes {
		t.Fatalf("quarantine rows: %d", len(rows))
	}
	// The transcoded records are stored as UTF-8 text.
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM access_events WHERE source_log_id = '7b2e1d4f-0001-4a5b-8c9d-112233445566' AND raw::text LIKE '%sekreterare på Barnmottagningen%'`); err != nil || n != 1 {
		t.Fatalf("windows-1252 record as UTF-8: %d %v", n, err)
	}
}

// A path that does not exist when the ingest starts is no different: the
// other inputs, before and after it, are stored, and it is reported as not
// found (README, "What ingest promises").
func TestMissingPathDoesNotStopTheOthers(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	good := writeCSV(t, dir, 10)
	missing := filepath.Join(dir, "missing.csv")
	ins, err := ingest.Inputs([]string{missing, good, filepath.Join(dir, "missing-dir")}, nil)
	if err != nil {
		t.Fatalf("Inputs refused the whole ingest for one missing path: %v", err)
	}
	c, err := ingest.Run(context.Background(), st, ins, ingest.Options{})
	if c.Stored != 10 {
		t.Fatalf("stored %d of the readable input, want 10", c.Stored)
	}
	var pe *portal.Error
	if !errors.As(err, &pe) || pe.MsgID != "ingest.error.not_found" || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing-dir") {
		t.Fatalf("error %v, want both missing paths reported as not found", err)
	}
}

// An input given the wrong --format (a CSV read as RIV v2) yields no record
// of that format; it is quarantined whole, not dropped silently.
func TestWrongFormatIsQuarantinedNotDropped(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	csv := writeCSV(t, dir, 3)
	empty := filepath.Join(dir, "empty.xml")
	os.WriteFile(empty, []byte("\n"), 0o644)
	ins, err := ingest.Inputs([]string{csv, empty}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ingest.Run(context.Background(), st, ins, ingest.Options{Format: ingest.FormatRIV2})
	if err != nil || c.Quarantined != 1 || c.Stored != 0 {
		t.Fatalf("counts %+v, %v: want the CSV quarantined once and nothing from the empty file", c, err)
	}
	var q struct {
		Detail string
		Raw    []byte
	}
	if err := st.DB().Get(&q, `SELECT detail, raw FROM quarantine WHERE source_file LIKE '%.csv'`); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(csv)
	if q.Detail != ingest.NoRecordOfFormat || !bytes.Equal(q.Raw, want) {
		t.Errorf("quarantined %q with %d bytes, want the whole file (%d bytes)", q.Detail, len(q.Raw), len(want))
	}
}
