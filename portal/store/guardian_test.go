package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// family: Greta is guardian of Kim (10) and Tess (13 on 2026-03-31) and
// parent of Olle (30, whom a stale guardian row also names); Lo (8) is
// another family's child, Hugo's. Each child has one access.
type family struct {
	s                          *store.Store
	clock                      *portal.FixedClock
	greta, kim, tess, olle, lo portal.PersonalID
	hugo                       portal.PersonalID
}

func newFamily(t *testing.T) family {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)}
	f := family{s: storetest.Open(t, clock), clock: clock,
		greta: pnr(t, "19850505", "124"), kim: pnr(t, "20160401", "123"), tess: pnr(t, "20130331", "122"),
		olle: pnr(t, "19960101", "121"), lo: pnr(t, "20180101", "120"), hugo: pnr(t, "19800101", "125")}
	ins := func(q string, args ...any) {
		if _, err := f.s.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	ins(`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`)
	ins(`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken')`)
	for _, p := range []struct {
		id   portal.PersonalID
		name string
	}{{f.greta, "Greta"}, {f.kim, "Kim"}, {f.tess, "Tess"}, {f.olle, "Olle"}, {f.lo, "Lo"}, {f.hugo, "Hugo"}} {
		ins(`INSERT INTO patients (personal_id, given_name, family_name) VALUES ($1, $2, 'Ek')`, p.id.Digits(), p.name)
	}
	for _, r := range []struct {
		a, b portal.PersonalID
		kind string
	}{{f.greta, f.kim, "guardian"}, {f.greta, f.tess, "guardian"}, {f.greta, f.olle, "parent"},
		{f.greta, f.olle, "guardian"}, {f.hugo, f.lo, "guardian"}, {f.kim, f.greta, "child"}} {
		ins(`INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, $3)`, r.a.Digits(), r.b.Digits(), r.kind)
	}
	var evs []portal.Event
	for i, p := range []portal.PersonalID{f.kim, f.tess, f.olle, f.lo, f.greta} {
		evs = append(evs, portal.Event{SourceSystem: "S", SourceLogID: p.Digits(),
			OccurredAt: time.Date(2026, 3, 2+i, 9, 0, 0, 0, portal.Stockholm), ActorHSAID: "SE2321000016-5001",
			ActorProvider: portal.Party{HSAID: region}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"})
	}
	if _, err := f.s.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f family) read(t *testing.T, a portal.Actor, p portal.PersonalID) (int, error) {
	t.Helper()
	return f.s.EventsForPatient(context.Background(), a, store.ExtractQuery{Patient: p,
		To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Channel: "web_history"}, func(*store.ExtractEvent) error { return nil })
}

func TestGuardianReadsOnlyOwnChildrenUnder13(t *testing.T) {
	f := newFamily(t)
	ctx := context.Background()
	g := portal.PatientActor(f.greta, "")
	if n, err := f.read(t, g.ActingFor(f.kim), f.kim); err != nil || n != 1 {
		t.Fatalf("Greta reads Kim's log: %d %v", n, err)
	}
	var reader, patient, channel string
	if err := f.s.DB().QueryRow(`SELECT reader_id, patient_id, channel FROM log_reads ORDER BY id DESC LIMIT 1`).
		Scan(&reader, &patient, &channel); err != nil {
		t.Fatal(err)
	}
	if reader != f.greta.Digits() || patient != f.kim.Digits() || channel != "web_history:guardian" {
		t.Fatalf("the read is recorded as %s of %s on %s, want Greta's of Kim's", reader, patient, channel)
	}
	// Tess turned 13 today, Lo is another family's, Olle is an adult
	// (even with a stale guardian row): not found, in Go and in SQL alone.
	for name, child := range map[string]portal.PersonalID{"Tess (13)": f.tess, "Lo (another family)": f.lo, "Olle (adult)": f.olle} {
		a := g.ActingFor(child)
		if n, err := f.read(t, a, child); portal.ErrorCode(err) != portal.NotFound || n != 0 {
			t.Errorf("%s: read %d, %v", name, n, err)
		}
		if _, err := f.s.ExtractSubject(ctx, a, child, ""); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s: subject %v", name, err)
		}
		if n, err := store.StreamInScope(ctx, f.s, a, child, func(*store.ExtractEvent) error { return nil }); err != nil || n != 0 {
			t.Errorf("%s: the SQL scope alone lets %d events through (%v)", name, n, err)
		}
		if err := f.s.StartActingFor(ctx, g, key("s1"), child); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s: switch %v", name, err)
		}
	}
	// Acting for Kim, Greta reads neither her own log nor Tess's.
	if n, err := f.read(t, g.ActingFor(f.kim), f.greta); err == nil || n != 0 {
		t.Errorf("acting for Kim, Greta reads her own log: %d", n)
	}
	if n, err := store.StreamInScope(ctx, f.s, g.ActingFor(f.kim), f.tess, func(*store.ExtractEvent) error { return nil }); n != 0 || err != nil {
		t.Errorf("acting for Kim, the SQL lets Tess's events through: %d %v", n, err)
	}
	// Kim is no guardian of Greta, whatever a "child" row says.
	if n, _ := f.read(t, portal.PatientActor(f.kim, "").ActingFor(f.greta), f.greta); n != 0 {
		t.Error("a child reads their parent's log")
	}
}

