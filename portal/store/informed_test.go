package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// watchedAccess is an access by Bo (SE2321000016-5002, watchWorld) to p.
func watchedAccess(id string, p portal.PersonalID, at time.Time) portal.Event {
	return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: "SE2321000016-5002",
		ActorProvider: portal.Party{HSAID: region}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"}
}

// TestWatchlistHitsWriteNotices: a watched person's access writes one
// notice, in the review run's transaction, to the patient who opted in
// to the kind; not to one who watches the same person without opting in;
// the notice names nobody; a second run writes nothing.
func TestWatchlistHitsWriteNotices(t *testing.T) {
	ctx := context.Background()
	added := time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)
	clock := &portal.FixedClock{T: added}
	s := watchWorld(t, clock)
	tolvan := portal.PatientActor(pnr(t, "19121212", "121"), "")
	sara := portal.PatientActor(pnr(t, "19900101", "238"), "")
	for _, a := range []portal.Actor{tolvan, sara} {
		if err := s.AddWatch(ctx, a, "SE2321000016-5002"); err != nil {
			t.Fatal(err)
		}
	}
	subscribe(t, s, tolvan, "tolvan@example.se", notify.KindWatchlist)
	subscribe(t, s, sara, "sara@example.se", notify.KindEmergency) // watches, but not this kind
	clock.T = added.Add(48 * time.Hour)
	if _, err := s.InsertEvents(ctx, []portal.Event{
		watchedAccess("w1", tolvan.Patient, added.Add(24*time.Hour)),
		watchedAccess("w2", tolvan.Patient, added.Add(25*time.Hour)),
		watchedAccess("w3", sara.Patient, added.Add(24*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules)
	if err != nil {
		t.Fatal(err)
	}
	got := notices(t, s, notify.KindWatchlist)
	if len(got) != 1 || got[0]["patient_id"] != tolvan.Patient.Digits() || got[0]["dedupe"] != "run:"+itoa(res.Run) ||
		got[0]["payload"] != `{"count": 2}` {
		t.Fatalf("watchlist notices %v", got)
	}
	if p := got[0]["payload"].(string); strings.Contains(p, "5002") || strings.Contains(p, "Bo") {
		t.Errorf("the notice names the watched person: %s", p)
	}
	for range 2 {
		if _, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(notices(t, s, notify.KindWatchlist)); n != 1 {
		t.Errorf("%d watchlist notices after later runs", n)
	}
	// The worker sends it to the confirmed address, as a watchlist mail.
	claimed, err := s.ClaimNotices(ctx, "w", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var sent bool
	for _, n := range claimed {
		if n.Kind == notify.KindWatchlist {
			sent = n.To == "tolvan@example.se" && !n.ForChild
		}
	}
	if !sent {
		t.Errorf("claimed %+v", claimed)
	}
}
