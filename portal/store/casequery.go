package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	// qCaseEvidence gathers in one statement what a case's priority and
	// narrative are computed from (review.Evidence, review.Subject). Each
	// access is explained by insyn_explaining_relation (migration 00007), the
	// reading the extract uses. The actor's person and the patient are
	// compared through the population register: the staff member's
	// personal id names their own patients row.
	qCaseEvidence = `
SELECT k.id AS case_id, q.* FROM unnest($1::bigint[]) AS k(id) CROSS JOIN LATERAL (
WITH c AS (SELECT * FROM cases WHERE id = k.id),
ev AS (
    SELECT e.patient_id, (e.emergency OR e.activity = 'emergency') AS emergency,
           (x.relation_id IS NOT NULL) AS explained,
           COALESCE(NULLIF(u.name, ''), e.actor_unit_name) AS unit_name
    FROM case_events ce
    JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
    LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
    LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) x ON true
    WHERE ce.case_id = k.id),
st AS (SELECT s.* FROM staff s JOIN c ON s.hsa_id = c.staff_hsa_id AND c.staff_hsa_id <> ''),
ps AS (SELECT p.* FROM patients p JOIN st ON p.personal_id = st.personal_id AND st.personal_id <> ''),
pp AS (SELECT p.* FROM patients p JOIN c ON p.personal_id = c.patient_id AND p.id_kind = c.patient_id_kind),
pair AS (
    SELECT ps.family_name AS ps_family, pp.family_name AS pp_family, ps.postal_code AS ps_postal,
           pp.postal_code AS pp_postal,
           lower(regexp_replace(btrim(ps.street), '\s+', ' ', 'g')) AS ps_street,
           lower(regexp_replace(btrim(pp.street), '\s+', ' ', 'g')) AS pp_street
    FROM ps, pp WHERE ps.personal_id <> pp.personal_id)
SELECT c.source,
    (SELECT count(*) FROM flags f WHERE f.case_id = c.id) AS flags,
    (SELECT count(*) FROM flags f WHERE f.case_id = c.id AND f.filed_by <> '') AS guardian_flags,
    COALESCE((SELECT st.personal_id <> '' AND st.personal_id = c.patient_id FROM st), false) AS self,
    (EXISTS (SELECT 1 FROM st JOIN relations r
             ON (r.personal_id_a = st.personal_id AND r.personal_id_b = c.patient_id)
             OR (r.personal_id_b = st.personal_id AND r.personal_id_a = c.patient_id)
             WHERE st.personal_id <> '')
     OR EXISTS (SELECT 1 FROM pair WHERE ps_street <> '' AND ps_street = pp_street AND ps_postal = pp_postal
                AND lower(ps_family) = lower(pp_family))) AS relative,
    EXISTS (SELECT 1 FROM pair WHERE ps_street <> '' AND ps_street = pp_street AND ps_postal = pp_postal) AS same_street,
    EXISTS (SELECT 1 FROM pair WHERE ps_postal <> '' AND ps_postal = pp_postal) AS same_postal,
    EXISTS (SELECT 1 FROM staff s2 WHERE s2.personal_id = c.patient_id AND s2.personal_id <> ''
            AND s2.hsa_id <> c.staff_hsa_id
            AND NOT EXISTS (SELECT 1 FROM st WHERE st.personal_id = c.patient_id)) AS colleague,
    EXISTS (SELECT 1 FROM staff s2
            JOIN assignments a2 ON a2.staff_hsa_id = s2.hsa_id
            JOIN assignments a1 ON a1.unit_hsa_id = a2.unit_hsa_id AND a1.staff_hsa_id = c.staff_hsa_id
            WHERE s2.personal_id = c.patient_id AND s2.personal_id <> '' AND s2.hsa_id <> c.staff_hsa_id
              AND NOT EXISTS (SELECT 1 FROM st WHERE st.personal_id = c.patient_id)) AS same_unit,
    (c.patient_id IS NOT NULL AND c.staff_hsa_id <> '' AND NOT EXISTS (
        SELECT 1 FROM access_events w
        WHERE w.patient_id = c.patient_id AND w.patient_id_kind = c.patient_id_kind
          AND w.actor_hsa_id = c.staff_hsa_id AND w.activity IN ('write', 'sign'))) AS never_documented,
    (SELECT count(*) FROM ev) AS events,
    (SELECT count(*) FROM ev WHERE NOT explained) AS unexplained,
    (SELECT count(DISTINCT patient_id) FROM ev) AS patients,
    (SELECT count(*) FROM ev WHERE emergency) AS emergencies,
    -- Being drawn in a sample is no offence; a sample decided unjustified is.
    (SELECT count(*) FROM cases o WHERE c.staff_hsa_id <> '' AND o.staff_hsa_id = c.staff_hsa_id AND o.id < c.id
        AND (o.source <> 'sample' OR o.outcome = 'unjustified')) AS earlier,
    (SELECT count(*) FROM cases o WHERE c.staff_hsa_id <> '' AND o.staff_hsa_id = c.staff_hsa_id AND o.id < c.id
        AND o.outcome = 'unjustified') AS earlier_unjustified,
    c.staff_hsa_id,
    -- A colleague with protected identity is named by HSA-id only, even
    -- in a sentence only reviewers read.
    COALESCE((SELECT btrim(st.given_name || ' ' || st.family_name) FROM st WHERE NOT st.protected_identity), '') AS staff_name,
    COALESCE((SELECT st.title FROM st), '') AS title,
    COALESCE((SELECT unit_name FROM ev WHERE unit_name <> '' GROUP BY unit_name ORDER BY count(*) DESC, unit_name LIMIT 1), '') AS unit,
    COALESCE(sm.month::timestamp, date_trunc('month', c.created_at AT TIME ZONE 'Europe/Stockholm')) AS month
FROM c LEFT JOIN samples sm ON sm.id = c.sample_id) q
ORDER BY k.id`

	// qRuleHits is the cases' rule hits (migration 00007) that stand: their
	// severity ranks the case; a withdrawn hit (00013) no longer counts.
	qRuleHits = `
SELECT case_id, rule, severity::text FROM rule_hits WHERE case_id = ANY($1) AND withdrawn_at IS NULL
ORDER BY case_id, rule`

	// qSetCasePriority writes every refreshed case's priority and
	// narratives in one statement, with the wording they were written in.
	qSetCasePriority = `
UPDATE cases c SET priority = u.priority, narrative_sv = u.sv, narrative_en = u.en, narrative_version = $5
FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[]) AS u(id, priority, sv, en)
WHERE c.id = u.id`

	// qStaleNarratives is every case whose narratives were written in an
	// older wording than the code's.
	qStaleNarratives = `SELECT id FROM cases WHERE narrative_version < $1 ORDER BY id`

	qOpenCasesOfStaff = `
SELECT id FROM cases WHERE staff_hsa_id = $1 AND $1 <> '' AND status IN ('new', 'investigating', 'awaiting_statement')
ORDER BY id`

	// qCaseSeverity is a case's highest rule severity ('' without hits).
	qCaseSeverity = `
LEFT JOIN LATERAL (
    SELECT COALESCE(CASE max(CASE h.severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END)
                    WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' END, '') AS severity
    FROM rule_hits h WHERE h.case_id = c.id) sv ON true`

	// qCaseWhere filters the queue ($1..$11; empty or zero does not
	// filter). The scope is the reader's, in SQL: the system all ($6
	// false), a reviewer their providers' cases ($7). A case is of a unit
	// when one of its accesses was made for it, or its sample drew there.
	qCaseWhere = `
WHERE ($1 = '' OR c.source = $1) AND ($2 = '' OR c.status = $2) AND ($3 = '' OR c.provider_hsa_id = $3)
  AND ($4 = '' OR c.staff_hsa_id = $4) AND c.id <> $5 AND ($8 = 0 OR c.id = $8)
  AND (NOT $6 OR c.provider_hsa_id = ANY($7))
  AND ($9 = '' OR EXISTS (SELECT 1 FROM case_events ce JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
                          WHERE ce.case_id = c.id AND e.actor_unit_hsa_id = $9)
               OR EXISTS (SELECT 1 FROM samples sm WHERE sm.id = c.sample_id AND sm.unit_hsa_id = $9))
  AND ($10 = '' OR sv.severity = $10) AND ($11 = '' OR c.assigned_to = $11)`

	// qListCases is the queue: highest priority first, then oldest.
	qListCases = `
SELECT c.id, c.key, c.number, c.source, c.status, COALESCE(c.outcome, '') AS outcome, c.priority,
       c.staff_hsa_id, CASE WHEN st.protected_identity THEN '' ELSE COALESCE(btrim(st.given_name || ' ' || st.family_name), '') END AS staff_name,
       c.provider_hsa_id, COALESCE(c.patient_id, '') AS patient_id, COALESCE(c.patient_id_kind, '') AS patient_id_kind,
       c.patient_id_root, COALESCE(c.narrative_sv, '') AS narrative_sv, COALESCE(c.narrative_en, '') AS narrative_en,
       (SELECT count(*) FROM case_events ce WHERE ce.case_id = c.id) AS events,
       c.assigned_to, COALESCE((SELECT btrim(a.given_name || ' ' || a.family_name) FROM staff a WHERE a.hsa_id = c.assigned_to), '') AS assigned_name,
       sv.severity, c.created_at, c.updated_at,
       EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id) AS flagged,
       EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id AND f.filed_by <> '')
           AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id AND f.filed_by = '') AS guardian_flagged
FROM cases c
LEFT JOIN staff st ON st.hsa_id = c.staff_hsa_id AND c.staff_hsa_id <> ''` + qCaseSeverity + qCaseWhere + `
ORDER BY c.priority DESC, c.created_at, c.id
LIMIT $12 OFFSET $13`

	// qCaseCounts counts the filtered queue per status.
	qCaseCounts = `SELECT c.status, count(*) AS n FROM cases c` + qCaseSeverity + qCaseWhere + ` GROUP BY c.status`

	qCaseKeyByRef = `SELECT key FROM cases WHERE key = $1 OR number = $1`

	// qCaseEventsView lists a case's accesses with the words' codes, the
	// names of reference data and the explanation of each.
	qCaseEventsView = `
SELECT e.id, e.occurred_at, e.actor_hsa_id, e.actor_unit_hsa_id,
       COALESCE(NULLIF(u.name, ''), e.actor_unit_name) AS unit_name,
       e.activity, e.purpose, e.resource_type, (e.emergency OR e.activity = 'emergency') AS emergency,
       e.patient_id, e.patient_id_kind, e.patient_id_root,
       COALESCE(x.kind, '') AS relation_kind, COALESCE(NULLIF(xu.name, ''), x.unit_hsa_id, '') AS relation_unit,
       COALESCE(x.by_staff, false) AS relation_by_staff, x.starts_at AS relation_starts_at, x.ends_at AS relation_ends_at
FROM case_events ce
JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) x ON true
LEFT JOIN units xu ON xu.hsa_id = x.unit_hsa_id
WHERE ce.case_id = $1
ORDER BY e.occurred_at, e.id`

	qCaseFlags = `SELECT reason, text, created_at, cardinality(events) AS events, filed_by <> '' AS by_guardian FROM flags WHERE case_id = $1 ORDER BY created_at, id`

	qCaseSample = `
SELECT s.month, s.unit_hsa_id, s.seed, s.users_per_unit, s.candidates, s.criteria
FROM samples s JOIN cases c ON c.sample_id = s.id WHERE c.id = $1`

	// qRecordCaseRead records in log_reads that a case's accesses were
	// read, one row per patient among them, before any is shown.
	qRecordCaseRead = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, provider_hsa_id, rows)
