package portal

import "testing"

func TestParties(t *testing.T) {
	var ps Parties
	ps.Add(LevelOrganization, Party{Name: "Sjukhuset"})
	ps.Add(LevelUnit, Party{})
	ps.FallBack(Party{Name: "reserv"})
	if ps.Unit.Name != "reserv" {
		t.Fatalf("fallback unit %+v", ps.Unit)
	}
	ps = Parties{}
	ps.Add(LevelUnit, Party{HSAID: "SE2321000016-U1", Name: "Akuten"})
	ps.Add(LevelUnit, Party{Name: "later"})
	ps.Add(LevelProvider, Party{Name: "Region Exempelland"})
	ps.Add(LevelProvider, Party{Name: "later"})
	ps.FallBack(Party{Name: "ignored"})
	if ps.Unit.Name != "Akuten" || ps.Provider.Name != "Region Exempelland" || len(ps.Orgs) != 0 {
		t.Fatalf("%+v", ps)
	}
	if PartyLevelOf("", "Vårdgivare") != LevelProvider || PartyLevelOf("SDLOC") != LevelUnit || PartyLevelOf("x") != LevelUnknown {
		t.Fatal("PartyLevelOf")
	}
}
