package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func controlStore(t *testing.T) (*store.Store, storetest.ControlWorld, *portal.FixedClock) {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)}
	s := storetest.Open(t, clock)
	return s, storetest.SeedControls(t, s), clock
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, portal.Stockholm)
}

func TestExtractRequestsDeadlineOrderAndScope(t *testing.T) {
	ctx := context.Background()
	s, w, _ := controlStore(t)
	reg := func(a portal.Actor, prov portal.HSAID, received time.Time) string {
		t.Helper()
		key, err := s.RegisterRequest(ctx, a, store.RequestInput{Provider: prov, Patient: w.Patient, From: day(2026, 1, 1),
			To: day(2026, 3, 31), Channel: portal.ChannelLetter, ReceivedAt: received, Lang: "sv"})
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	fresh := reg(w.Clerk, w.Provider, day(2026, 3, 25))             // due 26 April
	today := reg(w.Clerk, w.Provider, day(2026, 3, 1))              // due by the end of 1 April: overdue since midnight
	oldest := reg(w.Clerk, w.Provider, day(2026, 1, 10))            // overdue since 11 February
	feb := reg(w.Clerk, w.Provider, day(2026, 2, 20))               // overdue since 21 March
	done := reg(w.Clerk, w.Provider, day(2026, 1, 2))               // delivered: last, however old
	other := reg(w.OtherReviewer, w.OtherProvider, day(2026, 1, 1)) // another provider's

	if _, err := s.DeliverRequest(ctx, w.Clerk, done); portal.ErrorCode(err) != portal.Conflict {
		t.Fatalf("delivered before produced: %v", err)
	}
	if _, err := s.ProduceRequest(ctx, w.Clerk, done); err != nil {
		t.Fatal(err)
	}
	if v, err := s.DeliverRequest(ctx, w.Clerk, done); err != nil || v.Status != portal.RequestDelivered || v.DeliveredBy != string(w.Clerk.HSAID) {
		t.Fatalf("deliver: %+v %v", v, err)
	}

	list, err := s.ListRequests(ctx, w.Clerk, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range list {
		keys = append(keys, r.Key)
	}
	want := []string{oldest, feb, today, fresh, done}
	if len(keys) != len(want) {
		t.Fatalf("listed %d, want %d", len(keys), len(want))
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("order %v, want %v", keys, want)
		}
	}
	now := time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)
	if !list[0].Overdue(now) || !list[2].Overdue(now) || list[3].Overdue(now) || list[4].Overdue(now) {
		t.Error("overdue marks wrong")
	}
	if list[0].PatientName != "Per Patient" || list[0].ProviderName != "Region Exempelland" || !list[0].From.Equal(day(2026, 1, 1)) ||
		!list[0].To.Equal(day(2026, 3, 31)) {
		t.Errorf("view: %+v", list[0])
	}

	// Another provider's clerk, a reviewer and a head of unit of the same
	// provider: not found, not listed, not changed.
	if _, err := s.Request(ctx, w.OtherReviewer, fresh); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("other provider's clerk read a request: %v", err)
	}
	if _, err := s.ProduceRequest(ctx, w.OtherReviewer, fresh); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("other provider's clerk produced a request: %v", err)
	}
	if _, err := s.Request(ctx, w.Clerk, other); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("clerk read another provider's request: %v", err)
	}
	for _, a := range []portal.Actor{w.Reviewer, w.Head, portal.PatientActor(w.Patient, "")} {
		if _, err := s.ListRequests(ctx, a, 0); portal.ErrorCode(err) != portal.Forbidden {
			t.Errorf("%s listed requests: %v", a.Name, err)
		}
		if _, err := s.Request(ctx, a, fresh); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s read a request: %v", a.Name, err)
		}
	}
	if _, err := s.RegisterRequest(ctx, w.Clerk, store.RequestInput{Provider: w.OtherProvider, Patient: w.Patient,
		To: day(2026, 3, 31), Channel: portal.ChannelDesk, ReceivedAt: now}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("registered for another provider: %v", err)
	}
	otherList, err := s.ListRequests(ctx, w.OtherReviewer, 0)
	if err != nil || len(otherList) != 1 || otherList[0].Key != other {
		t.Errorf("other provider's list: %v %v", otherList, err)
	}
}

