package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// csvRow is event i of a shared pool, so files can overlap; every 97th is
// bad (a Luhn failure).
func csvRow(i int) string {
	at := time.Date(2026, 1, 20, 8, 0, 0, 0, portal.Stockholm).Add(time.Duration(i) * 17 * time.Minute).Format(time.RFC3339)
	pid := "191212121212"
	if i%97 == 96 {
		pid = "191212121213"
	}
	return fmt.Sprintf("SYS1,log-%d,%s,SE2321000016-A%04d,Anna Lindqvist,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,%s,Journalanteckning\n", i, at, i%300, pid)
}

// writeRows writes the pool's events ids, in that order, as a CSV file.
func writeRows(t *testing.T, path string, ids []int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(csvHeader)
	for _, i := range ids {
		b.WriteString(csvRow(i))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func span(from, to int) []int {
	var ids []int
	for i := from; i < to; i++ {
		ids = append(ids, i)
	}
	return ids
}

// tableDigest sums up what a database holds: every event's key and
// patient, and every quarantine row's file and position.
func tableDigest(t *testing.T, st *store.Store) (events, quarantine string, n int) {
	t.Helper()
	db := st.DB()
	if err := db.Get(&events, `SELECT coalesce(md5(string_agg(source_system || '/' || source_log_id || '/' || occurred_at || '/' || patient_id, ',' ORDER BY source_log_id)), '') FROM access_events`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&quarantine, `SELECT coalesce(md5(string_agg(source_file || ':' || record_no || ':' || reason, ',' ORDER BY source_file, record_no)), '') FROM quarantine`); err != nil {
		t.Fatal(err)
	}
	db.Get(&n, `SELECT count(*) FROM access_events`)
	return events, quarantine, n
}

// Several ingests of overlapping inputs in different orders, at once, as
// goroutines and as separate processes, store every event exactly once,
// none fails, and the tables equal those of one clean run.
func TestConcurrentOverlappingIngestsEqualOneCleanRun(t *testing.T) {
	dir := t.TempDir()
	const pool = 3000
	shuffled := span(0, pool)
	mrand.New(mrand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	files := map[string][]int{
		"a.csv": span(0, 1500),
		"b.csv": span(750, 2250),
		"c.csv": shuffled[:2000],
		"d.csv": shuffled[1000:],
	}
	rev := span(1500, pool)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	files["e.csv"] = rev
	path := map[string]string{}
	for name, ids := range files {
		path[name] = filepath.Join(dir, name)
		writeRows(t, path[name], ids)
	}
	paths := func(names ...string) []string {
		var ps []string
		for _, n := range names {
			ps = append(ps, path[n])
		}
		return ps
	}

	clean := storetest.Open(t, nil)
	cleanCounts := run(t, clean, paths("a.csv", "b.csv", "c.csv", "d.csv", "e.csv")...)
	wantEvents, wantQuarantine, wantN := tableDigest(t, clean)
	if wantN != pool-pool/97 {
		t.Fatalf("clean run stored %d events (%+v)", wantN, cleanCounts)
	}

	for round := 0; round < 3; round++ {
		st := storetest.Open(t, nil)
		orders := [][]string{
			{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"},
			{"e.csv", "d.csv", "c.csv", "b.csv", "a.csv"},
			{"c.csv", "e.csv", "a.csv", "d.csv", "b.csv"},
			{"d.csv", "a.csv", "e.csv", "b.csv", "c.csv"},
		}
		procOrders := [][]string{{"b.csv", "d.csv", "a.csv"}, {"e.csv", "c.csv"}}
		var mu sync.Mutex
		var total store.Counts
		var errs []error
		var wg sync.WaitGroup
		for _, order := range orders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ins, err := ingest.Inputs(paths(order...), nil)
				if err == nil {
					var c store.Counts
					c, err = ingest.Run(context.Background(), st, ins, ingest.Options{BatchSize: 200})
					mu.Lock()
					total.Add(c)
					mu.Unlock()
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("ingest %v: %w", order, err))
					mu.Unlock()
				}
			}()
		}
		for _, order := range procOrders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "INSYN_TEST_CHILD_DSN="+storetest.DSNOf(st), "INSYN_TEST_CHILD_FAST=1",
					"INSYN_TEST_CHILD_PATH="+strings.Join(paths(order...), string(filepath.ListSeparator)))
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				var c store.Counts
				if err == nil {
					err = json.Unmarshal(out, &c)
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("process %v: %v: %s", order, err, stderr.String()))
				}
				total.Add(c)
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("round %d: %v", round, errs)
		}
		gotEvents, gotQuarantine, n := tableDigest(t, st)
		if gotEvents != wantEvents || n != wantN {
			t.Fatalf("round %d: %d events, clean run %d (or different events)", round, n, wantN)
		}
		if gotQuarantine != wantQuarantine {
			t.Fatalf("round %d: quarantine differs from the clean run", round)
		}
		if total.Stored != wantN || total.Stored+total.Duplicates+total.Quarantined != total.Read {
			t.Fatalf("round %d: counts %+v do not add up to %d stored once", round, total, wantN)
		}
		var running int
		st.DB().Get(&running, `SELECT count(*) FROM import_batches WHERE status <> 'done'`)
		if running != 0 {
			t.Fatalf("round %d: %d batches not done", round, running)
		}
	}
}

