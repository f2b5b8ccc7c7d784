package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// workWorld is caseWorld with staff roles: Rita reviews the region, Conny
// the company, Hedda heads the region's unit. It files Tolvan's flag on
// Anna's access for the region and on Anna's access for the company.
func workWorld(t *testing.T) (s *store.Store, rita, conny, hedda portal.Actor, regionKey, companyKey string) {
	t.Helper()
	ctx := context.Background()
	s, tolvan, _, ids := caseWorld(t)
	if _, err := s.DB().Exec(`INSERT INTO staff (hsa_id, given_name, family_name) VALUES
		('SE2321000016-9001', 'Rita', 'Granskare'), ('SE5565594230-9005', 'Conny', 'Bolagsson'),
		('SE2321000016-9003', 'Hedda', 'Chef'), ('SE2321000016-5001', 'Anna', 'Berg')`); err != nil {
		t.Fatal(err)
	}
	sys := portal.SystemActor("test")
	for _, g := range []store.RoleGrant{
		grantOf("SE2321000016-9001", portal.RoleReviewer, region, ""),
		grantOf("SE5565594230-9005", portal.RoleReviewer, company, ""),
		grantOf("SE2321000016-9003", portal.RoleHeadOfUnit, region, "SE2321000016-1001"),
	} {
		if err := s.GrantRole(ctx, sys, g); err != nil {
			t.Fatal(err)
		}
	}
	actor := func(h portal.HSAID) portal.Actor {
		a, err := s.StaffActor(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	rita, conny, hedda = actor("SE2321000016-9001"), actor("SE5565594230-9005"), actor("SE2321000016-9003")
	cs, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{ids["anna1"], ids["anna-company"]}})
	if err != nil || len(cs) != 2 {
		t.Fatalf("flags: %v", err)
	}
	for _, c := range cs {
		if c.Provider == region {
			regionKey = c.Key
		} else {
			companyKey = c.Key
		}
	}
	return s, rita, conny, hedda, regionKey, companyKey
}

