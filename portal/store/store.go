// Package store keeps Insyn's data in PostgreSQL: reference data, access
// events, quarantine and the record of who read which log. Every method that
// returns patient data takes the reading Actor, filters on it in SQL (a
// guardian's reads call insyn_may_act_for in the same statement; another's
// case or event is not found) and records the read in log_reads.
//
// Where things are:
//   - Ingest: COPY into access_events (monthly partitions made on demand;
//     a trigger adds the rows to review_groups); a batch that overlaps stored events goes through staging and ON
//     CONFLICT DO NOTHING; a row the database refuses is found by halving
//     the batch and quarantined with its SQLSTATE.
//   - extract.go: EventsForPatient streams a
//     patient's events with reference names and the explaining care
//     relation (picked by the definition's parts, as
//     insyn_explaining_relation picks it) as a prepared statement, so
//     partitions are pruned at run time on a cached plan.
//   - review.go, rule.go: RunReview is one transaction under an
//     advisory lock. It gathers the events of finished ingest batches no run
//     has covered (review_batches is the watermark, so events committed out
//     of id order are never skipped; review_periods for a run over a
//     period) and counts them per actor, day and patient from
//     review_groups, which a trigger on access_events keeps per batch
//     (migration 00026) until a run has covered the batch: a group one care window covers whole counts as it
//     stands; the others are taken apart from the accesses they keep and
//     explained one by one by hash joins to care_coverage (the care windows
//     merged per patient and unit or staff, migration 00025); an event a
//     single-event rule may fire on is kept alone with what those rules
//     read. No explanation is written per event: readers explain from
//     the definition. Each rule is one INSERT … SELECT into rule_hits (the
//     rules that follow a pair or a day read its events by index), the
//     hits are grouped per (actor, provider, patient) into cases on the
//     open-case index and their priority and narrative refreshed in one
//     statement. A care import, under the same lock, re-evaluates the hits
//     of rules that fire only on unexplained accesses of its patients:
//     withdraws those care now explains and closes, as justified, a rule
//     case left with nothing that no reviewer has touched; a later import
//     that leaves such an access unexplained again restores its hit and
//     reopens the case the system closed.
//   - case.go: FileFlag checks that the flagged events are the patient's and
//     joins the open case about the same (person, provider) or opens one
//     (INSERT … ON CONFLICT on cases_one_open, so concurrent flags meet).
//     casequery.go: ListCases, CaseDetail, RefreshCase. sample.go: one draw
//     per month and unit under an advisory lock, seed and criteria in
//     samples. casework.go: assignment, statements to a head of unit
//     (scoped by the head's role as it is now), CasePatient (identity on
//     demand) and StaffDayActivity (other patients unnamed), each read
//     recorded.
//   - role.go: staff_roles, every change in role_changes; GrantsFor is read
//     on every request, so a revoke takes effect at once.
//   - request.go, check.go, control.go: extract requests, targeted checks
//     and controls (filled by a trigger on a decision's timeline entry and
//     by completed checks), scoped to the reviewer's providers or the head
//     of unit's units.
//   - guardian.go, watch.go, rule_watchlist.go: guardian_sessions (keyed by
//     a hash of the session's form token), the watchlist and its changes,
//     and the watchlist rule.
//   - notify.go, notify_guardian.go: settings and the outbox. Notices are
//     written in the transaction of their cause (the review run, a case
//     decision, an address change, the monthly digest) and claimed with
//     FOR UPDATE SKIP LOCKED under a lease.
package store

import (
	"context"
	"database/sql"
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

	reads *sqlx.DB    // the prepared statements' pool: see prepared
	stmts sync.Map    // query text → *sqlx.Stmt: see prepared
	dirs  directories // the reference data's names: see directoryAt
}

// maxIdleConns is how many connections the pool keeps open between uses.
const maxIdleConns = 16

// Open connects and checks the connection.
func Open(ctx context.Context, dsn string, clock portal.Clock, log *slog.Logger) (*Store, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db, err := openPool(cfg)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	// The prepared statements' pool plans them once: see prepared.
	generic := cfg.Clone()
	if generic.Runtime == nil {
		generic.Runtime = map[string]string{}
	}
	generic.Runtime["plan_cache_mode"] = "force_generic_plan"
	// A read of hundreds of rows never gains from compiling its plan, and
	// a generic plan is compiled anew on every run once its estimate over
	// every partition passes jit_above_cost.
	generic.Runtime["jit"] = "off"
	reads, err := openPool(generic)
	if err != nil {
		db.Close()
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: db, reads: reads, clock: clock, log: log, batchConns: map[int64]*sqlx.Conn{}}, nil
}

// openPool is a pool of connections made by cfg, read through a larger
// buffer (bufferedDialer).
func openPool(cfg pq.Config) (*sqlx.DB, error) {
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	connector.Dialer(bufferedDialer{})
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	// database/sql keeps two idle connections by default: with more work
	// at once (pages, the review, the mail worker) every further one was
	// closed when returned and opened again for the next, a new
	// PostgreSQL backend that prepares its statements anew each time.
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Close lets go of unfinished batches (the next run marks them
// interrupted) and closes the connection pool.
func (s *Store) Close() error {
	s.closeBatches()
	s.stmts.Range(func(_, v any) bool { v.(*sqlx.Stmt).Close(); return true })
	s.reads.Close()
	return s.db.Close()
}

// prepared is q as a prepared statement, prepared once per Store (and by
// database/sql once per connection). A read of one patient's events across
// the monthly partitions costs PostgreSQL more to plan than to run (3 to 10
// ms of planning beside 1 to 2 ms of work, bench-web): a prepared statement
// runs on a cached generic plan whose partition pruning happens at run
// time. PostgreSQL's own choice (five plans for the values, then the
// generic one if it does not look dearer) kept planning each read anew in
// some runs, once a review run's analyze changed the estimates: 10 ms of
// planning beside 3 of work. So these statements live on a pool of their
// own whose connections always take the generic plan (plan_cache_mode),
// while every other statement keeps plans for its values. Only for queries
// whose plan does not hinge on the values: every caller here filters on
// one patient first. Prepared lazily, not at Open, because a Store may be
// opened to migrate.
func (s *Store) prepared(ctx context.Context, q string) (*sqlx.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sqlx.Stmt), nil
	}
	st, err := s.reads.PreparexContext(ctx, q)
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
