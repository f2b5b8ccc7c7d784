package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	// qFlagEvents reads the flagged events that are the patient's own; an
	// id of anyone else's event simply does not come back. The acting
	// provider is the log's, else the acting unit's provider.
	qFlagEvents = `
SELECT e.id, e.occurred_at, e.actor_hsa_id,
       COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') AS provider_hsa_id
FROM access_events e
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_provider_hsa_id = ''
WHERE e.id = ANY($1) AND e.patient_id = $2 AND e.patient_id_kind = $3
  AND insyn_may_act_for($4, $2, $3, $5::date)
ORDER BY e.id`

	// qUpsertOpenCase opens a case or finds the open one on cases_one_open;
	// the conflict path locks it, so concurrent flags take turns and join.
	// inserted tells which happened (xmax is 0 only for a fresh row).
	qUpsertOpenCase = `
INSERT INTO cases (key, number, source, patient_id, patient_id_kind, patient_id_root,
                   staff_hsa_id, provider_hsa_id, priority, created_at, updated_at)
VALUES ($1, to_char($9::timestamptz AT TIME ZONE 'Europe/Stockholm', 'YYYY') || '-' ||
            lpad(nextval('case_number_seq')::text, 6, '0'),
        $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (source_group, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind)
    WHERE status IN ('new', 'investigating', 'awaiting_statement')
DO UPDATE SET updated_at = GREATEST(cases.updated_at, EXCLUDED.updated_at),
              priority = GREATEST(cases.priority, EXCLUDED.priority)
RETURNING id, source, (xmax = 0) AS inserted`

	qAddCaseEvents = `
INSERT INTO case_events (case_id, event_id, occurred_at)
SELECT $1, unnest($2::bigint[]), unnest($3::timestamptz[])
ON CONFLICT DO NOTHING`

	qInsertFlag = `
INSERT INTO flags (case_id, patient_id, patient_id_kind, patient_id_root, reason, text, created_at, events, filed_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

	qInsertTimeline = `
INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text, from_status, to_status)
VALUES (:case_id, :kind, :actor_kind, :actor_id, :at, :text, :from_status, :to_status)`

	// qCaseByKey finds a case the actor may see, in SQL: the patient it is
	// about, a reviewer of its provider, the system. Anyone else gets no
	// row, which the caller reports as not found.
	qCaseByKey = `
SELECT id, key, number, source, status, COALESCE(outcome, '') AS outcome,
       COALESCE(decision_reason, '') AS decision_reason, COALESCE(patient_message, '') AS patient_message,
       COALESCE(patient_id, '') AS patient_id, COALESCE(patient_id_kind, '') AS patient_id_kind, patient_id_root,
       staff_hsa_id, provider_hsa_id, priority, assigned_to, created_at, updated_at,
       EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id) AS flagged
FROM cases c
WHERE c.key = $1
  AND ($2 = 'system'
       OR ($2 = 'patient' AND c.patient_id = $3 AND c.patient_id_kind = $4 AND insyn_may_act_for($6, $3, $4, $7::date))
       OR ($2 = 'staff' AND c.provider_hsa_id = ANY($5)))`

	qCaseByID     = `SELECT key FROM cases WHERE id = $1`
	qLockCase     = `SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`
	qCaseEventIDs = `SELECT event_id FROM case_events WHERE case_id = $1 ORDER BY occurred_at, event_id`
	qCaseTimeline = `
SELECT kind, actor_kind, actor_id, at, text, COALESCE(from_status, '') AS from_status, COALESCE(to_status, '') AS to_status
FROM case_timeline WHERE case_id = $1 ORDER BY at, id`

	qSaveCase = `
UPDATE cases SET status = $2, outcome = NULLIF($3, ''), decision_reason = NULLIF($4, ''),
       patient_message = NULLIF($5, ''), updated_at = $6, assigned_to = $7,
       decided_at = CASE WHEN $2 = 'decided' THEN $6 ELSE decided_at END
WHERE id = $1`

	// qFlagsForPatient lists a patient's flags with their cases' status;
	// the decision reason and notes are never selected.
	qFlagsForPatient = `