func TestCaseWorkScopedByProvider(t *testing.T) {
	ctx := context.Background()
	s, rita, conny, hedda, rk, ck := workWorld(t)
	// Each reviewer lists, counts and reads their own provider's case only.
	for _, tc := range []struct {
		who        portal.Actor
		own, other string
	}{{rita, rk, ck}, {conny, ck, rk}} {
		list, err := s.ListCases(ctx, tc.who, store.CaseFilter{})
		if err != nil || len(list) != 1 || list[0].Key != tc.own {
			t.Errorf("%s lists %+v (%v)", tc.who.Name, list, err)
		}
		counts, err := s.CaseCounts(ctx, tc.who, store.CaseFilter{})
		if err != nil || counts[portal.StatusNew] != 1 || len(counts) != 1 {
			t.Errorf("%s counts %v (%v)", tc.who.Name, counts, err)
		}
		for _, read := range []func() error{
			func() error { _, err := s.CaseDetail(ctx, tc.who, tc.other, "test"); return err },
			func() error { _, err := s.AddNote(ctx, tc.who, tc.other, "x"); return err },
			func() error { _, err := s.AssignCase(ctx, tc.who, tc.other, tc.who.HSAID); return err },
			func() error {
				_, err := s.RequestStatement(ctx, tc.who, tc.other, "SE2321000016-1001", "?")
				return err
			},
			func() error { _, err := s.CasePatient(ctx, tc.who, tc.other, "test"); return err },
		} {
			if err := read(); !errors.Is(err, portal.ErrNotFound) {
				t.Errorf("%s on the other provider's case: %v, want not found", tc.who.Name, err)
			}
		}
	}
	// A head of unit and a clerk list no cases.
	if _, err := s.ListCases(ctx, hedda, store.CaseFilter{}); err == nil {
		if l, _ := s.ListCases(ctx, hedda, store.CaseFilter{}); len(l) != 0 {
			t.Errorf("head of unit lists %d cases", len(l))
		}
	}
	// Filters: unit, severity, assigned to me.
	if l, _ := s.ListCases(ctx, rita, store.CaseFilter{Unit: "SE2321000016-1001"}); len(l) != 1 {
		t.Errorf("unit filter: %d", len(l))
	}
	if l, _ := s.ListCases(ctx, rita, store.CaseFilter{Unit: "SE5565594230-2001"}); len(l) != 0 {
		t.Errorf("other unit: %d", len(l))
	}
	if l, _ := s.ListCases(ctx, rita, store.CaseFilter{AssignedTo: rita.HSAID}); len(l) != 0 {
		t.Errorf("assigned before assigning: %d", len(l))
	}
	if _, err := s.AssignCase(ctx, rita, rk, rita.HSAID); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListCases(ctx, rita, store.CaseFilter{AssignedTo: rita.HSAID}); len(l) != 1 || l[0].AssignedName != "Rita Granskare" {
		t.Errorf("assigned to me: %+v", l)
	}
	if _, err := s.AssignCase(ctx, rita, rk, conny.HSAID); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("assigning to another provider's reviewer: %v", err)
	}
	// The patient's identity on demand is recorded.
	id, err := s.CasePatient(ctx, rita, rk, "web_case_identity")
	if err != nil || id.PersonalID.Digits() != "191212121212" {
		t.Fatalf("identity %+v %v", id, err)
	}
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM log_reads WHERE channel = 'web_case_identity' AND reader_id = $1 AND patient_id = '191212121212'`, string(rita.HSAID)); err != nil || n != 1 {
		t.Errorf("%d identity reads recorded (%v)", n, err)
	}
}

func TestStatementRequestAndAnswer(t *testing.T) {
	ctx := context.Background()
	s, rita, _, hedda, rk, _ := workWorld(t)
	// A new case is first taken up: asking now is a refused transition.
	if _, err := s.RequestStatement(ctx, rita, rk, "SE2321000016-1001", "Varför?"); portal.ErrorCode(err) != portal.Conflict {
		t.Fatalf("statement on a new case: %v", err)
	}
	if _, err := s.TransitionCase(ctx, rita, rk, portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestStatement(ctx, rita, rk, "SE5565594230-2001", "Varför?"); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("statement from a unit not of the case: %v", err)
	}
	c, err := s.RequestStatement(ctx, rita, rk, "SE2321000016-1001", "  Hade Anna ett uppdrag?  ")
	if err != nil || c.Status != portal.StatusAwaitingStatement {
		t.Fatalf("request: %+v %v", c.Status, err)
	}
	// The head sees it; another head does not; a reviewer is no head.
	sts, err := s.StatementsForHead(ctx, hedda)
	if err != nil || len(sts) != 1 || sts[0].Question != "Hade Anna ett uppdrag?" || sts[0].AnsweredAt.Valid {
		t.Fatalf("head's statements %+v %v", sts, err)
	}
	if strings.Contains(sts[0].NarrativeSV, "Tolvan") || strings.Contains(sts[0].NarrativeSV, "19121212") {
		t.Errorf("the head reads the patient's name: %q", sts[0].NarrativeSV)
	}
	if other, _ := s.StatementsForHead(ctx, rita); len(other) != 0 {
		t.Errorf("a reviewer reads %d statements as a head", len(other))
	}
	if err := s.AnswerStatement(ctx, rita, sts[0].Key, "svar"); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("a reviewer answering: %v", err)
	}
	if err := s.AnswerStatement(ctx, hedda, rk, "svar"); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("answer under the case's key: %v", err)
	}
	if err := s.AnswerStatement(ctx, hedda, sts[0].Key, "  "); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("empty answer: %v", err)
	}
	if err := s.AnswerStatement(ctx, hedda, sts[0].Key, "Anna hade jour."); err != nil {
		t.Fatal(err)
	}
	if err := s.AnswerStatement(ctx, hedda, sts[0].Key, "Igen."); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("answering twice: %v", err)
	}
	c, err = s.Case(ctx, rita, rk)
	if err != nil || c.Status != portal.StatusInvestigating {
		t.Fatalf("after the answer: %+v %v", c.Status, err)
	}
	var kinds []string
	for _, e := range c.Timeline {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, " "); !strings.HasSuffix(got, "status statement_requested statement status") {
		t.Errorf("timeline %s", got)
	}
	// The patient never sees the statement or the question.
	tolvan, _ := portal.ParsePersonalID("191212121212")
	pc, err := s.Case(ctx, portal.PatientActor(tolvan, ""), rk)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pc.Timeline {
		if e.Kind == portal.TimelineStatement || e.Kind == portal.TimelineStatementRequested || e.Text != "" {
			t.Errorf("patient's timeline shows %+v", e)
		}
	}
	if pc.AssignedTo != "" {
		t.Errorf("patient sees the assignee")
	}
	// A revoked head loses the statements at once.
	if err := s.RevokeRole(ctx, portal.SystemActor("test"), grantOf(hedda.HSAID, portal.RoleHeadOfUnit, region, "SE2321000016-1001")); err != nil {
		t.Fatal(err)
	}
	if sts, _ := s.StatementsForHead(ctx, hedda); len(sts) != 0 {
		t.Errorf("revoked head still reads %d statements", len(sts))
	}
}
