package store_test

import (
	"context"
	"errors"
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

// TestGuardianChildNotices: Greta opts in, while acting for Kim (10), to
// Kim's emergency notices; a run writes one to Greta's own address, about
// Kim, and the worker sends it as a child's mail. Tess (13 today) gets no
// notice even from a row saved before her birthday, Hugo's child Lo cannot
// be chosen, and a notice written before the child's 13th birthday is
// cancelled when it is due after it.
func TestGuardianChildNotices(t *testing.T) {
	ctx := context.Background()
	f := newFamily(t)
	greta := portal.PatientActor(f.greta, "")
	subscribe(t, f.s, greta, "greta@example.se") // an address, no kind of her own
	forKim, forTess, forLo := greta.ActingFor(f.kim), greta.ActingFor(f.tess), greta.ActingFor(f.lo)
	if err := f.s.SaveChildNotify(ctx, forKim, []notify.Kind{notify.KindEmergency, notify.KindWatchlist}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SaveChildNotify(ctx, forKim, []notify.Kind{notify.KindDigest}); !errors.As(err, new(portal.FieldErrors)) {
		t.Errorf("a digest for a child: %v", err)
	}
	for _, a := range []portal.Actor{forTess, forLo, portal.PatientActor(f.hugo, "").ActingFor(f.kim)} {
		if err := f.s.SaveChildNotify(ctx, a, []notify.Kind{notify.KindEmergency}); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%v for a child not theirs to act for: %v", a.For, err)
		}
		if _, err := f.s.ChildNotifySettings(ctx, a); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("read for a child not theirs to act for: %v", err)
		}
	}
	got, err := f.s.ChildNotifySettings(ctx, forKim)
	if err != nil || !got.Has(notify.KindEmergency) || got.Has(notify.KindDigest) || got.Address != "greta@example.se" || !got.Confirmed {
		t.Fatalf("Kim's settings %+v %v", got, err)
	}
	// Greta chose Tess's notices before Tess turned 13 (a row as the page
	// saved it yesterday).
	if _, err := f.s.DB().Exec(`INSERT INTO notify_guardians (child_id, child_kind, guardian_id, guardian_kind, kinds, updated_at)
		VALUES ($1, 'personnummer', $2, 'personnummer', '{emergency}', now())`, f.tess.Digits(), f.greta.Digits()); err != nil {
		t.Fatal(err)
	}
	emergency := func(id string, p portal.PersonalID) portal.Event {
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: f.clock.T.Add(-time.Hour), ActorHSAID: "SE2321000016-5001",
			ActorProvider: portal.Party{HSAID: region}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, EmergencyClaimed: true, ResourceType: "Journalanteckning"}
	}
	if _, err := f.s.InsertEvents(ctx, []portal.Event{emergency("ek", f.kim), emergency("et", f.tess), emergency("el", f.lo)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RunReview(ctx, store.ReviewRunOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		To      string `db:"patient_id"`
		Subject string `db:"subject_id"`
		Dedupe  string `db:"dedupe"`
	}
	if err := f.s.DB().Select(&rows, `SELECT patient_id, subject_id, dedupe FROM notify_notices WHERE kind = 'emergency'`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].To != f.greta.Digits() || rows[0].Subject != f.kim.Digits() || strings.Contains(rows[0].Dedupe, f.kim.Digits()) {
		t.Fatalf("emergency notices %+v, want one to Greta about Kim", rows)
	}
	claimed, err := f.s.ClaimNotices(ctx, "w", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var child *notify.Notice
	for i := range claimed {
		if claimed[i].Kind == notify.KindEmergency {
			child = &claimed[i]
		}
	}
	if child == nil || !child.ForChild || child.To != "greta@example.se" || child.Count != 1 {
		t.Fatalf("claimed %+v", claimed)
	}
	// A notice about Tess written yesterday, due today (her birthday):
	// cancelled, not sent.
	if _, err := f.s.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at, subject_id, subject_kind)
		VALUES ($1, 'personnummer', 'emergency', 'yesterday', now(), $2, $3, 'personnummer')`,
		f.greta.Digits(), f.clock.T.Add(-time.Minute), f.tess.Digits()); err != nil {
		t.Fatal(err)
	}
	claimed, err = f.s.ClaimNotices(ctx, "w", 10, time.Minute)
	if err != nil || len(claimed) != 0 {
		t.Fatalf("a notice about a child of 13 claimed: %+v %v", claimed, err)
	}
	var status string
	if err := f.s.DB().Get(&status, `SELECT status FROM notify_notices WHERE dedupe = 'yesterday'`); err != nil || status != "cancelled" {
		t.Errorf("status %q %v", status, err)
	}
}

// TestGuardianUnsubscribeStopsThatChildOnly: the one-click link of a mail
// about a child removes that kind from the guardian's choice for the
// child, and leaves the guardian's own choices as they were.
func TestGuardianUnsubscribeStopsThatChildOnly(t *testing.T) {
	ctx := context.Background()
	f := newFamily(t)
	greta := portal.PatientActor(f.greta, "")
	subscribe(t, f.s, greta, "greta@example.se", notify.KindEmergency)
	if err := f.s.SaveChildNotify(ctx, greta.ActingFor(f.kim), []notify.Kind{notify.KindEmergency, notify.KindWatchlist}); err != nil {
		t.Fatal(err)
	}
	var token string
	if err := f.s.DB().Get(&token, `INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at, subject_id, subject_kind)
		VALUES ($1, 'personnummer', 'emergency', 'x', now(), now(), $2, 'personnummer') RETURNING unsub_token`, f.greta.Digits(), f.kim.Digits()); err != nil {
		t.Fatal(err)
	}
	if k, _, err := f.s.Unsubscribe(ctx, token); err != nil || k != notify.KindEmergency {
		t.Fatalf("unsubscribe %v %v", k, err)
	}
	child, err := f.s.ChildNotifySettings(ctx, greta.ActingFor(f.kim))
	if err != nil || child.Has(notify.KindEmergency) || !child.Has(notify.KindWatchlist) {
		t.Errorf("Kim's choices after unsubscribing %+v %v", child, err)
	}
	own, err := f.s.NotifySettings(ctx, greta, "sv")
	if err != nil || !own.Has(notify.KindEmergency) {
		t.Errorf("Greta's own choices changed: %+v %v", own, err)
	}
}

// TestGuardiansKeepTheirOwnWatchlistsForTheChild: Kim has two guardians.
// Whom Greta watches for Kim is on her list alone (migration 00023): Hugo
// neither reads nor removes it, watches the same person without a
// conflict, and is told of a watched access only once it is on his own
// list. However many lists name the person, an access is one hit.
func TestGuardiansKeepTheirOwnWatchlistsForTheChild(t *testing.T) {
	ctx := context.Background()
	f := newFamily(t)
	for _, q := range []string{
		`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-5002', 'Bo', 'Ek', 'Läkare')`,
		`INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ('` + f.hugo.Digits() + `', '` + f.kim.Digits() + `', 'guardian')`,
	} {
		if _, err := f.s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	greta, hugo := portal.PatientActor(f.greta, ""), portal.PatientActor(f.hugo, "")
	gretaKim, hugoKim := greta.ActingFor(f.kim), hugo.ActingFor(f.kim)
	for _, a := range []portal.Actor{gretaKim, hugoKim} {
		subscribe(t, f.s, portal.PatientActor(a.Patient, ""), a.Patient.Digits()+"@example.se")
		if err := f.s.SaveChildNotify(ctx, a, []notify.Kind{notify.KindWatchlist}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.AddWatch(ctx, gretaKim, "SE2321000016-5002"); err != nil {
		t.Fatal(err)
	}
	listOf := func(a portal.Actor) []portal.Watch {
		t.Helper()
		l, err := f.s.Watchlist(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	gl := listOf(gretaKim)
	if len(gl) != 1 || len(listOf(hugoKim)) != 0 || len(listOf(greta)) != 0 {
		t.Fatalf("Greta's list for Kim %v, Hugo's %v, Greta's own %v", gl, listOf(hugoKim), listOf(greta))
	}
	if err := f.s.RemoveWatch(ctx, hugoKim, gl[0].Key); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("Hugo removes Greta's watch: %v", err)
	}
	run := func(id string) {
		t.Helper()
		f.clock.T = f.clock.T.Add(2 * time.Hour)
		if _, err := f.s.InsertEvents(ctx, []portal.Event{watchedAccess(id, f.kim, f.clock.T.Add(-time.Hour))}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules); err != nil {
			t.Fatal(err)
		}
	}
	to := func() []string {
		t.Helper()
		var got []string
		if err := f.s.DB().Select(&got, `SELECT patient_id || ' ' || (payload->>'count') FROM notify_notices
			WHERE kind = 'watchlist' ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return got
	}
	run("first")
	if got := to(); strings.Join(got, ",") != f.greta.Digits()+" 1" {
		t.Fatalf("after the first access: notices %v, want one to Greta", got)
	}
	if err := f.s.AddWatch(ctx, hugoKim, "SE2321000016-5002"); err != nil {
		t.Fatalf("Hugo watches the person Greta watches: %v", err)
	}
	run("second")
	if got := to(); len(got) != 3 || got[1] == got[2] || !strings.HasSuffix(got[1], " 1") || !strings.HasSuffix(got[2], " 1") {
		t.Fatalf("after the second access: notices %v, want one more each", got)
	}
	var hits int
	if err := f.s.DB().Get(&hits, `SELECT count(*) FROM rule_hits WHERE rule = 'watchlist'`); err != nil || hits != 2 {
		t.Errorf("%d watchlist hits for two accesses: %v", hits, err)
	}
	// A list whose keeper can no longer act for the child (custody ended,
	// or the child turned 13) raises nothing more: the child cannot see it.
	if _, err := f.s.DB().Exec(`DELETE FROM relations WHERE personal_id_b = $1 AND kind = 'guardian'`, f.kim.Digits()); err != nil {
		t.Fatal(err)
	}
	run("third")
	if err := f.s.DB().Get(&hits, `SELECT count(*) FROM rule_hits WHERE rule = 'watchlist'`); err != nil || hits != 2 {
		t.Errorf("%d watchlist hits after the guardianship ended, want still 2: %v", hits, err)
	}
}
