package portal

import (
	"testing"
	"time"
)

func TestParseReferenceValues(t *testing.T) {
	if d, err := ParseDate("c", "2026-03-05"); err != nil || d.Format(time.DateOnly) != "2026-03-05" {
		t.Errorf("ParseDate: %v %v", d, err)
	}
	if d, err := ParseDate("c", " "); err != nil || !d.IsZero() {
		t.Errorf("empty date: %v %v", d, err)
	}
	for _, bad := range []string{"2026-02-30", "5/3/2026", "20260305"} {
		if _, err := ParseDate("deceased_on", bad); ErrorCode(err) != Invalid {
			t.Errorf("ParseDate(%q) = %v", bad, err)
		} else if id, data := ErrorMsgID(err); id != "import.error.date" || data["Column"] != "deceased_on" {
			t.Errorf("ParseDate(%q): %s %v", bad, id, data)
		}
	}
	for in, want := range map[string]bool{"true": true, "FALSE": false, "": false, " True ": true} {
		if got, err := ParseBool("c", in); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v %v", in, got, err)
		}
	}
	if _, err := ParseBool("vip", "ja"); ErrorCode(err) != Invalid {
		t.Error("ParseBool accepted ja")
	}
	cet := time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)  // 14:02 in Stockholm (CET)
	cest := time.Date(2026, 8, 5, 12, 2, 0, 0, time.UTC) // 14:02 in Stockholm (CEST)
	for in, want := range map[string]time.Time{
		"2026-03-05 14:02":          cet,
		"2026-03-05T14:02:00+01:00": cet,
		"2026-03-05T13:02:00Z":      cet,
		"2026-08-05 14:02":          cest,
		"2026-08-05T14:02:00":       cest,
	} {
		if got, err := ParseTimestamp("starts_at", in); err != nil || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseTimestamp("starts_at", "igår 14:02"); ErrorCode(err) != Invalid {
		t.Error("ParseTimestamp accepted text")
	}
}

func TestReferenceValidate(t *testing.T) {
	pid, _ := ParsePersonalID("191212121212")
	other, _ := ParsePersonalID("198001012387")
	day := func(s string) time.Time { d, _ := ParseDate("c", s); return d }
	at := time.Date(2026, 3, 5, 14, 0, 0, 0, Stockholm)
	cases := []struct {
		name string
		v    interface{ Validate() error }
		msg  string // "" means valid
	}{
		{"provider", &Provider{HSAID: "SE2321000016-0001", OrgNr: "232100-0016", Name: "Region"}, ""},
		{"provider bad org nr", &Provider{HSAID: "SE2321000016-0001", OrgNr: "232100-0017", Name: "Region"}, "import.error.org_nr"},
		{"provider no name", &Provider{HSAID: "SE2321000016-0001"}, "import.error.required"},
		{"unit bad hsa", &Unit{HSAID: "se-1", ProviderHSAID: "SE2321000016-0001", Name: "U"}, "import.error.hsa_id"},
		{"staff", &Staff{HSAID: "SE2321000016-P1", GivenName: "A", FamilyName: "B", EmployedFrom: day("2020-01-01")}, ""},
		{"staff dates", &Staff{HSAID: "SE2321000016-P1", GivenName: "A", FamilyName: "B", EmployedFrom: day("2020-01-01"), EmployedTo: day("2019-01-01")}, "import.error.order"},
		{"assignment", &Assignment{StaffHSAID: "SE2321000016-P1", UnitHSAID: "SE2321000016-E1", Name: "Läkare"}, ""},
		{"patient", &Patient{PersonalID: pid, GivenName: "Tolvan", FamilyName: "Tolvansson"}, ""},
		{"patient no id", &Patient{GivenName: "Tolvan", FamilyName: "Tolvansson"}, "import.error.required"},
		{"relation", &Relation{A: pid, B: other, Kind: RelationSpouse}, ""},
		{"relation self", &Relation{A: pid, B: pid, Kind: RelationSpouse}, "import.error.same_person"},
		{"relation kind", &Relation{A: pid, B: other, Kind: "cousin"}, "import.error.relation_kind"},
		{"care", &CareRelation{PersonalID: pid, UnitHSAID: "SE2321000016-E1", Kind: CareVisit, StartsAt: at}, ""},
		{"care kind", &CareRelation{PersonalID: pid, UnitHSAID: "SE2321000016-E1", Kind: "chat", StartsAt: at}, "import.error.care_kind"},
		{"care order", &CareRelation{PersonalID: pid, UnitHSAID: "SE2321000016-E1", Kind: CareAdmission, StartsAt: at, EndsAt: at.Add(-time.Hour)}, "import.error.order"},
		{"care staff", &CareRelation{PersonalID: pid, UnitHSAID: "SE2321000016-E1", StaffHSAID: "x", Kind: CareVisit, StartsAt: at}, "import.error.hsa_id"},
	}
	for _, c := range cases {
		err := c.v.Validate()
		id, _ := ErrorMsgID(err)
		if (c.msg == "" && err != nil) || (c.msg != "" && id != c.msg) {
			t.Errorf("%s: %v (%s), want %q", c.name, err, id, c.msg)
		}
	}
}

func TestReferenceBehaviour(t *testing.T) {
	a, _ := ParsePersonalID("198001012387")
	b, _ := ParsePersonalID("191212121212")
	if r := (Relation{A: a, B: b, Kind: RelationSpouse}).Canonical(); r.A.Digits() != "191212121212" {
		t.Error("a symmetric relation is not ordered")
	}
	if r := (Relation{A: a, B: b, Kind: RelationParent}).Canonical(); r.A.Digits() != "198001012387" {
		t.Error("a parent relation was turned around")
	}
	s := Staff{EmployedFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), EmployedTo: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}
	if !s.EmployedOn(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) || s.EmployedOn(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("EmployedOn")
	}
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, Stockholm)
	c := CareRelation{StartsAt: start, EndsAt: start.Add(48 * time.Hour)}
	if !c.Active(start.Add(time.Hour)) || c.Active(start.Add(49*time.Hour)) {
		t.Error("Active")
	}
}