func TestTargetedCheckCountsScopeAndLogReads(t *testing.T) {
	ctx := context.Background()
	s, w, _ := controlStore(t)
	q := portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff, Staff: w.Nurse, From: day(2026, 3, 1), To: day(2026, 4, 1)}
	key, err := s.RunCheck(ctx, w.Reviewer, q)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.CheckResult(ctx, w.Reviewer, key, "")
	if err != nil {
		t.Fatal(err)
	}
	want := store.CheckCounts{All: 5, Colleague: 1, Self: 1, Deceased: 1, Emergency: 1, NonCarePurpose: 1}
	if v.Counts != want || len(v.Rows) != 5 || v.Hits != 5 {
		t.Fatalf("counts %+v rows %d hits %d", v.Counts, len(v.Rows), v.Hits)
	}
	if !v.Rows[0].Explained || v.Rows[1].Explained || !v.Rows[1].Colleague || !v.Rows[2].Self || !v.Rows[3].Deceased ||
		!v.Rows[3].Emergency || !v.Rows[4].NonCarePurpose || v.Rows[0].StaffName != "Anna Berg" || v.Rows[0].UnitName != "Kirurgkliniken" {
		t.Errorf("rows: %+v", v.Rows)
	}
	// One log_reads row per patient shown, under the reviewer's name.
	if n := count(t, s, "log_reads WHERE reader_kind = 'staff' AND reader_id = 'SE2321000016-9001' AND channel = 'targeted_check'"); n != 4 {
		t.Errorf("%d log reads, want 4 (one per patient)", n)
	}
	// A checkpoint narrows the rows, not the counts.
	v, err = s.CheckResult(ctx, w.Reviewer, key, portal.CheckDeceased)
	if err != nil || len(v.Rows) != 1 || v.Counts.All != 5 {
		t.Fatalf("deceased: %d rows %v", len(v.Rows), err)
	}

	// By name, and a patient's accesses: only this provider's events.
	byName, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff,
		StaffName: "berg", From: day(2026, 3, 1), To: day(2026, 4, 1), Checkpoint: portal.CheckSelf})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.CheckResult(ctx, w.Reviewer, byName, ""); err != nil || len(v.Rows) != 1 || v.Hits != 1 || !v.Rows[0].Self {
		t.Errorf("by name, self: %+v %v", v.Rows, err)
	}
	if _, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff,
		StaffName: "%", From: day(2026, 3, 1), To: day(2026, 4, 1)}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "targeted_checks WHERE staff_name = '%' AND hits = 0"); n != 1 {
		t.Errorf("a %% in a name matched someone: %d", n)
	}
	pk, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckPatient,
		Patient: w.Patient, From: day(2026, 3, 1), To: day(2026, 4, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := s.CheckResult(ctx, w.Reviewer, pk, "")
	if err != nil || pv.Counts.All != 4 { // the nurse twice and Bo Lund twice; not the other provider's Cia Ek
		t.Fatalf("patient check: %+v %v", pv.Counts, err)
	}
	for _, r := range pv.Rows {
		if r.Staff == string(w.OtherStaff) {
			t.Error("another provider's access shown")
		}
	}

	// Another provider's reviewer, the head of unit, the clerk: not found.
	for _, a := range []portal.Actor{w.OtherReviewer, w.Head, w.Clerk} {
		if _, err := s.CheckResult(ctx, a, key, ""); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s read the check: %v", a.Name, err)
		}
		if _, err := s.OpenCheckCases(ctx, a, key, []int64{v.Rows[0].ID}); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s opened a case: %v", a.Name, err)
		}
		if _, err := s.CompleteCheck(ctx, a, key, portal.CheckCompletion{Result: portal.ResultNoFindings}); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s completed the check: %v", a.Name, err)
		}
	}
	if _, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.OtherProvider, Subject: portal.CheckPatient,
		Patient: w.Patient, From: day(2026, 3, 1), To: day(2026, 4, 1)}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("check at another provider: %v", err)
	}
}

