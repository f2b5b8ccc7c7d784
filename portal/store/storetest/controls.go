package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// ControlWorld is a small region for the controls, targeted checks and
// extract requests (issue 12 items 5 to 7): two care providers, each with
// a unit, a reviewer, a clerk and a head of unit, and March 2026 accesses
// of every kind a targeted check's checkpoints look for.
type ControlWorld struct {
	Provider, OtherProvider portal.HSAID // Region Exempelland, Privatkliniken
	Unit, OtherUnit         portal.HSAID // Kirurgkliniken (Provider), Ögonkliniken (OtherProvider)
	Reviewer, Clerk, Head   portal.Actor // of Provider; Head of Unit
	OtherReviewer           portal.Actor // of OtherProvider, clerk there too
	Nurse                   portal.HSAID // Anna Berg, nurse at Unit: every checkpoint's access
	Former                  portal.HSAID // Bo Lund, assignment at Unit ended 28 Feb, still reads in March
	OtherStaff              portal.HSAID // Cia Ek at OtherUnit
	Patient                 portal.PersonalID
	Colleague               portal.PersonalID // Dan Ström, employed at Unit
	Deceased                portal.PersonalID // died 1 March 2026
	NursePatient            portal.PersonalID // Anna Berg herself
	NurseEvents             int               // her March accesses
}

// PID makes a valid personnummer from a number (born in the 1980s).
func PID(i int) portal.PersonalID {
	nine := fmt.Sprintf("80%02d%02d%03d", 1+i%12, 1+i%28, i%1000)
	p, err := portal.ParsePersonalID("19" + nine + string(portal.LuhnDigit(nine)))
	if err != nil {
		panic(err)
	}
	return p
}

