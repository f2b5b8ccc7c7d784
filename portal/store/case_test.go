package store_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// caseWorld seeds Tolvan with accesses by Anna (region, three), by Bo
// (region, one) and by Anna acting for the company (one), and Sara with
// one access by Anna. It returns the store and event ids by source log id.
func caseWorld(t *testing.T) (*store.Store, portal.Actor, portal.Actor, map[string]int64) {
	t.Helper()
	s := storetest.Open(t, nil)
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'),
		 ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst')`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tolvan, _ := portal.ParsePersonalID("191212121212")
	sara, _ := portal.ParsePersonalID("199001012385")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, portal.Stockholm)
	ev := func(id string, p portal.PersonalID, staff portal.HSAID, prov portal.HSAID, unit portal.HSAID) portal.Event {
		at = at.Add(40 * 24 * time.Hour / 10) // spread over months: several partitions
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: staff,
			ActorProvider: portal.Party{HSAID: prov}, ActorUnit: portal.Party{HSAID: unit},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"}
	}
	anna, bo := portal.HSAID("SE2321000016-5001"), portal.HSAID("SE2321000016-5002")
	if _, err := s.InsertEvents(context.Background(), []portal.Event{
		ev("anna1", tolvan, anna, region, "SE2321000016-1001"),
		ev("anna2", tolvan, anna, region, "SE2321000016-1001"),
		ev("anna3", tolvan, anna, "", "SE2321000016-1001"), // provider from the unit
		ev("bo1", tolvan, bo, region, "SE2321000016-1001"),
		ev("anna-company", tolvan, anna, company, "SE5565594230-2001"),
		ev("sara", sara, anna, region, "SE2321000016-1001"),
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	rows, err := s.DB().Query(`SELECT source_log_id, id FROM access_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}
	return s, portal.PatientActor(tolvan, ""), portal.PatientActor(sara, ""), ids
}

func count(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

var reviewer = portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: region, Role: portal.RoleReviewer})

func TestFileFlagJoinsTheOpenCase(t *testing.T) {
	ctx := context.Background()
	s, tolvan, sara, ids := caseWorld(t)
	cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Text: "  Känner inte  ",
		Events: []int64{ids["anna1"], ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("%d cases", len(cs))
	}
	c := cs[0]
	if c.Source != portal.SourceFlag || c.Status != portal.StatusNew || c.Staff != "SE2321000016-5001" || c.Provider != region ||
		c.Priority < portal.PriorityPatientSignal || c.Patient != tolvan.Patient || len(c.Events) != 1 {
		t.Errorf("case %+v", c)
	}
	if !regexp.MustCompile(`^2026-\d{6}$`).MatchString(c.Number) || !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(c.Key) {
		t.Errorf("number %q key %q", c.Number, c.Key)
	}
	if len(c.Timeline) != 1 || c.Timeline[0].Kind != portal.TimelineCreated || c.Timeline[0].ActorID != "" {
		t.Errorf("patient's timeline %+v", c.Timeline)
	}
	// The same entry again, and another of Anna's (whose provider comes
	// from the unit): the open case, now with both events.
	for _, ev := range [][]int64{{ids["anna1"]}, {ids["anna2"], ids["anna3"]}} {
		again, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonKnowsPrivately, Events: ev})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 1 || again[0].Key != c.Key || again[0].Number != c.Number {
			t.Errorf("second flag made another case: %+v", again)
		}
	}
	full, err := s.Case(ctx, reviewer, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Events) != 3 || len(full.Timeline) != 3 || full.Timeline[1].Kind != portal.TimelineJoined ||
		full.Timeline[0].ActorID != "191212121212" {
		t.Errorf("reviewer's case %+v", full)
	}
	if n := count(t, s, "cases"); n != 1 {
		t.Errorf("%d cases", n)
	}
	// Events by Bo, and by Anna for the company: one case each.
	more, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonNoCareThen,
		Events: []int64{ids["bo1"], ids["anna-company"], ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(more) != 3 || count(t, s, "cases") != 3 || count(t, s, "flags") != 6 {
		t.Errorf("%d cases returned, %d stored, %d flags", len(more), count(t, s, "cases"), count(t, s, "flags"))
	}
	flags, err := s.FlagsForPatient(ctx, tolvan)
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) != 6 || flags[len(flags)-1].Text != "Känner inte" || flags[0].Status != portal.StatusNew || !flags[0].FirstAccess.Valid {
		t.Errorf("flags %+v", flags)
	}
	if got, err := s.FlagsForPatient(ctx, sara); err != nil || len(got) != 0 {
		t.Errorf("Sara sees %d flags, %v", len(got), err)
	}
	// A decided case takes no more flags: the next one opens a new case.
	for _, to := range []portal.CaseStatus{portal.StatusInvestigating} {
		if _, err := s.TransitionCase(ctx, reviewer, c.Key, to); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DecideCase(ctx, reviewer, c.Key, portal.Decision{Outcome: portal.OutcomeJustified, Reason: "r", PatientMessage: "m"}); err != nil {
		t.Fatal(err)
	}
	after, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Key == c.Key || after[0].Status != portal.StatusNew {
		t.Errorf("flag after the decision joined the decided case")
	}
}

func TestFileFlagRefusesAnothersEvents(t *testing.T) {
	ctx := context.Background()
	s, tolvan, sara, ids := caseWorld(t)
	for name, c := range map[string]struct {
		a    portal.Actor
		evs  []int64
		code portal.Code
	}{
		"Sara's event":            {tolvan, []int64{ids["sara"]}, portal.NotFound},
		"one of them Sara's":      {tolvan, []int64{ids["anna1"], ids["sara"]}, portal.NotFound},
		"no such event":           {tolvan, []int64{ids["anna1"], 1 << 40}, portal.NotFound},
		"Tolvan's events by Sara": {sara, []int64{ids["anna1"]}, portal.NotFound},
		"staff":                   {reviewer, []int64{ids["anna1"]}, portal.Forbidden},
		"system":                  {portal.SystemActor("Kim"), []int64{ids["anna1"]}, portal.Forbidden},
	} {
		_, err := s.FileFlag(ctx, c.a, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: c.evs})
		if portal.ErrorCode(err) != c.code {
			t.Errorf("%s: %v", name, err)
		}
	}
	var fe portal.FieldErrors
	if _, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: "x", Events: []int64{ids["anna1"]}}); !errors.As(err, &fe) {
		t.Errorf("invalid flag: %v", err)
	}
	for _, table := range []string{"cases", "case_events", "case_timeline", "flags"} {
		if n := count(t, s, table); n != 0 {
			t.Errorf("%s: %d rows written", table, n)
		}
	}
}

// TestConcurrentFlagsMakeOneCase files the same person's entries from many
// connections at once: the partial unique index and ON CONFLICT leave one
// case holding every flag.
func TestConcurrentFlagsMakeOneCase(t *testing.T) {
	ctx := context.Background()
	s, tolvan, _, ids := caseWorld(t)
	const n = 8
	var wg sync.WaitGroup
	keys := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ev := []int64{ids["anna1"], ids["anna2"], ids["bo1"]}
			if i%2 == 1 {
				ev = []int64{ids["bo1"], ids["anna3"]}
			}
			cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: ev})
			errs[i] = err
			if err == nil {
				keys[i] = cs[0].Key
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("flag %d: %v", i, err)
		}
	}
	if got := count(t, s, "cases"); got != 2 {
		t.Errorf("%d cases for two people", got)
	}
	if got := count(t, s, "flags"); got != 2*n {
		t.Errorf("%d flags", got)
	}
	var created int
	if err := s.DB().Get(&created, `SELECT count(*) FROM case_timeline WHERE kind = 'created'`); err != nil || created != 2 {
		t.Errorf("%d created entries, %v", created, err)
	}
}

func TestCaseWorkIsScoped(t *testing.T) {
	ctx := context.Background()
	s, tolvan, sara, ids := caseWorld(t)
	cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonOther, Text: "Min granne", Events: []int64{ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	key := cs[0].Key
	companyReviewer := portal.StaffActor("SE5565594230-9001", "Oskar", portal.Grant{Provider: company, Role: portal.RoleReviewer})
	clerk := portal.StaffActor("SE2321000016-9002", "Kim", portal.Grant{Provider: region, Role: portal.RoleClerk})
	for name, a := range map[string]portal.Actor{"Sara": sara, "company reviewer": companyReviewer, "region clerk": clerk} {
		if _, err := s.Case(ctx, a, key); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s reads the case: %v", name, err)
		}
		if _, err := s.TransitionCase(ctx, a, key, portal.StatusInvestigating); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s moves the case: %v", name, err)
		}
	}
	if _, err := s.TransitionCase(ctx, tolvan, key, portal.StatusInvestigating); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("the patient moves their case: %v", err)
	}
	if _, err := s.Case(ctx, reviewer, "aaaaaaaaaaaaaaaaaaaaaaaaaa"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("unknown key: %v", err)
	}

	// Every step persisted, with its timeline; refused steps change nothing.
	steps := []func() (portal.Case, error){
		func() (portal.Case, error) { return s.TransitionCase(ctx, reviewer, key, portal.StatusInvestigating) },
		func() (portal.Case, error) { return s.AddNote(ctx, reviewer, key, "Ringde enhetschefen") },
		func() (portal.Case, error) {
			return s.TransitionCase(ctx, reviewer, key, portal.StatusAwaitingStatement)
		},
		func() (portal.Case, error) { return s.TransitionCase(ctx, reviewer, key, portal.StatusInvestigating) },
		func() (portal.Case, error) {
			return s.DecideCase(ctx, reviewer, key, portal.Decision{Outcome: portal.OutcomeUnjustified,
				Reason: "Ingen vårdrelation", PatientMessage: "Åtkomsten saknade skäl; arbetsgivaren har vidtagit åtgärder."})
		},
		func() (portal.Case, error) { return s.TransitionCase(ctx, reviewer, key, portal.StatusClosed) },
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if _, err := s.TransitionCase(ctx, reviewer, key, portal.StatusInvestigating); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("closed → investigating: %v", err)
	}
	c, err := s.Case(ctx, reviewer, key)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []portal.TimelineKind
	for _, e := range c.Timeline {
		kinds = append(kinds, e.Kind)
	}
	want := []portal.TimelineKind{"created", "status", "note", "status", "status", "status", "decision", "closed"}
	if len(kinds) != len(want) {
		t.Fatalf("timeline %v", kinds)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("timeline %v", kinds)
		}
	}
	if c.Status != portal.StatusClosed || c.Outcome != portal.OutcomeUnjustified || c.DecisionReason != "Ingen vårdrelation" {
		t.Errorf("reviewer's case %+v", c)
	}
	// The patient: status, outcome and their message; no note, no reason.
	pc, err := s.Case(ctx, tolvan, key)
	if err != nil {
		t.Fatal(err)
	}
	if pc.DecisionReason != "" || pc.PatientMessage == "" {
		t.Errorf("patient's case %+v", pc)
	}
	for _, e := range pc.Timeline {
		if e.Kind == portal.TimelineNote || e.Kind == portal.TimelineDecision || e.Text != "" {
			t.Errorf("patient sees %+v", e)
		}
	}
	flags, err := s.FlagsForPatient(ctx, tolvan)
	if err != nil || len(flags) != 1 || flags[0].Outcome != portal.OutcomeUnjustified || flags[0].PatientMessage == "" ||
		flags[0].Status != portal.StatusClosed {
		t.Errorf("my flags %+v %v", flags, err)
	}
	if _, err := s.FlagsForPatient(ctx, reviewer); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("staff reads flags: %v", err)
	}
}

// TestEveryTransitionPersisted puts a case in each status and tries every
// target through the store: the allowed ones are saved with their timeline
// entry, the refused ones leave the row and timeline as they were.
func TestEveryTransitionPersisted(t *testing.T) {
	ctx := context.Background()
	s, tolvan, _, ids := caseWorld(t)
	cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	key := cs[0].Key
	statuses := []portal.CaseStatus{portal.StatusNew, portal.StatusInvestigating, portal.StatusAwaitingStatement,
		portal.StatusDecided, portal.StatusClosed}
	d := portal.Decision{Outcome: portal.OutcomeUnclear, Reason: "r", PatientMessage: "m"}
	for _, from := range statuses {
		for _, to := range statuses {
			outcome := any(nil)
			if from == portal.StatusDecided || from == portal.StatusClosed {
				outcome = "justified"
			}
			if _, err := s.DB().Exec(`UPDATE cases SET status = $2, outcome = $3 WHERE key = $1`, key, string(from), outcome); err != nil {
				t.Fatal(err)
			}
			before := count(t, s, "case_timeline")
			var err error
			if to == portal.StatusDecided {
				_, err = s.DecideCase(ctx, reviewer, key, d)
			} else {
				_, err = s.TransitionCase(ctx, reviewer, key, to)
			}
			var status string
			if e := s.DB().Get(&status, `SELECT status FROM cases WHERE key = $1`, key); e != nil {
				t.Fatal(e)
			}
			added := count(t, s, "case_timeline") - before
			if portal.CanTransition(from, to) {
				if err != nil || status != string(to) || added == 0 {
					t.Errorf("%s → %s: %v, stored %s, %d timeline entries", from, to, err, status, added)
				}
				continue
			}
			if err == nil || status != string(from) || added != 0 {
				t.Errorf("%s → %s accepted: stored %s, %d timeline entries", from, to, status, added)
			}
		}
	}
}

// TestFlagJoinsARuleCase: a rule's open case about the same person and
// patient takes the flag (one table, one queue); it rises to the top of
// the queue and its timeline says the patient flagged it. A sample's case
// about the same person stands apart.
func TestFlagJoinsARuleCase(t *testing.T) {
	ctx := context.Background()
	s, tolvan, _, ids := caseWorld(t)
	for _, src := range []string{"sample", "rule"} {
		if _, err := s.DB().Exec(`INSERT INTO cases (key, number, source, patient_id, patient_id_kind, staff_hsa_id,
			provider_hsa_id, priority, created_at, updated_at)
			VALUES ($1, $2, $3, '191212121212', 'personnummer', 'SE2321000016-5001', 'SE2321000016-0001', 5, now(), now())`,
			src+strings.Repeat("a", 26-len(src)), "2026-9"+src, src); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{ids["anna1"]}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Case(ctx, reviewer, cs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != portal.SourceRule || c.Priority < portal.PriorityPatientSignal || len(c.Timeline) != 1 ||
		c.Timeline[0].Kind != portal.TimelineFlagged || count(t, s, "cases") != 2 {
		t.Errorf("rule case after the flag: %+v, %d cases", c, count(t, s, "cases"))
	}
}