SELECT $2, $3, $4, $5, e.patient_id, $6, $7, count(*)
FROM case_events ce JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
WHERE ce.case_id = $1
GROUP BY e.patient_id`
)

type evidenceRow struct {
	CaseID             int64     `db:"case_id"`
	Source             string    `db:"source"`
	Flags              int       `db:"flags"`
	GuardianFlags      int       `db:"guardian_flags"`
	Self               bool      `db:"self"`
	Relative           bool      `db:"relative"`
	SameStreet         bool      `db:"same_street"`
	SamePostal         bool      `db:"same_postal"`
	Colleague          bool      `db:"colleague"`
	SameUnit           bool      `db:"same_unit"`
	NeverDocumented    bool      `db:"never_documented"`
	Events             int       `db:"events"`
	Unexplained        int       `db:"unexplained"`
	Patients           int       `db:"patients"`
	Emergencies        int       `db:"emergencies"`
	Earlier            int       `db:"earlier"`
	EarlierUnjustified int       `db:"earlier_unjustified"`
	Staff              string    `db:"staff_hsa_id"`
	StaffName          string    `db:"staff_name"`
	Title              string    `db:"title"`
	Unit               string    `db:"unit"`
	Month              time.Time `db:"month"`
}

// narrativeTexts is the catalogue narratives are written from, in both
// languages: a case carries its sentence in Swedish and English.
var narrativeTexts = sync.OnceValue(func() *i18n.Catalog { return i18n.MustLoad(portal.Stockholm) })

// caseEvidence gathers a case's evidence and subject.
func caseEvidence(ctx context.Context, q sqlx.QueryerContext, caseID int64) (review.Evidence, review.Subject, error) {
	_, ev, subj, err := casesEvidence(ctx, q, []int64{caseID})
	if err != nil {
		return review.Evidence{}, review.Subject{}, err
	}
	if len(ev) != 1 {
		return review.Evidence{}, review.Subject{}, fmt.Errorf("store: case evidence: %w", portal.ErrNotFound)
	}
	return ev[0], subj[0], nil
}

// casesEvidence gathers the evidence and subject of many cases in two
// statements; it returns the ids of the cases found, ascending, and their
// evidence and subject in that order.
func casesEvidence(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]int64, []review.Evidence, []review.Subject, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var rows []evidenceRow
	if err := sqlx.SelectContext(ctx, q, &rows, qCaseEvidence, pq.Array(ids)); err != nil {
		return nil, nil, nil, fmt.Errorf("store: case evidence: %w", err)
	}
	var hits []struct {
		CaseID   int64  `db:"case_id"`
		Rule     string `db:"rule"`
		Severity string `db:"severity"`
	}
	if err := sqlx.SelectContext(ctx, q, &hits, qRuleHits, pq.Array(ids)); err != nil {
		return nil, nil, nil, fmt.Errorf("store: rule hits: %w", err)
	}
	found, evs, subjs := make([]int64, len(rows)), make([]review.Evidence, len(rows)), make([]review.Subject, len(rows))
	h := 0
	for i, r := range rows {
		e := review.Evidence{Source: portal.CaseSource(r.Source), Flags: r.Flags, GuardianFlags: r.GuardianFlags, Watchlist: r.Source == string(portal.SourceWatchlist),
			Self: r.Self, Relative: r.Relative, SameStreet: r.SameStreet, SamePostalCode: r.SamePostal,
			Colleague: r.Colleague, SameUnit: r.SameUnit, NeverDocumented: r.NeverDocumented,
			Events: r.Events, Unexplained: r.Unexplained, Patients: r.Patients, Emergencies: r.Emergencies,
			EarlierCases: r.Earlier, EarlierUnjustified: r.EarlierUnjustified}
		// Both lists are in case order: walk the hits alongside.
		for h < len(hits) && hits[h].CaseID < r.CaseID {
			h++
		}
		for ; h < len(hits) && hits[h].CaseID == r.CaseID; h++ {
			e.Rules = append(e.Rules, review.RuleHit{Rule: hits[h].Rule, Severity: review.ParseSeverity(hits[h].Severity)})
		}
		found[i], evs[i] = r.CaseID, e
		subjs[i] = review.Subject{StaffHSAID: r.Staff, StaffName: r.StaffName, Title: r.Title, Unit: r.Unit, Month: r.Month}
	}
	return found, evs, subjs, nil
}

// RefreshCase recomputes a case's priority and narratives from its
// evidence and stores them. Whatever changes a case's evidence (a flag, a
// rule hit, a decision, new care relations) calls it; `insyn review run`
// refreshes the cases its hits joined all at once (refreshCases).
func (s *Store) RefreshCase(ctx context.Context, caseID int64) error {
	return refreshCase(ctx, s.db, caseID)
}

func refreshCase(ctx context.Context, ex sqlx.ExtContext, caseID int64) error {
	return refreshCases(ctx, ex, []int64{caseID})
}

// refreshCases recomputes many cases' priorities and narratives: their
// evidence in two statements, the sentences in Go (portal/review), and one
// update.
func refreshCases(ctx context.Context, ex sqlx.ExtContext, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	found, evs, subjs, err := casesEvidence(ctx, ex, ids)
	if err != nil {
		return err
	}
	cat := narrativeTexts()
	sv, en := cat.For("sv"), cat.For("en")
	n := len(evs)
	id, prio, nsv, nen := make([]int64, 0, n), make([]int64, 0, n), make([]string, 0, n), make([]string, 0, n)
	for i, e := range evs {
		id = append(id, found[i])
		prio = append(prio, int64(review.Priority(e)))
		nsv, nen = append(nsv, review.Narrative(sv, subjs[i], e)), append(nen, review.Narrative(en, subjs[i], e))
	}
	if _, err := ex.ExecContext(ctx, qSetCasePriority, pq.Array(id), pq.Array(prio), pq.Array(nsv), pq.Array(nen), review.NarrativeVersion); err != nil {
		return fmt.Errorf("store: case priority: %w", err)
	}
	return nil
}

// refreshCaseKey is refreshCase for a case known by its key.
func refreshCaseKey(ctx context.Context, ex sqlx.ExtContext, key string) error {
	var id int64
	if err := sqlx.GetContext(ctx, ex, &id, `SELECT id FROM cases WHERE key = $1`, key); err != nil {
		return fmt.Errorf("store: case: %w", err)
	}
	return refreshCase(ctx, ex, id)
}

// refreshStaffCases refreshes every open case of one member of staff: a
// decision on one of their cases changes how the others rank.
func refreshStaffCases(ctx context.Context, ex sqlx.ExtContext, staff string) error {
	var ids []int64
	if err := sqlx.SelectContext(ctx, ex, &ids, qOpenCasesOfStaff, staff); err != nil {
		return fmt.Errorf("store: open cases: %w", err)
	}
	for _, id := range ids {
		if err := refreshCase(ctx, ex, id); err != nil {
			return err
		}
	}
	return nil
}

// CaseFilter narrows the queue; empty fields do not filter.
type CaseFilter struct {
	Source     portal.CaseSource
	Status     portal.CaseStatus
	Provider   portal.HSAID
	Staff      portal.HSAID
	Unit       portal.HSAID // an access made for the unit, or a sample drawn there
	Severity   string       // the highest rule severity: low, medium, high
	AssignedTo portal.HSAID
	Limit      int // 0: 1000
	Offset     int
}

// CaseSummary is one line of the queue.
type CaseSummary struct {
	ID            int64             `db:"id" json:"-"`
	Key           string            `db:"key" json:"key"`
	Number        string            `db:"number" json:"number"`
	Source        portal.CaseSource `db:"source" json:"source"`
	Status        portal.CaseStatus `db:"status" json:"status"`
	Outcome       portal.Outcome    `db:"outcome" json:"outcome,omitempty"`
	Priority      int               `db:"priority" json:"priority"`
	Staff         string            `db:"staff_hsa_id" json:"actor_hsa_id"`
	StaffName     string            `db:"staff_name" json:"actor_name,omitempty"`
	Provider      string            `db:"provider_hsa_id" json:"provider_hsa_id"`
	PatientID     string            `db:"patient_id" json:"patient_id,omitempty"`
	PatientIDKind string            `db:"patient_id_kind" json:"patient_id_kind,omitempty"`
	PatientIDRoot string            `db:"patient_id_root" json:"-"`
	NarrativeSV   string            `db:"narrative_sv" json:"narrative_sv"`
	NarrativeEN   string            `db:"narrative_en" json:"narrative_en"`
	Events        int               `db:"events" json:"events"`
	AssignedTo    string            `db:"assigned_to" json:"assigned_to,omitempty"`
	AssignedName  string            `db:"assigned_name" json:"-"`
	Severity      string            `db:"severity" json:"severity,omitempty"`
	CreatedAt     time.Time         `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time         `db:"updated_at" json:"updated_at"`
	// Flagged: the patient has flagged an access of the case, also when a
	// rule or the watchlist opened it and the flag joined it.
	Flagged bool `db:"flagged" json:"flagged"`
	// GuardianFlagged: every flag on the case a guardian filed for the
	// child (migration 00021's filed_by).
	GuardianFlagged bool `db:"guardian_flagged" json:"guardian_flagged"`
}

