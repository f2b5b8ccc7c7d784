package portal

import "time"

// GuardianAgeLimit is the age at which a guardian stops seeing a child's
// log through Insyn (DESIGN.md section 6): from then on the child's log is
// the child's own.
const GuardianAgeLimit = 13

// Birth is the date of birth a personnummer or samordningsnummer carries,
// at midnight UTC; false for a reserve number, which carries none.
func (p PersonalID) Birth() (time.Time, bool) {
	d := p.BirthDate()
	if len(d) != 8 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", d)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// AgeLimitDay is the day someone born on birth turns GuardianAgeLimit: the
// first day a guardian may no longer act for them. Someone born on 29
// February turns 13 on 28 February of a common year: a period counted in
// years ends on the last day of the month when the month has no such day
// (lag 1930:173 om beräkning av lagstadgad tid), which is also what
// PostgreSQL's date + interval '13 years' gives insyn_may_act_for
// (migration 00012). Go's AddDate would roll over to 1 March instead.
func AgeLimitDay(birth time.Time) time.Time {
	y, m, d := birth.Date()
	y += GuardianAgeLimit
	if last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day is t's calendar day in Sweden, at midnight UTC: the day a person
// in Insyn reads t on, comparable with AgeLimitDay.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Stockholm).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CanActFor tells whether guardian may act for child on today (any instant
// of the day; its Swedish date counts): relation must say guardian is the
// child's guardian (RelationGuardian, A is B's guardian), the child must
// carry a date of birth, birth must be it, and today must be before the
// child's thirteenth birthday. The store checks the same in SQL
// (insyn_may_act_for) on every read; this is the rule the pages explain.
func CanActFor(guardian, child PersonalID, relation RelationKind, birth, today time.Time) bool {
	if guardian.IsZero() || child.IsZero() || guardian == child || relation != RelationGuardian {
		return false
	}
	b, ok := child.Birth()
	if !ok || !b.Equal(time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)) {
		return false
	}
	return Day(today).Before(AgeLimitDay(b))
}

// ActsFor tells whether the actor is a guardian acting for a child.
func (a Actor) ActsFor() bool { return a.Kind == ActorPatient && !a.For.IsZero() }

// Subject is whose data the actor reads and changes: the child a guardian
// acts for, else the patient themselves. Reads are recorded under ID(),
// the guardian's own identity, never the child's.
func (a Actor) Subject() PersonalID {
	if a.ActsFor() {
		return a.For
	}
	return a.Patient
}

// ActingFor is the patient actor a acting for child as their guardian.
// Whether the relation holds is the store's to check, in SQL, on every read.
func (a Actor) ActingFor(child PersonalID) Actor {
	a.For = child
	return a
}
