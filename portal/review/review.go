// Package review is the caregiver side's reading of every access (DESIGN.md
// section 5): which care relation explains it, which rules it trips, and the
// run that does both, set-based, over the events no run has reached
// (store.RunReview with Rules). Its pure parts (windows, priority,
// narrative, the sample's draw order) are what the store and pages call.
package review

import "time"

// Rule names, in the order the run applies them.
const (
	RuleSelf              = "self"
	RuleEmergency         = "emergency"
	RuleRelative          = "relative"
	RuleColleague         = "colleague"
	RuleDeceased          = "deceased"
	RuleProtectedIdentity = "protected_identity"
	RuleVIP               = "vip"
	RuleAfterEmployment   = "after_employment"
	RuleHousehold         = "household"
	RuleNeighbourhood     = "neighbourhood"
	RuleNoCareRelation    = "no_care_relation"
	RuleNonCarePurpose    = "non_care_purpose"
	RuleVolume            = "volume"
	RuleWatchlist         = "watchlist" // a person the patient watches (store/rule_watchlist.go)
)

// Rules lists every rule of DESIGN.md section 5.
var Rules = []string{RuleSelf, RuleEmergency, RuleRelative, RuleColleague, RuleDeceased, RuleProtectedIdentity,
	RuleVIP, RuleAfterEmployment, RuleHousehold, RuleNeighbourhood, RuleNoCareRelation, RuleNonCarePurpose,
	RuleVolume, RuleWatchlist}

// Severities a rule may carry.
var Severities = []string{"low", "medium", "high"}

// Known reports whether name is a rule.
func Known(name string) bool {
	for _, r := range Rules {
		if r == name {
			return true
		}
	}
	return false
}

// Relation kinds and the windows in which each explains an access.
const (
	Visit     = "visit"
	Booking   = "booking"
	Referral  = "referral"
	Admission = "admission"
	Team      = "team"
)

// Margin is how far before and after a visit, booking, referral or
// admission an access is still explained.
const Margin = 30 * 24 * time.Hour

// Covers says whether a relation of kind from starts to ends (zero: none)
// covers an access at at, by DESIGN.md section 5. It is the Go statement of
// insyn_explaining_relation's window (migration 00007), against which the
// tests hold the SQL.
func Covers(kind string, starts, ends, at time.Time) bool {
	switch kind {
	case Team:
		return !at.Before(starts) && (ends.IsZero() || !at.After(ends))
	case Admission:
		return !at.Before(starts.Add(-Margin)) && (ends.IsZero() || !at.After(ends.Add(Margin)))
	case Visit, Booking, Referral:
		if ends.IsZero() {
			ends = starts
		}
		return !at.Before(starts.Add(-Margin)) && !at.After(ends.Add(Margin))
	}
	return false
}
