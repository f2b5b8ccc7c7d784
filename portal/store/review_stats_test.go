package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestReviewRunRefreshesExplanationStatistics: the first run of an
// installation leaves the planner knowing what it wrote, so a read
// planned while event_explanations was empty is planned again at once,
// not after autovacuum's next round (which never comes within a test).
func TestReviewRunRefreshesExplanationStatistics(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, nil)
	tolvan := pnr(t, "19121212", "121")
	at := time.Date(2026, 3, 30, 9, 0, 0, 0, portal.Stockholm)
	var evs []portal.Event
	for i := range 40 {
		evs = append(evs, portal.Event{SourceSystem: "S", SourceLogID: fmt.Sprint("e", i), OccurredAt: at.Add(time.Duration(i) * time.Minute),
			ActorHSAID: "SE2321000016-5002", ActorProvider: portal.Party{HSAID: region}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: tolvan, ResourceType: "Journalanteckning"})
	}
	estimate := func() (n float64) {
		if err := s.DB().Get(&n, `SELECT reltuples FROM pg_class WHERE oid = 'event_explanations'::regclass`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.InsertEvents(ctx, evs[:30]); err != nil {
		t.Fatal(err)
	}
	if n := estimate(); n > 0 {
		t.Fatalf("before any run the planner believes %v explanations", n)
	}
	if res, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules); err != nil || res.Events != 30 {
		t.Fatalf("run: %+v %v", res, err)
	}
	if n := estimate(); n != 30 {
		t.Fatalf("after the first run the planner believes %v explanations, want 30", n)
	}
	// A run adding a third more is past autovacuum's threshold too.
	if _, err := s.InsertEvents(ctx, evs[30:]); err != nil {
		t.Fatal(err)
	}
	if res, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules); err != nil || res.Events != 10 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	if n := estimate(); n != 40 {
		t.Fatalf("after the second run the planner believes %v explanations, want 40", n)
	}
}
