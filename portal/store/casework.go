package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The reviewer's work on a case beyond status, notes and decisions
// (case.go): assigning it, asking a head of unit for a statement and the
// head's answer, the patient's identity on demand and the actor's other
// activity on the case's days. Every read is scoped to the actor in SQL.
const (
	qReviewersOf = `
SELECT r.staff_hsa_id,
       CASE WHEN s.protected_identity THEN '' ELSE btrim(s.given_name || ' ' || s.family_name) END AS name
FROM staff_roles r JOIN staff s ON s.hsa_id = r.staff_hsa_id
WHERE r.provider_hsa_id = $1 AND r.role = 'reviewer'
ORDER BY name, r.staff_hsa_id`

	// qCaseUnits are the units a case's accesses were made for (or its
	// sample drew), each with whether the provider has a head for it.
	qCaseUnits = `
WITH cu AS (
    SELECT e.actor_unit_hsa_id AS hsa_id, max(e.actor_unit_name) AS log_name
    FROM case_events ce JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
    WHERE ce.case_id = $1 AND e.actor_unit_hsa_id <> ''
    GROUP BY e.actor_unit_hsa_id
    UNION
    SELECT sm.unit_hsa_id, '' FROM cases c JOIN samples sm ON sm.id = c.sample_id WHERE c.id = $1)
SELECT cu.hsa_id, COALESCE(NULLIF(u.name, ''), NULLIF(max(cu.log_name), ''), cu.hsa_id) AS name,
       EXISTS (SELECT 1 FROM staff_roles r JOIN cases c ON c.id = $1
               WHERE r.role = 'head_of_unit' AND r.unit_hsa_id = cu.hsa_id AND r.provider_hsa_id = c.provider_hsa_id) AS has_head
FROM cu LEFT JOIN units u ON u.hsa_id = cu.hsa_id
GROUP BY cu.hsa_id, u.name
ORDER BY name`

	qInsertStatement = `
INSERT INTO case_statements (key, case_id, unit_hsa_id, requested_by, requested_at, question)
VALUES ($1, $2, $3, $4, $5, $6)`

	qCaseStatements = `
SELECT st.key, st.unit_hsa_id, COALESCE(NULLIF(u.name, ''), st.unit_hsa_id) AS unit_name, st.question, st.requested_at,
       COALESCE((SELECT btrim(s.given_name || ' ' || s.family_name) FROM staff s WHERE s.hsa_id = st.requested_by), st.requested_by) AS requested_by,
       COALESCE(st.answer, '') AS answer, st.answered_at,
       COALESCE((SELECT btrim(s.given_name || ' ' || s.family_name) FROM staff s WHERE s.hsa_id = st.answered_by), st.answered_by, '') AS answered_by,
       c.number AS case_number, COALESCE(c.narrative_sv, '') AS narrative_sv, COALESCE(c.narrative_en, '') AS narrative_en,
       c.status AS case_status
FROM case_statements st
JOIN cases c ON c.id = st.case_id
LEFT JOIN units u ON u.hsa_id = st.unit_hsa_id`

	// qHeadScope lets a statement through to the head of its unit at the
	// case's provider only, by the roles as they are now.
	qHeadScope = `
JOIN staff_roles r ON r.staff_hsa_id = $1 AND r.role = 'head_of_unit' AND r.unit_hsa_id = st.unit_hsa_id
                  AND r.provider_hsa_id = c.provider_hsa_id`

	qStatementsOfCase = qCaseStatements + ` WHERE st.case_id = $1 ORDER BY st.requested_at, st.id`

	qStatementsForHead = qCaseStatements + qHeadScope + `
ORDER BY (st.answered_at IS NULL) DESC, st.requested_at DESC, st.id DESC
LIMIT 200`

	qStatementForAnswer = `
SELECT st.id, c.key AS case_key, (st.answered_at IS NOT NULL) AS answered
FROM case_statements st JOIN cases c ON c.id = st.case_id` + qHeadScope + `
WHERE st.key = $2
FOR UPDATE OF st`

	qOtherOpenStatements = `SELECT count(*) FROM case_statements WHERE case_id = $1 AND id <> $2 AND answered_at IS NULL`

	qAnswerStatement = `UPDATE case_statements SET answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1`

	qCasePatient = `
SELECT COALESCE(btrim(p.given_name || ' ' || p.family_name), '') AS name, COALESCE(p.protected_identity, false) AS protected
FROM cases c LEFT JOIN patients p ON p.personal_id = c.patient_id AND p.id_kind = c.patient_id_kind
WHERE c.id = $1`

	qRecordIdentityRead = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, provider_hsa_id, rows)
VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`

	// qStaffDay is the rest of the actor's accesses on the case's days
	// (Stockholm days) for the case's provider: what else they did.
	qStaffDay = `