// SourceKey names the case's source for its label: a flag only guardians
// filed is the guardian's report, not the patient's.
func (c CaseSummary) SourceKey() string {
	if c.Source == portal.SourceFlag && c.GuardianFlagged {
		return "flag_guardian"
	}
	return string(c.Source)
}

// Narrative is the sentence in lang ("sv" or "en").
func (c CaseSummary) Narrative(lang string) string {
	if lang == "en" {
		return c.NarrativeEN
	}
	return c.NarrativeSV
}

// caseListScope is who may list which cases: the system all, a reviewer
// their providers'; anyone else nothing.
func caseListScope(actor portal.Actor) (limited bool, providers []string, err error) {
	if err := actor.Validate(); err != nil {
		return false, nil, err
	}
	switch actor.Kind {
	case portal.ActorSystem:
		return false, []string{}, nil
	case portal.ActorStaff:
		return true, hsaStrings(actor.CaseProviders()), nil
	}
	return false, nil, portal.Errorf(portal.Forbidden, "case.error.forbidden", "only reviewers list cases")
}

// ListCases is the queue in the order it is worked: priority, then age.
func (s *Store) ListCases(ctx context.Context, actor portal.Actor, f CaseFilter) ([]CaseSummary, error) {
	return s.listCases(ctx, actor, f, 0, 0)
}

