// Package store keeps Insyn's data in PostgreSQL: reference data, access
// events, quarantine and the record of who read which log. Every method that
// returns patient data takes the reading Actor and records the read.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/insyn/insyn/migrations"
	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Store wraps the database; it is safe for concurrent use.
type Store struct {
	db    *sqlx.DB
	clock portal.Clock
	log   *slog.Logger

	mu         sync.Mutex
	batchConns map[int64]*sqlx.Conn // running batches' connections, holding their locks

	stmts sync.Map // query text → *sqlx.Stmt: see prepared
}

// Open connects and checks the connection.
func Open(ctx context.Context, dsn string, clock portal.Clock, log *slog.Logger) (*Store, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, clock: clock, log: log, batchConns: map[int64]*sqlx.Conn{}}, nil
}

// Close lets go of unfinished batches (the next run marks them
// interrupted) and closes the connection pool.
func (s *Store) Close() error {
	s.closeBatches()
	s.stmts.Range(func(_, v any) bool { v.(*sqlx.Stmt).Close(); return true })
	return s.db.Close()
}

// prepared is q as a prepared statement, prepared once per Store (and by
// database/sql once per connection). A read of one patient's events across
// the monthly partitions costs PostgreSQL more to plan than to run (3 to 10
// ms of planning beside 1 to 2 ms of work, bench-web): a prepared statement
// is planned a few times, then runs on a cached generic plan whose
// partition pruning happens at run time. Only for queries whose plan does
// not hinge on the values: every caller here filters on one patient first.
// Prepared lazily, not at Open, because a Store may be opened to migrate.
func (s *Store) prepared(ctx context.Context, q string) (*sqlx.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sqlx.Stmt), nil
	}
	st, err := s.db.PreparexContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sqlx.Stmt), nil
	}
	return st, nil
}

// DB exposes the pool to sibling packages' tests and benchmarks.
func (s *Store) DB() *sqlx.DB { return s.db }

// Migrate applies every embedded migration not yet applied.
func (s *Store) Migrate(ctx context.Context) error { return Migrate(ctx, s.db) }

// Migrate applies the embedded goose migrations to db.
func Migrate(ctx context.Context, db *sqlx.DB) error {
	p, err := newGoose(db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// MigrateDown rolls every migration back (used by the migration test).
func MigrateDown(ctx context.Context, db *sqlx.DB) error {
	p, err := newGoose(db)
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("store: migrate down: %w", err)
	}
	return nil
}

// newGoose makes the migration runner. Its session advisory lock makes
// concurrent runs (two insyn commands started together on a fresh
// database) take turns: the second finds the first's work recorded and
// applies nothing. Held by the session, so a runner that dies releases
// it; checked every second, waited for up to ten minutes (a migration
// that rewrites a large table).
func newGoose(db *sqlx.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// conflict maps a unique violation to portal.Conflict.
func conflict(err error, msgID string) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return &portal.Error{Code: portal.Conflict, MsgID: msgID, Detail: "already exists", Err: err}
	}
	return err
}

// openPeriod reads a zero bound of [from, to) as open: from the beginning
// of the logs, to their end, as every period a caller may leave open.
func openPeriod(from, to time.Time) (time.Time, time.Time) {
	if from.IsZero() {
		from = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return from, to
}
