package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/lib/pq"
)

const (
	// qListControls lists the controls the reader may read, newest first,
	// with the names the report shows. $1 limited, $2 providers (every
	// unit), $8 units (a head of unit's), $3 provider ('' any), $4 unit
	// ('' any), $5–$6 completed in [from, to).
	qListControls = `
SELECT c.id, c.key, c.kind, c.provider_hsa_id, COALESCE(p.name, '') AS provider_name, c.unit_hsa_id,
       COALESCE(u.name, '') AS unit_name, c.period_from, c.period_to, c.criteria, c.items, c.reviewer_kind,
       c.reviewer_id,
       CASE WHEN c.reviewer_kind = 'staff' AND NOT COALESCE(st.protected_identity, false)
            THEN COALESCE(NULLIF(btrim(st.given_name || ' ' || st.family_name), ''), '') ELSE '' END AS reviewer_name,
       c.completed_at, c.result, c.actions, COALESCE(cs.number, '') AS case_number, COALESCE(cs.key, '') AS case_key,
       COALESCE(sm.criteria, '') AS sample_criteria,
       COALESCE(NULLIF(btrim(cst.given_name || ' ' || cst.family_name), ''), '') AS staff_name,
       COALESCE(cst.protected_identity, false) AS staff_protected
FROM controls c
LEFT JOIN providers p ON p.hsa_id = c.provider_hsa_id
LEFT JOIN units u ON u.hsa_id = c.unit_hsa_id AND c.unit_hsa_id <> ''
LEFT JOIN staff st ON st.hsa_id = c.reviewer_id AND c.reviewer_kind = 'staff'
LEFT JOIN cases cs ON cs.id = c.case_id
LEFT JOIN samples sm ON sm.id = c.sample_id
LEFT JOIN staff cst ON cst.hsa_id = COALESCE(NULLIF(c.criteria->>'staff', ''), '')
WHERE (NOT $1 OR c.provider_hsa_id = ANY($2) OR (c.unit_hsa_id <> '' AND c.unit_hsa_id = ANY($8)))
  AND ($3 = '' OR c.provider_hsa_id = $3)
  AND ($4 = '' OR c.unit_hsa_id = $4) AND c.completed_at >= $5 AND c.completed_at < $6
ORDER BY c.completed_at DESC, c.id DESC
LIMIT $7`

	qSetControlActions = `
UPDATE controls SET actions = $3 WHERE key = $1 AND provider_hsa_id = ANY($2) RETURNING id`

	// qAuthorisationList is the list a head of unit goes through: staff
	// with an assignment at a unit of the reader's providers whose
	// employment or every assignment at the unit has ended, and who appear
	// in the logs after that end (after employment: acting anywhere; after
	// the assignment: acting for the unit). $1 limited, $2 providers,
	// $3 unit ('' all), $4 today (Stockholm).
	qAuthorisationList = `
WITH ended AS (
    SELECT a.staff_hsa_id, a.unit_hsa_id, u.name AS unit_name, u.provider_hsa_id,
           max(a.valid_to) AS assignment_end, string_agg(DISTINCT a.name, ', ') AS assignment
    FROM assignments a JOIN units u ON u.hsa_id = a.unit_hsa_id
    WHERE (NOT $1 OR u.provider_hsa_id = ANY($2) OR a.unit_hsa_id = ANY($5)) AND ($3 = '' OR a.unit_hsa_id = $3)
    GROUP BY a.staff_hsa_id, a.unit_hsa_id, u.name, u.provider_hsa_id),
cand AS (
    SELECT e.*, st.given_name, st.family_name, st.title, st.protected_identity, st.employed_to,
           CASE WHEN e.assignment_end < $4 THEN e.assignment_end END AS ended_assignment,
           CASE WHEN st.employed_to < $4 THEN st.employed_to END AS ended_employment
    FROM ended e JOIN staff st ON st.hsa_id = e.staff_hsa_id
    WHERE e.assignment_end < $4 OR st.employed_to < $4)
SELECT c.staff_hsa_id, c.unit_hsa_id, c.unit_name, c.provider_hsa_id, c.assignment,
       CASE WHEN c.protected_identity THEN '' ELSE btrim(c.given_name || ' ' || c.family_name) END AS staff_name,
       c.protected_identity, c.title, c.ended_assignment, c.ended_employment, x.accesses, x.last_access
FROM cand c
CROSS JOIN LATERAL (
    SELECT count(*) AS accesses, max(ev.occurred_at) AS last_access
    FROM access_events ev
    WHERE ev.actor_hsa_id = c.staff_hsa_id
      AND ((c.ended_employment IS NOT NULL
            AND ev.occurred_at >= (c.ended_employment + 1)::timestamp AT TIME ZONE 'Europe/Stockholm')
        OR (c.ended_assignment IS NOT NULL AND ev.actor_unit_hsa_id = c.unit_hsa_id
            AND ev.occurred_at >= (c.ended_assignment + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'))) x
WHERE x.accesses > 0
ORDER BY c.unit_name, x.last_access DESC, c.staff_hsa_id`

	qUnitName = `
SELECT u.name AS unit_name, u.provider_hsa_id, COALESCE(p.name, '') AS provider_name
FROM units u LEFT JOIN providers p ON p.hsa_id = u.provider_hsa_id WHERE u.hsa_id = $1`
)

