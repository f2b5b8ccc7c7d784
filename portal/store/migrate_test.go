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
