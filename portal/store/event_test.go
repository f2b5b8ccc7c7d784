package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func testEvent(t *testing.T, logID string, at time.Time) portal.Event {
	t.Helper()
	pat, err := portal.ParsePersonalID("191212121212")
	if err != nil {
		t.Fatal(err)
	}
	return portal.Event{
		SourceSystem: "SE2321000016-SYS1", SourceLogID: logID, OccurredAt: at,
		ActorHSAID: "SE2321000016-A1B2", ActorName: "Anna Lindqvist",
		ActorProvider: portal.Party{HSAID: "SE2321000016-0001", Name: "Region Exempelland"},
		ActorUnit:     portal.Party{HSAID: "SE2321000016-U001", Name: "Vårdcentralen Kungsholmen"},
		Activity:      portal.ActivityRead, ActivityCode: "Läsa", Purpose: portal.PurposeCare, PurposeCode: "Vård och behandling",
		Patient: pat, ResourceType: "Journalanteckning",
		OwnerProvider: portal.Party{HSAID: "SE2321000016-0002", Name: "Vårdbolaget Norr AB"},
	}
}

func TestInsertEventsIsIdempotentAcrossMonths(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	evs := []portal.Event{
		testEvent(t, "a", time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)),
		testEvent(t, "b", time.Date(2026, 2, 1, 0, 30, 0, 0, time.UTC)),
		testEvent(t, "b", time.Date(2026, 2, 1, 0, 30, 0, 0, time.UTC)), // same record twice in one batch
	}
	n, err := s.InsertEvents(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("stored %d, want 2", n)
	}
	if n, err = s.InsertEvents(ctx, evs); err != nil || n != 0 {
		t.Fatalf("re-insert stored %d (%v), want 0", n, err)
	}
	var parts int
	s.DB().Get(&parts, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'access_events'::regclass`)
	if parts != 2 {
		t.Fatalf("%d partitions, want 2", parts)
	}
	var coherent bool
	var pid string
	if err := s.DB().Get(&coherent, `SELECT coherent FROM access_events WHERE source_log_id = 'a'`); err != nil || !coherent {
		t.Fatalf("coherent = %v, %v", coherent, err)
	}
	s.DB().Get(&pid, `SELECT patient_id FROM access_events WHERE source_log_id = 'a'`)
	if pid != "191212121212" {
		t.Fatalf("patient id stored as %q", pid)
	}
}

func TestWriteQuarantinesOnceAndCounts(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	id, err := s.BeginBatch(ctx, "ingest", "test")
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.NewEventWriter(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	bad := store.IngestRecord{Format: "riv2", File: "x.xml",
		LogRecord: portal.LogRecord{Reason: portal.ReasonMissingField, Detail: "patient id", Raw: []byte("<log/>"), Line: 7, Index: 2}}
	good := store.IngestRecord{Format: "riv2", File: "x.xml",
		LogRecord: portal.LogRecord{Event: testEvent(t, "g", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), Raw: []byte("<log/>"), Line: 2, Index: 1}}
	for round := 0; round < 2; round++ {
		c, err := w.Write(ctx, []store.IngestRecord{good, bad})
		if err != nil {
			t.Fatal(err)
		}
		want := store.Counts{Read: 2, Stored: 1 - round, Duplicates: round, Quarantined: 1}
		if c != want {
			t.Fatalf("round %d: %+v, want %+v", round, c, want)
		}
	}
	var q struct {
		Line   int    `db:"line"`
		Reason string `db:"reason"`
		N      int    `db:"n"`
	}
	if err := s.DB().Get(&q, `SELECT min(line) AS line, min(reason) AS reason, count(*) AS n FROM quarantine`); err != nil {
		t.Fatal(err)
	}
	if q.N != 1 || q.Line != 7 || q.Reason != "missing_field" {
		t.Fatalf("quarantine %+v", q)
	}
	var read, stored int
	s.DB().QueryRow(`SELECT read, stored FROM import_batches WHERE id = $1`, id).Scan(&read, &stored)
	if read != 4 || stored != 1 {
		t.Fatalf("batch read=%d stored=%d", read, stored)
	}
}

// Ctrl-C in the middle of a COPY returns promptly, commits nothing of the
// batch and leaves the pool usable (database/sql must not roll back from
// another goroutine while lib/pq is inside a COPY).
func TestWriteCancelledMidCopyReturns(t *testing.T) {
	s := storetest.Open(t, nil)
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	cancelled := 0
	for it := 0; it < 40; it++ {
		var recs []store.IngestRecord // new ids each time: every write is a real COPY
		for i := 0; i < 3000; i++ {
			e := testEvent(t, strconv.Itoa(it)+"-"+strconv.Itoa(i), start.Add(time.Duration(i)*time.Second))
			recs = append(recs, store.IngestRecord{LogRecord: portal.LogRecord{Event: e, Raw: []byte("<log/>"), Index: i}, Format: "riv2"})
		}
		id, err := s.BeginBatch(context.Background(), "ingest", "cancel")
		if err != nil {
			t.Fatal(err)
		}
		w, err := s.NewEventWriter(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Duration(it%15)*time.Millisecond, cancel)
		done := make(chan error, 1)
		go func() { _, err := w.Write(ctx, recs); w.Close(); done <- err }()
		select {
		case err := <-done:
			var n int
			if qerr := s.DB().Get(&n, `SELECT count(*) FROM access_events WHERE batch_id = $1`, id); qerr != nil {
				t.Fatal(qerr)
			}
			// All or nothing: a write that returned stored its whole
			// batch, a cancelled one none of it.
			switch {
			case err == nil && n != len(recs):
				t.Fatalf("write returned without error but stored %d of %d events", n, len(recs))
			case err != nil && !errors.Is(err, context.Canceled):
				t.Fatalf("cancelled write: %v", err)
			case err != nil && n != 0:
				t.Fatalf("cancelled write left %d events", n)
			case err != nil:
				cancelled++
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("Write hangs after cancel (iteration %d)", it)
		}
		cancel()
	}
	if cancelled == 0 {
		t.Error("no write was cancelled: the test did not test cancellation")
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}