// ControlCriteria is a control's selection criteria as stored; the report
// words them.
type ControlCriteria struct {
	// A decided case.
	Case        string   `json:"case,omitempty"`
	Staff       string   `json:"staff,omitempty"`
	Rules       []string `json:"rules,omitempty"`
	FlagReasons []string `json:"flag_reasons,omitempty"`
	Targeted    bool     `json:"targeted,omitempty"` // the case came from a targeted check
	// A sample.
	Seed         int64 `json:"seed,omitempty"`
	UsersPerUnit int   `json:"users_per_unit,omitempty"`
	Candidates   int   `json:"candidates,omitempty"`
	Drawn        int   `json:"drawn,omitempty"`
	// A targeted check.
	Subject    string `json:"subject,omitempty"`
	StaffName  string `json:"staff_name,omitempty"`
	Checkpoint string `json:"checkpoint,omitempty"`
}

// checkCriteria is what a targeted check's control keeps of its query:
// never the patient's personal id (the report goes to a head of unit).
func checkCriteria(q portal.CheckQuery) (string, error) {
	b, err := json.Marshal(ControlCriteria{Subject: string(q.Subject), Staff: string(q.Staff), StaffName: q.StaffName,
		Checkpoint: string(q.Checkpoint)})
	if err != nil {
		return "", fmt.Errorf("store: check criteria: %w", err)
	}
	return string(b), nil
}

// ControlView is one completed check as the registry and the report show it.
type ControlView struct {
	ID             int64                `db:"id"`
	Key            string               `db:"key"`
	Kind           portal.ControlKind   `db:"kind"`
	Provider       string               `db:"provider_hsa_id"`
	ProviderName   string               `db:"provider_name"`
	Unit           string               `db:"unit_hsa_id"`
	UnitName       string               `db:"unit_name"`
	From           time.Time            `db:"period_from"`
	To             time.Time            `db:"period_to"`
	CriteriaJSON   []byte               `db:"criteria"`
	Criteria       ControlCriteria      `db:"-"`
	Items          int                  `db:"items"`
	ReviewerKind   string               `db:"reviewer_kind"`
	ReviewerID     string               `db:"reviewer_id"`
	ReviewerName   string               `db:"reviewer_name"` // "" for the system or a protected identity
	CompletedAt    time.Time            `db:"completed_at"`
	Result         portal.ControlResult `db:"result"`
	Actions        string               `db:"actions"`
	CaseNumber     string               `db:"case_number"`
	CaseKey        string               `db:"case_key"`
	SampleCriteria string               `db:"sample_criteria"`
	StaffName      string               `db:"staff_name"` // whose accesses, when the criteria name a person
	StaffProtected bool                 `db:"staff_protected"`
}

// ControlFilter narrows the registry.
type ControlFilter struct {
	Provider portal.HSAID // "" all the reader's
	Unit     portal.HSAID // "" all
	From, To time.Time    // completed in [From, To); zero: open
	Limit    int
}

// controlScope is what the reader may read of controls and authorisation
// lists: the system everything; a reviewer every unit of their providers;
// a head of unit their own units. Anyone else is refused.
type controlScope struct {
	limited   bool
	providers []string
	units     []string
}

func controlScopeOf(actor portal.Actor) (controlScope, error) {
	if err := actor.Validate(); err != nil {
		return controlScope{}, err
	}
	switch actor.Kind {
	case portal.ActorSystem:
		return controlScope{providers: []string{}, units: []string{}}, nil
	case portal.ActorStaff:
		sc := controlScope{limited: true, providers: hsaStrings(actor.CaseProviders()), units: hsaStrings(actor.HeadOfUnits())}
		if len(sc.providers)+len(sc.units) > 0 {
			return sc, nil
		}
	}
	return controlScope{}, portal.Errorf(portal.Forbidden, "controls.error.forbidden", "only reviewers and heads of unit read controls")
}

// ListControls is the controls registry, newest first, scoped in SQL to
// the reader's providers.
func (s *Store) ListControls(ctx context.Context, actor portal.Actor, f ControlFilter) ([]ControlView, error) {
	sc, err := controlScopeOf(actor)
	if err != nil {
		return nil, err
	}
	from, to := openPeriod(f.From, f.To)
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	out := []ControlView{}
	if err := s.db.SelectContext(ctx, &out, qListControls, sc.limited, pq.Array(sc.providers), string(f.Provider),
		string(f.Unit), from, to, f.Limit, pq.Array(sc.units)); err != nil {
		return nil, fmt.Errorf("store: list controls: %w", err)
	}
	for i := range out {
		if err := json.Unmarshal(out[i].CriteriaJSON, &out[i].Criteria); err != nil {
			return nil, fmt.Errorf("store: control criteria: %w", err)
		}
		if out[i].StaffProtected {
			out[i].StaffName = ""
		}
	}
	return out, nil
}

