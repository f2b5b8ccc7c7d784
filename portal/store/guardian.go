package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
)

// A guardian acting for a child under 13 (DESIGN.md section 6). The child
// a session acts for is kept at our side (guardian_sessions); every scoped
// read checks insyn_may_act_for (migration 00012) in its own statement, so
// a child who turned 13 since the switch, or a relation removed by an
// import, grants nothing even to a page that forgot to ask.

const (
	// qChildren lists the people relations name the guardian's children
	// (kind guardian, A is B's guardian) with whether the guardian may act
	// for them today: the switch offers those who may and explains the
	// others (13 or older).
	qChildren = `
SELECT r.personal_id_b AS personal_id, COALESCE(p.id_kind, '') AS id_kind,
       COALESCE(p.given_name, '') AS given_name, COALESCE(p.family_name, '') AS family_name,
       insyn_birth_date(r.personal_id_b) AS born,
       insyn_may_act_for(r.personal_id_a, r.personal_id_b, COALESCE(p.id_kind, 'personnummer'), $2::date) AS may
FROM relations r
LEFT JOIN patients p ON p.personal_id = r.personal_id_b AND p.id_kind IN ('personnummer', 'samordningsnummer')
WHERE r.personal_id_a = $1 AND r.kind = 'guardian' AND r.personal_id_b <> r.personal_id_a
  AND insyn_birth_date(r.personal_id_b) IS NOT NULL
  AND insyn_birth_date(r.personal_id_b) > $2::date - interval '18 years'
ORDER BY born DESC, r.personal_id_b`

	// qStartActing records the switch only when the guardian may act for
	// the child today: the check is the statement's, not the caller's.
	qStartActing = `
INSERT INTO guardian_sessions (session_key, guardian_id, child_id, child_kind, child_root, started_at)
SELECT $1, $2, $3, $4, $5, $6
WHERE insyn_may_act_for($2, $3, $4, $7::date)
ON CONFLICT (session_key) DO UPDATE SET guardian_id = EXCLUDED.guardian_id, child_id = EXCLUDED.child_id,
    child_kind = EXCLUDED.child_kind, child_root = EXCLUDED.child_root, started_at = EXCLUDED.started_at`

	qStopActing = `DELETE FROM guardian_sessions WHERE session_key = $1`

	// Rows older than a session can live belong to no session.
	qSweepActing = `DELETE FROM guardian_sessions WHERE started_at < $1`

	qActing = `
SELECT g.child_id, g.child_kind, g.child_root,
       COALESCE(p.given_name, '') AS given_name, COALESCE(p.family_name, '') AS family_name,
       insyn_may_act_for(g.guardian_id, g.child_id, g.child_kind, $3::date) AS may
FROM guardian_sessions g
LEFT JOIN patients p ON p.personal_id = g.child_id AND p.id_kind = g.child_kind
WHERE g.session_key = $1 AND g.guardian_id = $2`

	qMayActFor = `SELECT insyn_may_act_for($1, $2, $3, $4::date)`
)

// sessionLife bounds a guardian_sessions row: no session outlives it
// (auth.AbsoluteTimeout is 12 hours).
const sessionLife = 24 * time.Hour

// today is the Swedish date now, as insyn_may_act_for takes it.
func (s *Store) today() string { return portal.Day(s.clock.Now()).Format(time.DateOnly) }

// guardianID is the guardian's digits when actor acts for a child, else
// "" (insyn_may_act_for is then true).
func guardianID(actor portal.Actor) string {
	if actor.ActsFor() {
		return actor.Patient.Digits()
	}
	return ""
}

// mayActFor checks in SQL that actor, if they act for a child, still may:
// NotFound otherwise, as any patient the reader may not read.
func (s *Store) mayActFor(ctx context.Context, actor portal.Actor) error {
	if !actor.ActsFor() {
		return nil
	}
	var ok bool
	if err := s.db.GetContext(ctx, &ok, qMayActFor, actor.Patient.Digits(), actor.For.Digits(),
		string(actor.For.Kind()), s.today()); err != nil {
		return fmt.Errorf("store: guardian check: %w", err)
	}
	if !ok {
		return unknownPatient()
	}
	return nil
}