SELECT f.id, f.reason, f.text, f.created_at, cardinality(f.events) AS events,
       (SELECT min(ce.occurred_at) FROM case_events ce
        WHERE ce.case_id = f.case_id AND ce.event_id = ANY(f.events)) AS first_access,
       c.key AS case_key, c.number AS case_number, c.status, COALESCE(c.outcome, '') AS outcome,
       COALESCE(c.patient_message, '') AS patient_message, c.updated_at
FROM flags f JOIN cases c ON c.id = f.case_id
WHERE f.patient_id = $1 AND f.patient_id_kind = $2 AND c.patient_id = $1 AND c.patient_id_kind = $2
  AND f.filed_by = $3 -- the reader's own: a guardian's, or (for '') the patient's
  AND insyn_may_act_for($3, $1, $2, $4::date)
ORDER BY f.created_at DESC, f.id DESC`
)

// flagEvent is one flagged event with whose act it was.
type flagEvent struct {
	ID         int64     `db:"id"`
	OccurredAt time.Time `db:"occurred_at"`
	Staff      string    `db:"actor_hsa_id"`
	Provider   string    `db:"provider_hsa_id"`
}

// caseRow is a cases row as read.
type caseRow struct {
	ID             int64     `db:"id"`
	Key            string    `db:"key"`
	Number         string    `db:"number"`
	Source         string    `db:"source"`
	Status         string    `db:"status"`
	Outcome        string    `db:"outcome"`
	DecisionReason string    `db:"decision_reason"`
	PatientMessage string    `db:"patient_message"`
	PatientID      string    `db:"patient_id"`
	PatientIDKind  string    `db:"patient_id_kind"`
	PatientIDRoot  string    `db:"patient_id_root"`
	Staff          string    `db:"staff_hsa_id"`
	Provider       string    `db:"provider_hsa_id"`
	Priority       int       `db:"priority"`
	AssignedTo     string    `db:"assigned_to"`
	Flagged        bool      `db:"flagged"`
	CreatedAt      time.Time `db:"created_at"`
	UpdatedAt      time.Time `db:"updated_at"`
}

type timelineRow struct {
	CaseID    int64     `db:"case_id"`
	Kind      string    `db:"kind"`
	ActorKind string    `db:"actor_kind"`
	ActorID   string    `db:"actor_id"`
	At        time.Time `db:"at"`
	Text      string    `db:"text"`
	From      string    `db:"from_status"`
	To        string    `db:"to_status"`
}

// FileFlag files a patient's flag. Only the patient may flag their own
// accesses: ids of anyone else's events (or of none) answer not found and
// nothing is written. The events are grouped by the person who acted and
// the provider they acted for; each group joins that person's open case
// about the patient, or opens one, and gets a flags row of its own. A flag
// from the form names one sitting (one person) and its same-person
// neighbours, so it makes one case; one naming several people makes one
// case each, since each person's accesses are judged on their own.
func (s *Store) FileFlag(ctx context.Context, actor portal.Actor, f portal.Flag) ([]portal.Case, error) {
	if !portal.CanFlag(actor, actor.Subject()) {
		return nil, portal.Errorf(portal.Forbidden, "case.error.forbidden", "only the patient flags their accesses")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	ids := slices.Clone(f.Events)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	now := s.clock.Now()

	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: file flag: %w", err)
	}
	defer tx.Rollback()
	var evs []flagEvent
	p := actor.Subject() // a guardian flags for the child they act for
	if err := tx.SelectContext(ctx, &evs, qFlagEvents, pq.Array(ids), p.Digits(), string(p.Kind()),
		guardianID(actor), s.today()); err != nil {
		return nil, fmt.Errorf("store: flag events: %w", err)
	}
	if len(evs) != len(ids) {
		return nil, fmt.Errorf("store: flag names events that are not the patient's: %w", portal.ErrNotFound)
	}
	var keys []string
	for _, g := range groupFlagEvents(evs) {
		key, err := s.fileFlagGroup(ctx, tx, actor, f, g, now)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	for _, k := range keys { // the flag is evidence: priority and narrative follow it
		if err := refreshCaseKey(ctx, tx, k); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: file flag: %w", err)
	}
	out := make([]portal.Case, 0, len(keys))
	for _, k := range keys {
		c, err := s.Case(ctx, actor, k)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// groupFlagEvents splits events by (person, provider), in that order, so
// concurrent flags lock cases in the same order and cannot deadlock.
func groupFlagEvents(evs []flagEvent) [][]flagEvent {
	slices.SortStableFunc(evs, func(a, b flagEvent) int {
		return cmp.Or(strings.Compare(a.Staff, b.Staff), strings.Compare(a.Provider, b.Provider))
	})
	var out [][]flagEvent
	for i, e := range evs {
		if i == 0 || e.Staff != evs[i-1].Staff || e.Provider != evs[i-1].Provider {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], e)
	}
	return out
}

// fileFlagGroup joins or opens the case of one person's flagged events and
// records the flag and the timeline entry; it returns the case's key.
func (s *Store) fileFlagGroup(ctx context.Context, tx *sqlx.Tx, actor portal.Actor, f portal.Flag, g []flagEvent, now time.Time) (string, error) {
	key, err := newCaseKey()
	if err != nil {
		return "", err
	}
	p := actor.Subject()
	var up struct {
		ID       int64  `db:"id"`
		Source   string `db:"source"`
		Inserted bool   `db:"inserted"`
	}
	if err := tx.GetContext(ctx, &up, qUpsertOpenCase, key, string(portal.SourceFlag), p.Digits(), string(p.Kind()), p.Root(),
		g[0].Staff, g[0].Provider, portal.PriorityPatientSignal, now); err != nil {
		return "", fmt.Errorf("store: open case: %w", err)
	}
	ids := make([]int64, len(g))
	ats := make([]time.Time, len(g))
	for i, e := range g {
		ids[i], ats[i] = e.ID, e.OccurredAt
	}
	if _, err := tx.ExecContext(ctx, qAddCaseEvents, up.ID, pq.Array(ids), pq.Array(ats)); err != nil {
		return "", fmt.Errorf("store: case events: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qInsertFlag, up.ID, p.Digits(), string(p.Kind()), p.Root(),
		string(f.Reason), f.Text, now, pq.Array(ids), guardianID(actor)); err != nil {
		return "", fmt.Errorf("store: flag: %w", err)
	}
	kind := portal.TimelineJoined
	switch {
	case up.Inserted:
		kind = portal.TimelineCreated
	case up.Source != string(portal.SourceFlag):
		kind = portal.TimelineFlagged // a patient now asks about a case a rule or watchlist raised
	}
	if err := insertTimeline(ctx, tx, up.ID, []portal.TimelineEntry{{Kind: kind, ActorKind: actor.Kind, ActorID: actor.ID(), At: now}}); err != nil {
		return "", err
	}
	if up.Inserted {
		return key, nil
	}
	if err := tx.GetContext(ctx, &key, qCaseByID, up.ID); err != nil {
		return "", fmt.Errorf("store: case key: %w", err)
	}
	return key, nil
}

// caseKeyEncoding gives keys of lower-case letters and digits 2–7.
var caseKeyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newCaseKey is 128 random bits: a case's URL says nothing and cannot be
// guessed from another's.
func newCaseKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: case key: %w", err)
	}
	return caseKeyEncoding.EncodeToString(b[:]), nil
}

func insertTimeline(ctx context.Context, ex sqlx.ExtContext, caseID int64, entries []portal.TimelineEntry) error {
	for _, e := range entries {
		row := timelineRow{CaseID: caseID, Kind: string(e.Kind), ActorKind: string(e.ActorKind), ActorID: e.ActorID,
			At: e.At, Text: e.Text, From: string(e.From), To: string(e.To)}
		if _, err := sqlx.NamedExecContext(ctx, ex, qInsertTimeline, timelineArgs(row)); err != nil {
			return fmt.Errorf("store: case timeline: %w", err)
		}
	}
	return nil
}

// timelineArgs stores an empty status as NULL.
func timelineArgs(r timelineRow) map[string]any {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{"case_id": r.CaseID, "kind": r.Kind, "actor_kind": r.ActorKind, "actor_id": r.ActorID,
		"at": r.At, "text": r.Text, "from_status": null(r.From), "to_status": null(r.To)}
}

// Case reads the case with key as actor may see it: not found for a case
// of another patient or another provider. A patient's copy carries neither
// the decision reason nor internal notes.
func (s *Store) Case(ctx context.Context, actor portal.Actor, key string) (portal.Case, error) {
	return s.readCase(ctx, s.db, actor, key, false)
}

func (s *Store) readCase(ctx context.Context, ex sqlx.ExtContext, actor portal.Actor, key string, lock bool) (portal.Case, error) {
	if actor.Validate() != nil {
		return portal.Case{}, portal.Errorf(portal.Invalid, "error.actor", "case read without actor")
	}
	var r caseRow
	err := sqlx.GetContext(ctx, ex, &r, qCaseByKey, key, string(actor.Kind), actor.Subject().Digits(),
		string(actor.Subject().Kind()), pq.Array(hsaStrings(actor.CaseProviders())), guardianID(actor), s.today())
	if errors.Is(err, sql.ErrNoRows) {
		return portal.Case{}, fmt.Errorf("store: case: %w", portal.ErrNotFound)
	}
	if err != nil {
		return portal.Case{}, fmt.Errorf("store: case: %w", err)
	}
	if lock {
		if _, err := ex.ExecContext(ctx, qLockCase, r.ID); err != nil {
			return portal.Case{}, fmt.Errorf("store: lock case: %w", err)
		}
		// Read again under the lock: a concurrent change committed first.
		if err := sqlx.GetContext(ctx, ex, &r, qCaseByKey, key, string(actor.Kind), actor.Subject().Digits(),
			string(actor.Subject().Kind()), pq.Array(hsaStrings(actor.CaseProviders())), guardianID(actor), s.today()); err != nil {
			return portal.Case{}, fmt.Errorf("store: case: %w", err)
		}
	}
	c := r.toCase()
	if err := sqlx.SelectContext(ctx, ex, &c.Events, qCaseEventIDs, r.ID); err != nil {
		return portal.Case{}, fmt.Errorf("store: case events: %w", err)
	}
	var tl []timelineRow
	if err := sqlx.SelectContext(ctx, ex, &tl, qCaseTimeline, r.ID); err != nil {
		return portal.Case{}, fmt.Errorf("store: case timeline: %w", err)
	}
	for _, t := range tl {
		c.Timeline = append(c.Timeline, portal.TimelineEntry{Kind: portal.TimelineKind(t.Kind), ActorKind: portal.ActorKind(t.ActorKind),
			ActorID: t.ActorID, At: t.At, Text: t.Text, From: portal.CaseStatus(t.From), To: portal.CaseStatus(t.To)})
	}
	if !portal.CanSeeCaseNotes(actor, c) {
		c.Timeline, c.DecisionReason, c.AssignedTo = c.PatientTimeline(), "", ""
	}
	return c, nil
}

func (r caseRow) toCase() portal.Case {
	c := portal.Case{ID: r.ID, Key: r.Key, Number: r.Number, Source: portal.CaseSource(r.Source),
		Status: portal.CaseStatus(r.Status), Outcome: portal.Outcome(r.Outcome), Staff: portal.HSAID(r.Staff),
		Provider: portal.HSAID(r.Provider), Priority: r.Priority, DecisionReason: r.DecisionReason,
		PatientMessage: r.PatientMessage, AssignedTo: portal.HSAID(r.AssignedTo), Flagged: r.Flagged, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.PatientID != "" {
		c.Patient = portal.PersonalIDFromDB(r.PatientID, portal.IDKind(r.PatientIDKind), r.PatientIDRoot)
	}
	return c
}

// TransitionCase moves a case to another status (not decided: DecideCase).
func (s *Store) TransitionCase(ctx context.Context, actor portal.Actor, key string, to portal.CaseStatus) (portal.Case, error) {
	return s.workCase(ctx, actor, key, func(c *portal.Case, at time.Time) error { return c.Transition(to, actor, at) })
}

// AddNote adds an internal note to a case.
func (s *Store) AddNote(ctx context.Context, actor portal.Actor, key, text string) (portal.Case, error) {
	return s.workCase(ctx, actor, key, func(c *portal.Case, at time.Time) error { return c.AddNote(text, actor, at) })
}

// DecideCase records a decision.
func (s *Store) DecideCase(ctx context.Context, actor portal.Actor, key string, d portal.Decision) (portal.Case, error) {
	return s.workCase(ctx, actor, key, func(c *portal.Case, at time.Time) error { return c.Decide(d, actor, at) })
}

// workCase locks the case, lets the domain change it (which enforces who
// may and which transitions exist) and saves the case with its new
// timeline entries in one transaction.
func (s *Store) workCase(ctx context.Context, actor portal.Actor, key string, change func(*portal.Case, time.Time) error) (portal.Case, error) {
	return s.workCaseTx(ctx, actor, key, func(_ *sqlx.Tx, c *portal.Case, at time.Time) error { return change(c, at) })
}

// workCaseTx is workCase for changes that write more in the same
// transaction (a statement request).
func (s *Store) workCaseTx(ctx context.Context, actor portal.Actor, key string, change func(*sqlx.Tx, *portal.Case, time.Time) error) (portal.Case, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return portal.Case{}, fmt.Errorf("store: case: %w", err)
	}
	defer tx.Rollback()
	c, err := s.readCase(ctx, tx, actor, key, true)
	if err != nil {
		return portal.Case{}, err
	}
	before, status := len(c.Timeline), c.Status
	if err := change(tx, &c, s.clock.Now()); err != nil {
		return portal.Case{}, err
	}
	if _, err := tx.ExecContext(ctx, qSaveCase, c.ID, string(c.Status), string(c.Outcome), c.DecisionReason,
		c.PatientMessage, c.UpdatedAt, string(c.AssignedTo)); err != nil {
		return portal.Case{}, fmt.Errorf("store: save case: %w", err)
	}
	if err := insertTimeline(ctx, tx, c.ID, c.Timeline[before:]); err != nil {
		return portal.Case{}, err
	}
	if err := enqueueFlagChange(ctx, tx, c.ID, status, c.Status, c.UpdatedAt); err != nil { // notify.go
		return portal.Case{}, err
	}
	// A decision changes how the person's other open cases rank.
	if err := refreshStaffCases(ctx, tx, string(c.Staff)); err != nil {
		return portal.Case{}, err
	}
	if err := tx.Commit(); err != nil {
		return portal.Case{}, fmt.Errorf("store: save case: %w", err)
	}
	return s.Case(ctx, actor, key)
}

// PatientFlag is one of a patient's flags as "my flags" shows it: what
// they said, and where its case stands. Never the case's internal parts.
type PatientFlag struct {
	ID             int64             `db:"id"`
	Reason         portal.FlagReason `db:"reason"`
	Text           string            `db:"text"`
	CreatedAt      time.Time         `db:"created_at"`
	Events         int               `db:"events"`
	FirstAccess    sql.NullTime      `db:"first_access"`
	CaseKey        string            `db:"case_key"`
	CaseNumber     string            `db:"case_number"`
	Status         portal.CaseStatus `db:"status"`
	Outcome        portal.Outcome    `db:"outcome"`
	PatientMessage string            `db:"patient_message"` // only once decided
	UpdatedAt      time.Time         `db:"updated_at"`
}

// FlagsForPatient lists the flags the actor filed, newest first: a
// guardian's about the child they act for, never the child's other
// guardian's. Only a patient has flags; staff and system get Forbidden
// here (they read cases).
func (s *Store) FlagsForPatient(ctx context.Context, actor portal.Actor) ([]PatientFlag, error) {
	if !portal.CanFlag(actor, actor.Subject()) {
		return nil, portal.Errorf(portal.Forbidden, "case.error.forbidden", "flags are read by their patient")
	}
	var out []PatientFlag
	p := actor.Subject()
	if err := s.db.SelectContext(ctx, &out, qFlagsForPatient, p.Digits(), string(p.Kind()),
		guardianID(actor), s.today()); err != nil {
		return nil, fmt.Errorf("store: flags: %w", err)
	}
	for i := range out {
		if out[i].Status != portal.StatusDecided && out[i].Status != portal.StatusClosed {
			out[i].Outcome, out[i].PatientMessage = "", ""
		}
	}
	return out, nil
}

func hsaStrings(ids []portal.HSAID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
