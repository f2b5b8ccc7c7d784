package store

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	// qSampleLock serialises draws of one month: a second run waits for
	// the first and then finds its units drawn.
	qSampleLock = `SELECT pg_advisory_xact_lock(hashtext('insyn_sample'), $1::integer)`

	// qSampleDraw draws, per care unit not yet drawn this month, the first
	// $5 of the users who acted for it in [$1, $2), in ascending order of
	// the hexadecimal SHA-256 of "seed:hsa-id" (review.DrawKey, the
	// auditor's recipe in README). candidates is how many could be drawn.
	qSampleDraw = `
WITH cand AS (
    SELECT DISTINCT e.actor_unit_hsa_id AS unit, e.actor_hsa_id AS staff
    FROM access_events e
    WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND e.actor_unit_hsa_id <> '' AND e.actor_hsa_id <> ''),
fresh AS (
    SELECT cand.* FROM cand
    WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.month = $3 AND s.unit_hsa_id = cand.unit)),
ranked AS (
    SELECT unit, staff,
           row_number() OVER (PARTITION BY unit ORDER BY encode(sha256(convert_to($4::bigint::text || ':' || staff, 'UTF8')), 'hex'), staff) AS r,
           count(*) OVER (PARTITION BY unit) AS candidates
    FROM fresh)
SELECT r.unit, r.candidates, array_agg(r.staff ORDER BY r.r) AS drawn,
       COALESCE(u.provider_hsa_id, '') AS provider_hsa_id, COALESCE(u.name, '') AS unit_name
FROM ranked r LEFT JOIN units u ON u.hsa_id = r.unit
WHERE r.r <= $5
GROUP BY r.unit, r.candidates, u.provider_hsa_id, u.name
ORDER BY r.unit`

	// qSampleUnitsDone lists the units already drawn for the month.
	qSampleUnitsDone = `SELECT unit_hsa_id FROM samples WHERE month = $1 ORDER BY unit_hsa_id`

	qInsertSample = `
INSERT INTO samples (month, unit_hsa_id, provider_hsa_id, seed, users_per_unit, candidates, drawn, criteria, drawn_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (month, unit_hsa_id) DO NOTHING
RETURNING id`

	// qSampleProvider is the provider a drawn user acted for at the unit
	// when the reference data does not know the unit: the log's.
	qSampleProvider = `
SELECT COALESCE(max(actor_provider_hsa_id), '') FROM access_events
WHERE occurred_at >= $1 AND occurred_at < $2 AND actor_unit_hsa_id = $3 AND actor_provider_hsa_id <> ''`

	// qSampleUnitName is the unit's name as the month's logs give it when
	// the reference data does not know the unit.
	qSampleUnitName = `
SELECT COALESCE(max(actor_unit_name), '') FROM access_events
WHERE occurred_at >= $1 AND occurred_at < $2 AND actor_unit_hsa_id = $3 AND actor_unit_name <> ''`

	qInsertSampleCase = `
INSERT INTO cases (key, number, source, staff_hsa_id, provider_hsa_id, sample_id, created_at, updated_at)
VALUES ($1, to_char($5::timestamptz AT TIME ZONE 'Europe/Stockholm', 'YYYY') || '-' ||
            lpad(nextval('case_number_seq')::text, 6, '0'),
        'sample', $2, $3, $4, $5, $5)
RETURNING id, number`

	// qSampleCaseEvents lists the user's accesses for the unit in the month
	// on the case, set-based.
	qSampleCaseEvents = `
INSERT INTO case_events (case_id, event_id, occurred_at)
SELECT $1, e.id, e.occurred_at FROM access_events e
WHERE e.occurred_at >= $2 AND e.occurred_at < $3 AND e.actor_hsa_id = $4 AND e.actor_unit_hsa_id = $5
ON CONFLICT DO NOTHING`
)

// SampleQuery asks for one month's sample.
type SampleQuery struct {
	Month        time.Time // any moment in the month; the month is Europe/Stockholm's
	UsersPerUnit int       // 0: review.DefaultUsersPerUnit
	Seed         int64
	SeedGiven    bool // false: review.DefaultSeed(Month)
}

// SampleUnit is the draw for one care unit.
type SampleUnit struct {
	Unit       string
	UnitName   string // the reference data's, else the logs'; '' when neither names it
	Provider   string
	Candidates int
	Drawn      []string // HSA-ids in draw order
	Cases      []string // case numbers, one per drawn user, in the same order
}

// SampleResult is what a run drew, and which units were drawn before.
type SampleResult struct {
	Month        time.Time
	Seed         int64
	UsersPerUnit int
	Units        []SampleUnit
	AlreadyDrawn []string // units this month's earlier runs drew: nothing drawn again
}

// MonthStart is the first moment of t's month in Stockholm.
func MonthStart(t time.Time) time.Time {
	t = t.In(portal.Stockholm)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, portal.Stockholm)
}

