package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// eventColumns are the columns ingest writes; id comes from the sequence.
var eventColumns = []string{
	"batch_id", "source_system", "source_log_id", "occurred_at",
	"actor_hsa_id", "actor_name", "actor_personal_id", "actor_title", "actor_assignment",
	"actor_provider_hsa_id", "actor_provider_name", "actor_unit_hsa_id", "actor_unit_name",
	"activity", "activity_code", "activity_args", "purpose", "purpose_code",
	"patient_id", "patient_id_kind", "patient_id_root", "patient_name",
	"resource_type", "owner_unit_hsa_id", "owner_unit_name", "owner_provider_hsa_id", "owner_provider_name",
	"emergency", "coherent", "raw", "local_time",
}

const (
	// The staging table lives per connection and empties at commit, so
	// concurrent ingests never see each other's rows.
	qCreateStaging = `
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
    batch_id bigint, source_system text, source_log_id text, occurred_at timestamptz,
    actor_hsa_id text, actor_name text, actor_personal_id text, actor_title text, actor_assignment text,
    actor_provider_hsa_id text, actor_provider_name text, actor_unit_hsa_id text, actor_unit_name text,
    activity text, activity_code text, activity_args text, purpose text, purpose_code text,
    patient_id text, patient_id_kind text, patient_id_root text, patient_name text,
    resource_type text, owner_unit_hsa_id text, owner_unit_name text, owner_provider_hsa_id text, owner_provider_name text,
    emergency boolean, coherent boolean, raw jsonb, local_time local_time_note
) ON COMMIT DELETE ROWS`

	qMoveStaged = `
INSERT INTO access_events (` + columnList + `)
SELECT ` + columnList + ` FROM ingest_staging
ON CONFLICT (source_system, source_log_id, occurred_at) DO NOTHING`

	qClearStaging = `DELETE FROM ingest_staging`

	// qWriteMemory lets a write's statements keep what the review groups'
	// trigger reads (the rows they wrote, about 2 KB each) in memory: at
	// the default 4 MB a batch of 2,000 spills to a temporary file.
	qWriteMemory = `SELECT set_config('work_mem', '64MB', true)`

	qEnsurePartition = `SELECT insyn_ensure_event_partition($1)`

	qInsertQuarantine = `
INSERT INTO quarantine (batch_id, source_file, line, record_no, format, reason, detail, raw, raw_digest,
                        raw_length, raw_truncated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (md5(source_file), raw_digest, record_no) DO NOTHING`

	qAddToBatch = `
UPDATE import_batches
SET read = read + $2, stored = stored + $3, duplicates = duplicates + $4, quarantined = quarantined + $5
WHERE id = $1`

	qCountEvents = `SELECT count(*) FROM access_events`
)

const columnList = `batch_id, source_system, source_log_id, occurred_at,
    actor_hsa_id, actor_name, actor_personal_id, actor_title, actor_assignment,
    actor_provider_hsa_id, actor_provider_name, actor_unit_hsa_id, actor_unit_name,
    activity, activity_code, activity_args, purpose, purpose_code,
    patient_id, patient_id_kind, patient_id_root, patient_name,
    resource_type, owner_unit_hsa_id, owner_unit_name, owner_provider_hsa_id, owner_provider_name,
    emergency, coherent, raw, local_time`

// IngestRecord is a parsed record with where it came from.
type IngestRecord struct {
	portal.LogRecord
	Format string // format package name, e.g. "riv2"
	File   string // source file as an absolute, cleaned path; "-" for stdin
}

// Counts tallies what happened to the records of one write.
type Counts struct {
	Read        int `json:"read"`
	Stored      int `json:"stored"`
	Duplicates  int `json:"duplicates"`
	Quarantined int `json:"quarantined"`
}

// Add sums counts.
func (c *Counts) Add(o Counts) {
	c.Read += o.Read
	c.Stored += o.Stored
	c.Duplicates += o.Duplicates
	c.Quarantined += o.Quarantined
}

// EventWriter writes batches of records on one dedicated connection.
type EventWriter struct {
	s       *Store
	conn    *sqlx.Conn
	batchID int64
	months  map[int]bool // year*12+month whose partition exists
	overlap bool         // the last batch had duplicates: skip the direct COPY
	staged  bool         // this transaction has moved rows out of ingest_staging
}

