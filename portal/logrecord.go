package portal

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reason says why a log record was quarantined. Reasons describe the problem
// without quoting the record, so they are safe to print and log.
type Reason string

const (
	ReasonMalformed     Reason = "malformed"      // not well-formed XML/JSON/CSV
	ReasonPlaceholder   Reason = "placeholder"    // template with "?" placeholders
	ReasonMissingField  Reason = "missing_field"  // a required fact is absent
	ReasonInvalidField  Reason = "invalid_field"  // a fact is present but unusable
	ReasonNotAccessLog  Reason = "not_access_log" // a message of another kind
	ReasonTooLarge      Reason = "too_large"      // record exceeds the size limit
	ReasonUnknownFormat Reason = "unknown_format" // input in no format Insyn reads
)

// MaxRecordBytes bounds one record; larger ones are quarantined, so that a
// broken file cannot make ingest hold gigabytes in memory.
const MaxRecordBytes = 1 << 20

// LogRecord is what a format parser emits for each record in its input:
// either a valid Event, or a quarantine Reason with Detail (an English
// phrase naming the field, never its value, stored as written and worded
// for the reader by `insyn quarantine`, cmd/insyn/quarantine.go). Raw is the record's original
// bytes; Line is its 1-based line in the source and Index its ordinal.
// RawLength is the record's whole length when Raw holds only its first
// bytes (a record past MaxRecordBytes); 0 means Raw is the whole record.
type LogRecord struct {
	Event     Event
	Reason    Reason
	Detail    string
	Raw       []byte
	Line      int
	Index     int
	RawLength int64
}

// Quarantined reports whether the record could not become an event.
func (r *LogRecord) Quarantined() bool { return r.Reason != "" }

// Quarantine marks the record as not understood.
func (r *LogRecord) Quarantine(reason Reason, detail string) {
	r.Reason, r.Detail = reason, detail
}

// CheckText quarantines a record whose text PostgreSQL could not store:
// bytes that are not UTF-8, or NUL characters. Parsers of formats that
// declare another encoding convert first; what is left is a broken export,
// and one such record must not make the database refuse the whole batch
// around it. JSON escapes that jsonb refuses (\u0000, an unpaired
// surrogate) are no reason: the store keeps such a raw record as text. But
// a decoder turns an unpaired surrogate escape into U+FFFD, so an event
// field holding U+FFFD beside such an escape no longer says what the log
// said, and that record is quarantined.
func (r *LogRecord) CheckText() {
	if r.Quarantined() {
		return
	}
	texts := r.Event.texts()
	for _, s := range texts {
		if p := TextProblem(s); p != "" {
			r.Quarantine(ReasonInvalidField, p)
			return
		}
	}
	if !utf8.Valid(r.Raw) {
		r.Quarantine(ReasonInvalidField, "text is not valid UTF-8")
		return
	}
	if bytes.IndexByte(r.Raw, 0) >= 0 {
		r.Quarantine(ReasonInvalidField, nulDetail)
		return
	}
	if len(r.Raw) > 0 && r.Raw[0] == '{' && holdsReplacement(texts) && hasLoneSurrogateEscape(r.Raw) {
		r.Quarantine(ReasonInvalidField, "text holds an unpaired surrogate escape")
	}
}

func holdsReplacement(texts []string) bool {
	for _, s := range texts {
		if strings.ContainsRune(s, utf8.RuneError) {
			return true
		}
	}
	return false
}

// hasLoneSurrogateEscape reports whether JSON text holds a \uD800-\uDFFF
// escape that is not half of a pair. It reads escapes as JSON does, so the
// escaped backslash in "\\ud800" (a backslash, then the letters) is not one.
func hasLoneSurrogateEscape(b []byte) bool {
	for i := 0; i < len(b); {
		k := bytes.IndexByte(b[i:], '\\')
		if k < 0 || i+k+1 >= len(b) {
			return false
		}
		i += k
		n := 2 // an escaped character, the backslash itself among them
		if b[i+1] == 'u' {
			n = 6
			switch r := JSONHex4(b, i+2); {
			case r >= 0xdc00 && r <= 0xdfff:
				return true
			case r >= 0xd800 && r <= 0xdbff:
				if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
					return true
				}
				if lo := JSONHex4(b, i+8); lo < 0xdc00 || lo > 0xdfff {
					return true
				}
				n = 12
			}
		}
		i += n
	}
	return false
}

// JSONHex4 decodes the four hex digits of a JSON \u escape at b[i:], -1
// when they are not; the store's jsonb check reads escapes with it too.
func JSONHex4(b []byte, i int) int {
	if i+4 > len(b) {
		return -1
	}
	v := 0
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		v = v<<4 | int(c)
	}
	return v
}

const nulDetail = "text contains a NUL character"

// TextProblem says why PostgreSQL could not store s as text, "" when it
// can: bytes that are not UTF-8, or a NUL character.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "text is not valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nulDetail
	}
	return ""
}

// IsPlaceholder tells whether a value is a template placeholder such as the
// "?" in SoapUI skeleton messages.
func IsPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "?") == ""
}

// Emit is how a parser hands records on; an error from it stops the parse.
type Emit func(LogRecord) error

// PatientRef is one patient a log entry names, or why it cannot be used.
type PatientRef struct {
	ID     PersonalID
	Name   string
	Reason Reason
	Detail string
}

// SplitByPatient makes one record per patient a log entry names: the
// entry's shared facts, the patient's own id, and the source log id with
// "#n" appended when there are several, so each stays unique. A reason
// already found for the entry, then for the patient, wins over what
// Validate finds; Validate runs on every event because it also fills the
// defaults. An entry that names no patient still yields one record, which
// Validate quarantines, so nothing vanishes.
func SplitByPatient(base Event, reason Reason, detail string, pats []PatientRef) []LogRecord {
	if len(pats) == 0 {
		pats = []PatientRef{{}}
	}
	out := make([]LogRecord, 0, len(pats))
	for i, p := range pats {
		r := LogRecord{Event: base, Reason: reason, Detail: detail}
		if len(pats) > 1 {
			r.Event.SourceLogID += "#" + strconv.Itoa(i+1)
		}
		r.Event.Patient, r.Event.PatientName = p.ID, p.Name
		if r.Reason == "" && p.Reason != "" {
			r.Reason, r.Detail = p.Reason, p.Detail
		}
		if vr, vd := r.Event.Validate(); r.Reason == "" && vr != "" {
			r.Reason, r.Detail = vr, vd
		}
		out = append(out, r)
	}
	return out
}
