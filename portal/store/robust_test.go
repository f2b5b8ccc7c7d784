package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func newWriter(t *testing.T, s *store.Store) (*store.EventWriter, int64) {
	t.Helper()
	ctx := context.Background()
	id, err := s.BeginBatch(ctx, "ingest", "test")
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.NewEventWriter(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); s.FinishBatch(ctx, id, false) })
	return w, id
}

// Every quarantined record gets a row, whatever the parser handed over:
// no raw bytes at all, a record larger than the bound (its first bytes,
// length and digest are kept), or a prefix with the whole length. Writing
// the same records again adds nothing: the identity is stable.
func TestQuarantineKeepsEveryRecordWhateverItsRaw(t *testing.T) {
	s := storetest.Open(t, nil)
	w, _ := newWriter(t, s)
	huge := make([]byte, 3*store.MaxQuarantineRaw+17)
	rand.Read(huge)
	prefix := []byte("<log>" + strings.Repeat("a", 100))
	recs := []store.IngestRecord{
		{Format: "fhir", File: "/in/a.ndjson", LogRecord: portal.LogRecord{Reason: portal.ReasonTooLarge, Detail: "record exceeds the size limit", Line: 2, Index: 2}},
		{Format: "riv2", File: "/in/b.xml", LogRecord: portal.LogRecord{Reason: portal.ReasonMalformed, Raw: huge, Line: 9, Index: 3}},
		{Format: "riv1", File: "/in/c.xml", LogRecord: portal.LogRecord{Reason: portal.ReasonTooLarge, Raw: prefix, RawLength: 5 << 20, Line: 4, Index: 1}},
		{Format: "csv", File: "/in/d.csv", LogRecord: portal.LogRecord{Reason: portal.ReasonMalformed, Raw: []byte{}, Line: 1, Index: 1}},
	}
	for round := 0; round < 2; round++ {
		c, err := w.Write(context.Background(), recs)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if c.Quarantined != 4 {
			t.Fatalf("round %d: %+v", round, c)
		}
	}
	type row struct {
		File      string `db:"source_file"`
		Raw       []byte `db:"raw"`
		Digest    []byte `db:"raw_digest"`
		Length    int64  `db:"raw_length"`
		Truncated bool   `db:"raw_truncated"`
	}
	var rows []row
	if err := s.DB().Select(&rows, `SELECT source_file, raw, raw_digest, raw_length, raw_truncated FROM quarantine ORDER BY source_file`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d quarantine rows, want 4 (once each)", len(rows))
	}
	sum := sha256.Sum256(huge)
	want := []struct {
		raw       []byte
		length    int64
		truncated bool
		digest    []byte
	}{
		{[]byte{}, 0, false, nil},
		{huge[:store.MaxQuarantineRaw], int64(len(huge)), true, sum[:]},
		{prefix, 5 << 20, true, nil},
		{[]byte{}, 0, false, nil},
	}
	for i, r := range rows {
		wt := want[i]
		if !bytes.Equal(r.Raw, wt.raw) || r.Length != wt.length || r.Truncated != wt.truncated {
			t.Errorf("%s: raw %d bytes, length %d, truncated %v; want %d, %d, %v",
				r.File, len(r.Raw), r.Length, r.Truncated, len(wt.raw), wt.length, wt.truncated)
		}
		if wt.digest != nil && !bytes.Equal(r.Digest, wt.digest) {
			t.Errorf("%s: digest is not the whole record's", r.File)
		}
	}
	list, err := s.ListQuarantine(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.SourceFile == "/in/b.xml" && (!e.RawTruncated || e.RawKept != store.MaxQuarantineRaw || e.RawLength != int64(len(huge))) {
			t.Errorf("listed as %+v", e)
		}
	}
}

