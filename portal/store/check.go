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

const (
	qInsertCheck = `
INSERT INTO targeted_checks (provider_hsa_id, subject, patient_id, patient_id_kind, patient_id_root, staff_hsa_id,
                             staff_name, period_from, period_to, checkpoint, reviewer_id, reviewer_name, created_at)
VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id, key`

	qSetCheckHits = `UPDATE targeted_checks SET hits = $2 WHERE id = $1`

	qCheckByKey = `
SELECT t.id, t.key, t.provider_hsa_id, t.subject, COALESCE(t.patient_id, '') AS patient_id,
       COALESCE(t.patient_id_kind, '') AS patient_id_kind, t.patient_id_root, t.staff_hsa_id, t.staff_name,
       t.period_from, t.period_to, t.checkpoint, t.hits, t.reviewer_id, t.reviewer_name, t.created_at,
       COALESCE(c.key, '') AS control_key
FROM targeted_checks t LEFT JOIN controls c ON c.check_id = t.id
WHERE t.key = $1 AND t.provider_hsa_id = ANY($2)`

	// qCheckEvents is the check's events with what the routine's
	// checkpoints ask of each, in the provider's scope (acting or owning,
	// by the log or by the unit's provider). $1 provider, $2–$3 period,
	// $4 subject, $5–$6 patient, $7 HSA-id, $8 name (a LIKE pattern, or '').
	// The tails below count them per checkpoint or list them.
	qCheckEvents = `
WITH ev AS (
    SELECT e.id, e.occurred_at, e.actor_hsa_id, e.actor_name, e.actor_personal_id, e.actor_unit_hsa_id,
           e.actor_unit_name, e.patient_id, e.patient_id_kind, e.patient_id_root, e.patient_name,
           e.activity, e.purpose, e.purpose_code, e.emergency,
           COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') AS acting_provider,
           COALESCE(u.name, '') AS unit_name
    FROM access_events e
    LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
    LEFT JOIN units ou ON ou.hsa_id = e.owner_unit_hsa_id AND e.owner_unit_hsa_id <> ''
    WHERE e.occurred_at >= $2 AND e.occurred_at < $3
      AND ($4 <> 'patient' OR (e.patient_id = $5 AND e.patient_id_kind = $6))
      AND ($4 <> 'staff' OR ($7 <> '' AND e.actor_hsa_id = $7)
           OR ($8 <> '' AND e.actor_hsa_id = ANY(ARRAY(
               SELECT s.hsa_id FROM staff s WHERE (s.given_name || ' ' || s.family_name) ILIKE $8 ESCAPE '\'))))
      AND (e.actor_provider_hsa_id = $1 OR e.owner_provider_hsa_id = $1 OR u.provider_hsa_id = $1 OR ou.provider_hsa_id = $1)),
flagged AS (
    SELECT ev.*,
        COALESCE(st.protected_identity, false) AS actor_protected,
        COALESCE(NULLIF(btrim(st.given_name || ' ' || st.family_name), ''), ev.actor_name) AS staff_name,
        COALESCE(st.title, '') AS staff_title,
        COALESCE(NULLIF(btrim(p.given_name || ' ' || p.family_name), ''), ev.patient_name) AS patient_full_name,
        EXISTS (SELECT 1 FROM staff s2 WHERE s2.personal_id = ev.patient_id AND s2.personal_id <> ''
                AND s2.hsa_id <> ev.actor_hsa_id
                AND COALESCE(st.personal_id, '') <> ev.patient_id) AS colleague,
        EXISTS (SELECT 1 FROM staff s2 WHERE s2.personal_id = ev.patient_id AND s2.personal_id <> ''
                AND s2.hsa_id <> ev.actor_hsa_id AND s2.employed_to < (ev.occurred_at AT TIME ZONE 'Europe/Stockholm')::date
                AND NOT EXISTS (SELECT 1 FROM staff s3 WHERE s3.personal_id = ev.patient_id
                                AND (s3.employed_to IS NULL OR s3.employed_to >= (ev.occurred_at AT TIME ZONE 'Europe/Stockholm')::date))) AS former_colleague,
        ((ev.actor_personal_id <> '' AND ev.actor_personal_id = ev.patient_id)
         OR COALESCE(st.personal_id <> '' AND st.personal_id = ev.patient_id, false)) AS self,
        COALESCE(p.deceased_on < (ev.occurred_at AT TIME ZONE 'Europe/Stockholm')::date, false) AS deceased,
        (ev.emergency OR ev.activity = 'emergency') AS emergency_access,
        (ev.purpose <> 'care') AS non_care_purpose,
        insyn_explained(ev.patient_id, ev.actor_hsa_id, ev.actor_unit_hsa_id, ev.occurred_at) AS explained,
        ARRAY(SELECT h.rule FROM rule_hits h WHERE h.event_id = ev.id AND h.occurred_at = ev.occurred_at ORDER BY h.rule) AS rules
    FROM ev
    LEFT JOIN staff st ON st.hsa_id = ev.actor_hsa_id AND ev.actor_hsa_id <> ''
    LEFT JOIN patients p ON p.personal_id = ev.patient_id AND p.id_kind = ev.patient_id_kind
)`

	qCheckCounts = qCheckEvents + `
SELECT count(*) AS all,
       count(*) FILTER (WHERE colleague) AS colleague,
       count(*) FILTER (WHERE self) AS self,
       count(*) FILTER (WHERE deceased) AS deceased,
       count(*) FILTER (WHERE emergency_access) AS emergency,
       count(*) FILTER (WHERE non_care_purpose) AS non_care_purpose
FROM flagged`

	// $9 checkpoint ('' for all), $10 limit.
	qCheckRows = qCheckEvents + `
SELECT id, occurred_at, actor_hsa_id, CASE WHEN actor_protected THEN '' ELSE staff_name END AS staff_name,
       actor_protected, staff_title, actor_unit_hsa_id, COALESCE(NULLIF(unit_name, ''), actor_unit_name) AS unit_name,
       acting_provider, patient_id, patient_id_kind, patient_id_root, patient_full_name, activity, purpose, purpose_code,
       colleague, former_colleague, self, deceased, emergency_access, non_care_purpose, explained, rules
FROM flagged
WHERE $9 = '' OR ($9 = 'colleague' AND colleague) OR ($9 = 'self' AND self) OR ($9 = 'deceased' AND deceased)
   OR ($9 = 'emergency' AND emergency_access) OR ($9 = 'non_care_purpose' AND non_care_purpose)
ORDER BY occurred_at, id
LIMIT $10`

	// qCheckLogReads records, per patient whose log a check showed, that
	// the reviewer read it.
	qCheckLogReads = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, period_from, period_to,
                       provider_hsa_id, rows)
