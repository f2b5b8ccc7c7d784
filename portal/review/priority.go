package review

// The priority and the narrative of a case are computed from its evidence
// (gathered by the store, portal/store/casequery.go, and kept on the case):
// flags and watchlist hits in the top band, then rule severity, how many
// independent signals agree (relation, address, workplace, no care, never
// documented, volume), then what is unexplained and repeat offending. The
// narrative is one sentence in sv and en naming staff and unit, never the
// patient.

import (
	"slices"

	"github.com/insyn/insyn/portal"
)

// Severity is how serious a rule's hit is (DESIGN.md section 5 table).
type Severity int

const (
	SeverityNone Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
)

// ParseSeverity reads a severity as the rules table stores it.
func ParseSeverity(s string) Severity {
	switch s {
	case "low":
		return SeverityLow
	case "medium":
		return SeverityMedium
	case "high":
		return SeverityHigh
	}
	return SeverityNone
}

// Signal is one independent reason to doubt an access. Several agreeing is
// what makes a case likely: a neighbour with no care contact who never
// documented anything is worth more than any one of these alone.
type Signal string

const (
	SignalRelation        Signal = "relation"         // self, a relative (relations, or family name and address)
	SignalAddress         Signal = "address"          // the same street address
	SignalWorkplace       Signal = "workplace"        // the patient works with the actor
	SignalNoCare          Signal = "no_care"          // no care relation explains the accesses
	SignalNeverDocumented Signal = "never_documented" // the actor never wrote or signed anything for the patient
	SignalVolume          Signal = "volume"           // the actor's day was far above their usual
)

// RuleHit is the evidence of one rule that fired on a case's accesses: the
// contract with the rules (the rule_hits table, filled by `insyn review
// run`). Rule is the rule's name in DESIGN.md's table in snake case
// ("self", "relative", "household", "neighbourhood", "colleague",
// "protected_identity", "vip", "deceased", "emergency", "non_care_purpose",
// "no_care_relation", "after_employment", "volume", "watchlist"); Severity
// the provider's configured severity.
type RuleHit struct {
	Rule     string
	Severity Severity
}

// RuleCount is one rule of a case's evidence and how many hits it had.
type RuleCount struct {
	Rule string
	Hits int
}

// RuleCounts lists each rule of the evidence once, in the order of its
// first hit, with its hits: a rule hits once per access, and a reader
// reads each rule once.
func (e Evidence) RuleCounts() []RuleCount {
	var out []RuleCount
	at := map[string]int{}
	for _, h := range e.Rules {
		i, ok := at[h.Rule]
		if !ok {
			i = len(out)
			at[h.Rule] = i
			out = append(out, RuleCount{Rule: h.Rule})
		}
		out[i].Hits++
	}
	return out
}

// ruleSignals maps a rule to the independent signal it stands for; rules
// that stand for none (vip, emergency) count by severity only.
var ruleSignals = map[string]Signal{
	"self":             SignalRelation,
	"relative":         SignalRelation,
	"household":        SignalAddress,
	"colleague":        SignalWorkplace,
	"no_care_relation": SignalNoCare,
	"volume":           SignalVolume,
}

// Evidence is what a case's priority and narrative are computed from: the
// case's sources, what the reference data says about actor and patient,
// how much of it care explains, and the actor's history.
type Evidence struct {
	Source portal.CaseSource
	Flags  int // patients' flags on the case
	// GuardianFlags: of Flags, those a guardian filed for the child.
	GuardianFlags int
	Watchlist     bool // a watchlist hit (source or rule)
	Rules         []RuleHit

	// From the reference data and the events (store).
	Self, Relative      bool // the actor is the patient; a relation or family name and address link them
	SameStreet          bool // the same normalised street address
	SamePostalCode      bool // the same postal code: a small locality, weaker than the street
	Colleague, SameUnit bool // the patient is staff; on one of the actor's units
	NeverDocumented     bool // the actor never wrote or signed for the patient (hit cases only)

	Events, Unexplained int // the case's accesses, and those no care relation explains
	Patients            int // distinct patients among them (a sample's case has many)
	Emergencies         int // accesses made as emergency access

	EarlierCases       int // the actor's other cases
	EarlierUnjustified int // of which decided unjustified
}

// Signals lists the independent signals that agree, in a fixed order.
func (e Evidence) Signals() []Signal {
	has := map[Signal]bool{
		SignalRelation:        e.Self || e.Relative,
		SignalAddress:         e.SameStreet,
		SignalWorkplace:       e.Colleague,
		SignalNoCare:          e.Events > 0 && e.Unexplained == e.Events && e.Source != portal.SourceSample,
		SignalNeverDocumented: e.NeverDocumented,
	}
	for _, h := range e.Rules {
		if s, ok := ruleSignals[h.Rule]; ok {
			has[s] = true
		}
	}
	var out []Signal
	for _, s := range []Signal{SignalRelation, SignalAddress, SignalWorkplace, SignalNoCare, SignalNeverDocumented, SignalVolume} {
		if has[s] {
			out = append(out, s)
		}
	}
	return out
}

// MaxSeverity is the highest severity among the rule hits.
func (e Evidence) MaxSeverity() Severity {
	s := SeverityNone
	for _, h := range e.Rules {
		s = max(s, h.Severity)
	}
	return s
}

// HasRule tells whether the named rule fired.
func (e Evidence) HasRule(rule string) bool {
	return slices.ContainsFunc(e.Rules, func(h RuleHit) bool { return h.Rule == rule })
}

// The weights of Priority. Everything but the patient's own signal adds up
// to less than PriorityPatientSignal, so flags and watchlist hits stay on
// top whatever the rest; within each band the rest orders.
const (
	weightFlag        = 10  // per patient's flag, at most maxEarlier: a patient's own word over a watchlist hit
	weightSeverity    = 100 // per severity step: high 300, medium 200, low 100
	weightSignal      = 60  // per agreeing independent signal (at most 6)
	weightWeakAddress = 15  // the same postal code without the same street
	weightUnexplained = 40  // some accesses unexplained (the whole case unexplained is SignalNoCare)
	weightEmergency   = 20  // emergency access: always reviewed, rarely misuse
	weightEarlier     = 20  // per earlier case, at most maxEarlier
	maxEarlier        = 3
	weightUnjustified = 40 // per earlier case decided unjustified, at most maxEarlier
)

// Priority orders the queue: higher is worked first. A patient's flag or
// a watchlist hit puts the case in the top band; then rule severity, how
// many independent signals agree, how much is unexplained, and repeat
// offending. It is a pure function of the evidence, so a case's priority
// is recomputed whenever its evidence changes.
func Priority(e Evidence) int {
	p := 0
	if e.Flags > 0 || e.Watchlist || e.Source == portal.SourceFlag || e.Source == portal.SourceWatchlist || e.HasRule("watchlist") {
		p += portal.PriorityPatientSignal
	}
	p += weightFlag * min(e.Flags, maxEarlier)
	p += weightSeverity * int(e.MaxSeverity())
	p += weightSignal * len(e.Signals())
	if e.SamePostalCode && !e.SameStreet {
		p += weightWeakAddress
	}
	if e.Unexplained > 0 && e.Unexplained < e.Events || e.Source == portal.SourceSample && e.Unexplained > 0 {
		p += weightUnexplained
	}
	if e.Emergencies > 0 {
		p += weightEmergency
	}
	p += weightEarlier * min(e.EarlierCases, maxEarlier)
	p += weightUnjustified * min(e.EarlierUnjustified, maxEarlier)
	return p
}
