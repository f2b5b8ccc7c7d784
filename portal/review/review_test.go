package review_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// pid makes the n-th Luhn-valid personal id born 1 January 1980.
func pid(t testing.TB, n int) portal.PersonalID {
	t.Helper()
	ten := fmt.Sprintf("800101%03d", n)
	sum := 0
	for i, c := range ten {
		d := int(c-'0') * (2 - i%2)
		sum += d/10 + d%10
	}
	p, err := portal.ParsePersonalID(fmt.Sprintf("19%s%d", ten, (10-sum%10)%10))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	prov = "SE2321000016-0001"
	unit = "SE2321000016-1001" // the patient's unit
	lab  = "SE2321000016-1002" // another unit of the same provider
	anna = "SE2321000016-5001"
	bo   = "SE2321000016-5002"
)

// world opens a store with one provider, two units and two staff members.
func world(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t, nil)
	exec(t, s, `INSERT INTO providers (hsa_id, name) VALUES ('`+prov+`', 'Region')`)
	exec(t, s, `INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('`+unit+`', '`+prov+`', 'Kirurgen'),
	             ('`+lab+`', '`+prov+`', 'Labbet')`)
	exec(t, s, `INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES
	             ('`+anna+`', 'Anna', 'Berg', 'sjuksköterska'), ('`+bo+`', 'Bo', 'Ek', 'sjuksköterska')`)
	return s
}

