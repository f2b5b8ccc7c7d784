package portal

// MaxIndexedBytes bounds each identifier the database indexes (the log id
// and source system together, the user's id, the patient's id). A btree
// index row holds at most about 2,700 bytes; a longer key makes PostgreSQL
// refuse the whole COPY around it. No real identifier comes near this.
const MaxIndexedBytes = 1024

// maxOffsetSeconds is the largest UTC offset PostgreSQL takes (15:59:59);
// Go's parsers accept up to 24 hours.
const maxOffsetSeconds = 15*3600 + 59*60 + 59

// maxYear is the last year whose access we store: partitions are named by
// four-digit years, and RFC 3339 (every format's times) ends there.
const maxYear = 9999

// CheckStorable quarantines a record with a value PostgreSQL would refuse
// although the parser took it: a UTC offset beyond PostgreSQL's range, a
// year our partitions cannot take, an indexed identifier longer than an
// index row, an activity or purpose outside the schema's lists. One such
// record must cost only itself, not the COPY of its batch. The detail names
// the field, never the value. Run after CheckText, per record, in the
// parsing pipeline.
func (r *LogRecord) CheckStorable() {
	if r.Quarantined() {
		return
	}
	if p := r.Event.storableProblem(); p != "" {
		r.Quarantine(ReasonInvalidField, p)
	}
}

func (e *Event) storableProblem() string {
	t := e.OccurredAt
	if _, off := t.Zone(); off > maxOffsetSeconds || off < -maxOffsetSeconds {
		return "time of access has a UTC offset beyond 15:59"
	}
	if t.Year() > maxYear || t.UTC().Year() > maxYear {
		return "time of access is after the year 9999"
	}
	switch {
	case len(e.SourceSystem)+len(e.SourceLogID) > MaxIndexedBytes:
		return "source system and log id are longer than 1024 bytes"
	case len(e.ActorHSAID) > MaxIndexedBytes:
		return "user id is longer than 1024 bytes"
	case len(e.Patient.Digits()) > MaxIndexedBytes:
		return "patient id is longer than 1024 bytes"
	}
	if !e.Activity.known() {
		return "activity is not one Insyn knows"
	}
	if !e.Purpose.known() {
		return "purpose is not one Insyn knows"
	}
	return ""
}

// known mirrors the CHECK constraint on access_events.activity.
func (a Activity) known() bool {
	switch a {
	case ActivityRead, ActivityWrite, ActivitySign, ActivityPrint, ActivityVerify,
		ActivityDelete, ActivityEmergency, ActivityOther:
		return true
	}
	return false
}

// known mirrors the CHECK constraint on access_events.purpose.
func (p Purpose) known() bool {
	switch p {
	case PurposeCare, PurposeQualityAssurance, PurposeOtherLegalDocument, PurposeStatistics,
		PurposeAdministration, PurposeQualityRegister, PurposeOther:
		return true
	}
	return false
}
