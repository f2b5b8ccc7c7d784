package store

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// batchLockSpace is the first key of the session advisory lock a running
// batch holds on its id ("insy"); the two-key form never meets the
// one-key locks used elsewhere.
const batchLockSpace = 0x696e7379

const (
	qBeginBatch = `INSERT INTO import_batches (kind, source, started_at) VALUES ($1, $2, $3) RETURNING id`

	qLockBatch   = `SELECT pg_advisory_lock($1, ($2::bigint % 2147483647)::int)`
	qUnlockBatch = `SELECT pg_advisory_unlock($1, ($2::bigint % 2147483647)::int)`

	// A running batch whose lock can be taken has no live process behind
	// it: the lock goes with the session, so a killed ingest loses it.
	qSweepBatches = `
UPDATE import_batches SET status = 'interrupted', finished_at = $1
WHERE status = 'running' AND pg_try_advisory_xact_lock($2, (id % 2147483647)::int)`

	qFinishBatch = `UPDATE import_batches SET status = $2, finished_at = $3 WHERE id = $1`

	// qSummarizeEvents brings the block-range index on batch_id of every
	// event partition up to date with the pages written since it was last
	// summarised. PostgreSQL leaves new ranges unsummarised until a vacuum,
	// and an unsummarised range matches any batch: a review run looking
	// for one new batch would read the whole month instead. Only the new
	// ranges are read, while they are still in memory.
	qSummarizeEvents = `
SELECT COALESCE(sum(brin_summarize_new_values(i.indexrelid)), 0)
FROM pg_inherits h
JOIN pg_index i ON i.indrelid = h.inhrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'brin'
WHERE h.inhparent = 'access_events'::regclass`
)

// BeginBatch records the start of an ingest or import run. The batch holds
// a session advisory lock on its id until FinishBatch, so a run that dies
// without finishing is recognised as dead: first of all, BeginBatch marks
// every such batch interrupted.
func (s *Store) BeginBatch(ctx context.Context, kind, source string) (int64, error) {
	if err := s.SweepBatches(ctx); err != nil {
		return 0, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: begin batch: %w", err)
	}
	id, err := s.insertLockedBatch(ctx, conn, kind, source)
	if err != nil {
		conn.Close()
		return 0, fmt.Errorf("store: begin batch: %w", err)
	}
	s.mu.Lock()
	s.batchConns[id] = conn
	s.mu.Unlock()
	return id, nil
}

// insertLockedBatch inserts the batch and takes its lock in one
// transaction, so no other process ever sees it running and unlocked.
func (s *Store) insertLockedBatch(ctx context.Context, conn *sqlx.Conn, kind, source string) (int64, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var id int64
	// source may be a file name: bytes on Linux, not always UTF-8.
	if err := tx.GetContext(ctx, &id, qBeginBatch, kind, quarantineText(source), s.clock.Now()); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, qLockBatch, batchLockSpace, id); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// SweepBatches marks interrupted every running batch that no live process
// holds.
func (s *Store) SweepBatches(ctx context.Context) error {
	res, err := s.db.ExecContext(ctx, qSweepBatches, s.clock.Now(), batchLockSpace)
	if err != nil {
		return fmt.Errorf("store: sweep batches: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Warn("ingest batches of killed runs marked interrupted", "count", n)
	}
	return nil
}

// FinishBatch marks a run done or failed, then lets go of its lock.
func (s *Store) FinishBatch(ctx context.Context, id int64, failed bool) error {
	status := "done"
	if failed {
		status = "failed"
	}
	// Before the batch is done, so the run that takes it finds it summarised.
	// Only a matter of speed: a failure is logged, not the batch's.
	if _, err := s.db.ExecContext(ctx, qSummarizeEvents); err != nil {
		s.log.Warn("summarising the events' batch index failed", "err", err)
	}
	_, err := s.db.ExecContext(ctx, qFinishBatch, id, status, s.clock.Now())
	s.releaseBatch(id)
	if err != nil {
		return fmt.Errorf("store: finish batch: %w", err)
	}
	return nil
}

// releaseBatch unlocks the batch and returns its connection to the pool;
// a connection that cannot unlock is discarded, which unlocks it too.
func (s *Store) releaseBatch(id int64) {
	s.mu.Lock()
	conn := s.batchConns[id]
	delete(s.batchConns, id)
	s.mu.Unlock()
	if conn == nil {
		return
	}
	if _, err := conn.ExecContext(context.Background(), qUnlockBatch, batchLockSpace, id); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

// closeBatches releases the locks of batches never finished (Close).
func (s *Store) closeBatches() {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.batchConns))
	for id := range s.batchConns {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.releaseBatch(id)
	}
}
