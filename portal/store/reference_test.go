package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestReferenceUpserts(t *testing.T) {
	ctx := context.Background()
	clock := &portal.FixedClock{T: time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)}
	st := storetest.Open(t, clock)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.UpsertProviders(ctx, []portal.Provider{{HSAID: "SE2321000016-0001", OrgNr: "232100-0016", Name: "Region"}}))
	unknown, err := st.UpsertUnits(ctx, []portal.Unit{
		{HSAID: "SE2321000016-E1", ProviderHSAID: "SE2321000016-0001", Name: "Gammalt namn"},
		{HSAID: "SE2321000016-E2", ProviderHSAID: "SE0000000000-0001", Name: "Ingen vårdgivare"},
		{HSAID: "SE2321000016-E1", ProviderHSAID: "SE2321000016-0001", Name: "Nytt namn", Protected: true},
	})
	must(err)
	if len(unknown) != 1 || unknown[0].Index != 1 || unknown[0].Column != "provider_hsa_id" {
		t.Fatalf("unknown %+v", unknown)
	}
	must(st.UpsertStaff(ctx, []portal.Staff{{HSAID: "SE2321000016-P1", GivenName: "Anna", FamilyName: "Berg", Title: "Läkare"}}))
	for i := 0; i < 2; i++ { // twice: the second is an update
		unknown, err = st.UpsertAssignments(ctx, []portal.Assignment{{StaffHSAID: "SE2321000016-P1", UnitHSAID: "SE2321000016-E1", Name: "Läkare"}})
		must(err)
		if len(unknown) != 0 {
			t.Fatalf("unknown %+v", unknown)
		}
	}
	pid, _ := portal.ParsePersonalID("191212121212")
	sam, _ := portal.ParsePersonalID("198001612384")
	must(st.UpsertPatients(ctx, []portal.Patient{{PersonalID: pid, GivenName: "Tolvan", FamilyName: "Tolvansson"}}))
	clock.T = clock.T.Add(time.Hour)
	must(st.UpsertPatients(ctx, []portal.Patient{
		{PersonalID: pid, GivenName: "Tolvan", FamilyName: "Elva", VIP: true},
		{PersonalID: sam, GivenName: "Sam", FamilyName: "Ordning"},
	}))
	start := time.Date(2026, 3, 5, 14, 0, 0, 0, portal.Stockholm)
	care := portal.CareRelation{PersonalID: pid, UnitHSAID: "SE2321000016-E1", Kind: portal.CareVisit, StartsAt: start}
	must(st.UpsertCareRelations(ctx, []portal.CareRelation{care}))
	care.EndsAt = start.Add(30 * time.Minute)
	must(st.UpsertCareRelations(ctx, []portal.CareRelation{care}))
	must(st.UpsertRelations(ctx, []portal.Relation{{A: pid, B: sam, Kind: portal.RelationHousehold}, {A: sam, B: pid, Kind: portal.RelationHousehold}}))

	c, err := st.ReferenceCounts(ctx)
	must(err)
	if c.Providers != 1 || c.Units != 1 || c.Staff != 1 || c.Assignments != 1 || c.Patients != 2 || c.Relations != 1 || c.CareRelations != 1 {
		t.Errorf("counts %+v", c)
	}
	var p struct {
		Family  string    `db:"family_name"`
		VIP     bool      `db:"vip"`
		Updated time.Time `db:"updated_at"`
	}
	must(st.DB().GetContext(ctx, &p, `SELECT family_name, vip, updated_at FROM patients WHERE personal_id = $1`, pid))
	if p.Family != "Elva" || !p.VIP || !p.Updated.Equal(clock.T) {
		t.Errorf("patient %+v", p)
	}
	var kind string
	must(st.DB().GetContext(ctx, &kind, `SELECT id_kind FROM patients WHERE personal_id = $1`, sam))
	if kind != "samordningsnummer" {
		t.Errorf("id_kind %q", kind)
	}
	var validFrom, validTo string
	must(st.DB().QueryRowContext(ctx, `SELECT valid_from::text, valid_to::text FROM assignments`).Scan(&validFrom, &validTo))
	if validFrom != "-infinity" || validTo != "infinity" {
		t.Errorf("open assignment %s..%s", validFrom, validTo)
	}
	var ends time.Time
	must(st.DB().GetContext(ctx, &ends, `SELECT ends_at FROM care_relations`))
	if !ends.Equal(care.EndsAt) {
		t.Errorf("ends_at %v", ends)
	}
}
