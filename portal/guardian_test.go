package portal_test

import (
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// idBorn is a valid personnummer born on ymd ("20120229"); samordning adds
// 60 to the day.
func idBorn(t *testing.T, ymd string, samordning bool) portal.PersonalID {
	t.Helper()
	if samordning {
		d := int(ymd[6]-'0')*10 + int(ymd[7]-'0') + 60
		ymd = ymd[:6] + string(rune('0'+d/10)) + string(rune('0'+d%10))
	}
	nine := ymd[2:] + "123"
	p, err := portal.ParsePersonalID(ymd + "123" + string(portal.LuhnDigit(nine)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, portal.Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCanActForStopsOnTheThirteenthBirthday(t *testing.T) {
	guardian := idBorn(t, "19800101", false)
	cases := []struct {
		name  string
		born  string
		samo  bool
		today string
		want  bool
	}{
		{"newborn", "20260101", false, "2026-01-01 00:00", true},
		{"twelve", "20130315", false, "2025-06-01 12:00", true},
		{"the day before", "20130315", false, "2026-03-14 23:59", true},
		{"the birthday, first minute in Sweden", "20130315", false, "2026-03-15 00:00", false},
		{"the birthday", "20130315", false, "2026-03-15 12:00", false},
		{"fourteen", "20120101", false, "2026-06-01 12:00", false},
		// 29 February: 28 February of a common year is the birthday.
		{"leap born, 27 Feb of a common year", "20120229", false, "2025-02-27 12:00", true},
		{"leap born, 28 Feb of a common year", "20120229", false, "2025-02-28 00:00", false},
		{"leap born, 1 Mar of a common year", "20120229", false, "2025-03-01 12:00", false},
		// A leap day plus 13 years is never a leap year.
		{"leap born 2000, 27 Feb 2013 late", "20000229", false, "2013-02-27 23:59", true},
		{"leap born 2000, 28 Feb 2013", "20000229", false, "2013-02-28 00:00", false},
		{"leap born, turning 13 in a leap year", "20030228", false, "2016-02-28 00:00", false},
		{"samordningsnummer, twelve", "20140410", true, "2026-12-02 12:00", true},
		{"samordningsnummer, the birthday", "20130410", true, "2026-04-10 00:00", false},
	}
	for _, c := range cases {
		child := idBorn(t, c.born, c.samo)
		birth, ok := child.Birth()
		if !ok {
			t.Fatalf("%s: no birth", c.name)
		}
		if got := portal.CanActFor(guardian, child, portal.RelationGuardian, birth, day(c.today)); got != c.want {
			t.Errorf("%s: CanActFor on %s = %v, want %v", c.name, c.today, got, c.want)
		}
	}
}

// 29 Feb 2012 + 13 years: 28 Feb 2025 here, as PostgreSQL's interval
// arithmetic (insyn_may_act_for) gives it, not 1 March as AddDate would.
func TestAgeLimitDayOfALeapBirth(t *testing.T) {
	got := portal.AgeLimitDay(time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("AgeLimitDay = %v, want %v", got, want)
	}
	got = portal.AgeLimitDay(time.Date(2011, 2, 28, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("AgeLimitDay = %v, want %v", got, want)
	}
}

func TestCanActForNeedsTheGuardianRelation(t *testing.T) {
	guardian := idBorn(t, "19800101", false)
	child := idBorn(t, "20200101", false)
	birth, _ := child.Birth()
	today := day("2026-06-01 12:00")
	for _, rel := range []portal.RelationKind{portal.RelationParent, portal.RelationSibling, portal.RelationHousehold, ""} {
		if portal.CanActFor(guardian, child, rel, birth, today) {
			t.Errorf("relation %q lets a guardian act", rel)
		}
	}
	if portal.CanActFor(guardian, guardian, portal.RelationGuardian, birth, today) {
		t.Error("someone acts for themselves")
	}
	if portal.CanActFor(guardian, child, portal.RelationGuardian, birth.AddDate(0, 0, 1), today) {
		t.Error("a birth date the id does not carry is accepted")
	}
	reserve, _ := portal.ReserveID("1.2.3", "R123")
	if portal.CanActFor(guardian, reserve, portal.RelationGuardian, birth, today) {
		t.Error("a reserve number, which carries no birth date, is acted for")
	}
	if !portal.CanActFor(guardian, child, portal.RelationGuardian, birth, today) {
		t.Error("a guardian of a six-year-old may not act")
	}
}

func TestActorActingFor(t *testing.T) {
	guardian := idBorn(t, "19800101", false)
	child := idBorn(t, "20200101", false)
	a := portal.PatientActor(guardian, "").ActingFor(child)
	if a.Subject() != child || a.ID() != guardian.Digits() || !a.ActsFor() {
		t.Fatal("acting for a child: subject is the child, the reader the guardian")
	}
	if !portal.CanReadPatientEvents(a, child) || portal.CanReadPatientEvents(a, guardian) {
		t.Fatal("a guardian acting for a child reads the child's log, not their own")
	}
	if !portal.CanFlag(a, child) || portal.CanFlag(a, guardian) {
		t.Fatal("a guardian acting for a child flags for the child")
	}
	if portal.PatientActor(guardian, "").ActingFor(guardian).Validate() == nil {
		t.Fatal("acting for oneself validates")
	}
	staff := portal.StaffActor("SE2321000016-5001", "x")
	staff.For = child
	if staff.Validate() == nil {
		t.Fatal("staff acting for a child validates")
	}
}

func TestWatchQuery(t *testing.T) {
	for _, ok := range []string{"Ann", "anna berg", "  Åsa Ö  ", "Lind-Ek"} {
		if _, err := portal.WatchQuery(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "a b", "%%%%", "___", "a%", "en två tre fyra", string(make([]byte, 200)),
		"Anna" + string([]byte{0xff})} {
		if _, err := portal.WatchQuery(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	words, _ := portal.WatchQuery("ANNA  Berg%")
	if len(words) != 2 || words[0] != "anna" || words[1] != "berg" {
		t.Errorf("words %q", words)
	}
}
