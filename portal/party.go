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
