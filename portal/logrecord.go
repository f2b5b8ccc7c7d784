package portal

import "strings"

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
type LogRecord struct {
	Event  Event
	Reason Reason
	Detail string
	Raw    []byte
	Line   int
	Index  int
}

// Quarantined reports whether the record could not become an event.
func (r *LogRecord) Quarantined() bool { return r.Reason != "" }

// Quarantine marks the record as not understood.
func (r *LogRecord) Quarantine(reason Reason, detail string) {
	r.Reason, r.Detail = reason, detail
}

// IsPlaceholder tells whether a value is a template placeholder such as the
// "?" in SoapUI skeleton messages.
func IsPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "?") == ""
}

// Emit is how a parser hands records on; an error from it stops the parse.
type Emit func(LogRecord) error