func TestTargetedCheckBecomesCaseAndControl(t *testing.T) {
	ctx := context.Background()
	s, w, _ := controlStore(t)
	key, err := s.RunCheck(ctx, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff, Staff: w.Nurse,
		From: day(2026, 3, 1), To: day(2026, 4, 1)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.CheckResult(ctx, w.Reviewer, key, "")
	if err != nil {
		t.Fatal(err)
	}
	// An access of another provider, hidden from the check, cannot be slipped in.
	var foreign int64
	if err := s.DB().Get(&foreign, `SELECT id FROM access_events WHERE actor_hsa_id = $1 LIMIT 1`, string(w.OtherStaff)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenCheckCases(ctx, w.Reviewer, key, []int64{v.Rows[1].ID, foreign}); portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("foreign event accepted: %v", err)
	}
	keys, err := s.OpenCheckCases(ctx, w.Reviewer, key, []int64{v.Rows[1].ID, v.Rows[2].ID})
	if err != nil || len(keys) != 2 { // two patients: two cases
		t.Fatalf("cases %v %v", keys, err)
	}
	c, err := s.Case(ctx, w.Reviewer, keys[0])
	if err != nil || c.Source != portal.SourceRule || c.Provider != w.Provider || c.Staff != w.Nurse || len(c.Events) != 1 {
		t.Fatalf("case %+v %v", c, err)
	}
	if v, _ := s.CheckResult(ctx, w.Reviewer, key, ""); len(v.Cases) != 2 {
		t.Errorf("check lists %d cases", len(v.Cases))
	}

	// Deciding the case records its control (the trigger), with the reviewer.
	if _, err := s.TransitionCase(ctx, w.Reviewer, keys[0], portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideCase(ctx, w.Reviewer, keys[0], portal.Decision{Outcome: portal.OutcomeUnjustified, Reason: "Ingen vårdrelation"}); err != nil {
		t.Fatal(err)
	}
	ctl, err := s.ListControls(ctx, w.Reviewer, store.ControlFilter{})
	if err != nil || len(ctl) != 1 {
		t.Fatalf("controls %v %v", ctl, err)
	}
	if k := ctl[0]; k.Kind != portal.ControlRule || k.Result != portal.ResultUnjustified || k.ReviewerName != "Rut Granskare" ||
		k.Unit != string(w.Unit) || k.UnitName != "Kirurgkliniken" || !k.Criteria.Targeted || k.CaseNumber != c.Number ||
		k.StaffName != "Anna Berg" || k.Items != 1 {
		t.Errorf("case control %+v", k)
	}

	// Completing the check records it once.
	if _, err := s.CompleteCheck(ctx, w.Reviewer, key, portal.CheckCompletion{Result: portal.ResultFindings}); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("findings without actions: %v", err)
	}
	ck, err := s.CompleteCheck(ctx, w.Reviewer, key, portal.CheckCompletion{Result: portal.ResultFindings, Actions: "Samtal med medarbetaren"})
	if err != nil || ck == "" {
		t.Fatal(err)
	}
	if _, err := s.CompleteCheck(ctx, w.Reviewer, key, portal.CheckCompletion{Result: portal.ResultNoFindings}); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("completed twice: %v", err)
	}
	ctl, _ = s.ListControls(ctx, w.Head, store.ControlFilter{Unit: w.Unit})
	if len(ctl) != 2 || ctl[0].Kind != portal.ControlTargeted || ctl[0].Criteria.Subject != "staff" || ctl[0].Actions != "Samtal med medarbetaren" ||
		ctl[0].Items != 5 {
		t.Fatalf("head of unit's controls: %+v", ctl)
	}
	// Another provider sees none and changes none.
	elsewhere := portal.StaffActor("SE2321000016-9004", "Ines Chef",
		portal.Grant{Provider: w.Provider, Role: portal.RoleHeadOfUnit, Unit: "SE2321000016-1199"})
	if other, err := s.ListControls(ctx, elsewhere, store.ControlFilter{}); err != nil || len(other) != 0 {
		t.Errorf("head of another unit's registry: %v %v", other, err)
	}
	if other, err := s.ListControls(ctx, w.OtherReviewer, store.ControlFilter{}); err != nil || len(other) != 0 {
		t.Errorf("other provider's registry: %v %v", other, err)
	}
	if err := s.SetControlActions(ctx, w.OtherReviewer, ctl[1].Key, "x"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("other provider set actions: %v", err)
	}
	if _, err := s.ListControls(ctx, w.Clerk, store.ControlFilter{}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("clerk read controls: %v", err)
	}
	if err := s.SetControlActions(ctx, w.Reviewer, ctl[1].Key, "Anmält till verksamhetschefen"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "controls WHERE actions = 'Anmält till verksamhetschefen'"); n != 1 {
		t.Error("actions not saved")
	}
}

