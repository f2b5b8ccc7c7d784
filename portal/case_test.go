package portal_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

var allStatuses = []portal.CaseStatus{portal.StatusNew, portal.StatusInvestigating,
	portal.StatusAwaitingStatement, portal.StatusDecided, portal.StatusClosed}

func caseFixture() (portal.Case, portal.Actor, portal.Actor, portal.Actor, portal.Actor) {
	tolvan, _ := portal.ParsePersonalID("191212121212")
	region, company := portal.HSAID("SE2321000016-0001"), portal.HSAID("SE5565594230-0002")
	c := portal.Case{Source: portal.SourceFlag, Status: portal.StatusNew, Patient: tolvan,
		Staff: "SE2321000016-5001", Provider: region}
	reviewer := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: region, Role: portal.RoleReviewer})
	clerk := portal.StaffActor("SE2321000016-9002", "Kim", portal.Grant{Provider: region, Role: portal.RoleClerk})
	other := portal.StaffActor("SE5565594230-9001", "Oskar", portal.Grant{Provider: company, Role: portal.RoleReviewer})
	return c, reviewer, clerk, other, portal.PatientActor(tolvan, "")
}

// TestCaseTransitions tries every pair of statuses: exactly the allowed
// ones succeed, and only for a reviewer of the case's provider.
func TestCaseTransitions(t *testing.T) {
	allowed := map[[2]portal.CaseStatus]bool{
		{portal.StatusNew, portal.StatusInvestigating}:               true,
		{portal.StatusInvestigating, portal.StatusAwaitingStatement}: true,
		{portal.StatusInvestigating, portal.StatusDecided}:           true,
		{portal.StatusAwaitingStatement, portal.StatusInvestigating}: true,
		{portal.StatusAwaitingStatement, portal.StatusDecided}:       true,
		{portal.StatusDecided, portal.StatusClosed}:                  true,
	}
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, portal.Stockholm)
	decision := portal.Decision{Outcome: portal.OutcomeUnjustified, Reason: "Ingen vårdrelation", PatientMessage: "Åtkomsten saknade skäl."}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			ok := allowed[[2]portal.CaseStatus{from, to}]
			if portal.CanTransition(from, to) != ok {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, !ok)
			}
			base, reviewer, clerk, other, patient := caseFixture()
			base.Status = from
			move := func(c *portal.Case, by portal.Actor) error {
				if to == portal.StatusDecided {
					return c.Decide(decision, by, at)
				}
				return c.Transition(to, by, at)
			}
			for name, by := range map[string]portal.Actor{"clerk": clerk, "other provider": other, "patient": patient, "system": portal.SystemActor("Kim")} {
				c := base
				if err := move(&c, by); portal.ErrorCode(err) != portal.Forbidden || c.Status != from || len(c.Timeline) != 0 {
					t.Errorf("%s → %s by %s: %v, status %s", from, to, name, err, c.Status)
				}
			}
			c := base
			err := move(&c, reviewer)
			if ok {
				if err != nil || c.Status != to || len(c.Timeline) == 0 || c.Timeline[0].From != from || c.Timeline[0].To != to ||
					c.Timeline[0].ActorID != "SE2321000016-9001" || !c.UpdatedAt.Equal(at) {
					t.Errorf("%s → %s: %v %+v", from, to, err, c)
				}
				continue
			}
			if portal.ErrorCode(err) != portal.Conflict || c.Status != from || len(c.Timeline) != 0 {
				t.Errorf("%s → %s refused: %v, status %s", from, to, err, c.Status)
			}
			if from == portal.StatusNew && to == portal.StatusDecided && msgID(err) != "case.error.decide_new" {
				t.Errorf("deciding a new case is refused as %q, want words saying to start it first", msgID(err))
			}
		}
	}
}

