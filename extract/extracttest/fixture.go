// Package extracttest seeds a database with a small, realistic and wholly
// fictitious region for extract tests, examples and benchmarks.
package extracttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Fictitious identities used by the fixture.
const (
	PatientID    = "191212121212" // Tolvan Tolvansson
	PatientName  = "Tolvan Tolvansson"
	OtherPatient = "199001012385" // registered nowhere, has no events: Luhn-valid
	RegionHSA    = "SE2321000016-0001"
	CompanyHSA   = "SE5565594230-0002"
	LongName     = "Maximiliana Wilhelmina Östergren-Fredriksdotter af Långnäs-Åkerström"
)

// Staff personal ids: they must never appear in an extract.
var StaffPersonalIDs = []string{"198001012387", "197502039279", "196812249800", "198507150012", "199203305546"}

// Codes the fixture's events carry that an extract must never show.
var RawCodes = []string{"XYZ-ÅTGÄRD-42", "HOPERAT-X", "HOPX-UNKNOWN", "Observation", "ImagingStudy",
	"DiagnosticReport", "Läsa", "Signera", "Utskrift", "quality_assurance", "SYS-EXEMPEL"}

// Period is the fixture's month.
var (
	From = time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm)
	To   = time.Date(2026, 4, 1, 0, 0, 0, 0, portal.Stockholm)
)

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// Reference inserts providers, units, staff, the patient and care relations.
func Reference(tb testing.TB, s *store.Store) {
	tb.Helper()
	db := s.DB()
	stmts := []string{
		`INSERT INTO providers (hsa_id, org_nr, name) VALUES
		 ('SE2321000016-0001', '232100-0016', 'Region Exempelland'),
		 ('SE5565594230-0002', '556559-4230', 'Vårdbolaget Norrsken AB')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE2321000016-1002', 'SE2321000016-0001', 'Akutmottagningen, Centralsjukhuset i Åby'),
		 ('SE2321000016-1003', 'SE2321000016-0001', 'Kirurgkliniken, Centralsjukhuset i Åby'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst')`,
		`INSERT INTO staff (hsa_id, personal_id, given_name, family_name, title, protected_identity) VALUES
		 ('SE2321000016-5001', '198001012387', 'Åsa', 'Öberg', 'Distriktssköterska', false),
		 ('SE2321000016-5002', '197502039279', 'Maximiliana Wilhelmina', 'Östergren-Fredriksdotter af Långnäs-Åkerström', 'Överläkare', false),
		 ('SE2321000016-5003', '196812249800', 'Hemlig', 'Hemligsson', 'Kurator', true),
		 ('SE5565594230-6001', '198507150012', 'Nils', 'Nordin', 'Läkare', false)`,
		`INSERT INTO patients (personal_id, given_name, family_name, street, postal_code, city) VALUES
		 ('191212121212', 'Tolvan', 'Tolvansson', 'Storgatan 1', '11122', 'Åby')`,
		`INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at, ends_at) VALUES
		 ('191212121212', 'SE2321000016-1001', '', 'visit', '2026-03-03 10:00+01', NULL),
		 ('191212121212', 'SE2321000016-1003', '', 'admission', '2026-03-10 08:00+01', '2026-03-14 12:00+01'),
		 ('191212121212', 'SE2321000016-1003', 'SE2321000016-5002', 'team', '2026-03-10 08:00+01', NULL)`,
	}
	for _, q := range stmts {
		_, err := db.Exec(q)
		must(tb, err)
	}
}

