package review_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// TestRunAgreesWithFunction: the run explains a whole run's events at once
// by a join (migration 00013's parts), the extract and the case pages one
// event at a time through insyn_explaining_relation. On crowded random
// care data (several relations per patient, every kind, relations naming
// staff, equal distances) both pick the same relation for every event.
func TestRunAgreesWithFunction(t *testing.T) {
	s := world(t)
	r := rand.New(rand.NewPCG(11, 13))
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	kinds := []portal.CareKind{portal.CareVisit, portal.CareBooking, portal.CareReferral, portal.CareAdmission, portal.CareTeam}
	units := []string{unit, lab}
	staff := []string{"", "", anna, bo}
	var rels []portal.CareRelation
	for p := 1; p <= 30; p++ {
		for range r.IntN(5) {
			rel := portal.CareRelation{PersonalID: pid(t, p), UnitHSAID: portal.HSAID(units[r.IntN(2)]),
				StaffHSAID: portal.HSAID(staff[r.IntN(4)]), Kind: kinds[r.IntN(len(kinds))],
				StartsAt: base.Add(time.Duration(r.IntN(120)) * 24 * time.Hour)}
			if r.IntN(2) == 0 {
				rel.EndsAt = rel.StartsAt.Add(time.Duration(r.IntN(20)) * 24 * time.Hour)
			}
			rels = append(rels, rel)
		}
	}
	care(t, s, rels...)
	var evs []portal.Event
	for range 600 {
		// Whole days from base often: equal distances to two relations.
		at := base.Add(time.Duration(r.IntN(160))*24*time.Hour + time.Duration(r.IntN(3))*time.Hour)
		evs = append(evs, access(pid(t, 1+r.IntN(30)), []string{anna, bo}[r.IntN(2)], units[r.IntN(2)], unit, at))
	}
	insert(t, s, evs...)
	res := run(t, s)
	if res.Explained == 0 || res.Explained == res.Events {
		t.Fatalf("a test that cannot tell: %d of %d explained", res.Explained, res.Events)
	}
	var differ []struct {
		ID   int64  `db:"event_id"`
		Kept *int64 `db:"kept"`
		Live *int64 `db:"live"`
	}
	if err := s.DB().Select(&differ, `
		SELECT x.event_id, x.relation_id AS kept, r.relation_id AS live
		FROM event_explanation_evidence x JOIN access_events e ON e.id = x.event_id AND e.occurred_at = x.occurred_at
		LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) r ON true
		WHERE x.relation_id IS DISTINCT FROM r.relation_id OR x.days IS DISTINCT FROM r.days
		   OR x.by_staff IS DISTINCT FROM COALESCE(r.by_staff, false) OR x.kind IS DISTINCT FROM r.kind`); err != nil {
		t.Fatal(err)
	}
	if len(differ) > 0 {
		t.Errorf("%d of %d events explained otherwise by the run than by the function, e.g. %+v", len(differ), len(evs), differ[0])
	}
}