WITH days AS (
    SELECT DISTINCT date_trunc('day', ce.occurred_at AT TIME ZONE 'Europe/Stockholm') AS d
    FROM case_events ce WHERE ce.case_id = $1)
SELECT e.id, e.occurred_at, COALESCE(NULLIF(u.name, ''), e.actor_unit_name) AS unit_name,
       e.activity, e.purpose, e.resource_type, (e.emergency OR e.activity = 'emergency') AS emergency,
       e.patient_id, e.patient_id_kind, (x.relation_id IS NOT NULL) AS explained
FROM days
JOIN access_events e ON e.actor_hsa_id = $2
     AND e.occurred_at >= (days.d AT TIME ZONE 'Europe/Stockholm')
     AND e.occurred_at < ((days.d + interval '1 day') AT TIME ZONE 'Europe/Stockholm')
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) x ON true
WHERE COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') = $3
  AND NOT EXISTS (SELECT 1 FROM case_events ce WHERE ce.case_id = $1 AND ce.event_id = e.id)
ORDER BY e.occurred_at, e.id
LIMIT $4`

	qRecordDayRead = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, provider_hsa_id, rows)
SELECT $2, $3, $4, $5, e.patient_id, $6, $7, count(*)
FROM access_events e WHERE e.id = ANY($1)
GROUP BY e.patient_id`
)

// StaffOption is a member of staff a form offers (an assignee).
type StaffOption struct {
	HSAID portal.HSAID `db:"staff_hsa_id"`
	Name  string       `db:"name"`
}

// Reviewers lists the reviewers of provider, for assigning a case; only a
// reviewer of that provider may ask.
func (s *Store) Reviewers(ctx context.Context, actor portal.Actor, provider portal.HSAID) ([]StaffOption, error) {
	if !actor.Has(portal.RoleReviewer, provider) {
		return nil, fmt.Errorf("store: reviewers: %w", portal.ErrNotFound)
	}
	var out []StaffOption
	if err := s.db.SelectContext(ctx, &out, qReviewersOf, string(provider)); err != nil {
		return nil, fmt.Errorf("store: reviewers: %w", err)
	}
	return out, nil
}

// AssignCase gives a case to a reviewer of its provider.
func (s *Store) AssignCase(ctx context.Context, actor portal.Actor, key string, to portal.HSAID) (portal.Case, error) {
	assignee, err := s.StaffActor(ctx, to)
	if err != nil {
		return portal.Case{}, err
	}
	return s.workCase(ctx, actor, key, func(c *portal.Case, at time.Time) error { return c.Assign(assignee, actor, at) })
}

// CaseUnit is a unit a case's accesses were made for.
type CaseUnit struct {
	HSAID   portal.HSAID `db:"hsa_id"`
	Name    string       `db:"name"`
	HasHead bool         `db:"has_head"`
}

// CaseUnits lists the units of a case the actor works (the statement
// form's choices).
func (s *Store) CaseUnits(ctx context.Context, actor portal.Actor, c portal.Case) ([]CaseUnit, error) {
	if !portal.CanWorkCase(actor, c) {
		return nil, fmt.Errorf("store: case units: %w", portal.ErrNotFound)
	}
	var out []CaseUnit
	if err := s.db.SelectContext(ctx, &out, qCaseUnits, c.ID); err != nil {
		return nil, fmt.Errorf("store: case units: %w", err)
	}
	return out, nil
}

// RequestStatement asks the head of unit (one of the case's units, with a
// head at the case's provider) for a statement; the case awaits it.
func (s *Store) RequestStatement(ctx context.Context, actor portal.Actor, key string, unit portal.HSAID, question string) (portal.Case, error) {
	return s.workCaseTx(ctx, actor, key, func(tx *sqlx.Tx, c *portal.Case, at time.Time) error {
		if err := c.RequestStatement(question, actor, at); err != nil {
			return err
		}
		var units []CaseUnit
		if err := tx.SelectContext(ctx, &units, qCaseUnits, c.ID); err != nil {
			return fmt.Errorf("store: case units: %w", err)
		}
		ok := false
		for _, u := range units {
			ok = ok || (u.HSAID == unit && u.HasHead)
		}
		if !ok {
			return portal.Errorf(portal.Invalid, "case.error.no_head", "unit not of the case or without a head")
		}
		k, err := newCaseKey()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qInsertStatement, k, c.ID, string(unit), actor.ID(), at, strings.TrimSpace(question)); err != nil {
			return fmt.Errorf("store: statement: %w", err)
		}
		return nil
	})
}

