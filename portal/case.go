package portal

import (
	"slices"
	"strings"
	"time"
)

// CaseSource says what raised a case. Every source makes the same kind of
// case in the same table (DESIGN.md section 5): a reviewer works one queue.
type CaseSource string

const (
	SourceFlag      CaseSource = "flag"      // a patient flagged accesses ("check on suspicion")
	SourceWatchlist CaseSource = "watchlist" // a person on the patient's watchlist opened the record
	SourceRule      CaseSource = "rule"      // a review rule fired
	SourceSample    CaseSource = "sample"    // the monthly random sample drew the user
)

// Valid tells whether s is a known source.
func (s CaseSource) Valid() bool {
	return s == SourceFlag || s == SourceWatchlist || s == SourceRule || s == SourceSample
}

// CaseStatus is where a case stands; Case.Transition enforces the order.
type CaseStatus string

const (
	StatusNew               CaseStatus = "new"
	StatusInvestigating     CaseStatus = "investigating"
	StatusAwaitingStatement CaseStatus = "awaiting_statement" // from the head of unit or the employee
	StatusDecided           CaseStatus = "decided"
	StatusClosed            CaseStatus = "closed"
)

// Valid tells whether s is a known status.
func (s CaseStatus) Valid() bool {
	return s.Open() || s == StatusDecided || s == StatusClosed
}

// Open tells whether new hits still join the case: once decided, the
// decision stands and a later flag on the same person starts a new case.
func (s CaseStatus) Open() bool {
	return s == StatusNew || s == StatusInvestigating || s == StatusAwaitingStatement
}

// Outcome is a decided case's result. Decided cases are labelled data: the
// share decided unjustified per rule tells which rules earn their place.
type Outcome string

const (
	OutcomeJustified   Outcome = "justified"   // the access had a reason in care or law
	OutcomeUnjustified Outcome = "unjustified" // it had none
	OutcomeUnclear     Outcome = "unclear"     // the investigation could not tell
)

// Valid tells whether o is a known outcome.
func (o Outcome) Valid() bool {
	return o == OutcomeJustified || o == OutcomeUnjustified || o == OutcomeUnclear
}

// TimelineKind is what happened to a case.
type TimelineKind string

const (
	TimelineCreated  TimelineKind = "created"
	TimelineFlagged  TimelineKind = "flagged" // a patient's flag on a case raised otherwise
	TimelineJoined   TimelineKind = "joined"  // a later hit or flag joined the open case
	TimelineStatus   TimelineKind = "status"
	TimelineNote     TimelineKind = "note" // internal: never shown to the patient
	TimelineDecision TimelineKind = "decision"
	TimelineClosed   TimelineKind = "closed"
	// The workplace (issue 12): who works the case, and the statements a
	// reviewer asks a head of unit for. Internal, like notes.
	TimelineAssigned           TimelineKind = "assigned"            // Text: the assignee's HSA-id
	TimelineStatementRequested TimelineKind = "statement_requested" // Text: the question
	TimelineStatement          TimelineKind = "statement"           // Text: the head of unit's answer
)

// TimelineEntry is one line of a case's history.
type TimelineEntry struct {
	Kind      TimelineKind
	ActorKind ActorKind
	ActorID   string // Actor.ID(): stored, never logged
	At        time.Time
	Text      string     // a note's text, a decision's reason
	From, To  CaseStatus // status changes
}

// Decision is how a reviewer decides a case: the outcome, the reason kept
// for the record (internal) and the message written for the patient.
type Decision struct {
	Outcome        Outcome
	Reason         string
	PatientMessage string
}

// Case is one investigation of one member of staff's accesses to one
// patient at one care provider, whatever raised it.
type Case struct {
	ID       int64
	Key      string // opaque and random: the only identifier in URLs
	Number   string // what people quote: year and sequence, "2026-000042"
	Source   CaseSource
	Status   CaseStatus
	Outcome  Outcome // set once decided
	Patient  PersonalID
	Staff    HSAID // whose accesses; empty when the log named no one
	Provider HSAID // the acting care provider: its reviewers work the case
	Priority int
	// AssignedTo is the reviewer who works the case; empty while nobody
	// has taken it. Internal: never shown to the patient.
	AssignedTo HSAID
	// Flagged tells that a patient flagged accesses of the case, whatever
	// raised it: they read its outcome, so its decision carries a message.
	Flagged bool

	DecisionReason string // internal
	PatientMessage string // written for the patient with the decision

	CreatedAt, UpdatedAt time.Time
	Events               []int64
	Timeline             []TimelineEntry
}

