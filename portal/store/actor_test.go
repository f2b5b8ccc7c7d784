package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

const (
	region  = portal.HSAID("SE2321000016-0001")
	company = portal.HSAID("SE5565594230-0002")
)

// scoped seeds two providers and two patients: Tolvan has an access by the
// region's staff, one by the company's staff in the company's records, one
// by the company's staff in the region's records (coherent record
// keeping), one at a unit of the region with no provider in the log; Sara
// has one access by the region; a reserve number with Tolvan's digits is
// someone else with one access.
func scoped(t *testing.T) (*store.Store, portal.PersonalID, portal.PersonalID, portal.PersonalID) {
	t.Helper()
	s := storetest.Open(t, nil)
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'),
		 ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst')`,
		`INSERT INTO patients (personal_id, given_name, family_name) VALUES
		 ('191212121212', 'Tolvan', 'Tolvansson'), ('199001012385', 'Sara', 'Svensson')`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tolvan, _ := portal.ParsePersonalID("191212121212")
	sara, _ := portal.ParsePersonalID("199001012385")
	reserve, err := portal.ReserveID("1.2.752.97.3.1.3", "191212121212")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, portal.Stockholm)
	ev := func(id string, p portal.PersonalID, actorProv, unit, ownerProv portal.HSAID) portal.Event {
		at = at.Add(time.Hour)
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: "SE2321000016-5001",
			ActorProvider: portal.Party{HSAID: actorProv}, ActorUnit: portal.Party{HSAID: unit},
			OwnerProvider: portal.Party{HSAID: ownerProv},
			Activity:      portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"}
	}
	if _, err := s.InsertEvents(context.Background(), []portal.Event{
		ev("region", tolvan, region, "SE2321000016-1001", ""),
		ev("company", tolvan, company, "SE5565594230-2001", company),
		ev("coherent", tolvan, company, "SE5565594230-2001", region),
		ev("unit-only", tolvan, "", "SE2321000016-1001", ""),
		ev("sara", sara, region, "SE2321000016-1001", ""),
		ev("reserve", reserve, region, "SE2321000016-1001", ""),
	}); err != nil {
		t.Fatal(err)
	}
	return s, tolvan, sara, reserve
}

func readIDs(t *testing.T, s *store.Store, a portal.Actor, q store.ExtractQuery) ([]string, error) {
	t.Helper()
	var got []string
	q.To = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	q.Channel = "web"
	_, err := s.EventsForPatient(context.Background(), a, q, func(e *store.ExtractEvent) error {
		got = append(got, e.ProviderHSAID+"/"+e.OwnerProviderHSAID)
		return nil
	})
	return got, err
}

func TestReadsAreScopedToTheActor(t *testing.T) {
	s, tolvan, sara, reserve := scoped(t)
	ctx := context.Background()
	clerk := func(grants ...portal.Grant) portal.Actor {
		return portal.StaffActor("SE2321000016-9001", "Anna Utdragsson", grants...)
	}
	all := []string{"SE2321000016-0001/", "SE5565594230-0002/SE5565594230-0002",
		"SE5565594230-0002/SE2321000016-0001", "SE2321000016-0001/"}
	for _, c := range []struct {
		name     string
		actor    portal.Actor
		provider portal.HSAID
		want     []string // nil: not found
	}{
		{"the patient", portal.PatientActor(tolvan, "Tolvan Tolvansson"), "", all},
		{"the patient, one provider", portal.PatientActor(tolvan, ""), company, all[1:3]},
		{"the system", portal.SystemActor("Kim"), "", all},
		{"the region's clerk", clerk(portal.Grant{Provider: region, Role: portal.RoleClerk}), "",
			[]string{all[0], all[2], all[3]}},
		{"the company's reviewer", clerk(portal.Grant{Provider: company, Role: portal.RoleReviewer}), "", all[1:3]},
		{"a clerk of both", clerk(portal.Grant{Provider: company, Role: portal.RoleClerk},
			portal.Grant{Provider: region, Role: portal.RoleClerk}), "", all},
		{"a clerk of both, asking for one", clerk(portal.Grant{Provider: company, Role: portal.RoleClerk},
			portal.Grant{Provider: region, Role: portal.RoleClerk}), company, all[1:3]},
		{"the company's clerk asking for the region", clerk(portal.Grant{Provider: company, Role: portal.RoleClerk}), region, []string{}},
		{"an admin", clerk(portal.Grant{Provider: region, Role: portal.RoleAdmin}), "", nil},
		{"a head of unit", clerk(portal.Grant{Provider: region, Role: portal.RoleHeadOfUnit}), "", nil},
		{"staff without roles", clerk(), "", nil},
		{"another patient", portal.PatientActor(sara, "Sara Svensson"), "", nil},
		{"a reserve number with the same digits", portal.PatientActor(reserve, ""), "", nil},
	} {
		got, err := readIDs(t, s, c.actor, store.ExtractQuery{Patient: tolvan, Provider: c.provider})
		if c.want == nil {
			if portal.ErrorCode(err) != portal.NotFound || len(got) != 0 {
				t.Errorf("%s: %v events, err %v; want not found", c.name, got, err)
			}
			if _, err := s.ExtractSubject(ctx, c.actor, tolvan, ""); portal.ErrorCode(err) != portal.NotFound {
				t.Errorf("%s: subject err %v; want not found", c.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v (%v), want %v", c.name, got, err, c.want)
		}
	}
	// A clerk asking for another provider's extract hears it does not exist.
	if _, err := s.ExtractSubject(ctx, clerk(portal.Grant{Provider: company, Role: portal.RoleClerk}), tolvan, region); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("foreign provider's subject: %v", err)
	}
	subj, err := s.ExtractSubject(ctx, portal.PatientActor(tolvan, ""), tolvan, "")
	if err != nil || subj.PatientName != "Tolvan Tolvansson" {
		t.Errorf("own subject: %+v %v", subj, err)
	}
	// A reserve number with Tolvan's digits is someone else: not his name,
	// and only the name its own logs gave, within the reader's providers.
	subj, err = s.ExtractSubject(ctx, portal.SystemActor("Kim"), reserve, "")
	if err != nil || subj.PatientName != "" {
		t.Errorf("reserve number's subject: %+v %v", subj, err)
	}
	if _, err := s.DB().Exec(`UPDATE access_events SET patient_name = 'Reserv Reservsson' WHERE source_log_id = 'reserve'`); err != nil {
		t.Fatal(err)
	}
	if subj, err := s.ExtractSubject(ctx, clerk(portal.Grant{Provider: region, Role: portal.RoleClerk}), reserve, ""); err != nil ||
		subj.PatientName != "Reserv Reservsson" {
		t.Errorf("reserve number's name from the region's log: %+v %v", subj, err)
	}
	if _, err := s.ExtractSubject(ctx, clerk(portal.Grant{Provider: company, Role: portal.RoleClerk}), reserve, ""); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("the company's clerk learns of a patient only the region's logs name: %v", err)
	}
	// A patient unknown to Insyn reads their own empty log, not an error.
	nobody, _ := portal.ParsePersonalID("198001012387")
	if subj, err := s.ExtractSubject(ctx, portal.PatientActor(nobody, ""), nobody, ""); err != nil || subj.PatientName != "" {
		t.Errorf("unknown patient's own subject: %+v %v", subj, err)
	}
	if got, err := readIDs(t, s, portal.PatientActor(nobody, ""), store.ExtractQuery{Patient: nobody}); err != nil || len(got) != 0 {
		t.Errorf("unknown patient's own log: %v %v", got, err)
	}
}