func TestCaseDecide(t *testing.T) {
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, portal.Stockholm)
	c, reviewer, _, _, patient := caseFixture()
	c.Status = portal.StatusInvestigating
	if err := c.Transition(portal.StatusDecided, reviewer, at); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("Transition to decided without a decision: %v", err)
	}
	for name, d := range map[string]portal.Decision{
		"no outcome":      {Reason: "r", PatientMessage: "m"},
		"unknown outcome": {Outcome: "maybe", Reason: "r", PatientMessage: "m"},
		"no reason":       {Outcome: portal.OutcomeJustified, Reason: "  ", PatientMessage: "m"},
		"no message":      {Outcome: portal.OutcomeJustified, Reason: "r", PatientMessage: " \n"},
		"long message":    {Outcome: portal.OutcomeJustified, Reason: "r", PatientMessage: strings.Repeat("å", portal.MaxCaseText+1)},
		"control":         {Outcome: portal.OutcomeJustified, Reason: "r\x00", PatientMessage: "m"},
	} {
		x := c
		if err := x.Decide(d, reviewer, at); portal.ErrorCode(err) != portal.Invalid || x.Status != portal.StatusInvestigating {
			t.Errorf("%s: %v", name, err)
		}
	}
	d := portal.Decision{Outcome: portal.OutcomeJustified, Reason: " Vårdrelation fanns ", PatientMessage: " Läkaren skrev remissvar. "}
	if err := c.Decide(d, reviewer, at); err != nil {
		t.Fatal(err)
	}
	if c.Outcome != portal.OutcomeJustified || c.DecisionReason != "Vårdrelation fanns" || c.PatientMessage != "Läkaren skrev remissvar." {
		t.Errorf("decision %+v", c)
	}
	kinds := []portal.TimelineKind{}
	for _, e := range c.Timeline {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) != 2 || kinds[0] != portal.TimelineStatus || kinds[1] != portal.TimelineDecision {
		t.Errorf("timeline %v", kinds)
	}
	if err := c.AddNote("Intern anteckning", reviewer, at); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNote("x", patient, at); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("patient's note: %v", err)
	}
	for _, e := range c.PatientTimeline() {
		if e.Kind == portal.TimelineNote || e.Kind == portal.TimelineDecision || e.Text != "" || e.ActorID != "" {
			t.Errorf("patient sees %+v", e)
		}
	}
	if err := c.Transition(portal.StatusClosed, reviewer, at); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNote("late", reviewer, at); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("note on closed case: %v", err)
	}
	// A rule's case needs no patient message: no patient asked.
	r, reviewer, _, _, _ := caseFixture()
	r.Source, r.Status = portal.SourceRule, portal.StatusInvestigating
	if err := r.Decide(portal.Decision{Outcome: portal.OutcomeUnclear, Reason: "r"}, reviewer, at); err != nil {
		t.Errorf("rule case: %v", err)
	}
}

func TestCaseVisibility(t *testing.T) {
	c, reviewer, clerk, other, patient := caseFixture()
	sara, _ := portal.ParsePersonalID("199001012385")
	cases := []struct {
		name        string
		a           portal.Actor
		see, notes  bool
		work, flagT bool
	}{
		{"patient", patient, true, false, false, true},
		{"another patient", portal.PatientActor(sara, ""), false, false, false, false},
		{"reviewer", reviewer, true, true, true, false},
		{"clerk", clerk, false, false, false, false},
		{"other provider's reviewer", other, false, false, false, false},
		{"system", portal.SystemActor("Kim"), true, true, false, false},
		{"nobody", portal.Actor{}, false, false, false, false},
	}
	for _, x := range cases {
		if portal.CanSeeCase(x.a, c) != x.see || portal.CanSeeCaseNotes(x.a, c) != x.notes ||
			portal.CanWorkCase(x.a, c) != x.work || portal.CanFlag(x.a, c.Patient) != x.flagT {
			t.Errorf("%s: see %v notes %v work %v flag %v", x.name, portal.CanSeeCase(x.a, c),
				portal.CanSeeCaseNotes(x.a, c), portal.CanWorkCase(x.a, c), portal.CanFlag(x.a, c.Patient))
		}
	}
	c.Provider = ""
	if portal.CanWorkCase(reviewer, c) {
		t.Error("a case without provider is nobody's to work")
	}
}