// Child is one of a guardian's children as the switch lists them.
type Child struct {
	ID      portal.PersonalID
	Name    string
	Born    time.Time
	MayAct  bool      // under 13 today: the guardian may switch to them
	Turns13 time.Time // the day the guardian's access ends (or ended)
}

// Children lists the guardian's children under 18 (relations kind
// guardian), youngest first, with whether the guardian may act for each
// today. Only a patient acting for themselves has children here.
func (s *Store) Children(ctx context.Context, guardian portal.Actor) ([]Child, error) {
	if guardian.Kind != portal.ActorPatient || guardian.Validate() != nil {
		return nil, nil
	}
	var rows []struct {
		ID     string    `db:"personal_id"`
		Kind   string    `db:"id_kind"`
		Given  string    `db:"given_name"`
		Family string    `db:"family_name"`
		Born   time.Time `db:"born"`
		May    bool      `db:"may"`
	}
	if err := s.db.SelectContext(ctx, &rows, qChildren, guardian.Patient.Digits(), s.today()); err != nil {
		return nil, fmt.Errorf("store: children: %w", err)
	}
	out := make([]Child, 0, len(rows))
	for _, r := range rows {
		id, err := portal.ParsePersonalID(r.ID)
		if err != nil {
			continue // a reserve number carries no age: never acted for
		}
		born := time.Date(r.Born.Year(), r.Born.Month(), r.Born.Day(), 0, 0, 0, 0, time.UTC)
		out = append(out, Child{ID: id, Name: extractJoinName(r.Given, r.Family), Born: born, MayAct: r.May,
			Turns13: portal.AgeLimitDay(born)})
	}
	return out, nil
}

// StartActingFor makes the session (named by sessionKey, 32 bytes) act for
// child, if the guardian may act for them today; NotFound otherwise (a
// child of 13, another family's child, an adult relative alike).
func (s *Store) StartActingFor(ctx context.Context, guardian portal.Actor, sessionKey []byte, child portal.PersonalID) error {
	if guardian.Kind != portal.ActorPatient || guardian.Validate() != nil || child.IsZero() || len(sessionKey) != 32 {
		return unknownPatient()
	}
	now := s.clock.Now()
	if _, err := s.db.ExecContext(ctx, qSweepActing, now.Add(-sessionLife)); err != nil {
		return fmt.Errorf("store: guardian sessions: %w", err)
	}
	r, err := s.db.ExecContext(ctx, qStartActing, sessionKey, guardian.Patient.Digits(), child.Digits(),
		string(child.Kind()), child.Root(), now, s.today())
	if err != nil {
		return fmt.Errorf("store: act for child: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return unknownPatient()
	}
	return nil
}

// StopActingFor returns the session to the guardian's own portal.
func (s *Store) StopActingFor(ctx context.Context, sessionKey []byte) error {
	if _, err := s.db.ExecContext(ctx, qStopActing, sessionKey); err != nil {
		return fmt.Errorf("store: stop acting: %w", err)
	}
	return nil
}

// Acting is the child a session acts for.
type Acting struct {
	Child portal.PersonalID
	Name  string
	// Ended: the session acted for the child but may no longer (the child
	// turned 13, or the relation is gone). The row stays until the guardian
	// acknowledges it (StopActingFor, a POST): reading a page changes nothing.
	Ended bool
}

// ActingFor finds the child the guardian's session acts for: ok false when
// it acts for no one. A switch that no longer holds is reported Ended, so
// the page can say why; it grants nothing.
func (s *Store) ActingFor(ctx context.Context, guardian portal.PersonalID, sessionKey []byte) (Acting, bool, error) {
	var r struct {
		ID     string `db:"child_id"`
		Kind   string `db:"child_kind"`
		Root   string `db:"child_root"`
		Given  string `db:"given_name"`
		Family string `db:"family_name"`
		May    bool   `db:"may"`
	}
	err := s.db.GetContext(ctx, &r, qActing, sessionKey, guardian.Digits(), s.today())
	if errors.Is(err, sql.ErrNoRows) {
		return Acting{}, false, nil
	}
	if err != nil {
		return Acting{}, false, fmt.Errorf("store: acting for: %w", err)
	}
	return Acting{Child: portal.PersonalIDFromDB(r.ID, portal.IDKind(r.Kind), r.Root), Name: extractJoinName(r.Given, r.Family),
		Ended: !r.May}, true, nil
}
