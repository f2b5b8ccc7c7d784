package review_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
)

// queue is the evidence of cases a reviewer could face, named by what
// they are; TestPriorityOrder sorts them by Priority and checks the order.
var queue = map[string]review.Evidence{
	"flag, explained": {Source: portal.SourceFlag, Flags: 1, Events: 2},
	"flag, neighbour, no care": {Source: portal.SourceFlag, Flags: 1, SameStreet: true, NeverDocumented: true,
		Events: 3, Unexplained: 3},
	"watchlist": {Source: portal.SourceWatchlist, Events: 1},
	"rule high, relative, no care, never documented, repeat": {Source: portal.SourceRule, Relative: true,
		NeverDocumented: true, Events: 2, Unexplained: 2, EarlierCases: 2, EarlierUnjustified: 1,
		Rules: []review.RuleHit{{Rule: "relative", Severity: review.SeverityHigh}}},
	"rule high, vip": {Source: portal.SourceRule, Events: 1, Unexplained: 1,
		Rules: []review.RuleHit{{Rule: "vip", Severity: review.SeverityHigh}}},
	"rule medium, household, no care": {Source: portal.SourceRule, SameStreet: true, Events: 1, Unexplained: 1,
		Rules: []review.RuleHit{{Rule: "household", Severity: review.SeverityMedium}}},
	"rule medium, emergency": {Source: portal.SourceRule, Emergencies: 1, Events: 1,
		Rules: []review.RuleHit{{Rule: "emergency", Severity: review.SeverityMedium}}},
	"rule low, postal code": {Source: portal.SourceRule, SamePostalCode: true, Events: 1, Unexplained: 1,
		Rules: []review.RuleHit{{Rule: "neighbourhood", Severity: review.SeverityLow}}},
	"sample, some unexplained": {Source: portal.SourceSample, Events: 40, Unexplained: 3, Patients: 12},
	"sample, all explained":    {Source: portal.SourceSample, Events: 40, Patients: 12},
}

func TestPriorityOrder(t *testing.T) {
	want := []string{
		"flag, neighbour, no care",
		"flag, explained",
		"watchlist",
		"rule high, relative, no care, never documented, repeat",
		"rule high, vip",
		"rule medium, household, no care",
		"rule medium, emergency",
		"rule low, postal code",
		"sample, some unexplained",
		"sample, all explained",
	}
	var got []string
	for name := range queue {
		got = append(got, name)
	}
	slices.SortFunc(got, func(a, b string) int { return review.Priority(queue[b]) - review.Priority(queue[a]) })
	if !slices.Equal(got, want) {
		var lines []string
		for _, n := range got {
			lines = append(lines, fmt.Sprintf("%5d %s", review.Priority(queue[n]), n))
		}
		t.Errorf("queue order:\n%s", strings.Join(lines, "\n"))
	}
}

// TestPriorityBands: whatever a rule case holds, a flag outranks it, and
// every added signal or earlier case raises a case.
func TestPriorityBands(t *testing.T) {
	worst := review.Evidence{Source: portal.SourceRule, Self: true, SameStreet: true, Colleague: true,
		NeverDocumented: true, SamePostalCode: true, Events: 5, Unexplained: 5, Emergencies: 2,
		EarlierCases: 50, EarlierUnjustified: 50,
		Rules: []review.RuleHit{{Rule: "volume", Severity: review.SeverityHigh}}}
	if p, f := review.Priority(worst), review.Priority(review.Evidence{Source: portal.SourceFlag, Flags: 1}); p >= f {
		t.Errorf("rule case %d outranks a bare flag %d", p, f)
	}
	if n := len(worst.Signals()); n != 6 {
		t.Errorf("signals %v", worst.Signals())
	}
	base := review.Evidence{Source: portal.SourceRule, Events: 2, Unexplained: 1}
	for name, more := range map[string]func(*review.Evidence){
		"relation":  func(e *review.Evidence) { e.Relative = true },
		"address":   func(e *review.Evidence) { e.SameStreet = true },
		"workplace": func(e *review.Evidence) { e.Colleague = true },
		"no care":   func(e *review.Evidence) { e.Unexplained = 2 },
		"never":     func(e *review.Evidence) { e.NeverDocumented = true },
		"volume":    func(e *review.Evidence) { e.Rules = append(e.Rules, review.RuleHit{Rule: "volume"}) },
		"repeat":    func(e *review.Evidence) { e.EarlierCases = 1 },
		"severity": func(e *review.Evidence) {
			e.Rules = append(e.Rules, review.RuleHit{Rule: "vip", Severity: review.SeverityLow})
		},
	} {
		e := base
		more(&e)
		if review.Priority(e) <= review.Priority(base) {
			t.Errorf("%s does not raise the priority: %d <= %d", name, review.Priority(e), review.Priority(base))
		}
	}
}