func TestSampleControlWhenAllItsCasesAreDecided(t *testing.T) {
	ctx := context.Background()
	s, w, _ := controlStore(t)
	res, err := s.DrawSample(ctx, portal.SystemActor("revisor"), store.SampleQuery{Month: day(2026, 3, 15)})
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, u := range res.Units {
		if u.Unit == string(w.Unit) {
			cases = u.Cases
		}
	}
	if len(cases) != 2 { // Anna Berg and Bo Lund
		t.Fatalf("sample cases %v", res.Units)
	}
	decide := func(number string, o portal.Outcome) {
		t.Helper()
		var key string
		if err := s.DB().Get(&key, `SELECT key FROM cases WHERE number = $1`, number); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TransitionCase(ctx, w.Reviewer, key, portal.StatusInvestigating); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideCase(ctx, w.Reviewer, key, portal.Decision{Outcome: o, Reason: "Granskat"}); err != nil {
			t.Fatal(err)
		}
	}
	decide(cases[0], portal.OutcomeUnclear)
	if n := count(t, s, "controls"); n != 0 {
		t.Fatalf("a sample with an open case recorded %d controls", n)
	}
	decide(cases[1], portal.OutcomeJustified)
	ctl, err := s.ListControls(ctx, w.Reviewer, store.ControlFilter{Unit: w.Unit})
	if err != nil || len(ctl) != 1 {
		t.Fatalf("%v %v", ctl, err)
	}
	if k := ctl[0]; k.Kind != portal.ControlSample || k.Result != portal.ResultUnclear || k.Items != 2 || k.Criteria.Seed != 202603 ||
		k.Criteria.Candidates != 2 || !k.From.Equal(day(2026, 3, 1)) || !k.To.Equal(day(2026, 4, 1)) || k.SampleCriteria == "" {
		t.Errorf("sample control %+v", k)
	}
}

func TestAuthorisationList(t *testing.T) {
	ctx := context.Background()
	s, w, _ := controlStore(t)
	rows, err := s.AuthorisationList(ctx, w.Head, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Staff != string(w.Former) || rows[0].StaffName != "Bo Lund" || rows[0].Accesses != 2 ||
		!rows[0].AssignmentEnded.Valid || rows[0].EmploymentEnded.Valid || rows[0].UnitName != "Kirurgkliniken" {
		t.Fatalf("list %+v", rows)
	}
	// Ended employment counts accesses anywhere after it.
	if _, err := s.DB().Exec(`UPDATE staff SET employed_to = '2026-03-05' WHERE hsa_id = $1`, string(w.Nurse)); err != nil {
		t.Fatal(err)
	}
	rows, _ = s.AuthorisationList(ctx, w.Reviewer, w.Unit)
	if len(rows) != 2 || rows[1].Staff != string(w.Nurse) || rows[1].Accesses != 1 || !rows[1].EmploymentEnded.Valid {
		t.Fatalf("after employment: %+v", rows)
	}
	if other, err := s.AuthorisationList(ctx, w.OtherReviewer, w.Unit); err != nil || len(other) != 0 {
		t.Errorf("another provider's list: %v %v", other, err)
	}
	if _, err := s.Unit(ctx, w.OtherReviewer, w.Unit); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("another provider's unit: %v", err)
	}
	// A head of another unit sees neither the list nor the unit.
	elsewhere := portal.StaffActor("SE2321000016-9004", "Ines Chef",
		portal.Grant{Provider: w.Provider, Role: portal.RoleHeadOfUnit, Unit: "SE2321000016-1199"})
	if rows, err := s.AuthorisationList(ctx, elsewhere, ""); err != nil || len(rows) != 0 {
		t.Errorf("head of another unit: %v %v", rows, err)
	}
	if _, err := s.Unit(ctx, elsewhere, w.Unit); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("head of another unit read the unit: %v", err)
	}
	if _, err := s.Unit(ctx, w.Head, w.Unit); err != nil {
		t.Errorf("head of the unit: %v", err)
	}
	if _, err := s.AuthorisationList(ctx, w.Clerk, ""); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("clerk: %v", err)
	}
}
