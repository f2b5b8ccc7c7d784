package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestEventsForPatientExplains checks the care-relation windows: 30 days
// around a visit, the whole of an admission, a team relation while it
// holds, a relation with the person over one with the unit.
func TestEventsForPatientExplains(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	db := s.DB()
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE2321000016-1003', 'SE2321000016-0001', 'Kirurgkliniken')`,
		`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES
		 ('SE2321000016-5001', 'Åsa', 'Öberg', 'Sjuksköterska')`,
		`INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at, ends_at) VALUES
		 ('191212121212', 'SE2321000016-1001', '', 'visit', '2026-03-03 10:00+01', NULL),
		 ('191212121212', 'SE2321000016-1003', '', 'admission', '2026-01-10 08:00+01', '2026-02-20 12:00+01'),
		 ('191212121212', 'SE2321000016-1003', 'SE2321000016-5001', 'team', '2026-05-01 00:00+02', '2026-05-31 00:00+02')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	pat, _ := portal.ParsePersonalID("191212121212")
	mk := func(id string, at time.Time, unit string) portal.Event {
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: "SE2321000016-5001",
			ActorUnit: portal.Party{HSAID: portal.HSAID(unit)}, Activity: portal.ActivityRead, Purpose: portal.PurposeCare,
			Patient: pat, ResourceType: "Journalanteckning"}
	}
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 12, 0, 0, 0, portal.Stockholm) }
	events := []portal.Event{
		mk("before-visit", d(2, 5), "SE2321000016-1001"),     // 26 days before the visit
		mk("long-after", d(4, 10), "SE2321000016-1001"),      // 38 days after: unexplained
		mk("in-admission", d(2, 1), "SE2321000016-1003"),     // during the admission
		mk("after-admission", d(3, 15), "SE2321000016-1003"), // 23 days after its end
		mk("team", d(5, 15), "SE2321000016-1001"),            // the person is in the team
		mk("after-team", d(6, 15), "SE2321000016-1001"),      // team over; visit long ago
	}
	if _, err := s.InsertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	reader := portal.SystemActor("Test")
	q := store.ExtractQuery{Patient: pat, To: d(12, 31), Channel: "test"}
	var got []string
	n, err := s.EventsForPatient(ctx, reader, q, func(e *store.ExtractEvent) error {
		k := e.RelationKind
		if e.RelationWithActor {
			k += "+staff"
		}
		got = append(got, k)
		// The relation's end comes with its start: an admission's, not a visit's.
		switch {
		case e.RelationKind == "admission" && (!e.RelationEndsAt.Valid ||
			!e.RelationEndsAt.Time.Equal(time.Date(2026, 2, 20, 12, 0, 0, 0, portal.Stockholm))):
			t.Errorf("admission ends %v", e.RelationEndsAt)
		case e.RelationKind == "visit" && e.RelationEndsAt.Valid:
			t.Errorf("visit ends %v", e.RelationEndsAt)
		case e.RelationKind != "" && !e.RelationStartsAt.Valid:
			t.Errorf("%s has no start", e.RelationKind)
		}
		if e.RefActorName != "Åsa Öberg" || e.RefUnitName == "" || e.RefProviderName != "Region Exempelland" {
			t.Errorf("names: %+v", e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Ordered by time: 1 Feb, 5 Feb, 15 Mar, 10 Apr, 15 May, 15 Jun.
	want := []string{"admission", "visit", "admission", "", "team+staff", ""}
	if n != len(want) || len(got) != len(want) {
		t.Fatalf("got %d events %v, want %v", n, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: relation %q, want %q (all: %v)", i, got[i], want[i], got)
		}
	}
	var reads int
	if err := db.Get(&reads, `SELECT count(*) FROM log_reads WHERE patient_id = '191212121212' AND rows = 6 AND period_from IS NULL
	    AND reader_kind = 'system' AND reader_id = 'system:Test' AND reader_name = 'Test'`); err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Errorf("%d log reads recorded, want 1", reads)
	}
	// A sink that fails half way (a browser that went away) still leaves
	// the read on record, with how far it got.
	stop := errors.New("client went away")
	calls := 0
	if _, err := s.EventsForPatient(ctx, reader, store.ExtractQuery{Patient: pat, To: d(12, 31), Channel: "failing"},
		func(*store.ExtractEvent) error {
			if calls++; calls == 3 {
				return stop
			}
			return nil
		}); !errors.Is(err, stop) {
		t.Fatalf("failing sink: %v", err)
	}
	if err := db.Get(&reads, `SELECT count(*) FROM log_reads WHERE channel = 'failing' AND rows = 3`); err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Errorf("a failed read was not recorded (%d rows)", reads)
	}
	// A reserve number that happens to share the digits is another person.
	other, _ := portal.ReserveID("1.2.752.97.3.1.3", "191212121212")
	if _, err := s.InsertEvents(ctx, []portal.Event{func() portal.Event { e := mk("reserve", d(3, 1), "SE2321000016-1001"); e.Patient = other; return e }()}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.EventsForPatient(ctx, reader, q, func(*store.ExtractEvent) error { return nil }); err != nil || n != len(want) {
		t.Errorf("a reserve number with the same digits joined the extract: %d events", n)
	}
	// A reader without identity cannot read, and nothing is recorded.
	for _, anon := range []portal.Actor{{Kind: portal.ActorStaff}, {Kind: portal.ActorPatient}, portal.SystemActor(" "), {}} {
		if _, err := s.EventsForPatient(ctx, anon, q, func(*store.ExtractEvent) error { return nil }); portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("anonymous reader %q: %v", anon.Kind, err)
		}
	}
}