// allowedTransitions are the status changes Transition accepts. Decided
// is reached only through Decide, which carries the decision.
var allowedTransitions = map[CaseStatus][]CaseStatus{
	StatusNew:               {StatusInvestigating},
	StatusInvestigating:     {StatusAwaitingStatement, StatusDecided},
	StatusAwaitingStatement: {StatusInvestigating, StatusDecided},
	StatusDecided:           {StatusClosed},
}

// CanTransition tells whether a case may go from one status to another.
func CanTransition(from, to CaseStatus) bool {
	return slices.Contains(allowedTransitions[from], to)
}

// Transition moves the case to status to on behalf of by, recording it in
// the timeline. Deciding needs a decision: use Decide.
func (c *Case) Transition(to CaseStatus, by Actor, at time.Time) error {
	if to == StatusDecided {
		return Errorf(Invalid, "case.error.decide_needs_decision", "a case is decided with a decision")
	}
	return c.transition(to, by, at, "")
}

func (c *Case) transition(to CaseStatus, by Actor, at time.Time, text string) error {
	if !CanWorkCase(by, *c) {
		return Errorf(Forbidden, "case.error.forbidden", "actor may not work this case")
	}
	if c.Status == StatusNew && to == StatusDecided {
		// The commonest refusal gets its own words: the reviewer should
		// know what to do, not only that the status cannot change.
		return Errorf(Conflict, "case.error.decide_new", "a new case is started before it is decided")
	}
	if !CanTransition(c.Status, to) {
		return Errorf(Conflict, "case.error.transition", "case cannot go from %s to %s", c.Status, to).
			With("From", string(c.Status)).With("To", string(to))
	}
	from := c.Status
	c.Status, c.UpdatedAt = to, at
	kind := TimelineStatus
	if to == StatusClosed {
		kind = TimelineClosed
	}
	c.record(TimelineEntry{Kind: kind, At: at, Text: text, From: from, To: to}, by)
	return nil
}

// MaxCaseText is the most a note, reason or patient message may hold, in
// characters.
const MaxCaseText = 10000

// Decide records the outcome and moves the case to decided. The reason is
// internal; the patient reads only the message written for them, which a
// flag's case must therefore have.
func (c *Case) Decide(d Decision, by Actor, at time.Time) error {
	d.Reason, d.PatientMessage = strings.TrimSpace(d.Reason), strings.TrimSpace(d.PatientMessage)
	switch {
	case !d.Outcome.Valid():
		return Errorf(Invalid, "case.error.outcome", "unknown outcome")
	case d.Reason == "":
		return Errorf(Invalid, "case.error.reason", "a decision needs a reason")
	case (c.Source == SourceFlag || c.Flagged) && d.PatientMessage == "":
		return Errorf(Invalid, "case.error.patient_message", "a flag's decision needs a message for the patient")
	case !validText(d.Reason, MaxCaseText) || !validText(d.PatientMessage, MaxCaseText):
		return Errorf(Invalid, "case.error.text", "decision text too long or not text")
	}
	if err := c.transition(StatusDecided, by, at, ""); err != nil {
		return err
	}
	c.Outcome, c.DecisionReason, c.PatientMessage = d.Outcome, d.Reason, d.PatientMessage
	c.record(TimelineEntry{Kind: TimelineDecision, At: at, Text: d.Reason}, by)
	return nil
}

// AddNote adds an internal note; a closed case takes no more notes.
func (c *Case) AddNote(text string, by Actor, at time.Time) error {
	text = strings.TrimSpace(text)
	if !CanWorkCase(by, *c) {
		return Errorf(Forbidden, "case.error.forbidden", "actor may not work this case")
	}
	if text == "" || !validText(text, MaxCaseText) {
		return Errorf(Invalid, "case.error.text", "note empty, too long or not text")
	}
	if c.Status == StatusClosed {
		return Errorf(Conflict, "case.error.closed", "case is closed")
	}
	c.UpdatedAt = at
	c.record(TimelineEntry{Kind: TimelineNote, At: at, Text: text}, by)
	return nil
}

// Assign gives the case to a reviewer of its provider (by may assign it to
// themselves). A closed case is not worked any more.
func (c *Case) Assign(to Actor, by Actor, at time.Time) error {
	if !CanWorkCase(by, *c) {
		return Errorf(Forbidden, "case.error.forbidden", "actor may not work this case")
	}
	if to.Kind != ActorStaff || !CanWorkCase(to, *c) {
		return Errorf(Invalid, "case.error.assignee", "assignee is no reviewer of the case's provider")
	}
	if c.Status == StatusClosed {
		return Errorf(Conflict, "case.error.closed", "case is closed")
	}
	c.AssignedTo, c.UpdatedAt = to.HSAID, at
	c.record(TimelineEntry{Kind: TimelineAssigned, At: at, Text: string(to.HSAID)}, by)
	return nil
}

