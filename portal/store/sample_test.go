package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

const (
	surgery = "SE2321000016-1101" // Kirurgkliniken: 15 users in March
	lab     = "SE2321000016-1102" // Labbet: 3 users in March
)

func pid(i int) string {
	nine := fmt.Sprintf("80%02d%02d%03d", 1+i%12, 1+i%28, i%1000)
	return "19" + nine + string(portal.LuhnDigit(nine))
}

func staffID(i int) string { return fmt.Sprintf("SE2321000016-5%03d", i) }

// sampleWorld seeds a region with two units: staff 0–14 acting for
// surgery and 20–22 for the lab in March 2026, three accesses each to
// patients of their own (100+3i…), a visit explaining the first access
// of each surgery user, and one access in February and in April that no March sample may
// list. Staff 0 (Anna Berg, nurse) lives on the same street as patient
// 100.
func sampleWorld(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t, &portal.FixedClock{T: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)})
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`)
	exec(`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ($1, 'SE2321000016-0001', 'Kirurgkliniken'),
	      ($2, 'SE2321000016-0001', 'Labbet')`, surgery, lab)
	exec(`INSERT INTO staff (hsa_id, personal_id, given_name, family_name, title) VALUES ($1, $2, 'Anna', 'Berg', 'Sjuksköterska')`,
		staffID(0), pid(900))
	exec(`INSERT INTO patients (personal_id, given_name, family_name, street, postal_code, city) VALUES
	      ($1, 'Anna', 'Berg', 'Storgatan 1', '12345', 'Exempelstad'),
	      ($2, 'Per', 'Granne', ' storgatan  1 ', '12345', 'Exempelstad')`, pid(900), pid(100))
	var evs []portal.Event
	at := time.Date(2026, 3, 1, 0, 30, 0, 0, portal.Stockholm) // just after midnight: March in Stockholm, February in UTC
	add := func(staff int, unit string, patient int, when time.Time, act portal.Activity) {
		p, err := portal.ParsePersonalID(pid(patient))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, portal.Event{SourceSystem: "S", SourceLogID: fmt.Sprintf("e%d", len(evs)), OccurredAt: when,
			ActorHSAID: portal.HSAID(staffID(staff)), ActorUnit: portal.Party{HSAID: portal.HSAID(unit)},
			Activity: act, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"})
	}
	for i := range 15 {
		for j := range 3 {
			add(i, surgery, 100+3*i+j, at.Add(time.Duration(i*24+j)*time.Hour), portal.ActivityRead)
		}
		exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, $2, 'visit', $3)`,
			pid(100+3*i), surgery, at.Add(time.Duration(i*24)*time.Hour))
	}
	for i := 20; i < 23; i++ {
		for j := range 3 {
			add(i, lab, 200+j, at.Add(time.Duration(i*24+j)*time.Hour), portal.ActivityRead)
		}
	}
	add(0, surgery, 150, time.Date(2026, 2, 28, 23, 30, 0, 0, portal.Stockholm), portal.ActivityRead)
	add(0, surgery, 151, time.Date(2026, 4, 1, 0, 0, 0, 0, portal.Stockholm), portal.ActivityRead)
	if _, err := s.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return s
}

var operator = portal.SystemActor("revisor")

func march() time.Time { return time.Date(2026, 3, 15, 12, 0, 0, 0, portal.Stockholm) }