func exec(t testing.TB, s *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.DB().Exec(q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

var seq int

// access is one read of patient by actor acting for actingUnit, owned by ownerUnit.
func access(p portal.PersonalID, actor, actingUnit, ownerUnit string, at time.Time) portal.Event {
	seq++
	return portal.Event{SourceSystem: "S", SourceLogID: fmt.Sprint("ev", seq), OccurredAt: at,
		ActorHSAID: portal.HSAID(actor), ActorUnit: portal.Party{HSAID: portal.HSAID(actingUnit)},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Anteckning",
		Owner: portal.Party{HSAID: portal.HSAID(ownerUnit)}}
}

func insert(t testing.TB, s *store.Store, evs ...portal.Event) {
	t.Helper()
	if n, err := s.InsertEvents(context.Background(), evs); err != nil || n != len(evs) {
		t.Fatalf("insert: %d, %v", n, err)
	}
}

func run(t testing.TB, s *store.Store) store.ReviewRunResult {
	t.Helper()
	res, err := s.RunReview(context.Background(), store.ReviewRunOptions{}, review.Rules)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

type explanation struct {
	Explained bool    `db:"explained"`
	Kind      *string `db:"kind"`
	ByStaff   bool    `db:"by_staff"`
	Days      *int    `db:"days"`
}

// explanations maps source log id to the kept explanation.
func explanations(t testing.TB, s *store.Store) map[string]explanation {
	t.Helper()
	rows, err := s.DB().Queryx(`SELECT e.source_log_id, x.explained, x.kind, x.by_staff, x.days
		FROM event_explanation_evidence x JOIN access_events e ON e.id = x.event_id AND e.occurred_at = x.occurred_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]explanation{}
	for rows.Next() {
		var id string
		var x explanation
		if err := rows.Scan(&id, &x.Explained, &x.Kind, &x.ByStaff, &x.Days); err != nil {
			t.Fatal(err)
		}
		out[id] = x
	}
	return out
}

// extractRelations is, per event of the patient in the extract's order,
// the relation the extract explains it by ("kind unit start-in-µs
// by-staff"; "" when nothing does), read as the patient reads it.
func extractRelations(t testing.TB, s *store.Store, p portal.PersonalID) []string {
	t.Helper()
	var out []string
	_, err := s.EventsForPatient(context.Background(), portal.PatientActor(p, "Test"),
		store.ExtractQuery{Patient: p, To: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Channel: "test"},
		func(ev *store.ExtractEvent) error {
			if ev.RelationKind == "" {
				out = append(out, "")
			} else {
				out = append(out, fmt.Sprintf("%s %s %d %t", ev.RelationKind, ev.RelationUnitHSAID,
					ev.RelationStartsAt.Time.UnixMicro(), ev.RelationWithActor))
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// extractKinds is the kind of relation the extract explains each of the
// patient's events by, in its order ("" when nothing does).
func extractKinds(t testing.TB, s *store.Store, p portal.PersonalID) []string {
	t.Helper()
	var out []string
	for _, r := range extractRelations(t, s, p) {
		kind, _, _ := strings.Cut(r, " ")
		out = append(out, kind)
	}
	return out
}

func care(t testing.TB, s *store.Store, rels ...portal.CareRelation) {
	t.Helper()
	if err := s.UpsertCareRelations(context.Background(), rels); err != nil {
		t.Fatal(err)
	}
}

// TestWindows holds every kind's window edges (29, 30 and 31 days out)
// against DESIGN.md section 5 and review.Covers. Summer dates: no DST
// change inside a window, so '30 days' is 720 hours.
func TestWindows(t *testing.T) {
	s := world(t)
	day := 24 * time.Hour
	starts := time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC)
	ends := starts.Add(5 * day)
	type probe struct {
		id   string
		at   time.Time
		want bool
	}
	var evs []portal.Event
	var probes []probe
	for i, kind := range []string{review.Visit, review.Booking, review.Referral, review.Admission, review.Team} {
		for _, withEnd := range []bool{false, true} {
			p := pid(t, i*2+map[bool]int{false: 0, true: 1}[withEnd]+1)
			rel := portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareKind(kind), StartsAt: starts}
			end := time.Time{}
			if withEnd {
				rel.EndsAt, end = ends, ends
			}
			care(t, s, rel)
			last := end
			if last.IsZero() {
				last = starts
			}
			for _, d := range []int{29, 30, 31} {
				for _, at := range []time.Time{starts.Add(-time.Duration(d) * day), last.Add(time.Duration(d) * day),
					starts.Add(time.Duration(d) * day * 10)} {
					ev := access(p, anna, unit, unit, at)
					evs = append(evs, ev)
					probes = append(probes, probe{ev.SourceLogID, at, review.Covers(kind, starts, end, at)})
				}
			}
			// Hard expectations beside Covers, so Covers itself is held to the design.
			want30 := kind != review.Team
			if got := review.Covers(kind, starts, end, starts.Add(-30*day)); got != want30 {
				t.Errorf("%s end=%v: 30 days before = %v", kind, withEnd, got)
			}
			if review.Covers(kind, starts, end, starts.Add(-31*day)) {
				t.Errorf("%s: 31 days before covered", kind)
			}
			openLate := kind == review.Team || kind == review.Admission
			if got := review.Covers(kind, starts, end, starts.Add(300*day)); got != (openLate && !withEnd) {
				t.Errorf("%s end=%v: 300 days after = %v", kind, withEnd, got)
			}
		}
	}
	insert(t, s, evs...)
	res := run(t, s)
	if res.Events != int64(len(evs)) {
		t.Fatalf("run explained %d of %d events", res.Events, len(evs))
	}
	got := explanations(t, s)
	explained := 0
	for _, p := range probes {
		x, ok := got[p.id]
		if !ok {
			t.Fatalf("%s: no explanation kept", p.id)
		}
		if x.Explained != p.want {
			t.Errorf("%s at %s: explained %v, want %v", p.id, p.at, x.Explained, p.want)
		}
		if x.Explained {
			explained++
			if x.Days == nil || *x.Days != int(p.at.Sub(starts).Hours()/24) && *x.Days != int(p.at.Sub(starts).Hours()/24)-1 {
				t.Errorf("%s: days %v from a start %s away", p.id, x.Days, p.at.Sub(starts))
			}
		}
	}
	if res.Explained != int64(explained) || explained == 0 || explained == len(probes) {
		t.Errorf("run says %d explained, the table %d of %d", res.Explained, explained, len(probes))
	}
}

// TestWindowsAcrossSummerTime holds the SQL window to review.Covers in a
// session in Swedish time, where '30 days' would be 719 or 721 hours when
// the window spans a change to or from summer time (26 October 2025, 29
// March 2026): the window is 720 hours either way (migration 00022), the
// same in every session's time zone.
func TestWindowsAcrossSummerTime(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	conn, err := s.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET TimeZone = 'Europe/Stockholm'`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `RESET TimeZone`)
	for _, starts := range []time.Time{time.Date(2025, 10, 10, 8, 0, 0, 0, time.UTC),
		time.Date(2025, 11, 10, 8, 0, 0, 0, time.UTC), time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC)} {
		for _, kind := range []string{review.Visit, review.Admission, review.Team} {
			for _, ends := range []time.Time{{}, starts.Add(48 * time.Hour)} {
				last := ends
				if last.IsZero() {
					last = starts
				}
				for _, off := range []time.Duration{-time.Hour, -time.Minute, 0, time.Minute, time.Hour} {
					for _, at := range []time.Time{starts.Add(-review.Margin + off), starts.Add(off),
						last.Add(review.Margin + off), last.Add(off)} {
						var end any
						if !ends.IsZero() {
							end = ends
						}
						var got bool
						if err := conn.GetContext(ctx, &got, `SELECT insyn_care_covers($1, $2, $3, $4)`,
							kind, starts, end, at); err != nil {
							t.Fatal(err)
						}
						if want := review.Covers(kind, starts, ends, at); got != want {
							t.Errorf("%s from %s to %v, access at %s: SQL %v, Go %v", kind, starts, ends, at, got, want)
						}
					}
				}
			}
		}
	}
}

// TestActingUnitAndStaff: the acting unit explains, not the owning one
// (coherent record keeping); a relation naming the actor explains wherever
// they act, and is preferred.
func TestActingUnitAndStaff(t *testing.T) {
	s := world(t)
	p := pid(t, 1)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	care(t, s, portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at},
		portal.CareRelation{PersonalID: pid(t, 2), UnitHSAID: unit, StaffHSAID: bo, Kind: portal.CareTeam,
			StartsAt: at.Add(-100 * 24 * time.Hour)})
	acting := access(p, anna, unit, lab, at)        // the patient's unit reads the lab's records
	owning := access(p, anna, lab, unit, at)        // the lab reads the unit's records
	named := access(pid(t, 2), bo, lab, lab, at)    // Bo, named in the team, acting at the lab
	other := access(pid(t, 2), anna, lab, unit, at) // Anna is not named, the lab has no relation
	insert(t, s, acting, owning, named, other)
	run(t, s)
	got := explanations(t, s)
	if !got[acting.SourceLogID].Explained || got[owning.SourceLogID].Explained {
		t.Errorf("acting %+v, owning %+v", got[acting.SourceLogID], got[owning.SourceLogID])
	}
	if x := got[named.SourceLogID]; !x.Explained || !x.ByStaff || *x.Kind != "team" {
		t.Errorf("named %+v", x)
	}
	if got[other.SourceLogID].Explained {
		t.Errorf("unnamed staff at a unit without relation explained")
	}
}

// TestLateCareImport: importing a relation after the run explains the
// events it covers, at once, and the extract reads that same explanation.
func TestLateCareImport(t *testing.T) {
	s := world(t)
	p := pid(t, 3)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	ev := access(p, anna, unit, unit, at)
	far := access(p, anna, unit, unit, at.Add(90*24*time.Hour))
	insert(t, s, ev, far)
	if res := run(t, s); res.Explained != 0 || res.Events != 2 {
		t.Fatalf("before the import: %+v", res)
	}
	care(t, s, portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at.Add(-3 * 24 * time.Hour)})
	got := explanations(t, s)
	if x := got[ev.SourceLogID]; !x.Explained || *x.Kind != "visit" || *x.Days != 3 {
		t.Errorf("after the import: %+v", x)
	}
	if got[far.SourceLogID].Explained {
		t.Error("an event 87 days after the visit explained")
	}
	// The extract's reading.
	if kinds := extractKinds(t, s, p); len(kinds) != 2 || kinds[0] != "visit" || kinds[1] != "" {
		t.Errorf("the extract explains by %q", kinds)
	}
	if res := run(t, s); res.Events != 0 {
		t.Errorf("a run after the import re-explains %d events", res.Events)
	}
}