// DrawSample draws the month's sample (DESIGN.md section 5): per care unit
// that had accesses in the month, UsersPerUnit of the users who acted for
// it, in the order of review.DrawKey under the seed. The seed and the
// criteria are stored per unit (samples); each drawn user gets a case of
// source sample listing their accesses for the unit that month, with its
// priority and narrative. A unit drawn before for the month is not drawn
// again, so a second run creates nothing and says which units it skipped.
// Only the system (the command line) draws.
func (s *Store) DrawSample(ctx context.Context, actor portal.Actor, q SampleQuery) (SampleResult, error) {
	if err := actor.Validate(); err != nil {
		return SampleResult{}, err
	}
	if actor.Kind != portal.ActorSystem {
		return SampleResult{}, portal.Errorf(portal.Forbidden, "case.error.forbidden", "samples are drawn by the system")
	}
	from := MonthStart(q.Month)
	to := from.AddDate(0, 1, 0)
	res := SampleResult{Month: from, Seed: q.Seed, UsersPerUnit: q.UsersPerUnit}
	if !q.SeedGiven {
		res.Seed = review.DefaultSeed(from)
	}
	if res.UsersPerUnit <= 0 {
		res.UsersPerUnit = review.DefaultUsersPerUnit
	}
	month := from.Format("2006-01-02")
	now := s.clock.Now()

	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store: sample: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, qSampleLock, from.Year()*100+int(from.Month())); err != nil {
		return res, fmt.Errorf("store: sample lock: %w", err)
	}
	if err := tx.SelectContext(ctx, &res.AlreadyDrawn, qSampleUnitsDone, month); err != nil {
		return res, fmt.Errorf("store: sample: %w", err)
	}
	var draws []struct {
		Unit       string         `db:"unit"`
		Candidates int            `db:"candidates"`
		Drawn      pq.StringArray `db:"drawn"`
		Provider   string         `db:"provider_hsa_id"`
		UnitName   string         `db:"unit_name"`
	}
	if err := tx.SelectContext(ctx, &draws, qSampleDraw, from, to, month, res.Seed, res.UsersPerUnit); err != nil {
		return res, fmt.Errorf("store: sample draw: %w", err)
	}
	for _, d := range draws {
		u := SampleUnit{Unit: d.Unit, UnitName: d.UnitName, Provider: d.Provider, Candidates: d.Candidates, Drawn: d.Drawn}
		if u.Provider == "" {
			if err := tx.GetContext(ctx, &u.Provider, qSampleProvider, from, to, d.Unit); err != nil {
				return res, fmt.Errorf("store: sample provider: %w", err)
			}
		}
		if u.UnitName == "" {
			if err := tx.GetContext(ctx, &u.UnitName, qSampleUnitName, from, to, d.Unit); err != nil {
				return res, fmt.Errorf("store: sample unit name: %w", err)
			}
		}
		var sampleID int64
		if err := tx.GetContext(ctx, &sampleID, qInsertSample, month, u.Unit, u.Provider, res.Seed, res.UsersPerUnit,
			u.Candidates, pq.Array(u.Drawn), review.Criteria(from, u.Unit, res.Seed, res.UsersPerUnit), actor.ID(), now); err != nil {
			return res, fmt.Errorf("store: sample: %w", err)
		}
		for _, staff := range u.Drawn {
			number, err := s.sampleCase(ctx, tx, actor, sampleID, u, staff, from, to, now)
			if err != nil {
				return res, err
			}
			u.Cases = append(u.Cases, number)
		}
		res.Units = append(res.Units, u)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: sample: %w", err)
	}
	return res, nil
}

// sampleCase opens the case of one drawn user, lists their accesses for the
// unit in the month on it and gives it its priority and narrative.
func (s *Store) sampleCase(ctx context.Context, tx *sqlx.Tx, actor portal.Actor, sampleID int64, u SampleUnit,
	staff string, from, to, now time.Time) (string, error) {
	key, err := newCaseKey()
	if err != nil {
		return "", err
	}
	var c struct {
		ID     int64  `db:"id"`
		Number string `db:"number"`
	}
	if err := tx.GetContext(ctx, &c, qInsertSampleCase, key, staff, u.Provider, sampleID, now); err != nil {
		return "", fmt.Errorf("store: sample case: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qSampleCaseEvents, c.ID, from, to, staff, u.Unit); err != nil {
		return "", fmt.Errorf("store: sample case events: %w", err)
	}
	if err := insertTimeline(ctx, tx, c.ID, []portal.TimelineEntry{{Kind: portal.TimelineCreated,
		ActorKind: actor.Kind, ActorID: actor.ID(), At: now}}); err != nil {
		return "", err
	}
	if err := refreshCase(ctx, tx, c.ID); err != nil {
		return "", err
	}
	return c.Number, nil
}
