package portal

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ControlKind is what kind of check a control records (DESIGN.md section
// 5: every completed check is recorded as a control).
type ControlKind string

const (
	ControlSample    ControlKind = "sample"    // a month's random sample of a unit, all its cases decided
	ControlFlag      ControlKind = "flag"      // a patient's flag, decided
	ControlWatchlist ControlKind = "watchlist" // a watchlist hit, decided
	ControlRule      ControlKind = "rule"      // a rule case (or a targeted check's case), decided
	ControlTargeted  ControlKind = "targeted"  // a targeted check the reviewer completed
)

// ControlKinds in the order a report lists them.
var ControlKinds = []ControlKind{ControlSample, ControlFlag, ControlWatchlist, ControlRule, ControlTargeted}

// ControlResult is what a control found: a decided case's outcome, the
// worst outcome of a sample's cases, or a targeted check's finding.
type ControlResult string

const (
	ResultJustified   ControlResult = "justified"
	ResultUnjustified ControlResult = "unjustified"
	ResultUnclear     ControlResult = "unclear"
	ResultNoFindings  ControlResult = "no_findings" // a targeted check found nothing to act on
	ResultFindings    ControlResult = "findings"    // it found something (a case says what)
)

// Valid tells whether r is a known result.
func (r ControlResult) Valid() bool {
	switch r {
	case ResultJustified, ResultUnjustified, ResultUnclear, ResultNoFindings, ResultFindings:
		return true
	}
	return false
}

// Alarming tells whether a head of unit must act on the result.
func (r ControlResult) Alarming() bool { return r == ResultUnjustified || r == ResultFindings }

// Checkpoint is one of the points the 1177 routine and the BIF
// log-analysis spec ask a reviewer to look at in a targeted check.
type Checkpoint string

const (
	CheckAll       Checkpoint = ""
	CheckColleague Checkpoint = "colleague"        // the patient is or was a colleague
	CheckSelf      Checkpoint = "self"             // the person read their own record
	CheckDeceased  Checkpoint = "deceased"         // the patient had died
	CheckEmergency Checkpoint = "emergency"        // emergency access was claimed
	CheckNonCare   Checkpoint = "non_care_purpose" // a purpose other than care
)

// Checkpoints in the order a page offers them.
var Checkpoints = []Checkpoint{CheckColleague, CheckSelf, CheckDeceased, CheckEmergency, CheckNonCare}

// Valid tells whether c is a known checkpoint (or none).
func (c Checkpoint) Valid() bool {
	if c == CheckAll {
		return true
	}
	for _, k := range Checkpoints {
		if c == k {
			return true
		}
	}
	return false
}

// CheckSubject is whose accesses a targeted check searches.
type CheckSubject string

const (
	CheckPatient CheckSubject = "patient" // accesses to one patient's record
	CheckStaff   CheckSubject = "staff"   // accesses by one member of staff
)

// CheckQuery is a targeted check as the store runs it.
type CheckQuery struct {
	Provider   HSAID
	Subject    CheckSubject
	Patient    PersonalID // CheckPatient
	Staff      HSAID      // CheckStaff by HSA-id
	StaffName  string     // CheckStaff by name: every person whose name contains it
	From, To   time.Time  // [From, To)
	Checkpoint Checkpoint
}

// CheckForm is a targeted check as typed: dates YYYY-MM-DD, both days
// included; Staff is an HSA-id or a name.
type CheckForm struct {
	Subject    string
	Patient    string
	Staff      string
	From, To   string
	Checkpoint string
}

// MaxCheckDays bounds a check's period: a targeted check reads events, and a
// reviewer's question is about months, not decades.
const MaxCheckDays = 3 * 366

// Query checks the form in the order a person fixes it and returns the
// errors per field (message ids), none when the query is good.
func (f CheckForm) Query(provider HSAID, now time.Time) (CheckQuery, map[string]*Error) {
	q := CheckQuery{Provider: provider, Subject: CheckSubject(strings.TrimSpace(f.Subject)),
		Checkpoint: Checkpoint(strings.TrimSpace(f.Checkpoint))}
	errs := map[string]*Error{}
	switch q.Subject {
	case CheckPatient:
		if strings.TrimSpace(f.Patient) == "" {
			errs["patient"] = Errorf(Invalid, "controls.check.error.patient_missing", "personal id is required")
		} else if p, err := ParsePersonalID(f.Patient); err != nil {
			errs["patient"] = err.(*Error)
		} else {
			q.Patient = p
		}
	case CheckStaff:
		s := strings.TrimSpace(f.Staff)
		switch {
		case s == "":
			errs["staff"] = Errorf(Invalid, "controls.check.error.staff_missing", "hsa id or name is required")
		case hsaIDProblem(s) == "" && strings.ContainsAny(s, "0123456789"):
			q.Staff = HSAID(s)
		case utf8.RuneCountInString(s) < 2 || utf8.RuneCountInString(s) > 100 || !validText(s, 100):
			errs["staff"] = Errorf(Invalid, "controls.check.error.staff_name", "name too short or too long")
		default:
			q.StaffName = s
		}
	default:
		errs["subject"] = Errorf(Invalid, "controls.check.error.subject", "choose patient or staff")
	}
	if !q.Checkpoint.Valid() {
		errs["checkpoint"] = Errorf(Invalid, "controls.check.error.checkpoint", "unknown checkpoint")
	}
	n := now.In(Stockholm)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, Stockholm)
	last, from := today, today.AddDate(0, -3, 0)
	var err error
	if strings.TrimSpace(f.From) != "" {
		if from, err = parseDay(f.From); err != nil {
			errs["from"] = err.(*Error)
		}
	}
	if strings.TrimSpace(f.To) != "" {
		if last, err = parseDay(f.To); err != nil {
			errs["to"] = err.(*Error)
		}
	}
	if errs["from"] == nil && errs["to"] == nil {
		switch {
		case from.After(last):
			errs["to"] = Errorf(Invalid, "controls.check.error.period", "period ends before it starts")
		case last.Sub(from) > MaxCheckDays*24*time.Hour:
			errs["from"] = Errorf(Invalid, "controls.check.error.period_long", "period too long").With("Days", MaxCheckDays)
		}
	}
	q.From, q.To = from, last.AddDate(0, 0, 1)
	if len(errs) == 0 {
		errs = nil
	}
	return q, errs
}

func parseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), Stockholm)
	if err != nil {
		if DayShaped(s) {
			return time.Time{}, Errorf(Invalid, "controls.error.date_impossible", "no such day")
		}
		return time.Time{}, Errorf(Invalid, "controls.error.date", "date must be YYYY-MM-DD")
	}
	return t, nil
}

// DayShaped tells whether s is written as YYYY-MM-DD, whether or not the
// day exists: a form tells "2026-02-30" (no such day) from "30/2" (written
// another way).
func DayShaped(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckCompletion is how a reviewer closes a targeted check: what it found
// and what was done about it.
type CheckCompletion struct {
	Result  ControlResult // ResultNoFindings or ResultFindings
	Actions string
}

// MaxActions is the most an actions text may hold, in characters.
const MaxActions = 10000

// Validate checks a completion; a finding needs its actions written down.
func (c *CheckCompletion) Validate() map[string]*Error {
	c.Actions = strings.TrimSpace(c.Actions)
	errs := map[string]*Error{}
	if c.Result != ResultNoFindings && c.Result != ResultFindings {
		errs["result"] = Errorf(Invalid, "controls.check.error.result", "choose a result")
	}
	if !validText(c.Actions, MaxActions) {
		errs["actions"] = Errorf(Invalid, "controls.error.actions", "actions too long or not text")
	} else if c.Result == ResultFindings && c.Actions == "" {
		errs["actions"] = Errorf(Invalid, "controls.check.error.actions_missing", "findings need actions")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// CanCheck tells whether the actor may run targeted checks and keep the
// controls registry of provider: a reviewer of that provider.
func CanCheck(a Actor, provider HSAID) bool {
	return a.Validate() == nil && provider != "" && a.Has(RoleReviewer, provider)
}

// CanReadControls tells whether the actor may read the controls and the
// control reports of a unit of provider: the provider's reviewers (every
// unit) and the unit's head of unit.
func CanReadControls(a Actor, provider, unit HSAID) bool {
	if a.Validate() != nil || provider == "" {
		return false
	}
	return a.Has(RoleReviewer, provider) || (unit != "" && slices.Contains(a.HeadOfUnits(), unit))
}