// NewEventWriter opens a connection with its staging table.
func (s *Store) NewEventWriter(ctx context.Context, batchID int64) (*EventWriter, error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: event writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, qCreateStaging); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: create staging: %w", err)
	}
	return &EventWriter{s: s, conn: conn, batchID: batchID, months: map[int]bool{}}, nil
}

// Close releases the connection.
func (w *EventWriter) Close() error { return w.conn.Close() }

// Write stores one batch atomically: its events (duplicates skipped), its
// quarantined records and the batch counters commit together, so a run
// killed half way leaves whole batches and a rerun completes it. A batch
// that loses a deadlock or serialization conflict to a concurrent ingest
// is written again after a jittered pause; with every batch taking its
// locks in key order (see batchOrder) such conflicts are rare.
func (w *EventWriter) Write(stop context.Context, recs []IngestRecord) (Counts, error) {
	// The transaction is not bound to stop: database/sql would roll it
	// back from another goroutine in the middle of a COPY, which leaves
	// lib/pq reading the socket in two places and hangs. stop is checked
	// between rows instead, and the deferred Rollback runs in order.
	ctx := context.WithoutCancel(stop)
	b := newBatchOrder(recs)
	for attempt := 1; ; attempt++ {
		c, err := w.write(ctx, stop, b)
		if err == nil || !isRetryable(err) || attempt == maxAttempts {
			return c, err
		}
		w.s.log.Warn("ingest batch conflicted with another ingest, retrying",
			"batch_id", w.batchID, "count", attempt, "error", err)
		if err := backoff(stop, attempt); err != nil {
			return Counts{}, err
		}
	}
}

func (w *EventWriter) write(ctx, stop context.Context, b *batchOrder) (Counts, error) {
	c := Counts{Read: len(b.recs)}
	if err := w.ensurePartitions(ctx, b.recs); err != nil {
		return Counts{}, err
	}
	tx, err := w.conn.BeginTxx(ctx, nil)
	if err != nil {
		return Counts{}, fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, qWriteMemory); err != nil {
		return Counts{}, fmt.Errorf("store: begin: %w", err)
	}
	w.staged = false
	if c.Stored, c.Duplicates, err = w.storeEvents(ctx, stop, tx, b); err != nil {
		return Counts{}, err
	}
	// Events refused by the database joined the quarantined records.
	for _, i := range b.quarantined() {
		if err := w.quarantine(ctx, tx, &b.recs[i], b.digest(i)); err != nil {
			return Counts{}, err
		}
		c.Quarantined++
	}
	if err := stop.Err(); err != nil {
		return Counts{}, err
	}
	if _, err := tx.ExecContext(ctx, qAddToBatch, w.batchID, c.Read, c.Stored, c.Duplicates, c.Quarantined); err != nil {
		return Counts{}, fmt.Errorf("store: update batch: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Counts{}, fmt.Errorf("store: commit events: %w", err)
	}
	return c, nil
}

// storeEvents stores the batch's events in key order. Should PostgreSQL
// refuse a value the pipeline's checks let through, the batch is halved
// until the refused rows are found: each is quarantined with the database's
// reason code and every other row is stored.
func (w *EventWriter) storeEvents(ctx, stop context.Context, tx *sqlx.Tx, b *batchOrder) (stored, dups int, err error) {
	return w.storePart(ctx, stop, tx, b, b.events)
}

func (w *EventWriter) storePart(ctx, stop context.Context, tx *sqlx.Tx, b *batchOrder, part []int) (stored, dups int, err error) {
	stored, dups, err = w.storeOnce(ctx, stop, tx, b.recs, part)
	if err == nil || !isDataError(err) {
		return stored, dups, err
	}
	if len(part) == 1 {
		// The database's message may quote the value: only its code is logged.
		code := refuse(&b.recs[part[0]], err)
		w.s.log.Warn("the database refused a record; quarantined", "batch_id", w.batchID, "error", code)
		return 0, 0, nil
	}
	mid := len(part) / 2
	s1, d1, err := w.storePart(ctx, stop, tx, b, part[:mid])
	if err != nil {
		return 0, 0, err
	}
	s2, d2, err := w.storePart(ctx, stop, tx, b, part[mid:])
	return s1 + s2, d1 + d2, err
}

// storeOnce first tries COPY straight into access_events, which is all a
// first ingest of new logs needs and runs at PostgreSQL's own COPY rate. A
// unique violation means the batch overlaps what is stored (a rerun, a
// resent file): the savepoint is rolled back and the batch goes through the
// staging table and ON CONFLICT DO NOTHING, which also counts duplicates.
// After such a batch the next ones take the staging path until one comes
// through without duplicates, so a rerun does not fail every batch twice.
// Any other failure rolls the savepoint back too, so the caller may try
// parts of the batch again.
func (w *EventWriter) storeOnce(ctx, stop context.Context, tx *sqlx.Tx, recs []IngestRecord, part []int) (stored, dups int, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT part`); err != nil {
		return 0, 0, fmt.Errorf("store: savepoint: %w", err)
	}
	if !w.overlap {
		n, err := w.copyEvents(ctx, stop, tx, "access_events", recs, part)
		if err == nil {
			_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT part`)
			return n, 0, err
		}
		if err := rollbackPart(ctx, tx, err); !isUniqueViolation(err) {
			return 0, 0, err
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT part`); err != nil {
			return 0, 0, fmt.Errorf("store: savepoint: %w", err)
		}
	}
	stored, dups, err = w.storeStaged(ctx, stop, tx, recs, part)
	if err != nil {
		return 0, 0, rollbackPart(ctx, tx, err)
	}
	_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT part`)
	return stored, dups, err
}

