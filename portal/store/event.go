package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

	qEnsurePartition = `SELECT insyn_ensure_event_partition($1)`

	qInsertQuarantine = `
INSERT INTO quarantine (batch_id, source_file, line, record_no, format, reason, detail, raw, raw_digest)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (source_file, raw_digest, record_no) DO NOTHING`

	qBeginBatch = `INSERT INTO import_batches (kind, source, started_at) VALUES ($1, $2, $3) RETURNING id`

	qAddToBatch = `
UPDATE import_batches
SET read = read + $2, stored = stored + $3, duplicates = duplicates + $4, quarantined = quarantined + $5
WHERE id = $1`

	qFinishBatch = `UPDATE import_batches SET status = $2, finished_at = $3 WHERE id = $1`

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
	File   string // source file as given on the command line, "-" for stdin
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

// BeginBatch records the start of an ingest or import run.
func (s *Store) BeginBatch(ctx context.Context, kind, source string) (int64, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, qBeginBatch, kind, source, s.clock.Now()); err != nil {
		return 0, fmt.Errorf("store: begin batch: %w", err)
	}
	return id, nil
}

// FinishBatch marks a run done or failed.
func (s *Store) FinishBatch(ctx context.Context, id int64, failed bool) error {
	status := "done"
	if failed {
		status = "failed"
	}
	if _, err := s.db.ExecContext(ctx, qFinishBatch, id, status, s.clock.Now()); err != nil {
		return fmt.Errorf("store: finish batch: %w", err)
	}
	return nil
}

// EventWriter writes batches of records on one dedicated connection.
type EventWriter struct {
	s       *Store
	conn    *sqlx.Conn
	batchID int64
	months  map[int]bool // year*12+month whose partition exists
	overlap bool         // the last batch had duplicates: skip the direct COPY
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
// killed half way leaves whole batches and a rerun completes it.
func (w *EventWriter) Write(stop context.Context, recs []IngestRecord) (Counts, error) {
	// The transaction is not bound to stop: database/sql would roll it
	// back from another goroutine in the middle of a COPY, which leaves
	// lib/pq reading the socket in two places and hangs. stop is checked
	// between rows instead, and the deferred Rollback runs in order.
	ctx := context.WithoutCancel(stop)
	c := Counts{Read: len(recs)}
	if err := w.ensurePartitions(ctx, recs); err != nil {
		return Counts{}, err
	}
	tx, err := w.conn.BeginTxx(ctx, nil)
	if err != nil {
		return Counts{}, fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if c.Stored, c.Duplicates, err = w.storeEvents(ctx, stop, tx, recs); err != nil {
		return Counts{}, err
	}
	for i := range recs {
		if recs[i].Quarantined() {
			if err := w.quarantine(ctx, tx, &recs[i]); err != nil {
				return Counts{}, err
			}
			c.Quarantined++
		}
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

// storeEvents first tries COPY straight into access_events, which is all a
// first ingest of new logs needs and runs at PostgreSQL's own COPY rate. A
// unique violation means the batch overlaps what is stored (a rerun, a
// resent file): the savepoint is rolled back and the batch goes through the
// staging table and ON CONFLICT DO NOTHING, which also counts duplicates.
// After such a batch the next ones take the staging path until one comes
// through without duplicates, so a rerun does not fail every batch twice.
func (w *EventWriter) storeEvents(ctx, stop context.Context, tx *sqlx.Tx, recs []IngestRecord) (stored, dups int, err error) {
	if !w.overlap {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT direct_copy`); err != nil {
			return 0, 0, fmt.Errorf("store: savepoint: %w", err)
		}
		n, err := w.copyEvents(ctx, stop, tx, "access_events", recs)
		if err == nil {
			_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT direct_copy`)
			return n, 0, err
		}
		if !isUniqueViolation(err) {
			return 0, 0, err
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT direct_copy`); err != nil {
			return 0, 0, fmt.Errorf("store: rollback to savepoint: %w", err)
		}
	}
	staged, err := w.copyEvents(ctx, stop, tx, "ingest_staging", recs)
	if err != nil || staged == 0 {
		return 0, 0, err
	}
	res, err := tx.ExecContext(ctx, qMoveStaged)
	if err != nil {
		return 0, 0, fmt.Errorf("store: move staged events: %w", err)
	}
	n, _ := res.RowsAffected()
	stored, dups = int(n), staged-int(n)
	w.overlap = dups > 0
	return stored, dups, nil
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}

func (w *EventWriter) ensurePartitions(ctx context.Context, recs []IngestRecord) error {
	for i := range recs {
		if recs[i].Quarantined() {
			continue
		}
		t := recs[i].Event.OccurredAt.UTC()
		key := t.Year()*12 + int(t.Month())
		if w.months[key] {
			continue
		}
		month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		if _, err := w.conn.ExecContext(ctx, qEnsurePartition, month); err != nil {
			return fmt.Errorf("store: create partition: %w", err)
		}
		w.months[key] = true
	}
	return nil
}

func (w *EventWriter) copyEvents(ctx, stop context.Context, tx *sqlx.Tx, table string, recs []IngestRecord) (int, error) {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, eventColumns...))
	if err != nil {
		return 0, fmt.Errorf("store: copy: %w", err)
	}
	n := 0
	for i := range recs {
		if recs[i].Quarantined() {
			continue
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
// other (XML, CSV) as a string, with the format and position beside it.
func rawJSON(r *IngestRecord) string {
	if json.Valid(r.Raw) && len(r.Raw) > 0 && r.Raw[0] == '{' {
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

func (w *EventWriter) quarantine(ctx context.Context, tx *sqlx.Tx, r *IngestRecord) error {
	sum := sha256.Sum256(r.Raw)
	// File names are bytes on Linux; the column is text.
	file := strings.ToValidUTF8(r.File, "\uFFFD")
	_, err := tx.ExecContext(ctx, qInsertQuarantine, w.batchID, file, r.Line, r.Index, r.Format,
		string(r.Reason), r.Detail, r.Raw, sum[:])
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
		return 0, err
	}
	defer w.Close()
	recs := make([]IngestRecord, len(events))
	for i, e := range events {
		recs[i] = IngestRecord{LogRecord: portal.LogRecord{Event: e, Raw: []byte(`{}`), Index: i + 1}, Format: "internal"}
	}
	c, err := w.Write(ctx, recs)
	if err != nil {
		return 0, err
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