// Events inserts the fixture's month of events for Tolvan (and one in
// February, outside the period).
func Events(tb testing.TB, s *store.Store) {
	tb.Helper()
	pat, err := portal.ParsePersonalID(PatientID)
	must(tb, err)
	staffPID := func(i int) portal.PersonalID {
		p, err := portal.ParsePersonalID(StaffPersonalIDs[i])
		must(tb, err)
		return p
	}
	region := portal.Party{HSAID: RegionHSA, Name: "Region Exempelland"}
	company := portal.Party{HSAID: CompanyHSA, Name: "Vårdbolaget Norrsken AB"}
	vc := portal.Party{HSAID: "SE2321000016-1001", Name: "VC Ängsbacken"}
	akut := portal.Party{HSAID: "SE2321000016-1002", Name: "Akuten"}
	kir := portal.Party{HSAID: "SE2321000016-1003", Name: "Kirurgen"}
	norr := portal.Party{HSAID: "SE5565594230-2001", Name: "Norrskenskliniken"}
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, portal.Stockholm) }
	n := 0
	ev := func(t time.Time, actor string, name string, pid portal.PersonalID, unit, prov portal.Party,
		act portal.Activity, actCode string, purpose portal.Purpose, purposeCode, resource string) portal.Event {
		n++
		return portal.Event{
			SourceSystem: "SYS-EXEMPEL", SourceLogID: fmt.Sprintf("log-%03d", n), OccurredAt: t,
			ActorHSAID: portal.HSAID(actor), ActorName: name, ActorPersonalID: pid,
			ActorProvider: prov, ActorUnit: unit,
			Activity: act, ActivityCode: actCode, Purpose: purpose, PurposeCode: purposeCode,
			Patient: pat, PatientName: PatientName, ResourceType: resource,
			Owner: unit, OwnerProvider: prov,
		}
	}
	read, care := portal.ActivityRead, portal.PurposeCare
	asa, maxi, hemlig, nils := "SE2321000016-5001", "SE2321000016-5002", "SE2321000016-5003", "SE5565594230-6001"
	events := []portal.Event{
		// Outside the period.
		ev(time.Date(2026, 2, 20, 9, 0, 0, 0, portal.Stockholm), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		// Four reads in one session, explained by the visit on 3 March.
		ev(at(5, 14, 2), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		ev(at(5, 14, 10), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		ev(at(5, 14, 25), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		ev(at(5, 14, 40), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		// Another kind of information: its own row.
		ev(at(5, 14, 45), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Observation"),
		// More than 30 minutes later: its own row.
		ev(at(5, 15, 30), asa, "Åsa Öberg", staffPID(0), vc, region, read, "Läsa", care, "Vård och behandling", "Journalanteckning"),
		ev(at(5, 16, 0), asa, "Åsa Öberg", staffPID(0), vc, region, portal.ActivityPrint, "Utskrift", care, "Vård och behandling", "Läkemedelslista"),
	}
	// Emergency access by another provider to the surgery clinic's records.
	e := ev(at(6, 2, 13), nils, "Nils Nordin", staffPID(3), norr, company, portal.ActivityEmergency, "Nödöppning", care, "Vård och behandling", "Läkemedelslista")
	e.Owner, e.OwnerProvider = kir, region
	events = append(events, e)
	// A FHIR-style emergency claim on a read.
	e = ev(at(6, 2, 20), nils, "Nils Nordin", staffPID(3), norr, company, read, "read", care, "ETREAT", "ImagingStudy")
	e.Owner, e.OwnerProvider, e.EmergencyClaimed = kir, region, true
	events = append(events, e)
	events = append(events,
		// During the admission; the actor is in the patient's care team.
		ev(at(11, 9, 0), maxi, "Maximiliana Östergren", staffPID(1), kir, region, portal.ActivitySign, "Signera", care, "Vård och behandling", "Journalanteckning"),
		ev(at(11, 9, 5), maxi, "Maximiliana Östergren", staffPID(1), kir, region, read, "Läsa", care, "Vård och behandling", "DiagnosticReport"),
		// Staff with protected identity, quality assurance.
		ev(at(11, 10, 0), hemlig, "Hemlig Hemligsson", staffPID(2), akut, region, read, "Läsa", portal.PurposeQualityAssurance, "Kvalitetssäkring", "Remiss"),
		// Not in the reference data: names from the log itself.
		ev(at(12, 8, 30), "SE2321000016-5999", "Karin Loggdotter", portal.PersonalID{},
			portal.Party{HSAID: "SE2321000016-1999", Name: "Hemsjukvården Åby"}, region, portal.ActivityWrite, "Skriva", care, "Vård och behandling", "Anteckning"),
		// A log that put codes where names belong.
		ev(at(12, 9, 0), "SE2321000016-5998", "SE2321000016-5998", staffPID(4),
			portal.Party{HSAID: "SE2321000016-1998", Name: "SE2321000016-1998"}, portal.Party{HSAID: "SE2321000016-0099"}, portal.ActivityOther, "XYZ-ÅTGÄRD-42", portal.PurposeOther, "HOPERAT-X", "HOPX-UNKNOWN"),
		// Administration: the unit's own record, verified.
		ev(at(12, 11, 15), asa, "Åsa Öberg", staffPID(0), vc, region, portal.ActivityVerify, "Vidimera", portal.PurposeAdministration, "Administration", "Provsvar"),
	)
	stored, err := s.InsertEvents(context.Background(), events)
	must(tb, err)
	if stored != len(events) {
		tb.Fatalf("extracttest: stored %d of %d events", stored, len(events))
	}
}

// Seed inserts the reference data and the events.
func Seed(tb testing.TB, s *store.Store) {
	tb.Helper()
	Reference(tb, s)
	Events(tb, s)
}

// Bulk inserts n events for the fixture's patient (after Reference), one
// every 47 minutes from 1 January 2020, varied so that none collapse: 40
// staff across the fixture's units, six information types, some emergency
// accesses and some accesses explained by care relations. It returns the
// period that holds them.
func Bulk(tb testing.TB, s *store.Store, n int) (from, to time.Time) {
	tb.Helper()
	ctx := context.Background()
	db := s.DB()
	units := []string{"SE2321000016-1001", "SE2321000016-1002", "SE2321000016-1003", "SE5565594230-2001"}
	provs := []string{RegionHSA, RegionHSA, RegionHSA, CompanyHSA}
	given := []string{"Anna", "Björn", "Cecilia", "David", "Elin", "Fredrik", "Greta", "Håkan", "Ingrid", "Jonas"}
	family := []string{"Andersson", "Bergström", "Öhman", "Lindqvist"}
	titles := []string{"Sjuksköterska", "Läkare", "Undersköterska", "Fysioterapeut"}
	for i := 0; i < 40; i++ {
		_, err := db.Exec(`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			fmt.Sprintf("SE2321000016-B%03d", i), given[i%10], family[i/10], titles[i%4])
		must(tb, err)
	}
	start := time.Date(2020, 1, 1, 8, 0, 0, 0, portal.Stockholm)
	for m := 0; m < n*47/(60*24*30)+2; m += 2 {
		_, err := db.Exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, $2, 'visit', $3)`,
			PatientID, units[m%3], start.AddDate(0, m, 0))
		must(tb, err)
	}
	pat, err := portal.ParsePersonalID(PatientID)
	must(tb, err)
	resources := []string{"Journalanteckning", "Provsvar", "Läkemedelslista", "Remiss", "Diagnos", "Vårdkontakt"}
	acts := []portal.Activity{portal.ActivityRead, portal.ActivityWrite, portal.ActivityRead, portal.ActivitySign, portal.ActivityPrint}
	batch := make([]portal.Event, 0, 5000)
	flush := func() {
		stored, err := s.InsertEvents(ctx, batch)
		must(tb, err)
		if stored != len(batch) {
			tb.Fatalf("extracttest: stored %d of %d", stored, len(batch))
		}
		batch = batch[:0]
	}
	for i := 0; i < n; i++ {
		u := (i / 7) % 4
		e := portal.Event{
			SourceSystem: "SYS-BULK", SourceLogID: fmt.Sprintf("bulk-%07d", i),
			OccurredAt: start.Add(time.Duration(i) * 47 * time.Minute),
			ActorHSAID: portal.HSAID(fmt.Sprintf("SE2321000016-B%03d", i%40)),
			ActorName:  "Namn från loggen",
			ActorUnit:  portal.Party{HSAID: portal.HSAID(units[u])}, ActorProvider: portal.Party{HSAID: portal.HSAID(provs[u])},
			Activity: acts[i%5], ActivityCode: "Läsa", Purpose: portal.PurposeCare, PurposeCode: "Vård och behandling",
			Patient: pat, PatientName: PatientName, ResourceType: resources[i%6],
			Owner: portal.Party{HSAID: portal.HSAID(units[(u+i%2)%4])}, OwnerProvider: portal.Party{HSAID: portal.HSAID(provs[(u+i%2)%4])},
			EmergencyClaimed: i%97 == 0,
		}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return start, start.Add(time.Duration(n)*47*time.Minute + time.Hour)
}
