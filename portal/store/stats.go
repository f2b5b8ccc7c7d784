package store

import (
	"context"
	"fmt"
)

const (
	// Event counts come from the planner's statistics: an exact count(*)
	// over years of partitions would take minutes. Ingest analyses what
	// it wrote, so the estimate is close.
	qStats = `
SELECT
  (SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'access_events'::regclass) AS events,
  (SELECT count(*) FROM patients) AS patients,
  (SELECT count(*) FROM units) AS units,
  (SELECT count(*) FROM quarantine) AS quarantined`

	qAnalyzeEvents = `ANALYZE access_events, review_groups`
)

// Stats is an overview of what the installation holds.
type Stats struct {
	Events      int64 `db:"events"`
	Patients    int64 `db:"patients"`
	Units       int64 `db:"units"`
	Quarantined int64 `db:"quarantined"`
}

// Stats returns the overview.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	if err := s.db.GetContext(ctx, &st, qStats); err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}

// AnalyzeEvents refreshes planner statistics after a bulk load: the
// events' and their review groups' (a review run planned without them
// walks the groups by index, one at a time).
func (s *Store) AnalyzeEvents(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, qAnalyzeEvents); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// Ping checks the database connection.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
