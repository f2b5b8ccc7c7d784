package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The watchlist rule (DESIGN.md section 5 table, section 9): every access
// by a person the patient watches (or, for a child, any of the lists its
// guardians keep while they may act for it), made while they were watched (from added_at, until
// removed_at when set), is a hit, explained or not: once, however many
// lists name the person (ruleTail). The
// grouping into cases (qRuleCases, review.go) opens or joins a case with
// source watchlist for these hits, which review.Priority puts in the top
// band of the queue. The run's groups of events per actor, day and patient
// (run_actor_patients) are matched to the watchlist; a match's events are
// read back through the patient's index.
const qRuleWatchlist = ruleInsert + `
SELECT $1, 'watchlist', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'watched_since', w.added_at)
FROM run_actor_patients g
JOIN watchlist w ON w.staff_hsa_id = g.actor_hsa_id AND w.patient_id = g.patient_id
     AND w.patient_id_kind = g.patient_id_kind
     AND g.last_at >= w.added_at AND (w.removed_at IS NULL OR g.first_at < w.removed_at)
     -- A guardian's list counts while they may act for the child: the
     -- child, once 13, neither sees nor edits it.
     AND (w.watched_by = '' OR insyn_may_act_for(w.watched_by, w.patient_id, w.patient_id_kind, g.day))
JOIN LATERAL (` + runEventRead + groupEvents + `
              AND e.occurred_at >= w.added_at AND (w.removed_at IS NULL OR e.occurred_at < w.removed_at) OFFSET 0) ev ON true
JOIN LATERAL insyn_rule('watchlist', ev.provider_hsa_id) cfg ON cfg.enabled
WHERE g.actor_hsa_id <> ''` + ruleTail

func init() { RuleQueries["watchlist"] = qRuleWatchlist }

// qWatchlistRunHits is, per patient and case, what a run's watchlist hits
// found: the place a notification starts from.
const qWatchlistRunHits = `
SELECT h.patient_id, h.patient_id_kind, c.key AS case_key, min(h.occurred_at) AS first_access, count(*) AS accesses
FROM rule_hits h JOIN cases c ON c.id = h.case_id
WHERE h.run_id = $1 AND h.rule = 'watchlist'
GROUP BY h.patient_id, h.patient_id_kind, c.key
ORDER BY h.patient_id, c.key`

// WatchlistHit is what one review run found for one patient's watchlist:
// a watched person accessed the record (the case says who; a notice never
// does).
type WatchlistHit struct {
	PatientID     string    `db:"patient_id"`
	PatientIDKind string    `db:"patient_id_kind"`
	CaseKey       string    `db:"case_key"`
	FirstAccess   time.Time `db:"first_access"`
	Accesses      int       `db:"accesses"`
}

// watchlistHits lists run's watchlist hits per patient and case. It takes
// the run's transaction: enqueueWatchlistNotices (notify.go) writes the
// outbox rows from these inside RunReview, after ruleCases, so a notice is
// written exactly when its case is.
func watchlistHits(ctx context.Context, tx sqlx.QueryerContext, run int64) ([]WatchlistHit, error) {
	var out []WatchlistHit
	if err := sqlx.SelectContext(ctx, tx, &out, qWatchlistRunHits, run); err != nil {
		return nil, fmt.Errorf("store: watchlist hits: %w", err)
	}
	return out, nil
}

// WatchlistHits is watchlistHits after the run, for the command line and
// tests.
func (s *Store) WatchlistHits(ctx context.Context, run int64) ([]WatchlistHit, error) {
	return watchlistHits(ctx, s.db, run)
}