// TestIncremental: a second run finds nothing; one more day of events is
// all the next run reads; a batch still being written waits for its end.
func TestIncremental(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	var day1 []portal.Event
	for i := range 20 {
		day1 = append(day1, access(pid(t, i+1), anna, unit, unit, at.Add(time.Duration(i)*time.Minute)))
	}
	insert(t, s, day1...)
	if res := run(t, s); res.Events != 20 {
		t.Fatalf("first run: %+v", res)
	}
	if res := run(t, s); res.Events != 0 || res.Hits != 0 {
		t.Fatalf("second run: %+v", res)
	}
	// A batch in progress: its committed events wait for the batch's end.
	batch, err := s.BeginBatch(ctx, "ingest", "slow")
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.NewEventWriter(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	slow := access(pid(t, 50), anna, unit, unit, at.Add(24*time.Hour))
	if _, err := w.Write(ctx, []store.IngestRecord{{LogRecord: portal.LogRecord{Event: slow, Raw: []byte(`{}`), Index: 1}, Format: "internal"}}); err != nil {
		t.Fatal(err)
	}
	insert(t, s, access(pid(t, 51), anna, unit, unit, at.Add(24*time.Hour)))
	if res := run(t, s); res.Events != 1 {
		t.Fatalf("run beside a running batch: %+v", res)
	}
	if err := s.FinishBatch(ctx, batch, false); err != nil {
		t.Fatal(err)
	}
	if res := run(t, s); res.Events != 1 {
		t.Fatalf("run after the batch ended: %+v", res)
	}
	// A ranged run over reviewed days finds nothing either.
	res, err := s.RunReview(ctx, store.ReviewRunOptions{From: at.Add(-time.Hour), To: at.Add(48 * time.Hour)}, review.Rules)
	if err != nil || res.Events != 0 {
		t.Fatalf("ranged run: %+v, %v", res, err)
	}
}

// TestConcurrentRuns: two runs at once count every event once.
func TestConcurrentRuns(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	var evs []portal.Event
	for i := range 200 {
		evs = append(evs, access(pid(t, i%50+1), anna, unit, unit, at.Add(time.Duration(i)*time.Minute)))
	}
	insert(t, s, evs...)
	var wg sync.WaitGroup
	results := make([]store.ReviewRunResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i], errs[i] = s.RunReview(context.Background(), store.ReviewRunOptions{}, review.Rules)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := results[0].Events + results[1].Events; n != 200 {
		t.Errorf("two runs counted %d + %d events", results[0].Events, results[1].Events)
	}
	var kept int
	if err := s.DB().Get(&kept, `SELECT count(*) FROM access_events e JOIN review_batches b ON b.batch_id = e.batch_id`); err != nil || kept != 200 {
		t.Errorf("kept %d, %v", kept, err)
	}
	// NoWait while another transaction holds the lock: skipped, and says so.
	tx := s.DB().MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SELECT pg_advisory_xact_lock(hashtext('insyn_review'))`)
	if _, err := s.RunReview(context.Background(), store.ReviewRunOptions{NoWait: true}, review.Rules); err != store.ErrReviewBusy {
		t.Errorf("NoWait beside a run: %v", err)
	}
}
