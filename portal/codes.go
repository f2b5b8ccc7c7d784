package portal

import (
	"errors"
	"strings"
	"time"
)

// Code tables that more than one log format shares. The format packages
// call these instead of keeping copies of their own.

// PurposeFromActReason maps an HL7 v3 PurposeOfUse code (the ActReason code
// system, 2.16.840.1.113883.5.8), as FHIR AuditEvent and IHE ATNA carry it,
// to a Purpose. emergency is set for the emergency-treatment codes (break
// the glass). ok is false for a code the table does not know, which the
// caller keeps as PurposeOther with the original code. Codes are matched
// without regard to case or surrounding space.
func PurposeFromActReason(code string) (p Purpose, emergency bool, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "ETREAT", "BTG", "ERTREAT":
		return PurposeCare, true, true
	case "EMER":
		// Not ActReason: the Swiss EPR PurposeOfUse (2.16.756.5.30.1.127.3.10.5)
		// "emergency access", which those ATNA messages carry in the same
		// place with the same meaning as ETREAT.
		return PurposeCare, true, true
	case "TREAT", "CAREMGT", "COC", "POPHLTH":
		return PurposeCare, false, true
	case "HOPERAT", "HPAYMT", "HSYSADMIN", "HACCRED", "MEMADMIN", "PATADMIN", "RECORDMGT",
		"METAMGT", "CLMATTCH", "COVAUTH", "COVERAGE", "ELIGDTRM", "ELIGVER", "ENROLLM", "REMITADV":
		return PurposeAdministration, false, true
	case "HQUALIMP", "HOUTCOMS", "PATSFTY", "PERFMSR":
		return PurposeQualityAssurance, false, true
	case "HRESCH", "CLINTRCH", "BIORCH", "DSRCH", "POARCH", "TRANSRCH", "PRECLINTRCH":
		return PurposeStatistics, false, true
	case "PATRQT", "FAMRQT", "PWATRNY", "SUPNWK", "HMARKT", "PUBHLTH", "DISASTER", "THREAT",
		"HLEGAL", "LEGAL", "HDIRECT", "HTEST", "TRAIN", "GOV", "FRAUD":
		return PurposeOther, false, true
	}
	return PurposeOther, false, false
}

// ParseLogTime reads the time of an access as logs write it: RFC 3339
// ("2024-03-14T09:12:31Z", "2024-03-14T09:12:31.250+01:00"), or an
// xs:dateTime without a zone ("2024-03-14T09:12:31", fractional seconds
// allowed), which Swedish systems write in local time and which is
// therefore read as Europe/Stockholm by the rule of StockholmTime; local,
// when not nil, is set to what that rule noted ("" for a time with an
// offset). A date alone does not say when the access happened and is
// refused. The error never quotes the input.
func ParseLogTime(s string, local *LocalTime) (time.Time, error) {
	s = strings.TrimSpace(s)
	if local != nil {
		*local = ""
	}
	// Millions of records a day: pick the layout first instead of letting
	// one fail on every record.
	if hasZone(s) {
		if s[len(s)-1] == 'z' { // xs:dateTime allows it; time.Parse does not
			s = s[:len(s)-1] + "Z"
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
		return time.Time{}, errLogTime
	}
	wall, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, errLogTime
	}
	t, note := StockholmTime(wall)
	if local != nil {
		*local = note
	}
	return t, nil
}

// LocalTime notes a local time (one without an offset) that Swedish time
// does not read one way: "" for an ordinary one.
type LocalTime string

const (
	// LocalTimeAmbiguous: the time occurred twice, when the clocks went
	// back from summer to winter time (the last Sunday of October,
	// 02:00-02:59:59). It is read as the first occurrence, summer time.
	LocalTimeAmbiguous LocalTime = "ambiguous"
	// LocalTimeNonexistent: the time never occurred, because the clocks
	// went forward from winter to summer time (the last Sunday of March,
	// 02:00-02:59:59). It is read with the offset in force before the
	// change, winter time (+01:00): 02:30 is 01:30 UTC, 03:30 summer time.
	LocalTimeNonexistent LocalTime = "nonexistent"
)

// StockholmTime reads the wall clock of wall (its location is ignored) as
// Swedish local time. Around the daylight-saving changes the rule is the
// one iCalendar (RFC 5545, 3.3.5) and java.time use: a time that occurred
// twice is the first occurrence (summer time), a time that never occurred
// is read with the offset before the gap (winter time). Such events are
// stored, not quarantined, because the access itself is certain and only
// the hour is in doubt; the note says so, is stored with the event and
// counted by insyn quality.
func StockholmTime(wall time.Time) (time.Time, LocalTime) {
	y, mo, d := wall.Date()
	h, mi, sec := wall.Clock()
	// time.Date reads a skipped time with the offset before the gap and a
	// repeated time as its second occurrence.
	t := time.Date(y, mo, d, h, mi, sec, wall.Nanosecond(), Stockholm)
	want := wallSeconds(wall)
	if wallSeconds(t) != want {
		return t, LocalTimeNonexistent
	}
	// Swedish clocks have moved by one hour at a time since 1980.
	if earlier := t.Add(-time.Hour); wallSeconds(earlier) == want {
		return earlier, LocalTimeAmbiguous
	}
	if wallSeconds(t.Add(time.Hour)) == want {
		return t, LocalTimeAmbiguous
	}
	return t, ""
}

// wallSeconds is t's wall clock in its own location, in seconds.
func wallSeconds(t time.Time) int64 {
	_, off := t.Zone()
	return t.Unix() + int64(off)
}

// hasZone looks for "Z" or a numeric offset after the time of day.
func hasZone(s string) bool {
	if len(s) <= 19 {
		return false
	}
	if c := s[len(s)-1]; c == 'Z' || c == 'z' {
		return true
	}
	return strings.IndexByte(s[19:], '+') >= 0 || strings.IndexByte(s[19:], '-') >= 0
}

// errLogTime is an internal error: parsers turn it into a quarantine
// reason, so no reader ever sees it.
var errLogTime = errors.New("portal: time is neither RFC 3339 nor an xs:dateTime")

// ActivityFromAction maps the CRUDE action code that FHIR AuditEvent.action
// and DICOM EventActionCode share (C, R, U, D, E) to an Activity, returning
// the code as given. Execute (E) and unknown codes are "other"; an empty
// code stays empty, so that Validate reports the activity as missing.
func ActivityFromAction(code string) (Activity, string) {
	code = strings.TrimSpace(code)
	switch strings.ToUpper(code) {
	case "":
		return "", ""
	case "C", "U":
		return ActivityWrite, code
	case "R":
		return ActivityRead, code
	case "D":
		return ActivityDelete, code
	}
	return ActivityOther, code
}