// SeedControls fills s with the ControlWorld.
func SeedControls(tb testing.TB, s *store.Store) ControlWorld {
	tb.Helper()
	w := ControlWorld{
		Provider: "SE2321000016-0001", OtherProvider: "SE2321000016-0002",
		Unit: "SE2321000016-1101", OtherUnit: "SE2321000016-2201",
		Nurse: "SE2321000016-5001", Former: "SE2321000016-5002", OtherStaff: "SE2321000016-6001",
		Patient: PID(100), Colleague: PID(101), Deceased: PID(102), NursePatient: PID(103),
	}
	w.Reviewer = portal.StaffActor("SE2321000016-9001", "Rut Granskare", portal.Grant{Provider: w.Provider, Role: portal.RoleReviewer})
	w.Clerk = portal.StaffActor("SE2321000016-9002", "Kim Kontorist", portal.Grant{Provider: w.Provider, Role: portal.RoleClerk})
	w.Head = portal.StaffActor("SE2321000016-9003", "Hedda Chef", portal.Grant{Provider: w.Provider, Role: portal.RoleHeadOfUnit, Unit: w.Unit})
	w.OtherReviewer = portal.StaffActor("SE2321000016-9101", "Olle Annan",
		portal.Grant{Provider: w.OtherProvider, Role: portal.RoleReviewer}, portal.Grant{Provider: w.OtherProvider, Role: portal.RoleClerk})
	exec := func(q string, args ...any) {
		tb.Helper()
		if _, err := s.DB().Exec(q, args...); err != nil {
			tb.Fatal(err)
		}
	}
	exec(`INSERT INTO providers (hsa_id, name) VALUES ($1, 'Region Exempelland'), ($2, 'Privatkliniken')`, w.Provider, w.OtherProvider)
	exec(`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ($1, $2, 'Kirurgkliniken'), ($3, $4, 'Ögonkliniken')`,
		w.Unit, w.Provider, w.OtherUnit, w.OtherProvider)
	exec(`INSERT INTO staff (hsa_id, personal_id, given_name, family_name, title, employed_from, employed_to) VALUES
	      ($1, $2, 'Anna', 'Berg', 'Sjuksköterska', '2020-01-01', NULL),
	      ($3, '', 'Bo', 'Lund', 'Läkare', '2019-01-01', NULL),
	      ($4, '', 'Cia', 'Ek', 'Läkare', '2019-01-01', NULL),
	      ($5, $6, 'Dan', 'Ström', 'Undersköterska', '2018-01-01', NULL),
	      ('SE2321000016-9001', '', 'Rut', 'Granskare', 'Granskare', NULL, NULL),
	      ('SE2321000016-9002', '', 'Kim', 'Kontorist', 'Administratör', NULL, NULL),
	      ('SE2321000016-9003', '', 'Hedda', 'Chef', 'Verksamhetschef', NULL, NULL),
	      ('SE2321000016-9101', '', 'Olle', 'Annan', 'Granskare', NULL, NULL)`,
		w.Nurse, w.NursePatient.Digits(), w.Former, w.OtherStaff, "SE2321000016-5003", w.Colleague.Digits())
	exec(`INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name, valid_from, valid_to) VALUES
	      ($1, $4, 'Vård', '2020-01-01', 'infinity'),
	      ($2, $4, 'Vård', '2019-01-01', '2026-02-28'),
	      ('SE2321000016-5003', $4, 'Vård', '2018-01-01', 'infinity'),
	      ($3, $5, 'Vård', '2019-01-01', 'infinity')`, w.Nurse, w.Former, w.OtherStaff, w.Unit, w.OtherUnit)
	exec(`INSERT INTO patients (personal_id, given_name, family_name, deceased_on) VALUES
	      ($1, 'Per', 'Patient', NULL), ($2, 'Dan', 'Ström', NULL), ($3, 'Eva', 'Avliden', '2026-03-01'),
	      ($4, 'Anna', 'Berg', NULL)`, w.Patient.Digits(), w.Colleague.Digits(), w.Deceased.Digits(), w.NursePatient.Digits())
	exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, $2, 'visit', '2026-03-02 09:00+01')`,
		w.Patient.Digits(), w.Unit)

	// The roles in the database too, so a web login finds them.
	for _, a := range []portal.Actor{w.Reviewer, w.Clerk, w.Head, w.OtherReviewer} {
		for _, g := range a.Grants {
			if err := s.GrantRole(context.Background(), portal.SystemActor("test"), store.RoleGrant{Staff: a.HSAID, Grant: g}); err != nil {
				tb.Fatal(err)
			}
		}
	}

	var evs []portal.Event
	add := func(actor, unit portal.HSAID, prov portal.HSAID, p portal.PersonalID, day, hour int, act portal.Activity, purpose portal.Purpose) {
		evs = append(evs, portal.Event{SourceSystem: "S", SourceLogID: fmt.Sprintf("c%d", len(evs)),
			OccurredAt: time.Date(2026, 3, day, hour, 0, 0, 0, portal.Stockholm), ActorHSAID: actor,
			ActorUnit: portal.Party{HSAID: unit}, ActorProvider: portal.Party{HSAID: prov},
			Activity: act, Purpose: purpose, Patient: p, ResourceType: "Journalanteckning"})
	}
	add(w.Nurse, w.Unit, w.Provider, w.Patient, 2, 10, portal.ActivityRead, portal.PurposeCare)                  // explained by the visit
	add(w.Nurse, w.Unit, w.Provider, w.Colleague, 3, 10, portal.ActivityRead, portal.PurposeCare)                // a colleague
	add(w.Nurse, w.Unit, w.Provider, w.NursePatient, 4, 10, portal.ActivityRead, portal.PurposeCare)             // herself
	add(w.Nurse, w.Unit, w.Provider, w.Deceased, 5, 10, portal.ActivityEmergency, portal.PurposeCare)            // deceased, emergency
	add(w.Nurse, w.Unit, w.Provider, w.Patient, 6, 10, portal.ActivityRead, portal.PurposeAdministration)        // not care
	add(w.Former, w.Unit, w.Provider, w.Patient, 10, 10, portal.ActivityRead, portal.PurposeCare)                // after the assignment
	add(w.Former, w.Unit, w.Provider, w.Patient, 11, 10, portal.ActivityRead, portal.PurposeCare)                //  ... twice
	add(w.OtherStaff, w.OtherUnit, w.OtherProvider, w.Patient, 7, 10, portal.ActivityRead, portal.PurposeCare)   // another provider's
	add(w.OtherStaff, w.OtherUnit, w.OtherProvider, w.Colleague, 8, 10, portal.ActivityRead, portal.PurposeCare) // ... too
	w.NurseEvents = 5
	if _, err := s.InsertEvents(context.Background(), evs); err != nil {
		tb.Fatal(err)
	}
	return w
}

// CompleteControls completes one check of each kind at the store's clock:
// a targeted check on the nurse (findings, with actions) whose colleague
// access became a rule case decided unjustified, and March's sample of the
// unit, its cases decided justified.
func (w ControlWorld) CompleteControls(tb testing.TB, s *store.Store) {
	tb.Helper()
	ctx := context.Background()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	key, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff, Staff: w.Nurse,
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm), To: time.Date(2026, 4, 1, 0, 0, 0, 0, portal.Stockholm)})
	must(err)
	v, err := s.CheckResult(ctx, w.Reviewer, key, portal.CheckColleague)
	must(err)
	cases, err := s.OpenCheckCases(ctx, w.Reviewer, key, []int64{v.Rows[0].ID})
	must(err)
	decide := func(k string, o portal.Outcome) {
		tb.Helper()
		_, err := s.TransitionCase(ctx, w.Reviewer, k, portal.StatusInvestigating)
		must(err)
		_, err = s.DecideCase(ctx, w.Reviewer, k, portal.Decision{Outcome: o, Reason: "Granskat"})
		must(err)
	}
	decide(cases[0], portal.OutcomeUnjustified)
	_, err = s.CompleteCheck(ctx, w.Reviewer, key, portal.CheckCompletion{Result: portal.ResultFindings,
		Actions: "Samtal med medarbetaren; behörigheten begränsad"})
	must(err)
	res, err := s.DrawSample(ctx, portal.SystemActor("revisor"), store.SampleQuery{Month: time.Date(2026, 3, 15, 0, 0, 0, 0, portal.Stockholm)})
	must(err)
	for _, u := range res.Units {
		if u.Unit != string(w.Unit) {
			continue
		}
		for _, number := range u.Cases {
			var k string
			must(s.DB().Get(&k, `SELECT key FROM cases WHERE number = $1`, number))
			decide(k, portal.OutcomeJustified)
		}
	}
}