// RequestStatement asks the head of a unit for a statement: the case then
// awaits it. The investigation must have started (a new case is first
// taken up); a case already awaiting a statement may ask another unit too.
func (c *Case) RequestStatement(question string, by Actor, at time.Time) error {
	question = strings.TrimSpace(question)
	if !CanWorkCase(by, *c) {
		return Errorf(Forbidden, "case.error.forbidden", "actor may not work this case")
	}
	if question == "" || !validText(question, MaxCaseText) {
		return Errorf(Invalid, "case.error.question", "question empty, too long or not text")
	}
	if c.Status == StatusNew {
		// As with deciding: say what to do first, not only that the
		// status cannot change.
		return Errorf(Conflict, "case.error.statement_new", "a new case is started before a statement is asked")
	}
	if c.Status != StatusAwaitingStatement {
		if err := c.transition(StatusAwaitingStatement, by, at, ""); err != nil {
			return err
		}
	}
	c.UpdatedAt = at
	c.record(TimelineEntry{Kind: TimelineStatementRequested, At: at, Text: question}, by)
	return nil
}

// AnswerStatement records a head of unit's answer. The caller (the store)
// has checked that by heads the unit asked; the answer is what the reviewer
// was waiting for, so a case awaiting a statement goes back to being
// investigated when still open is false (no other request waits).
func (c *Case) AnswerStatement(answer string, by Actor, at time.Time, stillOpen bool) error {
	answer = strings.TrimSpace(answer)
	if by.Kind != ActorStaff || !by.HasRole(RoleHeadOfUnit) {
		return Errorf(Forbidden, "case.error.forbidden", "only a head of unit answers")
	}
	if answer == "" || !validText(answer, MaxCaseText) {
		return Errorf(Invalid, "case.error.answer", "answer empty, too long or not text")
	}
	if !c.Status.Open() {
		return Errorf(Conflict, "case.error.answer_late", "the case was decided before the answer came")
	}
	c.UpdatedAt = at
	c.record(TimelineEntry{Kind: TimelineStatement, At: at, Text: answer}, by)
	if c.Status == StatusAwaitingStatement && !stillOpen {
		from := c.Status
		c.Status = StatusInvestigating
		c.record(TimelineEntry{Kind: TimelineStatus, At: at, From: from, To: StatusInvestigating}, by)
	}
	return nil
}

func (c *Case) record(e TimelineEntry, by Actor) {
	e.ActorKind, e.ActorID = by.Kind, by.ID()
	c.Timeline = append(c.Timeline, e)
}

// PatientTimeline is what the patient may see of the timeline: when the
// case was created and how its status moved, never notes or reasons.
func (c *Case) PatientTimeline() []TimelineEntry {
	var out []TimelineEntry
	for _, e := range c.Timeline {
		switch e.Kind {
		case TimelineCreated, TimelineFlagged, TimelineJoined, TimelineStatus, TimelineClosed:
			e.Text, e.ActorID = "", ""
			out = append(out, e)
		}
	}
	return out
}

// CanWorkCase tells whether the actor may investigate and decide a case: a
// reviewer of the case's care provider. A patient never works a case, not
// even their own, and neither does staff of another provider.
func CanWorkCase(a Actor, c Case) bool {
	return a.Validate() == nil && c.Provider != "" && a.Has(RoleReviewer, c.Provider)
}

// CanDecideCase is CanWorkCase: whoever investigates decides.
func CanDecideCase(a Actor, c Case) bool { return CanWorkCase(a, c) }

// CanSeeCase tells whether the actor may see a case at all: the patient it
// is about (its status and outcome, through their flags), a reviewer of its
// provider, the system.
func CanSeeCase(a Actor, c Case) bool {
	if a.Validate() != nil {
		return false
	}
	switch a.Kind {
	case ActorPatient:
		return !c.Patient.IsZero() && a.Patient == c.Patient
	case ActorStaff:
		return CanWorkCase(a, c)
	case ActorSystem:
		return true
	}
	return false
}

// CanSeeCaseNotes tells whether the actor may read a case's internal notes
// and decision reason: never the patient.
func CanSeeCaseNotes(a Actor, c Case) bool {
	return a.Kind != ActorPatient && CanSeeCase(a, c)
}

// CaseProviders lists the care providers whose cases a member of staff
// works (reviewer), sorted; nil for anyone else.
func (a Actor) CaseProviders() []HSAID {
	if a.Kind != ActorStaff {
		return nil
	}
	var out []HSAID
	for _, g := range a.Grants {
		if g.Role == RoleReviewer && !slices.Contains(out, g.Provider) {
			out = append(out, g.Provider)
		}
	}
	slices.Sort(out)
	return out
}

// PriorityPatientSignal is the priority of a case a patient raised (a flag,
// a watchlist hit): the queue is worked top-down and these come first.
const PriorityPatientSignal = 1000