// Statement is a request for a statement and its answer, as the reviewer
// and the head of unit read it.
type Statement struct {
	Key         string            `db:"key"`
	Unit        portal.HSAID      `db:"unit_hsa_id"`
	UnitName    string            `db:"unit_name"`
	Question    string            `db:"question"`
	RequestedAt time.Time         `db:"requested_at"`
	RequestedBy string            `db:"requested_by"` // a name
	Answer      string            `db:"answer"`
	AnsweredAt  sql.NullTime      `db:"answered_at"`
	AnsweredBy  string            `db:"answered_by"` // a name
	CaseNumber  string            `db:"case_number"`
	NarrativeSV string            `db:"narrative_sv"`
	NarrativeEN string            `db:"narrative_en"`
	CaseStatus  portal.CaseStatus `db:"case_status"`
}

// Narrative is the case's sentence in lang.
func (st Statement) Narrative(lang string) string {
	if lang == "en" {
		return st.NarrativeEN
	}
	return st.NarrativeSV
}

// CaseStatements lists the statements asked on a case the actor works.
func (s *Store) CaseStatements(ctx context.Context, actor portal.Actor, c portal.Case) ([]Statement, error) {
	if !portal.CanWorkCase(actor, c) {
		return nil, fmt.Errorf("store: statements: %w", portal.ErrNotFound)
	}
	var out []Statement
	if err := s.db.SelectContext(ctx, &out, qStatementsOfCase, c.ID); err != nil {
		return nil, fmt.Errorf("store: statements: %w", err)
	}
	return out, nil
}

// StatementsForHead lists the statements asked of the units the actor
// heads (at the cases' providers), unanswered first. The head reads the
// question and the case's sentence, which never names the patient.
func (s *Store) StatementsForHead(ctx context.Context, actor portal.Actor) ([]Statement, error) {
	if actor.Kind != portal.ActorStaff || actor.Validate() != nil {
		return nil, portal.Errorf(portal.Forbidden, "case.error.forbidden", "only heads of unit read statements")
	}
	out := []Statement{}
	if err := s.db.SelectContext(ctx, &out, qStatementsForHead, string(actor.HSAID)); err != nil {
		return nil, fmt.Errorf("store: statements: %w", err)
	}
	return out, nil
}

// AnswerStatement records the head of unit's answer to the statement with
// key: not found unless the actor heads its unit at the case's provider;
// a statement is answered once.
func (s *Store) AnswerStatement(ctx context.Context, actor portal.Actor, key, answer string) error {
	if actor.Kind != portal.ActorStaff || actor.Validate() != nil {
		return fmt.Errorf("store: answer: %w", portal.ErrNotFound)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: answer: %w", err)
	}
	defer tx.Rollback()
	var st struct {
		ID       int64  `db:"id"`
		CaseKey  string `db:"case_key"`
		Answered bool   `db:"answered"`
	}
	err = tx.GetContext(ctx, &st, qStatementForAnswer, string(actor.HSAID), key)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: statement: %w", portal.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: statement: %w", err)
	}
	if st.Answered {
		return portal.Errorf(portal.Conflict, "case.error.answered", "statement already answered")
	}
	// The head is no reviewer: the case is read on the statement's
	// authority, which the query above checked.
	c, err := s.readCase(ctx, tx, portal.SystemActor("statement"), st.CaseKey, true)
	if err != nil {
		return err
	}
	var others int
	if err := tx.GetContext(ctx, &others, qOtherOpenStatements, c.ID, st.ID); err != nil {
		return fmt.Errorf("store: statements: %w", err)
	}
	now := s.clock.Now()
	before := len(c.Timeline)
	if err := c.AnswerStatement(answer, actor, now, others > 0); err != nil {
		return err
	}
	if err := saveCase(ctx, tx, c, before); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, qAnswerStatement, st.ID, strings.TrimSpace(answer), actor.ID(), now); err != nil {
		return fmt.Errorf("store: answer: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: answer: %w", err)
	}
	return nil
}

// saveCase writes a case's fields and its timeline entries from before on.
func saveCase(ctx context.Context, tx *sqlx.Tx, c portal.Case, before int) error {
	if _, err := tx.ExecContext(ctx, qSaveCase, c.ID, string(c.Status), string(c.Outcome), c.DecisionReason,
		c.PatientMessage, c.UpdatedAt, string(c.AssignedTo)); err != nil {
		return fmt.Errorf("store: save case: %w", err)
	}
	return insertTimeline(ctx, tx, c.ID, c.Timeline[before:])
}

// PatientIdentity is who a case is about, shown to a reviewer on demand.
type PatientIdentity struct {
	Name       string // empty when the register does not know them
	PersonalID portal.PersonalID
	Protected  bool
}

