package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestReadNamesFollowReference checks that the names a read gives come
// from the reference data as it stands, though the store keeps them in
// memory: a renamed unit, a new member of staff, a unit's provider where
// the log named none, and a rename that was not yet committed when a read
// loaded the names.
func TestReadNamesFollowReference(t *testing.T) {
	s := storetest.Open(t, nil)
	db := s.DB()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`)
	exec(`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken')`)
	read := oneAccess(t, s, portal.Event{ActorUnit: portal.Party{HSAID: "SE2321000016-1001"}})
	e := read()
	if e.RefUnitName != "Vårdcentralen Ängsbacken" || e.ProviderHSAID != "SE2321000016-0001" ||
		e.RefProviderName != "Region Exempelland" || e.RefActorName != "" {
		t.Fatalf("first read: unit %q, provider %q %q, actor %q", e.RefUnitName, e.ProviderHSAID, e.RefProviderName, e.RefActorName)
	}
	exec(`UPDATE units SET name = 'Vårdcentralen Norr'`)
	exec(`INSERT INTO staff (hsa_id, given_name, family_name, title, protected_identity) VALUES
	      ('SE2321000016-5001', 'Åsa', 'Öberg', 'Sjuksköterska', true)`)
	if e = read(); e.RefUnitName != "Vårdcentralen Norr" || e.RefActorName != "Åsa Öberg" ||
		e.RefActorTitle != "Sjuksköterska" || !e.ActorProtected {
		t.Fatalf("after the change: unit %q, actor %q %q protected %v", e.RefUnitName, e.RefActorName, e.RefActorTitle, e.ActorProtected)
	}
	// A rename in a transaction still open: reads meanwhile keep the old
	// name, and the first read after it commits has the new one.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`UPDATE units SET name = 'Vårdcentralen Söder'`); err != nil {
		t.Fatal(err)
	}
	if e = read(); e.RefUnitName != "Vårdcentralen Norr" {
		t.Fatalf("during the change: unit %q", e.RefUnitName)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if e = read(); e.RefUnitName != "Vårdcentralen Söder" {
		t.Fatalf("after it committed: unit %q", e.RefUnitName)
	}
}

// TestStaleNamesNeverLiftProtection checks the two ways the names kept in
// memory can be behind the database: a member of staff protected by an
// import that committed after the names were loaded is still protected
// (the read's own numbering says so), and names kept under a generation
// the database has gone back from (a restored backup) are loaded again.
func TestStaleNamesNeverLiftProtection(t *testing.T) {
	s := storetest.Open(t, nil)
	if _, err := s.DB().Exec(`INSERT INTO staff (hsa_id, given_name, family_name, title, protected_identity) VALUES
	      ('SE2321000016-5001', 'Åsa', 'Öberg', 'Kurator', true)`); err != nil {
		t.Fatal(err)
	}
	read := oneAccess(t, s, portal.Event{ActorName: "Åsa Öberg"})
	store.KeepStaleDirectory(s, 1<<40, 0) // newer than the database's, loaded just now
	if e := read(); !e.ActorProtected || e.ProtectedOrder != 1 {
		t.Errorf("with names loaded before the protection: protected %v, number %d", e.ActorProtected, e.ProtectedOrder)
	}
	store.KeepStaleDirectory(s, 1<<40, time.Minute) // the counter went back a while ago
	if e := read(); e.RefActorName != "Åsa Öberg" || e.RefActorTitle != "Kurator" {
		t.Errorf("names kept past a counter that went back: %q %q", e.RefActorName, e.RefActorTitle)
	}
}

// oneAccess stores ev as a read of patient 191212121212's record by
// SE2321000016-5001 on 1 March 2026, and returns a read of it through
// EventsForPatient, as the system.
func oneAccess(t *testing.T, s *store.Store, ev portal.Event) func() store.ExtractEvent {
	t.Helper()
	ctx := context.Background()
	pat, _ := portal.ParsePersonalID("191212121212")
	ev.SourceSystem, ev.SourceLogID, ev.OccurredAt = "S", "1", time.Date(2026, 3, 1, 12, 0, 0, 0, portal.Stockholm)
	ev.ActorHSAID, ev.Activity, ev.Purpose, ev.Patient, ev.ResourceType = "SE2321000016-5001",
		portal.ActivityRead, portal.PurposeCare, pat, "Journalanteckning"
	if _, err := s.InsertEvents(ctx, []portal.Event{ev}); err != nil {
		t.Fatal(err)
	}
	return func() store.ExtractEvent {
		t.Helper()
		var got store.ExtractEvent
		q := store.ExtractQuery{Patient: pat, To: time.Date(2027, 1, 1, 0, 0, 0, 0, portal.Stockholm), Channel: "test"}
		if _, err := s.EventsForPatient(ctx, portal.SystemActor("Test"), q, func(e *store.ExtractEvent) error {
			got = *e
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
}
