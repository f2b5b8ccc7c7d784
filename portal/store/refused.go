package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
	"github.com/lib/pq"
)

// MaxQuarantineRaw bounds the raw bytes one quarantine row keeps. A longer
// record keeps its first MaxQuarantineRaw bytes, its whole length and its
// digest, and says it is truncated.
const MaxQuarantineRaw = portal.MaxRecordBytes

// maxAttempts bounds how often a batch is written again after losing a
// deadlock or serialization conflict to a concurrent ingest.
const maxAttempts = 10

// batchOrder is one batch with the order its rows take their locks in.
// Concurrent ingests of overlapping inputs wait on each other's uncommitted
// rows with the same unique key; taking keys in one global order (time,
// system, log id; then the quarantine key) means no two batches can each
// wait for the other. Sorting indexes, not records, keeps it cheap, and
// inputs in time order are already nearly sorted.
type batchOrder struct {
	recs    []IngestRecord
	events  []int            // records that are events, in key order
	digests map[int][32]byte // SHA-256 of quarantined records' raw bytes
}

func newBatchOrder(recs []IngestRecord) *batchOrder {
	b := &batchOrder{recs: recs, events: make([]int, 0, len(recs)), digests: map[int][32]byte{}}
	for i := range recs {
		if !recs[i].Quarantined() {
			b.events = append(b.events, i)
		}
	}
	slices.SortFunc(b.events, func(i, j int) int {
		a, c := &recs[i].Event, &recs[j].Event
		if n := a.OccurredAt.Compare(c.OccurredAt); n != 0 {
			return n
		}
		if n := strings.Compare(a.SourceSystem, c.SourceSystem); n != 0 {
			return n
		}
		return strings.Compare(a.SourceLogID, c.SourceLogID)
	})
	return b
}

// quarantined returns the records to quarantine (including events the
// database refused) in the order of the quarantine key.
func (b *batchOrder) quarantined() []int {
	var q []int
	for i := range b.recs {
		if b.recs[i].Quarantined() {
			q = append(q, i)
			if _, ok := b.digests[i]; !ok {
				b.digests[i] = sha256.Sum256(b.recs[i].Raw)
			}
		}
	}
	slices.SortFunc(q, func(i, j int) int {
		ri, rj := &b.recs[i], &b.recs[j]
		if n := strings.Compare(ri.File, rj.File); n != 0 {
			return n
		}
		if n := cmp.Compare(ri.Index, rj.Index); n != 0 {
			return n
		}
		di, dj := b.digests[i], b.digests[j]
		return slices.Compare(di[:], dj[:])
	})
	return q
}

// digest is the quarantine identity's digest of record i: SHA-256 of the
// raw bytes the parser handed over (the whole record, or its first bytes
// when RawLength says it was longer), so it is the same on every run.
func (b *batchOrder) digest(i int) []byte {
	d := b.digests[i]
	return d[:]
}

// keptRaw is what a quarantine row keeps of a record: all of it, or past
// MaxQuarantineRaw its first bytes, with the whole length either way. A
// record without raw bytes keeps an empty raw, never NULL.
func keptRaw(r *portal.LogRecord) (raw []byte, length int64, truncated bool) {
	raw = r.Raw
	length = max(int64(len(raw)), r.RawLength)
	if len(raw) > MaxQuarantineRaw {
		raw = raw[:MaxQuarantineRaw]
	}
	if raw == nil {
		raw = []byte{}
	}
	return raw, length, int64(len(raw)) < length
}

// quarantineText makes a file name or detail storable as text: file names
// are bytes on Linux and may not be UTF-8; text never holds NUL.
func quarantineText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// isRetryable tells a conflict with a concurrent transaction, after which
// the same batch succeeds when written again.
func isRetryable(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && (pqErr.Code == "40P01" || pqErr.Code == "40001")
}

// isDataError tells a value PostgreSQL refused: data exceptions (class 22),
// integrity violations other than a duplicate (class 23; duplicates have
// their own path), a value too large for an index row (54000) and one
// nested too deeply to parse (54001, jsonb).
func isDataError(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch pqErr.Code.Class() {
	case "22":
		return true
	case "23":
		return pqErr.Code != "23505"
	}
	return pqErr.Code == "54000" || pqErr.Code == "54001"
}

// backoff waits before attempt+1: exponential from 20 ms up to 2 s, with
// jitter so that two ingests that collided do not collide again in step.
func backoff(stop context.Context, attempt int) error {
	d := min(20*time.Millisecond<<(attempt-1), 2*time.Second)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-stop.Done():
		return stop.Err()
	}
}

// copyColumn finds the column in a COPY error's context ("COPY
// access_events, line 3, column occurred_at: ..."), without the value.
var copyColumn = regexp.MustCompile(`, column ([a-z_]+)`)

// refuse quarantines an event the database would not store, with its reason
// code and, when PostgreSQL names it, the column; never the value. It
// returns the code.
func refuse(r *IngestRecord, err error) string {
	var pqErr *pq.Error
	errors.As(err, &pqErr)
	col := pqErr.Column
	if m := copyColumn.FindStringSubmatch(pqErr.Where); col == "" && m != nil {
		col = m[1]
	}
	what := "the record"
	if slices.Contains(eventColumns, col) {
		what = "column " + col
	}
	r.Quarantine(portal.ReasonInvalidField, "the database refused "+what+" (SQLSTATE "+string(pqErr.Code)+")")
	return string(pqErr.Code)
}
