package portal

import (
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
// phrase naming the field, never its value). Raw is the record's original
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
// bytes that are not UTF-8, or NUL characters (also JSON's \u0000, which
// jsonb refuses). Parsers of formats that declare another encoding convert
// first; what is left is a broken export, and one such record must not
// make the database refuse the whole batch around it.
func (r *LogRecord) CheckText() {
	if r.Quarantined() {
		return
	}
	for _, s := range append(r.Event.texts(), string(r.Raw)) {
		if p := TextProblem(s); p != "" {
			r.Quarantine(ReasonInvalidField, p)
			return
		}
	}
	// A JSON record is kept as jsonb, which refuses the escaped NUL too.
	if len(r.Raw) > 0 && r.Raw[0] == '{' && strings.Contains(string(r.Raw), `\u0000`) {
		r.Quarantine(ReasonInvalidField, nulDetail)
	}
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
