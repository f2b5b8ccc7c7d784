package xmlstream

import (
	"errors"

	"github.com/insyn/insyn/portal"
)

// TooLargeDetail is the quarantine detail of a record longer than the
// scanner's bound: the raw bytes kept are its first ones.
const TooLargeDetail = "record exceeds the size limit; raw holds its first bytes"

// Broken is a record Element could not read, skipped and ready to be
// quarantined: its raw bytes (the first ones when it is too large: then
// RecordLength is its whole size), why, and how the parse goes on.
type Broken struct {
	Raw    []byte
	Reason portal.Reason
	Detail string
	// Stop says the record's end tag never came: nothing after it can be
	// located, so the parse ends once the record is quarantined.
	Stop bool
	// ReadErr is a read error met while looking for the end tag; the parse
	// returns it once the record is quarantined.
	ReadErr error
}

// SkipBroken handles err from Element inside the record Next returned,
// the same way for every XML log format: a syntax error skips the record
// (SkipRecord) and describes it, with detail wording the syntax error.
// Any other error is a failed read with nothing to quarantine, returned as
// it is.
func (s *Scanner) SkipBroken(err error, detail func(*SyntaxError) string) (Broken, error) {
	var se *SyntaxError
	if !errors.As(err, &se) {
		return Broken{}, err
	}
	raw, err := s.SkipRecord()
	b := Broken{Raw: raw, Reason: portal.ReasonMalformed, Detail: detail(se)}
	switch {
	case err == nil:
	case errors.Is(err, ErrTooLarge):
		b.Reason, b.Detail = portal.ReasonTooLarge, TooLargeDetail
	case errors.As(err, new(*SyntaxError)):
		b.Stop = true
	default:
		b.ReadErr = err
	}
	return b, nil
}