func TestFlagValidate(t *testing.T) {
	long := strings.Repeat("ä", portal.MaxFlagText) // 2,000 bytes, 1,000 characters
	for _, c := range []struct {
		name   string
		f      portal.Flag
		fields []string
		msg    string
	}{
		{"ok", portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{1}}, nil, ""},
		{"at the limit in runes", portal.Flag{Reason: portal.ReasonNoCareThen, Text: "  " + long + "\n", Events: []int64{1}}, nil, ""},
		{"one over", portal.Flag{Reason: portal.ReasonNoCareThen, Text: long + "x", Events: []int64{1}}, []string{"text"}, "flag.error.text_long"},
		{"no reason", portal.Flag{Events: []int64{1}}, []string{"reason"}, "flag.error.reason"},
		{"unknown reason", portal.Flag{Reason: "angry", Events: []int64{1}}, []string{"reason"}, "flag.error.reason"},
		{"other without text", portal.Flag{Reason: portal.ReasonOther, Text: " \t ", Events: []int64{1}}, []string{"text"}, "flag.error.text_other"},
		{"nul", portal.Flag{Reason: portal.ReasonOther, Text: "a\x00b", Events: []int64{1}}, []string{"text"}, "flag.error.text_chars"},
		{"bad utf-8", portal.Flag{Reason: portal.ReasonOther, Text: "a\xffb", Events: []int64{1}}, []string{"text"}, "flag.error.text_chars"},
		{"no events", portal.Flag{Reason: portal.ReasonKnowsPrivately}, []string{"events"}, "flag.error.events"},
		{"too many events", portal.Flag{Reason: portal.ReasonKnowsPrivately, Events: make([]int64, portal.MaxFlagEvents+1)}, []string{"events"}, "flag.error.events_many"},
		{"everything", portal.Flag{Text: long + long}, []string{"events", "reason", "text"}, ""},
	} {
		err := c.f.Validate()
		if c.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var fe portal.FieldErrors
		if !errors.As(err, &fe) || len(fe) != len(c.fields) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for _, f := range c.fields {
			if fe[f] == nil || fe[f].Code != portal.Invalid {
				t.Errorf("%s: field %s: %v", c.name, f, fe[f])
			}
		}
		if c.msg != "" && fe[c.fields[0]].MsgID != c.msg {
			t.Errorf("%s: message %s", c.name, fe[c.fields[0]].MsgID)
		}
	}
	f := portal.Flag{Reason: portal.ReasonOther, Text: "  känner henne  ", Events: []int64{1}}
	if f.Validate() != nil || f.Text != "känner henne" {
		t.Errorf("trimmed %q", f.Text)
	}
}

// A rule case a patient flagged is decided with a message for them too:
// they read its outcome under my flags. One nobody flagged needs none.
func TestFlaggedRuleCaseNeedsPatientMessage(t *testing.T) {
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, portal.Stockholm)
	c, reviewer, _, _, _ := caseFixture()
	c.Source, c.Status = portal.SourceRule, portal.StatusInvestigating
	d := portal.Decision{Outcome: portal.OutcomeJustified, Reason: "Vårdrelation fanns"}
	flagged := c
	flagged.Flagged = true
	if err := flagged.Decide(d, reviewer, at); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("flagged rule case decided without a message: %v", err)
	}
	if err := c.Decide(d, reviewer, at); err != nil {
		t.Errorf("unflagged rule case: %v", err)
	}
}

// The workplace's steps: assign to a reviewer of the provider only, a
// statement once the investigation has started, the answer back to
// investigating when no other request waits.
func TestCaseAssignAndStatement(t *testing.T) {
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, portal.Stockholm)
	c, reviewer, _, _, patient := caseFixture()
	other := portal.StaffActor("SE5565594230-9005", "Conny", portal.Grant{Provider: "SE5565594230-0002", Role: portal.RoleReviewer})
	if err := c.Assign(other, reviewer, at); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("assigned to another provider's reviewer: %v", err)
	}
	if err := c.Assign(reviewer, patient, at); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("a patient assigned: %v", err)
	}
	if err := c.Assign(reviewer, reviewer, at); err != nil || c.AssignedTo != reviewer.HSAID {
		t.Fatalf("assign: %v", err)
	}
	if err := c.RequestStatement("Varför?", reviewer, at); portal.ErrorCode(err) != portal.Conflict || msgID(err) != "case.error.statement_new" {
		t.Errorf("statement on a new case: %v (%s)", err, msgID(err))
	}
	c.Status = portal.StatusInvestigating
	if err := c.RequestStatement(" ", reviewer, at); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("empty question: %v", err)
	}
	if err := c.RequestStatement("Varför?", reviewer, at); err != nil || c.Status != portal.StatusAwaitingStatement {
		t.Fatalf("request: %v %s", err, c.Status)
	}
	head := portal.StaffActor("SE2321000016-9003", "Hedda", portal.Grant{Provider: c.Provider, Role: portal.RoleHeadOfUnit, Unit: "SE2321000016-1001"})
	if err := c.AnswerStatement("Svar", reviewer, at, false); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("a reviewer answered as head: %v", err)
	}
	if err := c.AnswerStatement("Svar", head, at, true); err != nil || c.Status != portal.StatusAwaitingStatement {
		t.Errorf("answer with another request waiting: %v %s", err, c.Status)
	}
	if err := c.AnswerStatement("Svar två", head, at, false); err != nil || c.Status != portal.StatusInvestigating {
		t.Errorf("last answer: %v %s", err, c.Status)
	}
	for _, e := range c.PatientTimeline() {
		if e.Kind == portal.TimelineAssigned || e.Kind == portal.TimelineStatement || e.Kind == portal.TimelineStatementRequested {
			t.Errorf("the patient's timeline shows %s", e.Kind)
		}
	}
}

func msgID(err error) string {
	id, _ := portal.ErrorMsgID(err)
	return id
}