// CasePatient shows the reviewer the case's patient: name and personal id,
// only when asked, and recorded in log_reads first.
func (s *Store) CasePatient(ctx context.Context, actor portal.Actor, key, channel string) (PatientIdentity, error) {
	c, err := s.Case(ctx, actor, key)
	if err != nil {
		return PatientIdentity{}, err
	}
	if !portal.CanWorkCase(actor, c) || c.Patient.IsZero() {
		return PatientIdentity{}, fmt.Errorf("store: case patient: %w", portal.ErrNotFound)
	}
	if _, err := s.db.ExecContext(ctx, qRecordIdentityRead, s.clock.Now(), string(actor.Kind), actor.ID(),
		strings.TrimSpace(actor.Name), c.Patient.Digits(), channel, string(c.Provider)); err != nil {
		return PatientIdentity{}, fmt.Errorf("store: record log read: %w", err)
	}
	var r struct {
		Name      string `db:"name"`
		Protected bool   `db:"protected"`
	}
	if err := s.db.GetContext(ctx, &r, qCasePatient, c.ID); err != nil {
		return PatientIdentity{}, fmt.Errorf("store: case patient: %w", err)
	}
	return PatientIdentity{Name: r.Name, PersonalID: c.Patient, Protected: r.Protected}, nil
}

// DayAccess is one of the actor's other accesses on a case's day. The
// patient is not named: Patient numbers them in order of appearance, 0 for
// the case's own patient.
type DayAccess struct {
	ID            int64           `db:"id"`
	OccurredAt    time.Time       `db:"occurred_at"`
	UnitName      string          `db:"unit_name"`
	Activity      portal.Activity `db:"activity"`
	Purpose       portal.Purpose  `db:"purpose"`
	ResourceType  string          `db:"resource_type"`
	Emergency     bool            `db:"emergency"`
	PatientID     string          `db:"patient_id"`
	PatientIDKind string          `db:"patient_id_kind"`
	Explained     bool            `db:"explained"`
	Patient       int             `db:"-"`
}

// MaxDayAccesses bounds the other activity a case page shows.
const MaxDayAccesses = 300

// StaffDayActivity lists what else the case's actor did for the case's
// provider on the days of its accesses. It reads other patients' logs, so
// each is recorded in log_reads before the rows are returned.
func (s *Store) StaffDayActivity(ctx context.Context, actor portal.Actor, c portal.Case, channel string) ([]DayAccess, error) {
	if !portal.CanWorkCase(actor, c) {
		return nil, fmt.Errorf("store: day activity: %w", portal.ErrNotFound)
	}
	if c.Staff == "" {
		return nil, nil
	}
	var out []DayAccess
	if err := s.db.SelectContext(ctx, &out, qStaffDay, c.ID, string(c.Staff), string(c.Provider), MaxDayAccesses); err != nil {
		return nil, fmt.Errorf("store: day activity: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	seen := map[string]int{c.Patient.Digits(): 0}
	for i := range out {
		ids[i] = out[i].ID
		k := out[i].PatientID
		n, ok := seen[k]
		if !ok {
			n = len(seen)
			seen[k] = n
		}
		out[i].Patient = n
		out[i].PatientID, out[i].PatientIDKind = "", "" // never leaves the store
	}
	if _, err := s.db.ExecContext(ctx, qRecordDayRead, pq.Array(ids), s.clock.Now(), string(actor.Kind), actor.ID(),
		strings.TrimSpace(actor.Name), channel, string(c.Provider)); err != nil {
		return nil, fmt.Errorf("store: record log read: %w", err)
	}
	return out, nil
}

// ProviderUnits lists the units of the providers whose cases the actor
// works (the queue's unit filter).
func (s *Store) ProviderUnits(ctx context.Context, actor portal.Actor) ([]CaseUnit, error) {
	var out []CaseUnit
	if err := s.db.SelectContext(ctx, &out, qProviderUnits, pq.Array(hsaStrings(actor.CaseProviders()))); err != nil {
		return nil, fmt.Errorf("store: units: %w", err)
	}
	return out, nil
}

const qProviderUnits = `
SELECT hsa_id, name, false AS has_head FROM units WHERE provider_hsa_id = ANY($1) ORDER BY name, hsa_id`

const qStaffNames = `
SELECT hsa_id, CASE WHEN protected_identity THEN '' ELSE btrim(given_name || ' ' || family_name) END AS name
FROM staff WHERE hsa_id = ANY($1)`

// StaffNames are the names of the members of staff among ids (a case's
// timeline names who did what); protected identities and unknown ids are
// left out.
func (s *Store) StaffNames(ctx context.Context, ids []string) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"hsa_id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, qStaffNames, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: staff names: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if r.Name != "" {
			out[r.ID] = r.Name
		}
	}
	return out, nil
}
