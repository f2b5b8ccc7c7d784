package store

import (
	"context"
	"fmt"
	"time"
)

const qListQuarantine = `
SELECT id, batch_id, source_file, line, record_no, format, reason, detail, raw_length, raw_truncated,
       octet_length(raw) AS raw_kept, created_at
FROM quarantine
ORDER BY id DESC
LIMIT $1`

// QuarantineEntry is a record ingest could not understand (without its raw
// bytes, which may hold personal data). RawLength is the record's whole
// length; RawTruncated says the row keeps only its first RawKept bytes.
type QuarantineEntry struct {
	ID           int64     `db:"id" json:"id"`
	BatchID      int64     `db:"batch_id" json:"batch_id"`
	SourceFile   string    `db:"source_file" json:"source_file"`
	Line         int64     `db:"line" json:"line"`
	RecordNo     int64     `db:"record_no" json:"record_no"`
	Format       string    `db:"format" json:"format"`
	Reason       string    `db:"reason" json:"reason"`
	Detail       string    `db:"detail" json:"detail"`
	RawLength    int64     `db:"raw_length" json:"raw_length"`
	RawTruncated bool      `db:"raw_truncated" json:"raw_truncated"`
	RawKept      int64     `db:"raw_kept" json:"raw_kept"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// ListQuarantine returns the newest entries first.
func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]QuarantineEntry, error) {
	var out []QuarantineEntry
	if err := s.db.SelectContext(ctx, &out, qListQuarantine, limit); err != nil {
		return nil, fmt.Errorf("store: list quarantine: %w", err)
	}
	return out, nil
}