func key(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func TestGuardianSwitchEndsTheDayTheChildTurns13(t *testing.T) {
	f := newFamily(t)
	ctx := context.Background()
	g := portal.PatientActor(f.greta, "")
	kids, err := f.s.Children(ctx, g)
	if err != nil || len(kids) != 2 {
		t.Fatalf("Greta's children: %+v %v", kids, err)
	}
	if kids[0].ID != f.kim || !kids[0].MayAct || kids[0].Name != "Kim Ek" ||
		kids[1].ID != f.tess || kids[1].MayAct || !kids[1].Turns13.Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("children: %+v", kids)
	}
	if kids, _ := f.s.Children(ctx, portal.PatientActor(f.hugo, "")); len(kids) != 1 || kids[0].ID != f.lo {
		t.Fatalf("Hugo's children: %+v", kids)
	}
	if err := f.s.StartActingFor(ctx, g, key("s1"), f.kim); err != nil {
		t.Fatal(err)
	}
	// Another session (Hugo's, or Greta's other browser) does not act for Kim.
	if _, ok, _ := f.s.ActingFor(ctx, f.hugo, key("s1")); ok {
		t.Fatal("Hugo's id finds Greta's switch")
	}
	if _, ok, _ := f.s.ActingFor(ctx, f.greta, key("s2")); ok {
		t.Fatal("another session acts for Kim")
	}
	a, ok, err := f.s.ActingFor(ctx, f.greta, key("s1"))
	if err != nil || !ok || a.Child != f.kim || a.Ended || a.Name != "Kim Ek" {
		t.Fatalf("acting: %+v %v %v", a, ok, err)
	}
	// Kim turns 13 on 2029-04-01 (Stockholm): the day before, still; that day, no more.
	f.clock.T = time.Date(2029, 3, 31, 23, 59, 0, 0, portal.Stockholm)
	if a, ok, _ := f.s.ActingFor(ctx, f.greta, key("s1")); !ok || a.Ended {
		t.Fatal("the day before the birthday the switch ended")
	}
	f.clock.T = time.Date(2029, 4, 1, 0, 0, 0, 0, portal.Stockholm)
	if n, err := f.read(t, g.ActingFor(f.kim), f.kim); portal.ErrorCode(err) != portal.NotFound || n != 0 {
		t.Fatalf("on Kim's 13th birthday Greta still reads: %d %v", n, err)
	}
	a, ok, _ = f.s.ActingFor(ctx, f.greta, key("s1"))
	if !ok || !a.Ended {
		t.Fatalf("the switch did not end: %+v", a)
	}
	// Until the guardian acknowledges it; reading changes nothing.
	if err := f.s.StopActingFor(ctx, key("s1")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.s.ActingFor(ctx, f.greta, key("s1")); ok {
		t.Fatal("a switch outlives going back")
	}
}

func TestGuardianFlagsAndWatchesForTheChild(t *testing.T) {
	f := newFamily(t)
	ctx := context.Background()
	if _, err := f.s.DB().Exec(`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-5001', 'Anna', 'Berg', 'Läkare')`); err != nil {
		t.Fatal(err)
	}
	var kimEvent, tessEvent int64
	f.s.DB().Get(&kimEvent, `SELECT id FROM access_events WHERE patient_id = $1`, f.kim.Digits())
	f.s.DB().Get(&tessEvent, `SELECT id FROM access_events WHERE patient_id = $1`, f.tess.Digits())
	g := portal.PatientActor(f.greta, "")
	cs, err := f.s.FileFlag(ctx, g.ActingFor(f.kim), portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{kimEvent}})
	if err != nil || len(cs) != 1 || cs[0].Patient != f.kim {
		t.Fatalf("flag for Kim: %+v %v", cs, err)
	}
	if fl, err := f.s.FlagsForPatient(ctx, g.ActingFor(f.kim)); err != nil || len(fl) != 1 {
		t.Fatalf("Kim's flags as Greta sees them: %+v %v", fl, err)
	}
	if fl, _ := f.s.FlagsForPatient(ctx, g); len(fl) != 0 {
		t.Fatalf("Kim's flag among Greta's own: %+v", fl)
	}
	if _, err := f.s.FileFlag(ctx, g.ActingFor(f.tess), portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{tessEvent}}); err == nil {
		t.Fatal("Greta flags for Tess, who is 13")
	}
	if _, err := f.s.Case(ctx, g.ActingFor(f.tess), cs[0].Key); portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("Kim's case through Tess: %v", err)
	}
	var actor string
	f.s.DB().Get(&actor, `SELECT actor_id FROM case_timeline ORDER BY id LIMIT 1`)
	if actor != f.greta.Digits() {
		t.Fatalf("the flag is recorded as %q's", actor)
	}
	if err := f.s.AddWatch(ctx, g.ActingFor(f.kim), "SE2321000016-5001"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddWatch(ctx, g.ActingFor(f.tess), "SE2321000016-5001"); portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("Greta watches for Tess: %v", err)
	}
	if l, _ := f.s.Watchlist(ctx, g); len(l) != 0 {
		t.Fatalf("Kim's watchlist is Greta's own: %+v", l)
	}
	if l, _ := f.s.Watchlist(ctx, g.ActingFor(f.kim)); len(l) != 1 {
		t.Fatalf("Kim's watchlist: %+v", l)
	}
}

