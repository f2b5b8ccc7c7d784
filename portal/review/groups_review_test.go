package review_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// TestReviewGroupsCrossMonthUpdate: an update that moves an access into
// another month's partition keeps the groups equal to a fresh count.
func TestReviewGroupsCrossMonthUpdate(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 30, 21, 30, 0, 0, time.UTC) // 23:30 in Stockholm
	evs := []portal.Event{access(pid(t, 1), anna, unit, unit, at), access(pid(t, 1), anna, unit, unit, at.Add(time.Minute))}
	insert(t, s, evs...)
	// make sure July's partition exists
	exec(t, s, `SELECT insyn_ensure_event_partition('2025-07-01')`)
	exec(t, s, `UPDATE access_events SET occurred_at = occurred_at + interval '2 days' WHERE source_log_id = $1`, evs[0].SourceLogID)
	groupsDiffer(t, s, "after a cross-partition update")
}

// TestReviewGroupsLeakAfterRun: an update of an access of a batch a run
// already covered makes no group (nothing would read or drop it).
func TestReviewGroupsLeakAfterRun(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 9, 0, 0, 0, time.UTC)
	evs := []portal.Event{access(pid(t, 1), anna, unit, unit, at)}
	insert(t, s, evs...)
	run(t, s)
	exec(t, s, `UPDATE access_events SET patient_name = 'X' WHERE source_log_id = $1`, evs[0].SourceLogID)
	if n := groupRows(t, s); n != 0 {
		t.Errorf("%d review groups kept for a batch a run covered (never read, never dropped)", n)
	}
}

// TestReviewGroupsExactlyOnce: random accesses over several batches, a DST
// change and midnight in Stockholm, care windows, odd purposes; period
// runs of random bounds interleaved with batch runs and further batches.
// Every access is counted once over all runs, and the run's explained
// count and lone accesses agree with the per-access definition.
func TestReviewGroupsExactlyOnce(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		exactlyOnce(t, seed)
	}
}

func exactlyOnce(t *testing.T, seed uint64) {
	s := world(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2025, 3, 28, 20, 0, 0, 0, time.UTC) // over 30 March (DST)
	units := []string{unit, lab}
	var rels []portal.CareRelation
	for p := 1; p <= 6; p++ {
		for range r.IntN(3) {
			rels = append(rels, portal.CareRelation{PersonalID: pid(t, p), UnitHSAID: portal.HSAID(units[r.IntN(2)]),
				StaffHSAID: portal.HSAID([]string{"", anna}[r.IntN(2)]), Kind: portal.CareVisit, StartsAt: base.Add(time.Duration(r.IntN(96)) * time.Hour)})
		}
	}
	care(t, s, rels...)
	var total, runEvents int64
	for range 8 {
		var evs []portal.Event
		for range 80 + r.IntN(60) {
			e := access(pid(t, 1+r.IntN(3)), []string{anna, bo}[r.IntN(2)], units[r.IntN(2)], unit,
				base.Add(time.Duration(r.IntN(3*24*60))*time.Minute))
			if r.IntN(25) == 0 {
				e.Purpose = portal.PurposeStatistics
			}
			if r.IntN(40) == 0 {
				e.Activity = portal.ActivityEmergency
			}
			evs = append(evs, e)
		}
		insert(t, s, evs...)
		total += int64(len(evs))
		for range 1 + r.IntN(2) {
			var opt store.ReviewRunOptions
			if r.IntN(3) != 0 {
				opt.From = base.Add(time.Duration(r.IntN(6*24*60)) * time.Minute)
				opt.To = opt.From.Add(time.Duration(1+r.IntN(3*24*60)) * time.Minute)
			}
			res, err := s.RunReview(ctx, opt, review.Rules)
			if err != nil {
				t.Fatal(err)
			}
			runEvents += res.Events
		}
	}
	res := run(t, s)
	runEvents += res.Events
	if runEvents != total {
		t.Errorf("runs counted %d accesses, there are %d", runEvents, total)
	}
	var got int64
	count(t, s, &got, `SELECT count(*) FROM access_events WHERE purpose <> 'care'`)
	var noncare int64
	count(t, s, &noncare, `SELECT count(*) FROM rule_hits WHERE rule = 'non_care_purpose'`)
	if noncare != got {
		t.Errorf("%d non-care hits, %d non-care accesses", noncare, got)
	}
	var sumExpl, fnExpl int64
	count(t, s, &sumExpl, `SELECT sum(explained) FROM review_runs`)
	count(t, s, &fnExpl, `SELECT count(*) FROM access_events e WHERE insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at)`)
	if sumExpl != fnExpl {
		t.Errorf("runs explained %d, the function explains %d", sumExpl, fnExpl)
	}
	var nocare, wantNoCare int64
	count(t, s, &nocare, `SELECT count(*) FROM rule_hits WHERE rule = 'no_care_relation' AND withdrawn_at IS NULL`)
	count(t, s, &wantNoCare, `SELECT count(*) FROM access_events e WHERE NOT insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at)
	    AND NOT EXISTS (SELECT 1 FROM care_relations c WHERE c.personal_id = e.patient_id
	        AND ((e.actor_unit_hsa_id <> '' AND c.unit_hsa_id = e.actor_unit_hsa_id) OR (c.staff_hsa_id <> '' AND c.staff_hsa_id = e.actor_hsa_id)))`)
	if nocare != wantNoCare {
		t.Errorf("seed %d: %d no-care hits, %d accesses no care relation explains", seed, nocare, wantNoCare)
	}
}