// A file name of several kilobytes (deep directories) is still a
// quarantine identity: it must not hit the btree row limit.
func TestQuarantineLongFileName(t *testing.T) {
	s := storetest.Open(t, nil)
	w, _ := newWriter(t, s)
	b := make([]byte, 3000)
	rand.Read(b)
	file := "/" + hex.EncodeToString(b) // 6 kB, incompressible
	rec := store.IngestRecord{Format: "csv", File: file, LogRecord: portal.LogRecord{Reason: portal.ReasonMalformed, Raw: []byte("x"), Line: 2, Index: 1}}
	for round := 0; round < 2; round++ {
		if _, err := w.Write(context.Background(), []store.IngestRecord{rec}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	s.DB().Get(&n, `SELECT count(*) FROM quarantine`)
	if n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// randomID is an identifier PostgreSQL cannot compress into an index row.
func randomID(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// When PostgreSQL refuses a value the pipeline's checks did not catch
// (here the writer is fed directly, past CheckStorable, and a constraint
// added by the test refuses one name), the batch is halved until the
// refused rows are found: they are quarantined with the database's reason
// code, every other row is stored, and a rerun counts the same.
func TestRefusedValuesCostOnlyTheirRecord(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	if _, err := s.DB().Exec(`ALTER TABLE access_events ADD CONSTRAINT refuse_for_test CHECK (actor_name <> 'REFUSE ME')`); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var recs []store.IngestRecord
	for i := 0; i < 300; i++ {
		e := testEvent(t, fmt.Sprintf("ok-%d", i), start.Add(time.Duration(i)*time.Minute))
		recs = append(recs, store.IngestRecord{Format: "riv2", File: "/in/x.xml", LogRecord: portal.LogRecord{Event: e, Raw: []byte("<log/>"), Line: i + 1, Index: i + 1}})
	}
	longID := randomID(10_000)
	bad := map[int]func(*portal.Event){
		17:  func(e *portal.Event) { e.OccurredAt = e.OccurredAt.In(time.FixedZone("", 24*3600)) },
		150: func(e *portal.Event) { e.SourceLogID = longID },
		151: func(e *portal.Event) { e.ActorName = "REFUSE ME" },
		299: func(e *portal.Event) { e.ActorHSAID = portal.HSAID(randomID(9000)) },
	}
	for i, f := range bad {
		f(&recs[i].Event)
	}
	wantCodes := []string{"SQLSTATE 22", "SQLSTATE 54000", "SQLSTATE 23514", "SQLSTATE 54000"}
	for round := 0; round < 2; round++ {
		w, _ := newWriter(t, s)
		batch := make([]store.IngestRecord, len(recs))
		copy(batch, recs)
		c, err := w.Write(ctx, batch)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		want := store.Counts{Read: 300, Stored: 296, Quarantined: 4}
		if round == 1 {
			want = store.Counts{Read: 300, Duplicates: 296, Quarantined: 4}
		}
		if c != want {
			t.Fatalf("round %d: %+v, want %+v", round, c, want)
		}
	}
	var details []string
	if err := s.DB().Select(&details, `SELECT detail FROM quarantine ORDER BY record_no`); err != nil {
		t.Fatal(err)
	}
	if len(details) != 4 {
		t.Fatalf("quarantine %q", details)
	}
	for i, d := range details {
		if !strings.Contains(d, wantCodes[i]) || strings.Contains(d, "REFUSE") || strings.Contains(d, longID[:20]) {
			t.Errorf("detail %q, want %s and no value", d, wantCodes[i])
		}
	}
	if !strings.Contains(details[0], "column occurred_at") {
		t.Errorf("the refused time does not name its column: %q", details[0])
	}
	n, _ := s.CountEvents(ctx)
	if n != 296 {
		t.Fatalf("%d events stored, want 296", n)
	}
}

// A batch whose process died (its lock went with its session) is marked
// interrupted by the next BeginBatch; a batch still running elsewhere is
// left alone.
func TestDeadBatchesAreMarkedInterrupted(t *testing.T) {
	dsn := storetest.DSN(t)
	ctx := context.Background()
	open := func() *store.Store {
		s, err := store.Open(ctx, dsn, portal.SystemClock{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alive, dying, next := open(), open(), open()
	defer alive.Close()
	defer next.Close()
	live, err := alive.BeginBatch(ctx, "ingest", "alive")
	if err != nil {
		t.Fatal(err)
	}
	dead, err := dying.BeginBatch(ctx, "ingest", "dying")
	if err != nil {
		t.Fatal(err)
	}
	// A batch left running by an Insyn without batch locks.
	var orphan int64
	next.DB().Get(&orphan, `INSERT INTO import_batches (kind, source) VALUES ('ingest', 'old') RETURNING id`)
	status := func(id int64) string {
		var s string
		next.DB().Get(&s, `SELECT status FROM import_batches WHERE id = $1`, id)
		return s
	}
	if _, err := next.BeginBatch(ctx, "ingest", "next"); err != nil {
		t.Fatal(err)
	}
	if status(live) != "running" || status(dead) != "running" || status(orphan) != "interrupted" {
		t.Fatalf("live %s, dying %s, orphan %s", status(live), status(dead), status(orphan))
	}
	dying.Close() // as a killed process: its connections close
	if err := next.SweepBatches(ctx); err != nil {
		t.Fatal(err)
	}
	if status(live) != "running" || status(dead) != "interrupted" {
		t.Fatalf("after the death: live %s, dead %s", status(live), status(dead))
	}
	if err := alive.FinishBatch(ctx, live, false); err != nil || status(live) != "done" {
		t.Fatalf("finish: %v, %s", err, status(live))
	}
}

// PostgreSQL rounds times to microseconds, which can carry the last
// instant of a month (or of the year 9999) into the next month: its
// partition must exist too.
func TestTimesRoundedIntoTheNextMonth(t *testing.T) {
	s := storetest.Open(t, nil)
	evs := []portal.Event{
		testEvent(t, "edge", time.Date(2026, 1, 31, 23, 59, 59, 999_999_600, time.UTC)),
		testEvent(t, "last", time.Date(9999, 12, 31, 23, 59, 59, 999_999_900, time.UTC)),
	}
	n, err := s.InsertEvents(context.Background(), evs)
	if err != nil || n != 2 {
		t.Fatalf("stored %d: %v", n, err)
	}
	var feb int
	s.DB().Get(&feb, `SELECT count(*) FROM access_events_2026_02`)
	if feb != 1 {
		t.Fatalf("%d events in February's partition, want the rounded one", feb)
	}
}