// SetControlActions records what was done after a control; a reviewer of
// the control's provider writes it. Another provider's key is not found.
func (s *Store) SetControlActions(ctx context.Context, actor portal.Actor, key, actions string) error {
	actions = strings.TrimSpace(actions)
	if actor.Validate() != nil || len(actor.CaseProviders()) == 0 {
		return portal.Errorf(portal.Forbidden, "controls.error.forbidden", "only reviewers record actions")
	}
	c := portal.CheckCompletion{Result: portal.ResultNoFindings, Actions: actions}
	if errs := c.Validate(); errs["actions"] != nil {
		return errs["actions"]
	}
	var id int64
	err := s.db.GetContext(ctx, &id, qSetControlActions, key, pq.Array(hsaStrings(actor.CaseProviders())), actions)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: control: %w", portal.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: control actions: %w", err)
	}
	return nil
}

// AuthorisationRow is one person on a unit's authorisation list.
type AuthorisationRow struct {
	Staff           string       `db:"staff_hsa_id"`
	Unit            string       `db:"unit_hsa_id"`
	UnitName        string       `db:"unit_name"`
	Provider        string       `db:"provider_hsa_id"`
	Assignment      string       `db:"assignment"`
	StaffName       string       `db:"staff_name"` // "" for a protected identity
	Protected       bool         `db:"protected_identity"`
	Title           string       `db:"title"`
	AssignmentEnded sql.NullTime `db:"ended_assignment"`
	EmploymentEnded sql.NullTime `db:"ended_employment"`
	Accesses        int          `db:"accesses"`
	LastAccess      time.Time    `db:"last_access"`
}

// AuthorisationList lists, for the units of the reader's providers (or
// one unit), the staff whose employment or assignment there has ended but
// who still appear in the logs after it: whose authorisation a head of
// unit must withdraw or explain.
func (s *Store) AuthorisationList(ctx context.Context, actor portal.Actor, unit portal.HSAID) ([]AuthorisationRow, error) {
	sc, err := controlScopeOf(actor)
	if err != nil {
		return nil, err
	}
	n := s.clock.Now().In(portal.Stockholm)
	today := n.Format(time.DateOnly)
	out := []AuthorisationRow{}
	if err := s.db.SelectContext(ctx, &out, qAuthorisationList, sc.limited, pq.Array(sc.providers), string(unit), today,
		pq.Array(sc.units)); err != nil {
		return nil, fmt.Errorf("store: authorisation list: %w", err)
	}
	return out, nil
}

// UnitInfo names a unit and its provider.
type UnitInfo struct {
	HSAID        portal.HSAID `db:"-"`
	Name         string       `db:"unit_name"`
	Provider     string       `db:"provider_hsa_id"`
	ProviderName string       `db:"provider_name"`
}

// Unit looks a unit up for a reader of its provider's controls; a unit of
// another provider, like an unknown one, is not found.
func (s *Store) Unit(ctx context.Context, actor portal.Actor, unit portal.HSAID) (UnitInfo, error) {
	sc, err := controlScopeOf(actor)
	if err != nil {
		return UnitInfo{}, err
	}
	var u UnitInfo
	err = s.db.GetContext(ctx, &u, qUnitName, string(unit))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sc.limited && !containsString(sc.providers, u.Provider) &&
		!containsString(sc.units, string(unit))) {
		return UnitInfo{}, &portal.Error{Code: portal.NotFound, MsgID: "controls.error.unknown_unit", Detail: "no such unit", Err: portal.ErrNotFound}
	}
	if err != nil {
		return UnitInfo{}, fmt.Errorf("store: unit: %w", err)
	}
	u.HSAID = unit
	return u, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const qControlUnits = `
SELECT u.hsa_id, u.name AS unit_name, u.provider_hsa_id, COALESCE(p.name, '') AS provider_name
FROM units u LEFT JOIN providers p ON p.hsa_id = u.provider_hsa_id
WHERE NOT $1 OR u.provider_hsa_id = ANY($2) OR u.hsa_id = ANY($3)
ORDER BY u.name, u.hsa_id`

// ControlUnits lists the units whose controls the reader may read: every
// unit of a reviewer's providers, a head of unit's own.
func (s *Store) ControlUnits(ctx context.Context, actor portal.Actor) ([]UnitInfo, error) {
	sc, err := controlScopeOf(actor)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		UnitInfo
		ID string `db:"hsa_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, qControlUnits, sc.limited, pq.Array(sc.providers), pq.Array(sc.units)); err != nil {
		return nil, fmt.Errorf("store: control units: %w", err)
	}
	out := make([]UnitInfo, len(rows))
	for i, r := range rows {
		out[i] = r.UnitInfo
		out[i].HSAID = portal.HSAID(r.ID)
	}
	return out, nil
}