// The SQL itself keeps a reader to their own: even without the permission
// check in front of it, a patient's scope returns no one else's events.
func TestScopeIsInTheSQL(t *testing.T) {
	s, tolvan, sara, reserve := scoped(t)
	for _, a := range []portal.Actor{portal.PatientActor(sara, ""), portal.PatientActor(reserve, ""),
		portal.StaffActor("SE2321000016-9001", "A"), {Kind: "guest"},
		portal.StaffActor("SE2321000016-9001", "A", portal.Grant{Provider: region, Role: portal.RoleAdmin})} {
		n, err := store.StreamInScope(context.Background(), s, a, tolvan, func(*store.ExtractEvent) error { return nil })
		if err != nil || n != 0 {
			t.Errorf("%s reader: %d of Tolvan's events (%v)", a.Kind, n, err)
		}
	}
	if n, err := store.StreamInScope(context.Background(), s, portal.PatientActor(tolvan, ""), tolvan,
		func(*store.ExtractEvent) error { return nil }); err != nil || n != 4 {
		t.Errorf("own events: %d (%v), want 4", n, err)
	}
}

// Every read is recorded with who read, in which capacity and what they
// were allowed to see; a refused read records nothing.
func TestReadsRecordTheReader(t *testing.T) {
	s, tolvan, sara, _ := scoped(t)
	both := portal.StaffActor("SE2321000016-9001", "Anna Utdragsson",
		portal.Grant{Provider: region, Role: portal.RoleClerk}, portal.Grant{Provider: company, Role: portal.RoleReviewer},
		portal.Grant{Provider: "SE2321000016-0077", Role: portal.RoleAdmin})
	for _, a := range []portal.Actor{portal.PatientActor(tolvan, "Tolvan Tolvansson"), both, portal.SystemActor("Kim Kontorist"),
		portal.PatientActor(sara, "Sara Svensson"), portal.StaffActor("SE2321000016-9002", "Utan Roll")} {
		readIDs(t, s, a, store.ExtractQuery{Patient: tolvan})
	}
	type read struct {
		Kind     string `db:"reader_kind"`
		ID       string `db:"reader_id"`
		Name     string `db:"reader_name"`
		Patient  string `db:"patient_id"`
		Provider string `db:"provider_hsa_id"`
		Rows     int    `db:"rows"`
	}
	var got []read
	if err := s.DB().Select(&got, `SELECT reader_kind, reader_id, reader_name, patient_id, provider_hsa_id, rows
	    FROM log_reads ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := []read{
		{"patient", "191212121212", "Tolvan Tolvansson", "191212121212", "", 4},
		{"staff", "SE2321000016-9001", "Anna Utdragsson", "191212121212", "SE2321000016-0001,SE5565594230-0002", 4},
		{"system", "system:Kim Kontorist", "Kim Kontorist", "191212121212", "", 4},
	}
	if !slices.Equal(got, want) {
		t.Errorf("log reads:\n got %+v\nwant %+v", got, want)
	}
}