// TestRecordReadChecksLikeARead: a view shown again from what was built
// (store.RecordRead) passes the same checks as reading the events and is
// recorded with the rows it shows; a refused one records nothing.
func TestRecordReadChecksLikeARead(t *testing.T) {
	f := newFamily(t)
	ctx := context.Background()
	g := portal.PatientActor(f.greta, "")
	q := func(p portal.PersonalID) store.ExtractQuery {
		return store.ExtractQuery{Patient: p, To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Channel: "web_history"}
	}
	count := func() (n int) {
		if err := f.s.DB().Get(&n, `SELECT count(*) FROM log_reads`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := f.s.RecordRead(ctx, g.ActingFor(f.kim), q(f.kim), 7); err != nil {
		t.Fatal(err)
	}
	var reader, patient, channel string
	var rows int
	if err := f.s.DB().QueryRow(`SELECT reader_id, patient_id, channel, rows FROM log_reads ORDER BY id DESC LIMIT 1`).
		Scan(&reader, &patient, &channel, &rows); err != nil {
		t.Fatal(err)
	}
	if reader != f.greta.Digits() || patient != f.kim.Digits() || channel != "web_history:guardian" || rows != 7 {
		t.Fatalf("recorded %s of %s on %s with %d rows", reader, patient, channel, rows)
	}
	before := count()
	for name, c := range map[string]struct {
		a portal.Actor
		p portal.PersonalID
	}{"Tess, 13 today": {g.ActingFor(f.tess), f.tess}, "another patient's log": {portal.PatientActor(f.hugo, ""), f.greta},
		"Lo, another family's": {g.ActingFor(f.lo), f.lo}} {
		if err := f.s.RecordRead(ctx, c.a, q(c.p), 1); portal.ErrorCode(err) != portal.NotFound {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := count(); n != before {
		t.Errorf("refused views recorded %d reads", n-before)
	}
}

// TestDataGenerationMoves: each write a history is built from moves the
// number; a read and a write elsewhere do not.
func TestDataGenerationMoves(t *testing.T) {
	f := newFamily(t)
	ctx := context.Background()
	gen := func() int64 {
		g, err := f.s.DataGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g0 := gen()
	if _, err := f.read(t, portal.PatientActor(f.greta, ""), f.greta); err != nil {
		t.Fatal(err)
	}
	if err := f.s.StartActingFor(ctx, portal.PatientActor(f.greta, ""), key("s1"), f.kim); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != g0 {
		t.Fatalf("a read and a guardian's switch moved the generation from %d to %d", g0, g)
	}
	for _, w := range []string{
		`UPDATE staff SET title = 'Läkare' WHERE hsa_id = 'SE2321000016-5001'`,
		`UPDATE units SET name = 'VC Ängsbacken' WHERE hsa_id = 'SE2321000016-1001'`,
		`UPDATE providers SET name = 'Region Exempel' WHERE hsa_id = 'SE2321000016-0001'`,
		`UPDATE patients SET given_name = 'Greta' WHERE given_name = 'Greta'`,
		`INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at) VALUES ('191212121212', 'SE2321000016-1001', '', 'visit', now())`,
		`UPDATE access_events SET actor_title = 'x' WHERE false`,
	} {
		before := gen()
		if _, err := f.s.DB().Exec(w); err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		if g := gen(); g <= before {
			t.Errorf("%s left the generation at %d", w, g)
		}
	}
}
