package portal_test

import (
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

func sthlm(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, portal.Stockholm)
}

func TestRequestDeadline(t *testing.T) {
	for _, c := range []struct {
		received, due time.Time // due: the first moment past the deadline
	}{
		{sthlm(2026, 3, 15, 10, 0), sthlm(2026, 4, 16, 0, 0)},
		{sthlm(2026, 1, 31, 23, 59), sthlm(2026, 3, 1, 0, 0)},                     // no 31 February: its last day
		{sthlm(2028, 1, 30, 8, 0), sthlm(2028, 3, 1, 0, 0)},                       // leap year: 29 February is the last day
		{sthlm(2026, 12, 5, 9, 0), sthlm(2027, 1, 6, 0, 0)},                       // over the year
		{sthlm(2026, 10, 1, 0, 30), sthlm(2026, 11, 2, 0, 0)},                     // summer to winter time
		{time.Date(2026, 5, 31, 22, 30, 0, 0, time.UTC), sthlm(2026, 7, 2, 0, 0)}, // 1 June in Stockholm
	} {
		if got := portal.RequestDeadline(c.received); !got.Equal(c.due) {
			t.Errorf("RequestDeadline(%s) = %s, want %s", c.received, got.In(portal.Stockholm), c.due)
		}
	}
}

func TestRequestOverdueAndDaysLeft(t *testing.T) {
	r := portal.ExtractRequest{ReceivedAt: sthlm(2026, 3, 15, 10, 0), Status: portal.RequestRegistered}
	for _, c := range []struct {
		now     time.Time
		overdue bool
		left    int
	}{
		{sthlm(2026, 3, 15, 11, 0), false, 31},
		{sthlm(2026, 4, 15, 23, 59), false, 0},
		{sthlm(2026, 4, 16, 0, 0), true, -1},
		{sthlm(2026, 5, 1, 12, 0), true, -16},
	} {
		if got := r.Overdue(c.now); got != c.overdue {
			t.Errorf("Overdue(%s) = %v", c.now, got)
		}
		if got := r.DaysLeft(c.now); got != c.left {
			t.Errorf("DaysLeft(%s) = %d, want %d", c.now, got, c.left)
		}
	}
	r.Status = portal.RequestDelivered
	if r.Overdue(sthlm(2027, 1, 1, 0, 0)) {
		t.Error("a delivered request is never overdue")
	}
}

func TestRequestTransitions(t *testing.T) {
	prov := portal.HSAID("SE2321000016-P1")
	clerk := portal.StaffActor("SE2321000016-C1", "Kim", portal.Grant{Provider: prov, Role: portal.RoleClerk})
	other := portal.StaffActor("SE2321000016-C2", "Alex", portal.Grant{Provider: "SE2321000016-P2", Role: portal.RoleClerk})
	reviewer := portal.StaffActor("SE2321000016-R1", "Robin", portal.Grant{Provider: prov, Role: portal.RoleReviewer})
	at := sthlm(2026, 3, 20, 9, 0)
	r := portal.ExtractRequest{Provider: prov, Status: portal.RequestRegistered}

	if err := r.Deliver(clerk, at); portal.ErrorCode(err) != portal.Conflict {
		t.Fatalf("deliver before produce: %v", err)
	}
	for _, a := range []portal.Actor{other, reviewer, portal.SystemActor("ops")} {
		if err := r.Produce(a, at); portal.ErrorCode(err) != portal.Forbidden {
			t.Errorf("%s produced: %v", a.Kind, err)
		}
	}
	if err := r.Produce(clerk, at); err != nil || r.Status != portal.RequestProduced || r.ProducedBy != string(clerk.HSAID) {
		t.Fatalf("produce: %v %+v", err, r)
	}
	if err := r.Produce(clerk, at.Add(time.Hour)); err != nil { // produced again: allowed
		t.Fatalf("produce again: %v", err)
	}
	if err := r.Deliver(clerk, at.Add(2*time.Hour)); err != nil || r.Status != portal.RequestDelivered {
		t.Fatalf("deliver: %v", err)
	}
	if err := r.Produce(clerk, at); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("produce after delivery: %v", err)
	}
	if err := r.Deliver(clerk, at); portal.ErrorCode(err) != portal.Conflict {
		t.Errorf("deliver twice: %v", err)
	}
}

