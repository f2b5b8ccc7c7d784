package review_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// TestRunAgreesWithFunction: a run finds the unexplained accesses of a
// whole run at once through care_coverage (migration 00025), the extract
// picks each access's relation by a join of the definition's parts, and
// the case pages one event at a time through insyn_explaining_relation.
// On crowded random care data (several relations per patient, every kind,
// relations naming staff, equal distances) all three agree for every
// event, and the run counts as explained exactly those the function
// explains.
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
		// Whole days from base often: equal distances to two relations;
		// on the edge of a window (720 hours) now and then.
		at := base.Add(time.Duration(r.IntN(160))*24*time.Hour + time.Duration(r.IntN(3))*time.Hour)
		evs = append(evs, access(pid(t, 1+r.IntN(30)), []string{anna, bo}[r.IntN(2)], units[r.IntN(2)], unit, at))
	}
	insert(t, s, evs...)
	res := run(t, s)
	if res.Explained == 0 || res.Explained == res.Events {
		t.Fatalf("a test that cannot tell: %d of %d explained", res.Explained, res.Events)
	}
	var live int64
	if err := s.DB().Get(&live, `SELECT count(*) FROM event_explanation_evidence WHERE explained`); err != nil {
		t.Fatal(err)
	}
	if live != res.Explained {
		t.Errorf("the run counted %d explained, the function explains %d", res.Explained, live)
	}
	var differ []struct {
		ID       int64  `db:"id"`
		Covered  bool   `db:"covered"`
		Relation *int64 `db:"relation_id"`
	}
	if err := s.DB().Select(&differ, `
		SELECT e.id, insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) AS covered, r.relation_id
		FROM access_events e
		LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) r ON true
		WHERE insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) <> (r.relation_id IS NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if len(differ) > 0 {
		t.Errorf("%d of %d events covered otherwise than the function explains them, e.g. %+v", len(differ), len(evs), differ[0])
	}
	// The unexplained accesses the run kept for its rules are the same.
	var noCare int64
	if err := s.DB().Get(&noCare, `SELECT count(*) FROM rule_hits WHERE rule = 'no_care_relation'`); err != nil {
		t.Fatal(err)
	}
	var neverCared int64
	if err := s.DB().Get(&neverCared, `SELECT count(*) FROM access_events e WHERE NOT EXISTS (
		SELECT 1 FROM care_relations c WHERE c.personal_id = e.patient_id
		  AND ((e.actor_unit_hsa_id <> '' AND c.unit_hsa_id = e.actor_unit_hsa_id)
		       OR (c.staff_hsa_id <> '' AND c.staff_hsa_id = e.actor_hsa_id)))`); err != nil {
		t.Fatal(err)
	}
	if noCare != neverCared || noCare == 0 {
		t.Errorf("no_care_relation hit %d accesses, %d have no relation at all", noCare, neverCared)
	}
	// The extract picks the function's relation for every event.
	for p := 1; p <= 30; p++ {
		var want []string
		if err := s.DB().Select(&want, `
			SELECT COALESCE(r.kind || ' ' || r.unit_hsa_id || ' ' || (extract(epoch FROM r.starts_at) * 1000000)::bigint
			                || ' ' || r.by_staff::text, '')
			FROM access_events e
			LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) r ON true
			WHERE e.patient_id = $1 ORDER BY e.occurred_at, e.id`, pid(t, p).Digits()); err != nil {
			t.Fatal(err)
		}
		got := extractRelations(t, s, pid(t, p))
		if !slices.Equal(got, want) {
			t.Errorf("patient %d: the extract explains by %q, the function by %q", p, got, want)
		}
	}
}