// listCases lists the queue without case except, or only case only (0:
// no such condition).
func (s *Store) listCases(ctx context.Context, actor portal.Actor, f CaseFilter, except, only int64) ([]CaseSummary, error) {
	limited, providers, err := caseListScope(actor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	out := []CaseSummary{}
	args := append(caseFilterArgs(f, except, only, limited, providers), f.Limit, max(f.Offset, 0))
	if err := s.db.SelectContext(ctx, &out, qListCases, args...); err != nil {
		return nil, fmt.Errorf("store: list cases: %w", err)
	}
	return out, nil
}

// caseFilterArgs are qCaseWhere's $1..$11.
func caseFilterArgs(f CaseFilter, except, only int64, limited bool, providers []string) []any {
	return []any{string(f.Source), string(f.Status), string(f.Provider), string(f.Staff), except, limited,
		pq.Array(providers), only, string(f.Unit), f.Severity, string(f.AssignedTo)}
}

// CaseCounts counts the cases the filter finds per status, whatever
// status it names: the queue's tabs.
func (s *Store) CaseCounts(ctx context.Context, actor portal.Actor, f CaseFilter) (map[portal.CaseStatus]int, error) {
	limited, providers, err := caseListScope(actor)
	if err != nil {
		return nil, err
	}
	f.Status = ""
	var rows []struct {
		Status portal.CaseStatus `db:"status"`
		N      int               `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, qCaseCounts, caseFilterArgs(f, 0, 0, limited, providers)...); err != nil {
		return nil, fmt.Errorf("store: count cases: %w", err)
	}
	out := map[portal.CaseStatus]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// CaseEventView is one access of a case as the reviewer reads it: codes
// the caller turns into words, the unit's name and the explanation.
type CaseEventView struct {
	ID               int64           `db:"id" json:"id"`
	OccurredAt       time.Time       `db:"occurred_at" json:"occurred_at"`
	Staff            string          `db:"actor_hsa_id" json:"actor_hsa_id"`
	UnitHSAID        string          `db:"actor_unit_hsa_id" json:"unit_hsa_id"`
	UnitName         string          `db:"unit_name" json:"unit_name"`
	Activity         portal.Activity `db:"activity" json:"activity"`
	Purpose          portal.Purpose  `db:"purpose" json:"purpose"`
	ResourceType     string          `db:"resource_type" json:"resource_type"`
	Emergency        bool            `db:"emergency" json:"emergency"`
	PatientID        string          `db:"patient_id" json:"patient_id"`
	PatientIDKind    string          `db:"patient_id_kind" json:"patient_id_kind"`
	PatientIDRoot    string          `db:"patient_id_root" json:"-"`
	RelationKind     string          `db:"relation_kind" json:"relation_kind,omitempty"` // "" when unexplained
	RelationUnit     string          `db:"relation_unit" json:"relation_unit,omitempty"`
	RelationByStaff  bool            `db:"relation_by_staff" json:"relation_names_actor,omitempty"`
	RelationStartsAt sql.NullTime    `db:"relation_starts_at" json:"-"`
	RelationEndsAt   sql.NullTime    `db:"relation_ends_at" json:"-"` // how far the access lies from it: extract.CareApart
}

// Explained tells whether a care relation explains the access.
func (e CaseEventView) Explained() bool { return e.RelationKind != "" }

// CaseFlagView is a patient's flag as the reviewer reads it.
type CaseFlagView struct {
	Reason    portal.FlagReason `db:"reason" json:"reason"`
	Text      string            `db:"text" json:"text"`
	CreatedAt time.Time         `db:"created_at" json:"created_at"`
	Events    int               `db:"events" json:"events"`
	// ByGuardian: a guardian filed it for their child (migration 00021),
	// in the child's words ("Barnet hade ingen vård …").
	ByGuardian bool `db:"by_guardian" json:"by_guardian"`
}

// SampleView is the draw a sample's case came from: what an auditor needs
// to repeat it.
type SampleView struct {
	Month        time.Time `db:"month" json:"month"`
	Unit         string    `db:"unit_hsa_id" json:"unit_hsa_id"`
	Seed         int64     `db:"seed" json:"seed"`
	UsersPerUnit int       `db:"users_per_unit" json:"users_per_unit"`
	Candidates   int       `db:"candidates" json:"candidates"`
	Criteria     string    `db:"criteria" json:"criteria"`
}

// CaseDetail is one case as `insyn cases show` prints it.
type CaseDetail struct {
	Case     portal.Case
	Summary  CaseSummary
	Evidence review.Evidence
	Signals  []review.Signal
	Events   []CaseEventView
	Flags    []CaseFlagView
	Sample   *SampleView
	Earlier  []CaseSummary // the actor's other cases: repeat offending
}

// CaseDetail reads one case by key or number for a reviewer or the
// system, with its accesses and their explanations. Reading the accesses
// is reading patients' logs: it is recorded in log_reads (one row per
// patient, on channel) before anything is returned.
func (s *Store) CaseDetail(ctx context.Context, actor portal.Actor, ref, channel string) (CaseDetail, error) {
	var d CaseDetail
	if _, _, err := caseListScope(actor); err != nil {
		return d, err
	}
	var key string
	err := s.db.GetContext(ctx, &key, qCaseKeyByRef, strings.TrimSpace(ref))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("store: case: %w", portal.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("store: case: %w", err)
	}
	if d.Case, err = s.Case(ctx, actor, key); err != nil {
		return d, err
	}
	id := d.Case.ID
	if _, err := s.db.ExecContext(ctx, qRecordCaseRead, id, s.clock.Now(), string(actor.Kind), actor.ID(),
		strings.TrimSpace(actor.Name), channel, string(d.Case.Provider)); err != nil {
		return d, fmt.Errorf("store: record log read: %w", err)
	}
	sums, err := s.listCases(ctx, actor, CaseFilter{Limit: 1}, 0, id)
	if err != nil {
		return d, err
	}
	if len(sums) != 1 {
		return d, fmt.Errorf("store: case summary: %w", portal.ErrNotFound)
	}
	d.Summary = sums[0]
	if d.Evidence, _, err = caseEvidence(ctx, s.db, id); err != nil {
		return d, err
	}
	d.Signals = d.Evidence.Signals()
	if err := s.db.SelectContext(ctx, &d.Events, qCaseEventsView, id); err != nil {
		return d, fmt.Errorf("store: case events: %w", err)
	}
	if err := s.db.SelectContext(ctx, &d.Flags, qCaseFlags, id); err != nil {
		return d, fmt.Errorf("store: case flags: %w", err)
	}
	var sv SampleView
	switch err := s.db.GetContext(ctx, &sv, qCaseSample, id); {
	case err == nil:
		d.Sample = &sv
	case !errors.Is(err, sql.ErrNoRows):
		return d, fmt.Errorf("store: case sample: %w", err)
	}
	if d.Case.Staff != "" {
		if d.Earlier, err = s.listCases(ctx, actor, CaseFilter{Staff: d.Case.Staff, Limit: 100}, id, 0); err != nil {
			return d, err
		}
	}
	return d, nil
}

// qRecordCaseListRead records that a list of cases named their patients:
// one log_reads row per patient, no rows of the log itself.
const qRecordCaseListRead = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, provider_hsa_id, rows)
SELECT DISTINCT $2::timestamptz, $3, $4, $5, c.patient_id, $6, c.provider_hsa_id, 0
FROM cases c WHERE c.id = ANY($1) AND c.patient_id IS NOT NULL`

// RecordCaseList records in log_reads that actor read a list of cases
// naming their patients (the command line's queue prints personal ids).
func (s *Store) RecordCaseList(ctx context.Context, actor portal.Actor, cases []CaseSummary, channel string) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	if _, err := s.db.ExecContext(ctx, qRecordCaseListRead, pq.Array(ids), s.clock.Now(), string(actor.Kind), actor.ID(),
		strings.TrimSpace(actor.Name), channel); err != nil {
		return fmt.Errorf("store: record log read: %w", err)
	}
	return nil
}