func TestSampleDrawIsReproducibleAndOnce(t *testing.T) {
	ctx := context.Background()
	s := sampleWorld(t)
	res, err := s.DrawSample(ctx, operator, store.SampleQuery{Month: march()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seed != 202603 || res.UsersPerUnit != 10 || len(res.Units) != 2 || len(res.AlreadyDrawn) != 0 {
		t.Fatalf("result %+v", res)
	}
	var surgeryStaff []string
	for i := range 15 {
		surgeryStaff = append(surgeryStaff, staffID(i))
	}
	// The auditor's recipe (review.Draw, the README's sha256sum) draws the
	// users the database drew.
	for _, u := range res.Units {
		want := review.Draw(202603, []string{staffID(20), staffID(21), staffID(22)}, 10)
		if u.Unit == surgery {
			want = review.Draw(202603, surgeryStaff, 10)
		}
		if !slices.Equal(u.Drawn, want) || len(u.Cases) != len(want) {
			t.Errorf("unit %s drew %v, recipe %v", u.Unit, u.Drawn, want)
		}
		if u.Provider != "SE2321000016-0001" {
			t.Errorf("provider %q", u.Provider)
		}
	}
	if n := count(t, s, "cases WHERE source = 'sample' AND sample_id IS NOT NULL"); n != 13 {
		t.Errorf("%d sample cases, want 13", n)
	}
	// Each case lists the user's March accesses for the unit: three each,
	// never February's or April's (Stockholm months, not UTC).
	if n := count(t, s, "case_events"); n != 39 {
		t.Errorf("%d case events, want 39", n)
	}
	var crit string
	if err := s.DB().Get(&crit, `SELECT criteria FROM samples WHERE unit_hsa_id = $1 AND seed = 202603 AND candidates = 15
		AND cardinality(drawn) = 10 AND drawn_by = 'system:revisor'`, surgery); err != nil || !strings.Contains(crit, "sha256") {
		t.Errorf("samples row: %q %v", crit, err)
	}

	// A second run draws nothing and says which units were drawn.
	again, err := s.DrawSample(ctx, operator, store.SampleQuery{Month: march(), Seed: 7, SeedGiven: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Units) != 0 || !slices.Equal(again.AlreadyDrawn, []string{surgery, lab}) || count(t, s, "cases") != 13 {
		t.Errorf("second run: %+v, %d cases", again, count(t, s, "cases"))
	}

	// The same seed on the same data in another database draws the same
	// users; another seed draws others.
	s2 := sampleWorld(t)
	res2, err := s2.DrawSample(ctx, operator, store.SampleQuery{Month: march(), Seed: 202603, SeedGiven: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res2.Units[0].Drawn, res.Units[0].Drawn) || res2.Units[0].Unit != res.Units[0].Unit {
		t.Errorf("same seed, other draw: %v vs %v", res2.Units[0].Drawn, res.Units[0].Drawn)
	}
	s3 := sampleWorld(t)
	res3, err := s3.DrawSample(ctx, operator, store.SampleQuery{Month: march(), Seed: 1, SeedGiven: true, UsersPerUnit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(res3.Units[0].Drawn, res.Units[0].Drawn[:5]) || len(res3.Units[0].Drawn) != 5 {
		t.Errorf("seed 1 drew %v like seed 202603", res3.Units[0].Drawn)
	}

	// Only the system draws.
	if _, err := s.DrawSample(ctx, reviewer, store.SampleQuery{Month: march()}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("reviewer drew: %v", err)
	}
}

// TestSampleCaseShowsExplanations: a sample's case marks the explained
// accesses, carries a narrative and a priority, and showing it is recorded
// in log_reads per patient.
func TestSampleCaseShowsExplanations(t *testing.T) {
	ctx := context.Background()
	s := sampleWorld(t)
	if _, err := s.DrawSample(ctx, operator, store.SampleQuery{Month: march(), Seed: 3, SeedGiven: true, UsersPerUnit: 15}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListCases(ctx, operator, store.CaseFilter{Source: portal.SourceSample, Staff: portal.HSAID(staffID(0))})
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
	c := list[0]
	if c.Events != 3 || c.Staff != staffID(0) || c.StaffName != "Anna Berg" || c.PatientID != "" {
		t.Errorf("summary %+v", c)
	}
	wantSV := "Anna Berg, sjuksköterska på Kirurgkliniken, drogs i stickprovet för 2026-03 med 3 åtkomster till 3 patienter; vårdkontakter förklarar 1 av 3 åtkomster."
	if c.NarrativeSV != wantSV || !strings.HasPrefix(c.NarrativeEN, "Anna Berg, nurse at Kirurgkliniken, was drawn") {
		t.Errorf("narratives:\n%s\n%s", c.NarrativeSV, c.NarrativeEN)
	}
	if c.Priority <= 0 || c.Priority >= portal.PriorityPatientSignal {
		t.Errorf("priority %d", c.Priority)
	}
	d, err := s.CaseDetail(ctx, operator, c.Number, "case_cli")
	if err != nil {
		t.Fatal(err)
	}
	var explained []bool
	for _, e := range d.Events {
		explained = append(explained, e.Explained())
	}
	if !slices.Equal(explained, []bool{true, false, false}) || d.Events[0].RelationKind != "visit" ||
		d.Events[0].RelationUnit != "Kirurgkliniken" || d.Sample == nil || d.Sample.Seed != 3 || d.Sample.Candidates != 15 {
		t.Errorf("detail events %+v sample %+v", d.Events, d.Sample)
	}
	if n := count(t, s, "log_reads WHERE channel = 'case_cli' AND reader_id = 'system:revisor' AND reader_kind = 'system' AND rows = 1"); n != 3 {
		t.Errorf("%d log reads, want one per patient", n)
	}
	// By key as well as by number; a reviewer of another provider finds nothing.
	if _, err := s.CaseDetail(ctx, operator, c.Key, "case_cli"); err != nil {
		t.Error(err)
	}
	other := portal.StaffActor("SE5565594230-9001", "Olle", portal.Grant{Provider: "SE5565594230-0002", Role: portal.RoleReviewer})
	if _, err := s.CaseDetail(ctx, other, c.Number, "case_cli"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("other provider's reviewer: %v", err)
	}
	if l, err := s.ListCases(ctx, other, store.CaseFilter{}); err != nil || len(l) != 0 {
		t.Errorf("other provider lists %d cases (%v)", len(l), err)
	}
	if _, err := s.ListCases(ctx, portal.PatientActor(portal.PersonalIDFromDB(pid(100), portal.KindPersonnummer, ""), ""), store.CaseFilter{}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("a patient listed cases: %v", err)
	}
}

// TestQueueOrderAndRuleEvidence: a flag outranks a rule hit, which
// outranks a sample; a rule hit read through the rule_hits contract and
// the neighbour found in the population register give the rule's case its
// place and its sentence; a decision on an earlier case raises the
// person's later open case.
func TestQueueOrderAndRuleEvidence(t *testing.T) {
	ctx := context.Background()
	s := sampleWorld(t)
	if _, err := s.DrawSample(ctx, operator, store.SampleQuery{Month: march(), UsersPerUnit: 15}); err != nil {
		t.Fatal(err)
	}
	// Rule hits as a review run stores them (migration 00007).
	var run int64
	if err := s.DB().Get(&run, `INSERT INTO review_runs (started_at) VALUES (now()) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	var ev struct {
		ID int64     `db:"id"`
		At time.Time `db:"occurred_at"`
	}
	// Anna's access to her neighbour, patient 100, was explained by a
	// visit; her access to patient 101 was not.
	if err := s.DB().Get(&ev, `SELECT id, occurred_at FROM access_events WHERE patient_id = $1 AND actor_hsa_id = $2`, pid(101), staffID(0)); err != nil {
		t.Fatal(err)
	}
	newCase := func(patient string, at time.Time) int64 {
		var id int64
		if err := s.DB().Get(&id, `INSERT INTO cases (key, number, source, patient_id, patient_id_kind, staff_hsa_id, provider_hsa_id, created_at, updated_at)
			VALUES (translate(substr(md5(random()::text), 1, 26), '0189', 'abcd'), 'R-' || $1, 'rule', $1, 'personnummer', $2, 'SE2321000016-0001', $3, $3)
			RETURNING id`, patient, staffID(0), at); err != nil {
			t.Fatal(err)
		}
		return id
	}
	older := newCase(pid(100), time.Date(2026, 3, 20, 0, 0, 0, 0, portal.Stockholm))
	rule := newCase(pid(101), time.Date(2026, 3, 21, 0, 0, 0, 0, portal.Stockholm))
	if _, err := s.DB().Exec(`INSERT INTO case_events VALUES ($1, $2, $3)`, rule, ev.ID, ev.At); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO case_events SELECT $1, id, occurred_at FROM access_events WHERE patient_id = $2 AND actor_hsa_id = $3`,
		older, pid(100), staffID(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO rule_hits (run_id, case_id, rule, severity, event_id, occurred_at, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind)
		SELECT $1, c.id, h.rule, 'medium', ce.event_id, ce.occurred_at, c.staff_hsa_id, c.provider_hsa_id, c.patient_id, c.patient_id_kind
		FROM (VALUES ($2::bigint, 'household'), ($3::bigint, 'no_care_relation')) h(case_id, rule)
		JOIN cases c ON c.id = h.case_id
		JOIN LATERAL (SELECT event_id, occurred_at FROM case_events WHERE case_id = c.id ORDER BY event_id LIMIT 1) ce ON true`,
		run, older, rule); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{older, rule} {
		if err := s.RefreshCase(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	var narr, narrOlder string
	var prio, prioOlder int
	s.DB().Get(&narr, `SELECT narrative_sv FROM cases WHERE id = $1`, rule)
	s.DB().Get(&prio, `SELECT priority FROM cases WHERE id = $1`, rule)
	s.DB().Get(&narrOlder, `SELECT narrative_sv FROM cases WHERE id = $1`, older)
	s.DB().Get(&prioOlder, `SELECT priority FROM cases WHERE id = $1`, older)
	if narrOlder != "Anna Berg, sjuksköterska på Kirurgkliniken, läste journalen för en granne på samma gata; vårdkontakter förklarar alla åtkomster; hen har aldrig dokumenterat något för patienten." {
		t.Errorf("neighbour narrative: %s", narrOlder)
	}
	if narr != "Anna Berg, sjuksköterska på Kirurgkliniken, läste en patients journal; ingen vårdkontakt finns; hen har aldrig dokumenterat något för patienten; 1 tidigare ärende om samma person." {
		t.Errorf("rule narrative: %s", narr)
	}

	// A patient flags Bo's (staff 1) access: top of the queue.
	p, _ := portal.ParsePersonalID(pid(103))
	var flagged int64
	if err := s.DB().Get(&flagged, `SELECT id FROM access_events WHERE patient_id = $1 AND actor_hsa_id = $2`, pid(103), staffID(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FileFlag(ctx, portal.PatientActor(p, ""), portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{flagged}}); err != nil {
		t.Fatal(err)
	}
	q, err := s.ListCases(ctx, operator, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sources []portal.CaseSource
	for _, c := range q {
		if len(sources) == 0 || sources[len(sources)-1] != c.Source {
			sources = append(sources, c.Source)
		}
	}
	if !slices.Equal(sources, []portal.CaseSource{portal.SourceFlag, portal.SourceRule, portal.SourceSample}) {
		t.Errorf("queue order by source: %v", sources)
	}
	if q[0].PatientID != pid(103) || !strings.Contains(q[0].NarrativeSV, "patienten har flaggat åtkomsten") {
		t.Errorf("flag case %+v", q[0])
	}
	if rules, _ := s.ListCases(ctx, operator, store.CaseFilter{Source: portal.SourceRule}); len(rules) != 2 || rules[0].Priority < rules[1].Priority {
		t.Errorf("rule filter %+v", rules)
	}

	// Deciding the older case unjustified raises the later one.
	var key string
	s.DB().Get(&key, `SELECT key FROM cases WHERE id = $1`, older)
	rita := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: "SE2321000016-0001", Role: portal.RoleReviewer})
	if _, err := s.TransitionCase(ctx, rita, key, portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideCase(ctx, rita, key, portal.Decision{Outcome: portal.OutcomeUnjustified, Reason: "ingen vårdkontakt"}); err != nil {
		t.Fatal(err)
	}
	var after int
	s.DB().Get(&after, `SELECT priority FROM cases WHERE id = $1`, rule)
	if after <= prio {
		t.Errorf("priority after an unjustified earlier case: %d, before %d", after, prio)
	}
	d, err := s.CaseDetail(ctx, rita, "R-"+pid(101), "case_cli")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Earlier) != 2 || d.Evidence.EarlierUnjustified != 1 || !slices.Contains(d.Signals, review.SignalNoCare) ||
		!d.Evidence.HasRule("no_care_relation") {
		t.Errorf("detail: earlier %d, evidence %+v, signals %v", len(d.Earlier), d.Evidence, d.Signals)
	}
}

// TestConcurrentSamplesDrawOnce: two runs for the same month at the same
// moment draw each unit once between them.
func TestConcurrentSamplesDrawOnce(t *testing.T) {
	ctx := context.Background()
	s := sampleWorld(t)
	var wg sync.WaitGroup
	results := make([]store.SampleResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.DrawSample(ctx, operator, store.SampleQuery{Month: march()})
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if got := len(results[0].Units) + len(results[1].Units); got != 2 || count(t, s, "cases") != 13 || count(t, s, "samples") != 2 {
		t.Errorf("%d unit draws, %d cases, %d samples", got, count(t, s, "cases"), count(t, s, "samples"))
	}
}

// TestEvidenceFromReferenceData: the store finds in the population
// register and the staff list what links the actor to the patient: her
// own record, a relative by relations.csv or by family name and address, a
// colleague on the same unit, someone with the same postal code.
func TestEvidenceFromReferenceData(t *testing.T) {
	ctx := context.Background()
	s := sampleWorld(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO patients (personal_id, given_name, family_name, street, postal_code) VALUES
	      ($1, 'Bo', 'Berg', 'Storgatan 1', '12345'),  -- same family name and address: a relative
	      ($2, 'Cia', 'Ek', 'Annangatan 9', '12345'),  -- same postal code only
	      ($3, 'Dan', 'Lund', 'Bortavägen 2', '99999'), -- relations.csv: her brother
	      ($4, 'Eva', 'Kollega', 'Bortavägen 3', '99999')`, pid(101), pid(102), pid(110), pid(111))
	exec(`INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, 'sibling')`, pid(110), pid(900))
	exec(`INSERT INTO staff (hsa_id, personal_id, given_name, family_name) VALUES ('SE2321000016-5777', $1, 'Eva', 'Kollega')`, pid(111))
	exec(`INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name) VALUES ($1, $2, 'ssk'), ('SE2321000016-5777', $2, 'ssk')`, staffID(0), surgery)
	rita := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: "SE2321000016-0001", Role: portal.RoleReviewer})
	for _, tc := range []struct {
		patient string
		check   func(review.Evidence) bool
		sv      string
	}{
		{pid(900), func(e review.Evidence) bool { return e.Self && !e.Colleague }, "läste sin egen journal"},
		{pid(101), func(e review.Evidence) bool { return e.Relative && e.SameStreet }, "läste journalen för en anhörig"},
		{pid(102), func(e review.Evidence) bool { return e.SamePostalCode && !e.SameStreet && !e.Relative }, "någon med samma postnummer"},
		{pid(110), func(e review.Evidence) bool { return e.Relative && !e.SamePostalCode }, "en anhörig"},
		{pid(111), func(e review.Evidence) bool { return e.Colleague && e.SameUnit && !e.Relative }, "en kollega på samma enhet"},
	} {
		var id int64
		if err := s.DB().Get(&id, `INSERT INTO cases (key, number, source, patient_id, patient_id_kind, staff_hsa_id, provider_hsa_id, created_at, updated_at)
			VALUES (translate(substr(md5(random()::text), 1, 26), '0189', 'abcd'), 'E-' || $1, 'rule', $1, 'personnummer', $2, 'SE2321000016-0001', now(), now())
			RETURNING id`, tc.patient, staffID(0)); err != nil {
			t.Fatal(err)
		}
		if err := s.RefreshCase(ctx, id); err != nil {
			t.Fatal(err)
		}
		d, err := s.CaseDetail(ctx, rita, "E-"+tc.patient, "case_cli")
		if err != nil {
			t.Fatal(err)
		}
		if !tc.check(d.Evidence) || !strings.Contains(d.Summary.NarrativeSV, tc.sv) || d.Summary.Priority <= 0 {
			t.Errorf("%s: evidence %+v, narrative %q, priority %d", tc.sv, d.Evidence, d.Summary.NarrativeSV, d.Summary.Priority)
		}
	}
}