// TestReviewGroupsPartlyResent: a batch some of whose records are stored
// (COPY fails, the staging path stores the rest) adds only the new ones.
func TestReviewGroupsPartlyResent(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 9, 0, 0, 0, time.UTC)
	var evs []portal.Event
	for i := range 6 {
		evs = append(evs, access(pid(t, 1), anna, unit, unit, at.Add(time.Duration(i)*time.Minute)))
	}
	insert(t, s, evs[:3]...)
	if n, err := s.InsertEvents(context.Background(), evs[1:]); err != nil || n != 3 {
		t.Fatalf("partly resent: %d stored, %v", n, err)
	}
	groupsDiffer(t, s, "after a partly resent batch")
	if res := run(t, s); res.Events != 6 {
		t.Errorf("run counted %d of 6", res.Events)
	}
}

// TestReviewGroupsDownUp: 00026 down and up again over stored events (one
// batch a run covered, one a period run cut, one unreviewed): the backfill
// keeps the groups of the last two as the trigger would, and the next run
// counts what no run reviewed, once.
func TestReviewGroupsDownUp(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	src, err := os.ReadFile("../../migrations/00026_review_groups.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, down, _ := strings.Cut(string(src), "-- +goose Down")
	at := time.Date(2025, 6, 12, 8, 0, 0, 0, time.UTC)
	care(t, s, portal.CareRelation{PersonalID: pid(t, 1), UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at})
	insert(t, s, access(pid(t, 1), anna, unit, unit, at), access(pid(t, 1), anna, unit, unit, at.Add(time.Hour)))
	run(t, s)
	insert(t, s, access(pid(t, 1), anna, unit, unit, at), access(pid(t, 1), anna, unit, unit, at.Add(3*time.Hour)))
	insert(t, s, access(pid(t, 1), bo, unit, unit, at.Add(2*time.Hour)))
	res, err := s.RunReview(ctx, store.ReviewRunOptions{From: at.Add(-time.Hour), To: at.Add(150 * time.Minute)}, review.Rules)
	if err != nil || res.Events != 2 {
		t.Fatalf("period run: %+v, %v", res, err)
	}
	exec(t, s, down)
	exec(t, s, up)
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM (SELECT batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id,
	    actor_personal_id, patient_id_kind, first_at, last_at, events, odd FROM review_groups
	    EXCEPT SELECT batch_id, actor_hsa_id, (occurred_at AT TIME ZONE 'Europe/Stockholm')::date, patient_id, actor_unit_hsa_id,
	    actor_provider_hsa_id, actor_personal_id, patient_id_kind, min(occurred_at), max(occurred_at), count(*)::int, 0
	    FROM access_events WHERE batch_id NOT IN (SELECT batch_id FROM review_batches) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) d`); err != nil || n != 0 {
		t.Errorf("backfill: %d groups differ (%v)", n, err)
	}
	if res := run(t, s); res.Events != 1 || res.Explained != 1 {
		t.Errorf("the run after down and up: %+v", res)
	}
}

func count(t *testing.T, s *store.Store, n *int64, q string) {
	t.Helper()
	if err := s.DB().Get(n, q); err != nil {
		t.Fatal(err)
	}
}