SELECT $1, 'staff', $2, $3, pid, 'targeted_check', $4, $5, $6, count(*)
FROM unnest($7::text[]) AS pid GROUP BY pid`

	// qCheckCaseEvents reads the chosen events that belong to the check:
	// its period and subject, acted for its provider (whose reviewers then
	// work the case).
	qCheckCaseEvents = `
SELECT e.id, e.occurred_at, e.actor_hsa_id, e.patient_id, e.patient_id_kind, e.patient_id_root
FROM access_events e
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
WHERE e.id = ANY($1) AND e.occurred_at >= $2 AND e.occurred_at < $3
  AND COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') = $4
  AND ($5 <> 'patient' OR (e.patient_id = $6 AND e.patient_id_kind = $7))
  AND ($5 <> 'staff' OR ($8 <> '' AND e.actor_hsa_id = $8)
       OR ($9 <> '' AND e.actor_hsa_id = ANY(ARRAY(
           SELECT s.hsa_id FROM staff s WHERE (s.given_name || ' ' || s.family_name) ILIKE $9 ESCAPE '\'))))
ORDER BY e.actor_hsa_id, e.patient_id, e.patient_id_kind, e.id`

	qLinkCheckCase = `INSERT INTO targeted_check_cases (check_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`

	qCheckCases = `
SELECT c.key, c.number, c.status FROM targeted_check_cases t JOIN cases c ON c.id = t.case_id
WHERE t.check_id = $1 ORDER BY c.number`

	// qCheckUnit is the unit the most of a staff check's hits were made
	// for: the unit whose head of unit the control concerns.
	qCheckUnit = qCheckEvents + `
SELECT COALESCE((SELECT actor_unit_hsa_id FROM flagged WHERE actor_unit_hsa_id <> ''
                 GROUP BY actor_unit_hsa_id ORDER BY count(*) DESC, actor_unit_hsa_id LIMIT 1), '')`

	qInsertCheckControl = `
INSERT INTO controls (kind, provider_hsa_id, unit_hsa_id, period_from, period_to, criteria, items,
                      reviewer_kind, reviewer_id, completed_at, result, actions, check_id)
VALUES ('targeted', $1, $2, $3, $4, $5, $6, 'staff', $7, $8, $9, $10, $11)
ON CONFLICT (check_id) DO NOTHING
RETURNING key`
)

// CheckCounts is how many of a check's accesses each checkpoint finds.
type CheckCounts struct {
	All            int `db:"all"`
	Colleague      int `db:"colleague"`
	Self           int `db:"self"`
	Deceased       int `db:"deceased"`
	Emergency      int `db:"emergency"`
	NonCarePurpose int `db:"non_care_purpose"`
}

// Of is the count of checkpoint c.
func (n CheckCounts) Of(c portal.Checkpoint) int {
	switch c {
	case portal.CheckColleague:
		return n.Colleague
	case portal.CheckSelf:
		return n.Self
	case portal.CheckDeceased:
		return n.Deceased
	case portal.CheckEmergency:
		return n.Emergency
	case portal.CheckNonCare:
		return n.NonCarePurpose
	}
	return n.All
}

// CheckRow is one access a check found, with codes the page words.
type CheckRow struct {
	ID              int64          `db:"id"`
	OccurredAt      time.Time      `db:"occurred_at"`
	Staff           string         `db:"actor_hsa_id"`
	StaffName       string         `db:"staff_name"` // "" for staff with protected identity
	StaffProtected  bool           `db:"actor_protected"`
	StaffTitle      string         `db:"staff_title"`
	UnitHSAID       string         `db:"actor_unit_hsa_id"`
	UnitName        string         `db:"unit_name"`
	Provider        string         `db:"acting_provider"`
	PatientID       string         `db:"patient_id"`
	PatientIDKind   string         `db:"patient_id_kind"`
	PatientIDRoot   string         `db:"patient_id_root"`
	PatientName     string         `db:"patient_full_name"`
	Activity        string         `db:"activity"`
	Purpose         string         `db:"purpose"`
	PurposeCode     string         `db:"purpose_code"`
	Colleague       bool           `db:"colleague"`
	FormerColleague bool           `db:"former_colleague"`
	Self            bool           `db:"self"`
	Deceased        bool           `db:"deceased"`
	Emergency       bool           `db:"emergency_access"`
	NonCarePurpose  bool           `db:"non_care_purpose"`
	Explained       bool           `db:"explained"`
	Rules           pq.StringArray `db:"rules"`
}

// Patient is the accessed patient's id (shown to the reviewer on demand).
func (r CheckRow) Patient() portal.PersonalID {
	return portal.PersonalIDFromDB(r.PatientID, portal.IDKind(r.PatientIDKind), r.PatientIDRoot)
}

// CheckCase is a case a check became.
type CheckCase struct {
	Key    string `db:"key"`
	Number string `db:"number"`
	Status string `db:"status"`
}

// CheckView is a recorded targeted check with what it finds now.
type CheckView struct {
	ID         int64
	Key        string
	Query      portal.CheckQuery
	Hits       int // when it was run
	Reviewer   string
	CreatedAt  time.Time
	ControlKey string // "" until the reviewer completed the check
	Counts     CheckCounts
	Rows       []CheckRow // at most MaxCheckRows, in time order
	Cases      []CheckCase
}

// MaxCheckRows is the most rows a check shows; the counts cover them all.
const MaxCheckRows = 500

type checkRow struct {
	ID           int64     `db:"id"`
	Key          string    `db:"key"`
	Provider     string    `db:"provider_hsa_id"`
	Subject      string    `db:"subject"`
	PatientID    string    `db:"patient_id"`
	PatientKind  string    `db:"patient_id_kind"`
	PatientRoot  string    `db:"patient_id_root"`
	Staff        string    `db:"staff_hsa_id"`
	StaffName    string    `db:"staff_name"`
	From         time.Time `db:"period_from"`
	To           time.Time `db:"period_to"`
	Checkpoint   string    `db:"checkpoint"`
	Hits         int       `db:"hits"`
	ReviewerID   string    `db:"reviewer_id"`
	ReviewerName string    `db:"reviewer_name"`
	CreatedAt    time.Time `db:"created_at"`
	ControlKey   string    `db:"control_key"`
}

func (r checkRow) query() portal.CheckQuery {
	q := portal.CheckQuery{Provider: portal.HSAID(r.Provider), Subject: portal.CheckSubject(r.Subject),
		Staff: portal.HSAID(r.Staff), StaffName: r.StaffName, From: r.From, To: r.To, Checkpoint: portal.Checkpoint(r.Checkpoint)}
	if r.PatientID != "" {
		q.Patient = portal.PersonalIDFromDB(r.PatientID, portal.IDKind(r.PatientKind), r.PatientRoot)
	}
	return q
}

// likeName makes a typed name a case-insensitive "contains" pattern, its
// own % and _ taken literally.
func likeName(name string) string {
	if name == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.Join(strings.Fields(name), " ")) + "%"
}

// checkArgs are qCheckEvents' $1–$8.
func checkArgs(q portal.CheckQuery) []any {
	return []any{string(q.Provider), q.From, q.To, string(q.Subject), q.Patient.Digits(), string(q.Patient.Kind()),
		string(q.Staff), likeName(q.StaffName)}
}

// RunCheck records a targeted check (who, for what, when) with how many
// accesses it finds, and returns its key; CheckResult shows them. Only a
// reviewer of the check's provider runs one.
func (s *Store) RunCheck(ctx context.Context, actor portal.Actor, q portal.CheckQuery) (string, error) {
	if !portal.CanCheck(actor, q.Provider) {
		return "", portal.Errorf(portal.Forbidden, "controls.error.forbidden", "only the provider's reviewers run checks")
	}
	if (q.Subject == portal.CheckPatient) == q.Patient.IsZero() || !q.To.After(q.From) || !q.Checkpoint.Valid() ||
		(q.Subject == portal.CheckStaff && q.Staff == "" && q.StaffName == "") {
		return "", portal.Errorf(portal.Invalid, "controls.check.error.incomplete", "check incomplete")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("store: check: %w", err)
	}
	defer tx.Rollback()
	var ck struct {
		ID  int64  `db:"id"`
		Key string `db:"key"`
	}
	if err := tx.GetContext(ctx, &ck, qInsertCheck, string(q.Provider), string(q.Subject), q.Patient.Digits(),
		string(q.Patient.Kind()), q.Patient.Root(), string(q.Staff), q.StaffName, q.From, q.To, string(q.Checkpoint),
		actor.ID(), strings.TrimSpace(actor.Name), s.clock.Now()); err != nil {
		return "", fmt.Errorf("store: check: %w", err)
	}
	var n CheckCounts
	if err := tx.GetContext(ctx, &n, qCheckCounts, checkArgs(q)...); err != nil {
		return "", fmt.Errorf("store: check counts: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qSetCheckHits, ck.ID, n.Of(q.Checkpoint)); err != nil {
		return "", fmt.Errorf("store: check: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("store: check: %w", err)
	}
	return ck.Key, nil
}

func (s *Store) readCheck(ctx context.Context, q sqlx.QueryerContext, actor portal.Actor, key string) (checkRow, error) {
	var r checkRow
	if actor.Validate() != nil {
		return r, portal.Errorf(portal.Invalid, "error.actor", "check read without actor")
	}
	err := sqlx.GetContext(ctx, q, &r, qCheckByKey, key, pq.Array(hsaStrings(actor.CaseProviders())))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: check: %w", portal.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: check: %w", err)
	}
	return r, nil
}

// CheckResult reads a recorded check of one of the reviewer's providers
// and the accesses it finds now (narrowed to a checkpoint when one is
// given, else the check's own), recording in log_reads that the reviewer
// read each patient's log shown. Another provider's key is not found.
func (s *Store) CheckResult(ctx context.Context, actor portal.Actor, key string, checkpoint portal.Checkpoint) (CheckView, error) {
	r, err := s.readCheck(ctx, s.db, actor, key)
	if err != nil {
		return CheckView{}, err
	}
	v := CheckView{ID: r.ID, Key: r.Key, Query: r.query(), Hits: r.Hits, Reviewer: r.ReviewerName, CreatedAt: r.CreatedAt,
		ControlKey: r.ControlKey}
	if checkpoint == portal.CheckAll {
		checkpoint = v.Query.Checkpoint
	}
	if !checkpoint.Valid() {
		return CheckView{}, portal.Errorf(portal.Invalid, "controls.check.error.checkpoint", "unknown checkpoint")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return CheckView{}, fmt.Errorf("store: check: %w", err)
	}
	defer tx.Rollback()
	args := checkArgs(v.Query)
	if err := tx.GetContext(ctx, &v.Counts, qCheckCounts, args...); err != nil {
		return CheckView{}, fmt.Errorf("store: check counts: %w", err)
	}
	if err := tx.SelectContext(ctx, &v.Rows, qCheckRows, append(args, string(checkpoint), MaxCheckRows)...); err != nil {
		return CheckView{}, fmt.Errorf("store: check rows: %w", err)
	}
	if len(v.Rows) > 0 {
		pids := make([]string, len(v.Rows))
		for i, row := range v.Rows {
			pids[i] = row.PatientID
		}
		if _, err := tx.ExecContext(ctx, qCheckLogReads, s.clock.Now(), actor.ID(), strings.TrimSpace(actor.Name),
			v.Query.From, v.Query.To, string(v.Query.Provider), pq.Array(pids)); err != nil {
			return CheckView{}, fmt.Errorf("store: record log read: %w", err)
		}
	}
	if err := tx.SelectContext(ctx, &v.Cases, qCheckCases, r.ID); err != nil {
		return CheckView{}, fmt.Errorf("store: check cases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return CheckView{}, fmt.Errorf("store: check: %w", err)
	}
	return v, nil
}

// OpenCheckCases turns chosen accesses of a check into cases: one per
// person and patient, as every case is, joining that pair's open case
// when there is one. The cases have source rule (the queue's source for a
// suspicion Insyn's checks raised; targeted_check_cases tells them apart)
// and belong to the check's provider. Only accesses the check finds and
// that were made for its provider may be chosen; any other id makes the
// whole request not found. It returns the cases' keys.
func (s *Store) OpenCheckCases(ctx context.Context, actor portal.Actor, key string, events []int64) ([]string, error) {
	if len(events) == 0 {
		return nil, portal.Errorf(portal.Invalid, "controls.check.error.no_events", "no accesses chosen")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: check case: %w", err)
	}
	defer tx.Rollback()
	r, err := s.readCheck(ctx, tx, actor, key)
	if err != nil {
		return nil, err
	}
	q := r.query()
	if !portal.CanCheck(actor, q.Provider) {
		return nil, fmt.Errorf("store: check case: %w", portal.ErrNotFound)
	}
	var evs []struct {
		ID          int64     `db:"id"`
		OccurredAt  time.Time `db:"occurred_at"`
		Staff       string    `db:"actor_hsa_id"`
		PatientID   string    `db:"patient_id"`
		PatientKind string    `db:"patient_id_kind"`
		PatientRoot string    `db:"patient_id_root"`
	}
	ids := uniqueIDs(events)
	if err := tx.SelectContext(ctx, &evs, qCheckCaseEvents, pq.Array(ids), q.From, q.To, string(q.Provider),
		string(q.Subject), q.Patient.Digits(), string(q.Patient.Kind()), string(q.Staff), likeName(q.StaffName)); err != nil {
		return nil, fmt.Errorf("store: check case events: %w", err)
	}
	if len(evs) != len(ids) {
		return nil, &portal.Error{Code: portal.NotFound, MsgID: "controls.check.error.case_events",
			Detail: "chosen accesses not the check's or not made for its provider", Err: portal.ErrNotFound}
	}
	now := s.clock.Now()
	var keys []string
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && evs[j].Staff == evs[i].Staff && evs[j].PatientID == evs[i].PatientID &&
			evs[j].PatientKind == evs[i].PatientKind {
			j++
		}
		g := evs[i:j]
		caseKey, err := newCaseKey()
		if err != nil {
			return nil, err
		}
		var up struct {
			ID       int64  `db:"id"`
			Source   string `db:"source"`
			Inserted bool   `db:"inserted"`
		}
		if err := tx.GetContext(ctx, &up, qUpsertOpenCase, caseKey, string(portal.SourceRule), g[0].PatientID, g[0].PatientKind,
			g[0].PatientRoot, g[0].Staff, string(q.Provider), 0, now); err != nil {
			return nil, fmt.Errorf("store: open case: %w", err)
		}
		gids := make([]int64, len(g))
		ats := make([]time.Time, len(g))
		for k, e := range g {
			gids[k], ats[k] = e.ID, e.OccurredAt
		}
		if _, err := tx.ExecContext(ctx, qAddCaseEvents, up.ID, pq.Array(gids), pq.Array(ats)); err != nil {
			return nil, fmt.Errorf("store: case events: %w", err)
		}
		kind := portal.TimelineJoined
		if up.Inserted {
			kind = portal.TimelineCreated
		}
		if err := insertTimeline(ctx, tx, up.ID, []portal.TimelineEntry{{Kind: kind, ActorKind: actor.Kind, ActorID: actor.ID(), At: now}}); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, qLinkCheckCase, r.ID, up.ID); err != nil {
			return nil, fmt.Errorf("store: check case: %w", err)
		}
		if err := refreshCase(ctx, tx, up.ID); err != nil {
			return nil, err
		}
		var k string
		if err := tx.GetContext(ctx, &k, qCaseByID, up.ID); err != nil {
			return nil, fmt.Errorf("store: case key: %w", err)
		}
		keys = append(keys, k)
		i = j
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: check case: %w", err)
	}
	return keys, nil
}

// CompleteCheck records a targeted check as a completed control with its
// result and the actions taken; a check is completed once (Conflict after).
func (s *Store) CompleteCheck(ctx context.Context, actor portal.Actor, key string, c portal.CheckCompletion) (string, error) {
	if errs := c.Validate(); errs != nil {
		for _, f := range []string{"result", "actions"} {
			if errs[f] != nil {
				return "", errs[f]
			}
		}
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("store: complete check: %w", err)
	}
	defer tx.Rollback()
	r, err := s.readCheck(ctx, tx, actor, key)
	if err != nil {
		return "", err
	}
	q := r.query()
	if !portal.CanCheck(actor, q.Provider) {
		return "", fmt.Errorf("store: complete check: %w", portal.ErrNotFound)
	}
	unit := ""
	if q.Subject == portal.CheckStaff {
		if err := tx.GetContext(ctx, &unit, qCheckUnit, checkArgs(q)...); err != nil {
			return "", fmt.Errorf("store: check unit: %w", err)
		}
	}
	crit, err := checkCriteria(q)
	if err != nil {
		return "", err
	}
	var ckey string
	err = tx.GetContext(ctx, &ckey, qInsertCheckControl, string(q.Provider), unit, q.From, q.To, crit, r.Hits,
		actor.ID(), s.clock.Now(), string(c.Result), c.Actions, r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", portal.Errorf(portal.Conflict, "controls.check.error.completed", "check already completed")
	}
	if err != nil {
		return "", fmt.Errorf("store: complete check: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("store: complete check: %w", err)
	}
	return ckey, nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
