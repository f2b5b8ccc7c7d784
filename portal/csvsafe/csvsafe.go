// Package csvsafe reads CSV exports from other systems without trusting
// them: encoding/csv keeps reading until a record ends, so one unterminated
// quote would make the rest of a multi-gigabyte file a single field. A
// Reader under csv.Reader bounds each record to portal.MaxRecordBytes.
package csvsafe

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/insyn/insyn/portal"
)

// readAhead covers what the bufio.Reader inside csv.Reader reads past the
// end of the record it returns (its 4 KiB buffer), with a margin.
const readAhead = 8 << 10

// ErrTooLarge is returned once a record outgrows the bound.
var ErrTooLarge = errors.New("csvsafe: CSV record exceeds the size limit")

// Reader fails with ErrTooLarge once more than portal.MaxRecordBytes plus
// a little read-ahead have been read since the end of the last complete
// record, which the caller sets with Mark after each csv.Reader.Read.
type Reader struct {
	r       io.Reader
	n       int64 // bytes read
	limit   int64 // n never passes it
	Tripped bool  // ErrTooLarge was returned
}

// NewReader bounds r; the first record starts at offset 0.
func NewReader(r io.Reader) *Reader {
	b := &Reader{r: r}
	b.Mark(0)
	return b
}

// Mark records that the next record starts at offset (csv.Reader.InputOffset).
func (b *Reader) Mark(offset int64) {
	b.limit = offset + portal.MaxRecordBytes + readAhead
}

func (b *Reader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		b.Tripped = true
		return 0, ErrTooLarge
	}
	if rest := b.limit - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// RecordEnd is the line on which the record Read last returned ends: its
// last field starts on a known line, and only a quoted field spans lines
// (csv.Reader gives each line break in it as "\n").
func RecordEnd(cr *csv.Reader, fields []string) int {
	if len(fields) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(len(fields) - 1)
	return line + strings.Count(fields[len(fields)-1], "\n")
}

// TextProblem says why a row's text cannot be stored, "" when it can.
func TextProblem(fields []string) string {
	for _, f := range fields {
		if p := portal.TextProblem(f); p != "" {
			return p
		}
	}
	return ""
}