func TestNarratives(t *testing.T) {
	cat := i18n.MustLoad(portal.Stockholm)
	sv, en := cat.For("sv"), cat.For("en")
	anna := review.Subject{StaffHSAID: "SE2321000016-5001", StaffName: "Anna Berg", Title: "Sjuksköterska", Unit: "Kirurgkliniken",
		Month: time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm)}
	for _, tc := range []struct {
		subj   review.Subject
		ev     review.Evidence
		sv, en string
	}{
		{anna, review.Evidence{Source: portal.SourceRule, SameStreet: true, Events: 2, Unexplained: 2,
			Rules: []review.RuleHit{{Rule: "household", Severity: review.SeverityMedium}}},
			"Anna Berg, sjuksköterska på Kirurgkliniken, läste journalen för en granne på samma gata; ingen vårdkontakt finns.",
			"Anna Berg, nurse at Kirurgkliniken, read the record of a neighbour on the same street; no care contact exists."},
		{anna, review.Evidence{Source: portal.SourceFlag, Flags: 1, Events: 3, Unexplained: 1, NeverDocumented: true, EarlierCases: 2},
			"Anna Berg, sjuksköterska på Kirurgkliniken, läste en patients journal; vårdkontakter förklarar 2 av 3 åtkomster; hen har aldrig dokumenterat något för patienten; patienten har flaggat åtkomsten; 2 tidigare ärenden om samma person.",
			"Anna Berg, nurse at Kirurgkliniken, read a patient's record; care contacts explain 2 of 3 accesses; they never documented anything for the patient; the patient flagged the access; 2 earlier cases about the same person."},
		// A guardian flags for the child: the reviewer is told who asks.
		{anna, review.Evidence{Source: portal.SourceFlag, Flags: 1, GuardianFlags: 1, Events: 1, Unexplained: 1},
			"Anna Berg, sjuksköterska på Kirurgkliniken, läste en patients journal; ingen vårdkontakt finns; patientens vårdnadshavare har flaggat åtkomsten.",
			"Anna Berg, nurse at Kirurgkliniken, read a patient's record; no care contact exists; the patient's guardian flagged the access."},
		{anna, review.Evidence{Source: portal.SourceSample, Events: 42, Unexplained: 3, Patients: 17},
			"Anna Berg, sjuksköterska på Kirurgkliniken, drogs i stickprovet för 2026-03 med 42 åtkomster till 17 patienter; vårdkontakter förklarar 39 av 42 åtkomster.",
			"Anna Berg, nurse at Kirurgkliniken, was drawn in the sample for 2026-03 with 42 accesses to 17 patients; care contacts explain 39 of 42 accesses."},
		{review.Subject{StaffHSAID: "SE2321000016-5009", Title: "ST-läkare"}, review.Evidence{Source: portal.SourceRule, Self: true, Events: 1,
			Rules: []review.RuleHit{{Rule: "self", Severity: review.SeverityHigh}}, EarlierCases: 1},
			"SE2321000016-5009, ST-läkare, läste sin egen journal; vårdkontakter förklarar alla åtkomster; 1 tidigare ärende om samma person.",
			"SE2321000016-5009, specialty registrar, read their own record; care contacts explain every access; 1 earlier case about the same person."},
		// A title the list does not know is written as the data writes it,
		// in both languages.
		{review.Subject{StaffName: "Bo Ek", Title: "Vaktmästare", Unit: "Akuten"}, review.Evidence{Source: portal.SourceRule, Events: 1, Unexplained: 1},
			"Bo Ek, vaktmästare på Akuten, läste en patients journal; ingen vårdkontakt finns.",
			"Bo Ek, vaktmästare at Akuten, read a patient's record; no care contact exists."},
		{review.Subject{StaffName: "Bo Ek", Title: "Legitimerad sjuksköterska", Unit: "Akuten"}, review.Evidence{Source: portal.SourceRule, Events: 1, Unexplained: 1},
			"Bo Ek, sjuksköterska på Akuten, läste en patients journal; ingen vårdkontakt finns.",
			"Bo Ek, nurse at Akuten, read a patient's record; no care contact exists."},
	} {
		if got := review.Narrative(sv, tc.subj, tc.ev); got != tc.sv {
			t.Errorf("sv:\n got %s\nwant %s", got, tc.sv)
		}
		if got := review.Narrative(en, tc.subj, tc.ev); got != tc.en {
			t.Errorf("en:\n got %s\nwant %s", got, tc.en)
		}
	}
}

func TestDrawIsReproducible(t *testing.T) {
	var users []string
	for i := range 40 {
		users = append(users, fmt.Sprintf("SE2321000016-%04d", 5000+i))
	}
	a := review.Draw(202603, users, 10)
	rev := slices.Clone(users)
	slices.Reverse(rev)
	if b := review.Draw(202603, append(rev, users[:5]...), 10); !slices.Equal(a, b) {
		t.Errorf("order or repeats of the candidates change the draw:\n%v\n%v", a, b)
	}
	if c := review.Draw(202604, users, 10); slices.Equal(a, c) {
		t.Errorf("another seed draws the same users")
	}
	if len(a) != 10 || len(review.Draw(1, users[:3], 10)) != 3 {
		t.Errorf("draw sizes")
	}
	// The auditor's recipe: printf '202603:SE2321000016-5000' | sha256sum
	if k := review.DrawKey(202603, "SE2321000016-5000"); len(k) != 64 || k != review.DrawKey(202603, "SE2321000016-5000") {
		t.Errorf("key %q", k)
	}
	if review.DefaultSeed(time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm)) != 202603 {
		t.Error("default seed")
	}
}

// TestRuleCounts: each rule once, in the order of its first hit, with
// its hits.
func TestRuleCounts(t *testing.T) {
	e := review.Evidence{Rules: []review.RuleHit{{Rule: "household"}, {Rule: "no_care_relation"}, {Rule: "household"},
		{Rule: "household"}}}
	want := []review.RuleCount{{Rule: "household", Hits: 3}, {Rule: "no_care_relation", Hits: 1}}
	if got := e.RuleCounts(); !slices.Equal(got, want) {
		t.Fatalf("RuleCounts: %v, want %v", got, want)
	}
	if got := (review.Evidence{}).RuleCounts(); len(got) != 0 {
		t.Fatalf("no hits: %v", got)
	}
}
