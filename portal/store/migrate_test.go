package store_test

import (
	"context"
	"testing"

	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestMigrateDownAndUpAgain(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	if err := store.MigrateDown(ctx, s.DB()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("after down: %d tables left", n)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var part string
	if err := s.DB().Get(&part, `SELECT insyn_ensure_event_partition('2026-03-15')`); err != nil {
		t.Fatal(err)
	}
	if part != "access_events_2026_03" {
		t.Fatalf("partition name %q", part)
	}
}

// A new month's partition is created while a reader holds access_events
// open: the reader does not block it.
func TestNewPartitionDoesNotWaitForReaders(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	reader, err := s.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback()
	var n int
	if err := reader.Get(&n, `SELECT count(*) FROM access_events`); err != nil {
		t.Fatal(err)
	}
	conn, err := s.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET lock_timeout = '2s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT insyn_ensure_event_partition('2031-07-01')`); err != nil {
		t.Fatalf("partition creation waited for a reader: %v", err)
	}
	var idx int
	s.DB().Get(&idx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'access_events_2031_07'`)
	if idx < 4 {
		t.Fatalf("attached partition has %d indexes, want the parent's 4", idx)
	}
}

// Two runners migrating one empty database at once take turns: both
// succeed and each migration is applied and recorded once.
func TestConcurrentMigrateRunsOnce(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	if err := store.MigrateDown(ctx, s.DB()); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- store.Migrate(ctx, s.DB()) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	var dup int
	if err := s.DB().Get(&dup, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version
		WHERE version_id > 0 AND is_applied GROUP BY version_id HAVING count(*) > 1) d`); err != nil {
		t.Fatal(err)
	}
	if dup != 0 {
		t.Fatalf("%d migrations recorded more than once", dup)
	}
}
