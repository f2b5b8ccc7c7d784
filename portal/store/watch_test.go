package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// pnr is a valid personnummer born on ymd with serial nnn.
func pnr(t *testing.T, ymd, nnn string) portal.PersonalID {
	t.Helper()
	p, err := portal.ParsePersonalID(ymd + nnn + string(portal.LuhnDigit(ymd[2:]+nnn)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// watchWorld: a region with Anna and Bo, Pia (protected identity), Åke
// (employment ended), and twelve called Anders; Tolvan and Sara patients.
func watchWorld(t *testing.T, clock portal.Clock) *store.Store {
	t.Helper()
	s := storetest.Open(t, clock)
	qs := []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE2321000016-1002', 'SE2321000016-0001', 'Kirurgkliniken')`,
		`INSERT INTO staff (hsa_id, personal_id, given_name, family_name, title, protected_identity, employed_to) VALUES
		 ('SE2321000016-5001', '198001019876', 'Anna', 'Berg', 'Sjuksköterska', false, NULL),
		 ('SE2321000016-5002', '', 'Bo', 'Ek', 'Läkare', false, NULL),
		 ('SE2321000016-5003', '', 'Pia', 'Berg', 'Läkare', true, NULL),
		 ('SE2321000016-5004', '', 'Åke', 'Bergström', 'Läkare', false, '2020-01-01')`,
		`INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name) VALUES
		 ('SE2321000016-5001', 'SE2321000016-1001', 'Vård'), ('SE2321000016-5001', 'SE2321000016-1002', 'Vård'),
		 ('SE2321000016-5002', 'SE2321000016-1001', 'Vård')`,
		`INSERT INTO patients (personal_id, given_name, family_name) VALUES
		 ('191212121212', 'Tolvan', 'Tolvansson'), ('199001012385', 'Sara', 'Svensson')`,
	}
	for i := range 12 {
		qs = append(qs, fmt.Sprintf(`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES
		 ('SE2321000016-6%03d', 'Anders', 'Andersson %d', 'Undersköterska')`, i, i))
	}
	for _, q := range qs {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestStaffSearchShowsNameTitleAndUnitOnly(t *testing.T) {
	ctx := context.Background()
	s := watchWorld(t, nil)
	tolvan := portal.PatientActor(pnr(t, "19121212", "121"), "")
	got, err := s.SearchStaff(ctx, tolvan, "berg")
	if err != nil {
		t.Fatal(err)
	}
	// Pia (protected identity) and Åke (no longer employed) are never found.
	if len(got) != 1 || got[0].Name != "Anna Berg" || got[0].Title != "Sjuksköterska" ||
		strings.Join(got[0].Units, ",") != "Kirurgkliniken,Vårdcentralen Ängsbacken" {
		t.Fatalf("search berg: %+v", got)
	}
	if got, _ := s.SearchStaff(ctx, tolvan, "pia berg"); len(got) != 0 {
		t.Fatalf("protected identity found: %+v", got)
	}
	if got, _ := s.SearchStaff(ctx, tolvan, "anders"); len(got) != portal.MaxWatchResults {
		t.Fatalf("results not capped: %d", len(got))
	}
	for _, q := range []string{"an", "%%%", "_a_", "a b"} {
		if _, err := s.SearchStaff(ctx, tolvan, q); portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("query %q: %v", q, err)
		}
	}
	// LIKE's wildcards inside words are literal.
	if got, err := s.SearchStaff(ctx, tolvan, "b_rg"); err != nil || len(got) != 0 {
		t.Errorf("b_rg: %+v %v", got, err)
	}
	if _, err := s.SearchStaff(ctx, reviewer, "berg"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("staff search the watchlist directory: %v", err)
	}
}

func TestWatchlistIsThePatientsAndEveryChangeRecorded(t *testing.T) {
	ctx := context.Background()
	clock := &portal.FixedClock{T: time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)}
	s := watchWorld(t, clock)
	tolvan := portal.PatientActor(pnr(t, "19121212", "121"), "")
	sara := portal.PatientActor(pnr(t, "19900101", "238"), "")
	if err := s.AddWatch(ctx, tolvan, "SE2321000016-5001"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddWatch(ctx, tolvan, "SE2321000016-5001"); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("watching twice: %v", err)
	}
	for _, hsa := range []portal.HSAID{"SE2321000016-5003", "SE2321000016-5004", "SE2321000016-9999"} {
		if err := s.AddWatch(ctx, tolvan, hsa); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("watching %s, who cannot be found: %v", hsa, err)
		}
	}
	list, err := s.Watchlist(ctx, tolvan)
	if err != nil || len(list) != 1 || list[0].Name != "Anna Berg" || !list[0].Removed.IsZero() {
		t.Fatalf("Tolvan's list: %+v %v", list, err)
	}
	if other, err := s.Watchlist(ctx, sara); err != nil || len(other) != 0 {
		t.Fatalf("Sara sees Tolvan's list: %+v %v", other, err)
	}
	if err := s.RemoveWatch(ctx, sara, list[0].Key); portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("Sara removes Tolvan's watch: %v", err)
	}
	clock.T = clock.T.Add(time.Hour)
	if err := s.RemoveWatch(ctx, tolvan, list[0].Key); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveWatch(ctx, tolvan, list[0].Key); portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("removing twice: %v", err)
	}
	if err := s.AddWatch(ctx, tolvan, "SE2321000016-5001"); err != nil { // again, a new watch
		t.Fatal(err)
	}
	list, _ = s.Watchlist(ctx, tolvan)
	if len(list) != 2 || !list[0].Removed.IsZero() || list[1].Removed.IsZero() {
		t.Fatalf("list after remove and add: %+v", list)
	}
	var changes []string
	if err := s.DB().Select(&changes, `SELECT change || ':' || actor_id FROM watchlist_changes ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "added:191212121212,removed:191212121212,added:191212121212"
	if strings.Join(changes, ",") != want {
		t.Fatalf("changes %v, want %s", changes, want)
	}
}

// An access by a watched person from the moment they are added, and until
// they are removed, opens a watchlist case at the top of the queue; one
// before or after does not.
func TestWatchlistRuleRaisesACaseAtTheTop(t *testing.T) {
	ctx := context.Background()
	added := time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)
	clock := &portal.FixedClock{T: added}
	s := watchWorld(t, clock)
	tolvan := pnr(t, "19121212", "121")
	sara := pnr(t, "19900101", "238")
	if err := s.AddWatch(ctx, portal.PatientActor(tolvan, ""), "SE2321000016-5002"); err != nil {
		t.Fatal(err)
	}
	clock.T = added.Add(72 * time.Hour)
	list, _ := s.Watchlist(ctx, portal.PatientActor(tolvan, ""))
	if err := s.RemoveWatch(ctx, portal.PatientActor(tolvan, ""), list[0].Key); err != nil {
		t.Fatal(err)
	}
	ev := func(id string, p portal.PersonalID, staff portal.HSAID, self portal.PersonalID, at time.Time) portal.Event {
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: staff, ActorPersonalID: self,
			ActorProvider: portal.Party{HSAID: region}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"}
	}
	anna := pnr(t, "19800101", "987")
	if _, err := s.InsertEvents(ctx, []portal.Event{
		ev("before", tolvan, "SE2321000016-5002", portal.PersonalID{}, added.Add(-time.Minute)),
		ev("during", tolvan, "SE2321000016-5002", portal.PersonalID{}, added.Add(24*time.Hour)),
		ev("after", tolvan, "SE2321000016-5002", portal.PersonalID{}, added.Add(73*time.Hour)),
		ev("sara", sara, "SE2321000016-5002", portal.PersonalID{}, added.Add(24*time.Hour)), // not Sara's watch
		// Anna reads her own record: a high-severity rule case to outrank.
		ev("self", anna, "SE2321000016-5001", anna, added.Add(24*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	if err := s.DB().Select(&hits, `SELECT e.source_log_id FROM rule_hits h JOIN access_events e ON e.id = h.event_id
		WHERE h.rule = 'watchlist' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(hits, ",") != "during" {
		t.Fatalf("watchlist hits %v, want only the access while watched", hits)
	}
	rev := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: region, Role: portal.RoleReviewer})
	queue, err := s.ListCases(ctx, rev, store.CaseFilter{})
	if err != nil || len(queue) < 2 {
		t.Fatalf("queue: %+v %v", queue, err)
	}
	if queue[0].Source != portal.SourceWatchlist || queue[0].Staff != "SE2321000016-5002" {
		t.Fatalf("top of the queue: %+v", queue[0])
	}
	found := map[portal.CaseSource]int{}
	for _, c := range queue {
		found[c.Source]++
	}
	if found[portal.SourceWatchlist] != 1 {
		t.Fatalf("watchlist cases %d in %+v", found[portal.SourceWatchlist], found)
	}
	wh, err := s.WatchlistHits(ctx, res.Run)
	if err != nil || len(wh) != 1 || wh[0].PatientID != tolvan.Digits() || wh[0].CaseKey != queue[0].Key {
		t.Fatalf("watchlist hits for notices: %+v %v", wh, err)
	}
	// A second run finds nothing new.
	res, err = s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules)
	if err != nil || res.Hits != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
}