func (w *EventWriter) storeStaged(ctx, stop context.Context, tx *sqlx.Tx, recs []IngestRecord, part []int) (stored, dups int, err error) {
	if w.staged { // an earlier part of this batch left its rows there
		if _, err := tx.ExecContext(ctx, qClearStaging); err != nil {
			return 0, 0, fmt.Errorf("store: clear staging: %w", err)
		}
	}
	staged, err := w.copyEvents(ctx, stop, tx, "ingest_staging", recs, part)
	if err != nil || staged == 0 {
		return 0, 0, err
	}
	res, err := tx.ExecContext(ctx, qMoveStaged)
	if err != nil {
		return 0, 0, fmt.Errorf("store: move staged events: %w", err)
	}
	w.staged = true
	n, _ := res.RowsAffected()
	stored, dups = int(n), staged-int(n)
	w.overlap = dups > 0
	return stored, dups, nil
}

// rollbackPart undoes a failed part back to its savepoint, drops the
// savepoint (halving a batch must not pile them up) and returns the
// failure; a failure that is not the database's (a cancelled run) leaves
// the transaction to the caller's Rollback.
func rollbackPart(ctx context.Context, tx *sqlx.Tx, cause error) error {
	var pqErr *pq.Error
	if !errors.As(cause, &pqErr) {
		return cause
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT part; RELEASE SAVEPOINT part`); err != nil {
		return fmt.Errorf("store: rollback to savepoint: %w (after %w)", err, cause)
	}
	return cause
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}

// ensurePartitions creates the month partitions the batch's events need.
// PostgreSQL rounds a time to microseconds, which can carry the last
// instant of a month into the next: both months are ensured.
func (w *EventWriter) ensurePartitions(ctx context.Context, recs []IngestRecord) error {
	for i := range recs {
		if recs[i].Quarantined() {
			continue
		}
		t := recs[i].Event.OccurredAt.UTC()
		if err := w.ensureMonth(ctx, t); err != nil {
			return err
		}
		if r := t.Round(time.Microsecond); r.Month() != t.Month() {
			if err := w.ensureMonth(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *EventWriter) ensureMonth(ctx context.Context, t time.Time) error {
	key := t.Year()*12 + int(t.Month())
	if w.months[key] {
		return nil
	}
	month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	if _, err := w.conn.ExecContext(ctx, qEnsurePartition, month); err != nil {
		return fmt.Errorf("store: create partition: %w", err)
	}
	w.months[key] = true
	return nil
}

func (w *EventWriter) copyEvents(ctx, stop context.Context, tx *sqlx.Tx, table string, recs []IngestRecord, part []int) (int, error) {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, eventColumns...))
	if err != nil {
		return 0, fmt.Errorf("store: copy: %w", err)
	}
	n := 0
	for _, i := range part {
		if recs[i].Quarantined() {
			continue // refused in an earlier attempt
		}
		if err := stop.Err(); err != nil {
			stmt.Close()
			return 0, err
		}
		if _, err := stmt.ExecContext(ctx, eventRow(w.batchID, &recs[i])...); err != nil {
			stmt.Close()
			return 0, fmt.Errorf("store: copy event: %w", err)
		}
		n++
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return 0, fmt.Errorf("store: copy flush: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return 0, fmt.Errorf("store: copy close: %w", err)
	}
	return n, nil
}

func eventRow(batchID int64, r *IngestRecord) []any {
	e := &r.Event
	return []any{
		batchID, e.SourceSystem, e.SourceLogID, e.OccurredAt,
		string(e.ActorHSAID), e.ActorName, e.ActorPersonalID.Digits(), e.ActorTitle, e.ActorAssignment,
		string(e.ActorProvider.HSAID), e.ActorProvider.Name, string(e.ActorUnit.HSAID), e.ActorUnit.Name,
		string(e.Activity), e.ActivityCode, e.ActivityArgs, string(e.Purpose), e.PurposeCode,
		e.Patient.Digits(), string(e.Patient.Kind()), e.Patient.Root(), e.PatientName,
		e.ResourceType, string(e.Owner.HSAID), e.Owner.Name, string(e.OwnerProvider.HSAID), e.OwnerProvider.Name,
		e.Emergency(), e.CoherentRecordKeeping(), rawJSON(r), localTime(e.LocalTime),
	}
}

// rawJSON keeps the original record as jsonb: a JSON record as itself, any
// other (XML, CSV), and JSON that jsonb cannot hold as it came (see
// jsonbSafe), as a string, with the format and position beside it.
func rawJSON(r *IngestRecord) string {
	if jsonbSafe(r.Raw) {
		return `{"format":` + strconv.Quote(r.Format) + `,"line":` + strconv.Itoa(r.Line) + `,"record":` + string(r.Raw) + `}`
	}
	b := make([]byte, 0, len(r.Raw)+len(r.Raw)/8+48)
	b = append(b, `{"format":`...)
	b = appendJSONString(b, r.Format)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(r.Line), 10)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, string(r.Raw))
	return string(append(b, '}'))
}

// appendJSONString quotes s for JSON. Unlike encoding/json it leaves <, >
// and & alone: escaping them (for HTML) would triple the size of every
// stored XML record. s is valid UTF-8 (CheckText quarantines what is not).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (w *EventWriter) quarantine(ctx context.Context, tx *sqlx.Tx, r *IngestRecord, digest []byte) error {
	raw, length, truncated := keptRaw(&r.LogRecord)
	_, err := tx.ExecContext(ctx, qInsertQuarantine, w.batchID, quarantineText(r.File), r.Line, r.Index, r.Format,
		string(r.Reason), quarantineText(r.Detail), raw, digest, length, truncated)
	if err != nil {
		return fmt.Errorf("store: quarantine: %w", err)
	}
	return nil
}

// InsertEvents stores events through the same path as ingest, in a batch of
// their own. For tests and small programmatic inputs.
func (s *Store) InsertEvents(ctx context.Context, events []portal.Event) (int, error) {
	id, err := s.BeginBatch(ctx, "ingest", "insert")
	if err != nil {
		return 0, err
	}
	w, err := s.NewEventWriter(ctx, id)
	if err != nil {
		return 0, errors.Join(err, s.FinishBatch(ctx, id, true))
	}
	defer w.Close()
	recs := make([]IngestRecord, len(events))
	for i, e := range events {
		recs[i] = IngestRecord{LogRecord: portal.LogRecord{Event: e, Raw: []byte(`{}`), Index: i + 1}, Format: "internal"}
	}
	c, err := w.Write(ctx, recs)
	if err != nil {
		return 0, errors.Join(err, s.FinishBatch(ctx, id, true))
	}
	return c.Stored, s.FinishBatch(ctx, id, false)
}

// CountEvents returns the number of stored events.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, qCountEvents); err != nil {
		return 0, fmt.Errorf("store: count events: %w", err)
	}
	return n, nil
}
