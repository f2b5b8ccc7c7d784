package portal

import "strings"

// PartyLevel says whether an organisation a log names is a care unit or a
// care provider; FHIR and ATNA logs leave that to codes and words.
type PartyLevel int

const (
	LevelUnknown      PartyLevel = iota
	LevelUnit                    // vårdenhet
	LevelProvider                // vårdgivare
	LevelOrganization            // an organisation the log does not classify
)

// PartyLevelOf classifies an organisation by the codes and words Swedish
// and HL7 logs use for the two levels.
func PartyLevelOf(words ...string) PartyLevel {
	for _, w := range words {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "vårdenhet", "vardenhet", "care unit", "careunit", "sdloc", "healthcare unit", "enhet":
			return LevelUnit
		case "vårdgivare", "vardgivare", "care provider", "careprovider", "prov", "healthcare provider":
			return LevelProvider
		}
	}
	return LevelUnknown
}

// Parties collects the organisations a log names, most trusted first: the
// first care unit and the first care provider win, and organisations of no
// stated level wait in Orgs for when nothing says more.
type Parties struct {
	Unit, Provider Party
	Orgs           []Party
}

// Add offers an organisation at a level; empty parties are ignored.
func (ps *Parties) Add(level PartyLevel, p Party) {
	if p == (Party{}) {
		return
	}
	switch level {
	case LevelUnit:
		if ps.Unit == (Party{}) {
			ps.Unit = p
		}
	case LevelProvider:
		if ps.Provider == (Party{}) {
			ps.Provider = p
		}
	case LevelOrganization:
		ps.Orgs = append(ps.Orgs, p)
	}
}

// FallBack makes p the unit when no unit has been found.
func (ps *Parties) FallBack(p Party) {
	if ps.Unit == (Party{}) {
		ps.Unit = p
	}
}