func TestParseReceived(t *testing.T) {
	now := sthlm(2026, 3, 20, 14, 5)
	if got, err := portal.ParseReceived("2026-03-20", now); err != nil || !got.Equal(now) {
		t.Errorf("today: %v %v", got, err)
	}
	if got, err := portal.ParseReceived("2026-03-02", now); err != nil || !got.Equal(sthlm(2026, 3, 2, 0, 0)) {
		t.Errorf("earlier: %v %v", got, err)
	}
	for in, id := range map[string]string{
		"":           "controls.request.error.received_missing",
		"20260302":   "controls.request.error.received",
		"2026-03-21": "controls.request.error.received_future",
	} {
		_, err := portal.ParseReceived(in, now)
		if msg, _ := portal.ErrorMsgID(err); msg != id {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := portal.ParseRequestChannel("fax"); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("fax: %v", err)
	}
	if c, err := portal.ParseRequestChannel(" e_service "); err != nil || c != portal.ChannelEService {
		t.Errorf("e_service: %v %v", c, err)
	}
}

func TestCheckFormQuery(t *testing.T) {
	now := sthlm(2026, 3, 20, 14, 5)
	prov := portal.HSAID("SE2321000016-P1")
	q, errs := portal.CheckForm{Subject: "staff", Staff: "SE2321000016-ABC1", From: "2026-03-01", To: "2026-03-10",
		Checkpoint: "emergency"}.Query(prov, now)
	if errs != nil || q.Staff != "SE2321000016-ABC1" || q.StaffName != "" || !q.From.Equal(sthlm(2026, 3, 1, 0, 0)) ||
		!q.To.Equal(sthlm(2026, 3, 11, 0, 0)) || q.Checkpoint != portal.CheckEmergency || q.Provider != prov {
		t.Fatalf("staff by HSA-id: %+v %v", q, errs)
	}
	q, errs = portal.CheckForm{Subject: "staff", Staff: "Anna Berg"}.Query(prov, now)
	if errs != nil || q.StaffName != "Anna Berg" || !q.To.Equal(sthlm(2026, 3, 21, 0, 0)) || !q.From.Equal(sthlm(2025, 12, 20, 0, 0)) {
		t.Fatalf("staff by name, default period: %+v %v", q, errs)
	}
	for _, c := range []struct {
		f     portal.CheckForm
		field string
		id    string
	}{
		{portal.CheckForm{}, "subject", "controls.check.error.subject"},
		{portal.CheckForm{Subject: "patient"}, "patient", "controls.check.error.patient_missing"},
		{portal.CheckForm{Subject: "patient", Patient: "191212121213"}, "patient", "error.personal_id.luhn"},
		{portal.CheckForm{Subject: "staff", Staff: "A"}, "staff", "controls.check.error.staff_name"},
		{portal.CheckForm{Subject: "staff", Staff: "Ann\x00a"}, "staff", "controls.check.error.staff_name"},
		{portal.CheckForm{Subject: "staff", Staff: "Anna", Checkpoint: "vip"}, "checkpoint", "controls.check.error.checkpoint"},
		{portal.CheckForm{Subject: "staff", Staff: "Anna", From: "2026-03-05", To: "2026-03-01"}, "to", "controls.check.error.period"},
		{portal.CheckForm{Subject: "staff", Staff: "Anna", From: "2020-01-01"}, "from", "controls.check.error.period_long"},
		{portal.CheckForm{Subject: "staff", Staff: "Anna", To: "1 mars"}, "to", "controls.error.date"},
	} {
		_, errs := c.f.Query(prov, now)
		if errs[c.field] == nil || errs[c.field].MsgID != c.id {
			t.Errorf("%+v: %v", c.f, errs)
		}
	}
	q, errs = portal.CheckForm{Subject: "patient", Patient: "19121212-1212"}.Query(prov, now)
	if errs != nil || q.Patient.Digits() != "191212121212" {
		t.Errorf("patient: %v", errs)
	}
}

func TestCheckCompletion(t *testing.T) {
	c := portal.CheckCompletion{Result: portal.ResultFindings, Actions: "  "}
	if errs := c.Validate(); errs["actions"] == nil {
		t.Error("findings without actions accepted")
	}
	c = portal.CheckCompletion{Result: "justified"}
	if errs := c.Validate(); errs["result"] == nil {
		t.Error("a case outcome is not a check's result")
	}
	c = portal.CheckCompletion{Result: portal.ResultNoFindings}
	if errs := c.Validate(); errs != nil {
		t.Errorf("no findings: %v", errs)
	}
}

func TestControlPermissions(t *testing.T) {
	prov := portal.HSAID("SE2321000016-P1")
	head := portal.StaffActor("SE2321000016-H1", "", portal.Grant{Provider: prov, Role: portal.RoleHeadOfUnit, Unit: "SE2321000016-U1"})
	rev := portal.StaffActor("SE2321000016-R1", "", portal.Grant{Provider: prov, Role: portal.RoleReviewer})
	clerk := portal.StaffActor("SE2321000016-C1", "", portal.Grant{Provider: prov, Role: portal.RoleClerk})
	if !portal.CanReadControls(head, prov, "SE2321000016-U1") || portal.CanReadControls(head, prov, "SE2321000016-U2") ||
		!portal.CanReadControls(rev, prov, "SE2321000016-U2") || portal.CanReadControls(clerk, prov, "SE2321000016-U1") {
		t.Error("controls: the provider's reviewers and the unit's head only")
	}
	if portal.CanCheck(head, prov) || !portal.CanCheck(rev, prov) || portal.CanCheck(rev, "SE2321000016-P2") {
		t.Error("targeted checks: the provider's reviewers only")
	}
	if portal.CanHandleRequests(rev, prov) || !portal.CanHandleRequests(clerk, prov) {
		t.Error("requests: clerks only")
	}
}
