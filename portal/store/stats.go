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

	qAnalyzeEvents = `ANALYZE access_events`

	// What the planner believes event_explanations holds: -1 before its
	// first ANALYZE.
	qExplanationsEstimate = `SELECT reltuples FROM pg_class WHERE oid = 'event_explanations'::regclass`
	qAnalyzeExplanations  = `ANALYZE event_explanations`
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

// analyzeGrownExplanations brings event_explanations' statistics up to
// date when a run has added more than a tenth of what they say it holds
// (autovacuum's own threshold, which it reaches only up to a minute
// later). Until then, a read planned while the table was empty (the
// history's prepared read keeps its generic plan) joins each event to
// the whole table by a sequential scan: after the first review of a
// new installation, 500 events' history took 15 ms instead of 3. ANALYZE
// invalidates the cached plans. It runs after the run's commit, as
// ANALYZE sees only committed rows; a failure leaves the work to
// autovacuum and is only logged.
func (s *Store) analyzeGrownExplanations(ctx context.Context, added int64) {
	if added == 0 {
		return
	}
	var est float64
	err := s.db.GetContext(ctx, &est, qExplanationsEstimate)
	if err == nil && est >= 0 && float64(added) <= est/10 {
		return
	}
	if err == nil {
		_, err = s.db.ExecContext(ctx, qAnalyzeExplanations)
	}
	if err != nil {
		s.log.Warn("statistics of the explanations not refreshed after a review run; autovacuum will", "err", err)
	}
}

// AnalyzeEvents refreshes planner statistics after a bulk load.
func (s *Store) AnalyzeEvents(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, qAnalyzeEvents); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// Ping checks the database connection.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