// Values PostgreSQL refuses although the CSV parser took them (an offset
// of +24:00, a log id longer than an index row) quarantine their record
// only, naming the field; the rows around them are stored.
func TestValuesPostgresRefusesAreQuarantined(t *testing.T) {
	st := storetest.Open(t, nil)
	b := make([]byte, 5000)
	rand.Read(b)
	longID := hex.EncodeToString(b)
	row := func(id, at string) string {
		return "SYS1," + id + "," + at + ",SE2321000016-A1,Anna,SE2321000016-0001,SE2321000016-U001,Medicinkliniken,Läsa,Vård och behandling,191212121212,Provsvar\n"
	}
	rows := csvHeader + row("a", "2026-01-05T08:00:00+01:00") +
		row("b", "2026-01-05T08:01:00+24:00") +
		row("c", "2026-01-05T08:02:00+01:00") +
		row(longID, "2026-01-05T08:03:00+01:00") +
		row("d", "2026-01-05T08:04:00-23:59")
	path := filepath.Join(t.TempDir(), "refused.csv")
	os.WriteFile(path, []byte(rows), 0o644)
	c := run(t, st, path)
	if c != (store.Counts{Read: 5, Stored: 2, Quarantined: 3}) {
		t.Fatalf("counts %+v", c)
	}
	var details []string
	st.DB().Select(&details, `SELECT detail FROM quarantine ORDER BY line`)
	want := []string{"time of access has a UTC offset beyond 15:59", "source system and log id are longer than 1024 bytes",
		"time of access has a UTC offset beyond 15:59"}
	if strings.Join(details, "|") != strings.Join(want, "|") {
		t.Fatalf("details %q", details)
	}
}

// A record with no raw bytes (an NDJSON line past the record bound) and an
// input of unknown format larger than the bound are quarantined; the
// ingest goes on and keeps the neighbours. The unknown input keeps its
// first bytes, its whole length, and says so.
func TestOversizedRecordsAreQuarantinedNotFatal(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	good := func(id string) string {
		return `{"resourceType":"AuditEvent","id":"` + id + `","action":"R","recorded":"2024-05-06T08:00:00+02:00","agent":[{"who":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.4.1","value":"SE2321000016-A1B2"}},"requestor":true,"location":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.4.1","value":"SE2321000016-15CQ"},"display":"Akuten"}}],"entity":[{"what":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},"role":{"code":"1"}}]}` + "\n"
	}
	huge := `{"resourceType":"AuditEvent","id":"big","x":"` + strings.Repeat("a", portal.MaxRecordBytes+100) + `"}` + "\n"
	os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte(good("n1")+huge+good("n2")), 0o644)
	blob := make([]byte, 2*portal.MaxRecordBytes+5)
	rand.Read(blob)
	blob[0] = 0xff
	os.WriteFile(filepath.Join(dir, "b.bin"), blob, 0o644)
	ins, err := ingest.Inputs([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		c, err := ingest.Run(context.Background(), st, ins, ingest.Options{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if c.Stored+c.Duplicates != 2 || c.Quarantined != 2 {
			t.Fatalf("round %d: %+v", round, c)
		}
	}
	list, err := st.ListQuarantine(context.Background(), 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("%d quarantine rows (%v), want 2 once each", len(list), err)
	}
	for _, e := range list {
		if e.Reason == "unknown_format" &&
			(e.RawLength != int64(len(blob)) || !e.RawTruncated || e.RawKept != portal.MaxRecordBytes) {
			t.Errorf("unknown input kept as %+v", e)
		}
	}
}

// The same file under a relative path, an absolute one, a symlink and a
// path with dots is one quarantine identity.
func TestQuarantineIdentityIgnoresHowThePathIsSpelled(t *testing.T) {
	st := storetest.Open(t, nil)
	dir := t.TempDir()
	writeRows(t, filepath.Join(dir, "x.csv"), span(90, 100)) // one bad row: 96
	os.Symlink(filepath.Join(dir, "x.csv"), filepath.Join(dir, "link.csv"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink(dir, filepath.Join(dir, "sub", "linkdir"))
	t.Chdir(dir)
	for _, p := range []string{"x.csv", filepath.Join(dir, "x.csv"), "link.csv", "sub/../x.csv", "./x.csv", "sub/linkdir"} {
		if c := run(t, st, p); c.Quarantined != 1 {
			t.Fatalf("%s: %+v", p, c)
		}
	}
	var files []string
	st.DB().Select(&files, `SELECT source_file FROM quarantine`)
	real, _ := filepath.EvalSymlinks(filepath.Join(dir, "x.csv"))
	if len(files) != 1 || files[0] != real {
		t.Fatalf("quarantine names %q, want once %q", files, real)
	}
}
