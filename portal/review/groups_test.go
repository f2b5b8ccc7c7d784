package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// qGroupsDiffer counts the groups review_groups keeps otherwise than a
// fresh count of access_events gives them, and those it keeps that the
// events do not give.
const qGroupsDiffer = `
WITH fresh AS (
    SELECT batch_id, actor_hsa_id, (occurred_at AT TIME ZONE 'Europe/Stockholm')::date AS day, patient_id,
           actor_unit_hsa_id, actor_provider_hsa_id, actor_personal_id, patient_id_kind,
           min(actor_title), min(occurred_at), max(occurred_at), count(*)::integer,
           count(*) FILTER (WHERE purpose <> 'care' OR emergency OR activity = 'emergency')::integer,
           array_agg(ROW(id, occurred_at, actor_title, patient_id_root, activity, purpose, emergency)::text ORDER BY id)
    FROM access_events GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
), kept AS (
    SELECT batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id, actor_personal_id,
           patient_id_kind, actor_title, first_at, last_at, events, odd,
           ARRAY(SELECT x::text FROM unnest(evs) x ORDER BY x.id)
    FROM review_groups
)
SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) m)
     + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) x)`

func groupsDiffer(t *testing.T, s *store.Store, when string) {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, qGroupsDiffer); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%s: %d groups differ from the events", when, n)
	}
}

// TestGroupsFollowEvents: the groups a run reads (review_groups, kept by
// trigger) are what the events give after an ingest, a resent batch
// (duplicates skipped), a delete, an update that moves an access to
// another actor and day, and an update that changes nothing a group
// keeps; and a run over them counts every event once and explains
// exactly what the function explains. The first run analyses the groups.
func TestGroupsFollowEvents(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 9, 0, 0, 0, time.UTC)
	care(t, s, portal.CareRelation{PersonalID: pid(t, 1), UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at})
	var evs []portal.Event
	for i := range 12 {
		e := access(pid(t, 1+i%3), []string{anna, bo}[i%2], unit, unit, at.Add(time.Duration(i)*20*time.Minute))
		if i == 5 {
			e.Purpose = portal.PurposeStatistics
		}
		evs = append(evs, e)
	}
	insert(t, s, evs...)
	groupsDiffer(t, s, "after the ingest")
	if n, err := s.InsertEvents(context.Background(), evs[:4]); err != nil || n != 0 {
		t.Fatalf("resent: %d stored, %v", n, err)
	}
	groupsDiffer(t, s, "after a resent batch")
	exec(t, s, `DELETE FROM access_events WHERE source_log_id = $1`, evs[0].SourceLogID)
	groupsDiffer(t, s, "after a delete")
	exec(t, s, `UPDATE access_events SET actor_hsa_id = $2, occurred_at = occurred_at + interval '1 day'
	            WHERE source_log_id = $1`, evs[3].SourceLogID, bo)
	exec(t, s, `UPDATE access_events SET patient_name = 'Namn' WHERE source_log_id = $1`, evs[4].SourceLogID)
	groupsDiffer(t, s, "after updates")
	res := run(t, s)
	// The first run gave the groups statistics (too few rows for autovacuum).
	var analysed bool
	if err := s.DB().Get(&analysed, `SELECT reltuples >= 0 FROM pg_class WHERE oid = 'review_groups'::regclass`); err != nil || !analysed {
		t.Errorf("review_groups not analysed by the first run (%v)", err)
	}
	var events, explained int64
	if err := s.DB().Get(&events, `SELECT count(*) FROM access_events`); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&explained, `SELECT count(*) FROM event_explanation_evidence WHERE explained`); err != nil {
		t.Fatal(err)
	}
	if res.Events != events || res.Explained != explained || explained == 0 || explained == events {
		t.Errorf("the run counted %d events, %d explained; there are %d, the function explains %d",
			res.Events, res.Explained, events, explained)
	}
	var noncare int
	if err := s.DB().Get(&noncare, `SELECT count(*) FROM rule_hits WHERE rule = 'non_care_purpose'`); err != nil || noncare != 1 {
		t.Errorf("%d non-care hits for one access for statistics (%v)", noncare, err)
	}
}

// TestPeriodCutsGroup: a period run that ends in the middle of an actor's
// day with a patient reviews the accesses before its end and keeps the
// group; the next run reviews the rest, once, and drops the group with
// its batch; a period run over the same time finds nothing.
func TestPeriodCutsGroup(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 12, 8, 0, 0, 0, time.UTC)
	care(t, s, portal.CareRelation{PersonalID: pid(t, 1), UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at})
	var evs []portal.Event
	for i := range 4 {
		evs = append(evs, access(pid(t, 1), anna, unit, unit, at.Add(time.Duration(i)*time.Hour)))
	}
	insert(t, s, evs...)
	period := store.ReviewRunOptions{From: at.Add(-24 * time.Hour), To: at.Add(90 * time.Minute)}
	res, err := s.RunReview(ctx, period, review.Rules)
	if err != nil || res.Events != 2 || res.Explained != 2 {
		t.Fatalf("period run: %+v, %v", res, err)
	}
	if n := groupRows(t, s); n != 1 {
		t.Errorf("%d groups kept after the period run, want the one it cut", n)
	}
	if res := run(t, s); res.Events != 2 || res.Explained != 2 {
		t.Errorf("the run after it: %+v", res)
	}
	if n := groupRows(t, s); n != 0 {
		t.Errorf("%d groups kept after the run that covered their batch", n)
	}
	if res, err := s.RunReview(ctx, period, review.Rules); err != nil || res.Events != 0 {
		t.Errorf("the period again: %+v, %v", res, err)
	}
}

func groupRows(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM review_groups`); err != nil {
		t.Fatal(err)
	}
	return n
}
