package csvsafe

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"

	"github.com/insyn/insyn/portal"
)

// Records splits CSV into records before encoding/csv sees them, so that
// one bad record costs only itself. Framing follows RFC 4180 as
// encoding/csv reads it: a record ends at a line break outside a quoted
// field, and a field is quoted only when it starts with a quote. A record
// of any length is read to its end in constant memory (its first
// portal.MaxRecordBytes are kept), and the next record starts after it.
// Only a quote that is never closed joins everything after it into one
// record: RFC 4180 gives no other reading of those bytes, and guessing
// would let the inside of a long quoted field pass for rows.
type Records struct {
	src  *bufio.Reader
	line int // line on which the next record starts

	buf  []byte // the current record's first bytes, line end included
	rec  Record // the current record, reused: no allocation per record
	feed feeder
	cr   *csv.Reader
}

// Record is one CSV record. It, its Raw and its Fields are valid until
// the next call of Next.
type Record struct {
	Line   int      // 1-based line on which it starts
	Lines  int      // lines it spans
	Raw    []byte   // its bytes without the line end; the first portal.MaxRecordBytes when TooLarge
	Size   int64    // its length in bytes without the line end
	Fields []string // nil when TooLarge, Unclosed or Err
	// TooLarge: longer than portal.MaxRecordBytes; its fields are not read.
	TooLarge bool
	// Unclosed: a quoted field that never closes runs to the end of input.
	Unclosed bool
	// Err is encoding/csv's complaint about the record (a stray quote).
	Err error
}

// NewRecords reads CSV records from r.
func NewRecords(r io.Reader) *Records {
	rs := &Records{src: bufio.NewReaderSize(r, 64<<10), line: 1}
	rs.cr = csv.NewReader(&rs.feed)
	rs.cr.FieldsPerRecord = -1 // widths are the caller's to check, per record
	rs.cr.ReuseRecord = true
	return rs
}

// framing states of the RFC 4180 scanner
const (
	fieldStart = iota
	unquoted
	quoted
	quoteInQuoted // a quote inside a quoted field: its end, or half of ""
)

// Next returns the next record, skipping blank lines as encoding/csv does.
// It returns io.EOF at the end of input and other errors only when r
// cannot be read.
func (rs *Records) Next() (*Record, error) {
	for {
		rec, err := rs.frame()
		if err != nil {
			return nil, err
		}
		if rec.Size == 0 && !rec.Unclosed {
			continue // a blank line
		}
		if !rec.TooLarge && !rec.Unclosed {
			rs.parse(rec)
		}
		return rec, nil
	}
}

// frame reads one record's bytes, keeping at most the bound plus its line
// end in buf.
func (rs *Records) frame() (*Record, error) {
	rs.rec = Record{Line: rs.line}
	rec := &rs.rec
	rs.buf = rs.buf[:0]
	state := fieldStart
	var size int64
	var tail [2]byte // the record's last two bytes, to find its line end
	for {
		chunk, err := rs.src.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(chunk) == 0 && errors.Is(err, io.EOF) {
			if size == 0 {
				return nil, io.EOF
			}
			break // the last record has no line end
		}
		for _, c := range chunk {
			state = step(state, c)
		}
		if room := portal.MaxRecordBytes + 2 - len(rs.buf); room > 0 {
			rs.buf = append(rs.buf, chunk[:min(room, len(chunk))]...)
		}
		size += int64(len(chunk))
		if n := len(chunk); n >= 2 {
			tail = [2]byte{chunk[n-2], chunk[n-1]}
		} else {
			tail = [2]byte{tail[1], chunk[0]}
		}
		if chunk[len(chunk)-1] == '\n' {
			rec.Lines++
			rs.line++
			if state != quoted {
				break
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	rec.Unclosed = state == quoted
	// The line end is not part of the record (encoding/csv drops a \r
	// before it, and before the end of input).
	end := int64(0)
	if tail[1] == '\n' {
		end = 1
	}
	if size > end && tail[2-end-1] == '\r' {
		end++
	}
	rec.Size = size - end
	rec.TooLarge = rec.Size > portal.MaxRecordBytes
	rec.Raw = rs.buf[:min(int64(len(rs.buf)), rec.Size, portal.MaxRecordBytes)]
	return rec, nil
}

// step advances the framing scanner by one byte.
func step(state int, c byte) int {
	switch state {
	case fieldStart:
		switch c {
		case '"':
			return quoted
		case ',', '\n':
			return fieldStart
		}
		return unquoted
	case unquoted:
		// A quote here is a stray one: encoding/csv refuses the record,
		// and the line still ends it.
		switch c {
		case ',', '\n':
			return fieldStart
		}
		return unquoted
	case quoted:
		if c == '"' {
			return quoteInQuoted
		}
		return quoted
	default: // quoteInQuoted
		switch c {
		case '"':
			return quoted
		case ',', '\n':
			return fieldStart
		}
		return unquoted // text after a closing quote: refused by encoding/csv
	}
}

// parse reads the fields of a framed record with encoding/csv.
func (rs *Records) parse(rec *Record) {
	rs.feed.b = rs.buf // with its line end, as encoding/csv expects
	fields, err := rs.cr.Read()
	if err != nil {
		rec.Err = err
	} else {
		rec.Fields = fields
	}
	// The framing and encoding/csv agree on where records end; if they
	// ever did not, what is left belongs to this record, not the next.
	// (At the end of input encoding/csv leaves a reused record alone.)
	extra := false
	for {
		if _, err := rs.cr.Read(); errors.Is(err, io.EOF) {
			break
		}
		extra = true
	}
	if extra && rec.Err == nil {
		rec.Err, rec.Fields = errFraming, nil
	}
}

var errFraming = errors.New("csvsafe: record framing disagrees with encoding/csv")

// feeder hands encoding/csv one record at a time: its reads drain b, then
// report the end of input until the next record is set.
type feeder struct{ b []byte }

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}
