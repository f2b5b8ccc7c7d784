package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/insyn/insyn/portal/review"
)

// reviewLockKey serialises review runs with each other and with the
// re-evaluation a care import does (pg_advisory_xact_lock's key).
const reviewLockKey = `hashtext('insyn_review')`

// qRunCases is every case a run's rule hits opened or joined.
const qRunCases = `SELECT DISTINCT case_id FROM rule_hits WHERE run_id = $1 AND case_id IS NOT NULL ORDER BY case_id`

const (
	qReviewTryLock = `SELECT pg_try_advisory_xact_lock(` + reviewLockKey + `)`
	qReviewLock    = `SELECT pg_advisory_xact_lock(` + reviewLockKey + `)`

	qInsertRun = `
INSERT INTO review_runs (started_at, period_from, period_to) VALUES ($1, $2, $3) RETURNING id`

	// qRunBatches lists the ingest batches no run has covered whose events
	// are all committed: a batch still running is left for a later run, so
	// an event committed out of id order is never skipped.
	qRunBatches = `
SELECT b.id FROM import_batches b
WHERE b.kind = 'ingest' AND b.status <> 'running'
  AND NOT EXISTS (SELECT 1 FROM review_batches r WHERE r.batch_id = b.id)
ORDER BY b.id`

	qMarkBatches = `
INSERT INTO review_batches (batch_id, run_id) SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING`

	// qDropReviewedGroups drops the review groups of the batches a run
	// covered: no later run reads them (a period run covers no batch whole,
	// so it keeps them for the run that reviews the rest).
	qDropReviewedGroups = `DELETE FROM review_groups WHERE batch_id BETWEEN $1 AND $2 AND batch_id = ANY($3::bigint[])`

	// A run picks the events of the finished batches no run covered, all
	// of them or, for a run over a period, those in the period; once any
	// period run exists, the events one reviewed are left out
	// (review_periods). Its parameters: $1 and $2 bound the batch ids, $3
	// lists them, $4 and $5 are the period (from 1900 to 9999 for a batch
	// run), $6 whether a period run exists. scopeByGroup keeps a group g
	// of review_groups (migration 00026) with any such event and
	// groupWhole holds when every event of the group is in scope;
	// scopeByEvent keeps an event e (its batch_id and occurred_at) of such
	// a group. scopeByTable is scopeByEvent from run_scope rs, for the
	// statements that read a run's events back: batches are found
	// through the block-range index on batch_id, which takes a range (not
	// = ANY).
	scopeByGroup = `g.batch_id BETWEEN $1 AND $2 AND g.batch_id = ANY($3::bigint[])
      AND g.last_at >= $4::timestamptz AND g.first_at < $5::timestamptz`
	groupWhole = `g.first_at >= $4::timestamptz AND g.last_at < $5::timestamptz
      AND NOT ($6::boolean AND EXISTS (SELECT 1 FROM review_periods p WHERE g.batch_id = ANY(p.batches)
                                       AND g.last_at >= p.period_from AND g.first_at < p.period_to))`
	scopeByEvent = `e.occurred_at >= $4::timestamptz AND e.occurred_at < $5::timestamptz
      AND NOT ($6::boolean AND ` + reviewedByPeriod + `)`
	scopeByTable = `e.batch_id BETWEEN rs.lo AND rs.hi AND e.batch_id = ANY(rs.batches)
      AND e.occurred_at >= rs.period_from AND e.occurred_at < rs.period_to
      AND NOT (rs.checked AND ` + reviewedByPeriod + `)`
	reviewedByPeriod = `EXISTS (SELECT 1 FROM review_periods p WHERE e.batch_id = ANY(p.batches)
                             AND e.occurred_at >= p.period_from AND e.occurred_at < p.period_to)`

	qInsertPeriod = `
INSERT INTO review_periods (run_id, period_from, period_to, batches) VALUES ($1, $2, $3, COALESCE($4::bigint[], '{}'))`

	// runEventCols is what the rules read of an event, with runEventJoins:
	// the acting provider (the unit's when the log has none), the actor's
	// personal id, title and end of employment from staff, and the day in
	// Sweden. The marked events and the rules that follow a pair, a glass
	// or a day back to its events share them.
	runEventCols = `e.id, e.occurred_at, e.actor_hsa_id, e.actor_unit_hsa_id,
           COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') AS provider_hsa_id,
           COALESCE(NULLIF(e.actor_personal_id, ''), NULLIF(st.personal_id, ''), '') AS actor_personal_id,
           COALESCE(NULLIF(st.title, ''), e.actor_title) AS actor_title,
           st.employed_to, (e.occurred_at AT TIME ZONE 'Europe/Stockholm')::date AS day,
           e.patient_id, e.patient_id_kind, e.patient_id_root, e.activity, e.purpose, e.emergency`
	runEventJoins = `
    LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_provider_hsa_id = ''
    LEFT JOIN staff st ON st.hsa_id = e.actor_hsa_id AND e.actor_hsa_id <> ''`

	// qRunActorPatients counts the run's events per actor (as the log
	// names them: HSA-id, unit, provider, personal id), day and patient:
	// how many and how many care explains. It reads the groups the ingest
	// keeps (review_groups, migration 00026), not the events. A group care
	// covers whole (one window of care_coverage for its unit or its actor
	// spans its first to its last access), with every event in scope and
	// none a single-event rule looks at for what it is (odd), is counted
	// as it stands: nearly all of them. The others are taken apart from
	// the accesses they keep and explained one by one (a hash join per
	// key, as the coverage matches an access at most once); an event a
	// single-event rule may fire on (unexplained, odd) becomes a group of
	// its own, keyed by its id, with what those rules read of it, so they
	// never read the events. The acting provider, the personal id, title
	// and end of employment come from units and staff per group.
	qRunActorPatients = `
CREATE TEMP TABLE run_actor_patients ON COMMIT DROP AS
WITH rg AS MATERIALIZED (
    SELECT g.ctid AS tid, g.batch_id, g.actor_hsa_id, g.actor_unit_hsa_id, g.actor_provider_hsa_id AS log_provider,
           g.actor_personal_id AS log_personal_id, g.day, g.patient_id, g.patient_id_kind, g.actor_title AS log_title,
           g.first_at, g.last_at, g.events,
           g.odd = 0 AND (cu.hsa_id IS NOT NULL OR cs.hsa_id IS NOT NULL) AND ` + groupWhole + ` AS whole
    FROM review_groups g
    LEFT JOIN care_coverage cu ON cu.who = 'unit' AND cu.personal_id = g.patient_id
         AND cu.hsa_id = g.actor_unit_hsa_id AND g.first_at >= cu.covers_from AND g.last_at <= cu.covers_until
    LEFT JOIN care_coverage cs ON cs.who = 'staff' AND cs.personal_id = g.patient_id
         AND cs.hsa_id = g.actor_hsa_id AND g.first_at >= cs.covers_from AND g.last_at <= cs.covers_until
    WHERE ` + scopeByGroup + `
), grp AS (
    SELECT actor_hsa_id, actor_unit_hsa_id, log_provider, log_personal_id, day, patient_id, patient_id_kind,
           NULL::bigint AS event_id, log_title, first_at, last_at, events::bigint AS events, events::bigint AS explained,
           NULL::text AS patient_id_root, NULL::text AS activity, NULL::text AS purpose, NULL::boolean AS emergency
    FROM rg WHERE whole
    UNION ALL
    SELECT actor_hsa_id, actor_unit_hsa_id, log_provider, log_personal_id, day, patient_id, patient_id_kind, event_id,
           min(actor_title), min(occurred_at), max(occurred_at), count(*), count(*) FILTER (WHERE explained),
           min(patient_id_root), min(activity), min(purpose), bool_or(emergency)
    FROM (
        -- What an event alone needs is kept only for those kept alone.
        SELECT rg.actor_hsa_id, rg.actor_unit_hsa_id, rg.log_provider, rg.log_personal_id, rg.day, rg.patient_id,
               rg.patient_id_kind, e.actor_title, e.occurred_at, a.explained,
               CASE WHEN a.alone THEN e.id END AS event_id, CASE WHEN a.alone THEN e.patient_id_root END AS patient_id_root,
               CASE WHEN a.alone THEN e.activity END AS activity, CASE WHEN a.alone THEN e.purpose END AS purpose,
               CASE WHEN a.alone THEN e.emergency END AS emergency
        FROM rg
        -- The group's accesses by its row's address, for this group alone
        -- (a join would take every group's apart).
        CROSS JOIN LATERAL (SELECT rg.batch_id, x.* FROM unnest((SELECT g.evs FROM review_groups g WHERE g.ctid = rg.tid)) x) e
        LEFT JOIN care_coverage cu ON cu.who = 'unit' AND cu.personal_id = rg.patient_id
             AND cu.hsa_id = rg.actor_unit_hsa_id AND e.occurred_at BETWEEN cu.covers_from AND cu.covers_until
        LEFT JOIN care_coverage cs ON cs.who = 'staff' AND cs.personal_id = rg.patient_id
             AND cs.hsa_id = rg.actor_hsa_id AND e.occurred_at BETWEEN cs.covers_from AND cs.covers_until
        CROSS JOIN LATERAL (
            SELECT cu.hsa_id IS NOT NULL OR cs.hsa_id IS NOT NULL AS explained,
                   (cu.hsa_id IS NULL AND cs.hsa_id IS NULL) OR insyn_odd_access(e.purpose, e.emergency, e.activity) AS alone
        ) a
        WHERE NOT rg.whole AND ` + scopeByEvent + `
    ) ev
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
)
SELECT g.actor_hsa_id, g.actor_unit_hsa_id, g.log_provider, g.log_personal_id,
       COALESCE(NULLIF(g.log_provider, ''), u.provider_hsa_id, '') AS provider_hsa_id,
       COALESCE(NULLIF(g.log_personal_id, ''), NULLIF(st.personal_id, ''), '') AS actor_personal_id,
       COALESCE(NULLIF(st.title, ''), g.log_title) AS actor_title, st.employed_to,
       g.day, g.patient_id, g.patient_id_kind, g.first_at, g.last_at, g.events, g.explained,
       g.event_id, g.patient_id_root, g.activity, g.purpose, g.emergency
FROM grp g
LEFT JOIN units u ON u.hsa_id = g.actor_unit_hsa_id AND g.log_provider = ''
LEFT JOIN staff st ON st.hsa_id = g.actor_hsa_id AND g.actor_hsa_id <> ''`

	// qRunScope keeps the run's scope (the parameters of scopeByGroup)
	// for the statements that read its events back (scopeByTable).
	qRunScope = `
CREATE TEMP TABLE run_scope ON COMMIT DROP AS
SELECT $1::bigint AS lo, $2::bigint AS hi, $3::bigint[] AS batches, $4::timestamptz AS period_from,
       $5::timestamptz AS period_to, $6::boolean AS checked`

	qRunCounts = `SELECT COALESCE(sum(events), 0) AS events, COALESCE(sum(explained), 0) AS explained FROM run_actor_patients`

	// groupEvents holds for an event e of the group g (a row of
	// run_actor_patients), as the patient's index finds it.
	groupEvents = `e.patient_id = g.patient_id AND e.patient_id_kind = g.patient_id_kind
              AND e.occurred_at >= g.first_at AND e.occurred_at <= g.last_at
              AND e.actor_hsa_id = g.actor_hsa_id AND e.actor_unit_hsa_id = g.actor_unit_hsa_id
              AND e.actor_provider_hsa_id = g.log_provider AND e.actor_personal_id = g.log_personal_id`

	// runEventRead reads a run's events back from access_events with what
	// the rules read (runEventCols) and whether care explains each, for
	// the marked events and the rules that follow a glass, a pair or a day
	// back to its events: they find the few they need through the events'
	// indexes, not by a pass over the run. The caller adds the conditions,
	// then OFFSET 0, which keeps the planner from folding the read into a
	// join it would hash every event for.
	runEventRead = `
    SELECT ` + runEventCols + `,
           insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) AS explained
    FROM access_events e` + runEventJoins + `
    CROSS JOIN run_scope rs
    WHERE ` + scopeByTable + `
      AND `

	// qRunMarked keeps apart the run's events a rule that looks at single
	// events may fire on (unexplained, the actor's own record, a purpose other
	// than care, after employment, emergency access), so those rules read a
	// few per cent of the run: the events qRunActorPatients kept alone,
	// and the other events of the rare groups whose actor reads their own
	// record or no longer works there, read back through the actor's
	// index. The columns are runEventCols' and explained, in that order.
	qRunMarked = `
CREATE TEMP TABLE run_marked ON COMMIT DROP AS
SELECT g.event_id AS id, g.first_at AS occurred_at, g.actor_hsa_id, g.actor_unit_hsa_id, g.provider_hsa_id,
       g.actor_personal_id, g.actor_title, g.employed_to, g.day, g.patient_id, g.patient_id_kind,
       g.patient_id_root, g.activity, g.purpose, g.emergency, g.explained > 0 AS explained
FROM run_actor_patients g WHERE g.event_id IS NOT NULL
UNION ALL
SELECT ev.* FROM run_actor_patients g
JOIN LATERAL (` + runEventRead + groupEvents + ` OFFSET 0) ev ON true
WHERE g.event_id IS NULL
  AND ((g.actor_personal_id <> '' AND g.actor_personal_id = g.patient_id) OR (g.employed_to IS NOT NULL AND g.day > g.employed_to))
  AND ev.explained AND ev.purpose = 'care' AND NOT ev.emergency AND ev.activity <> 'emergency'`

	// qRunUnexplained keeps the run's unexplained events apart for the
	// rules that look only at those (UnexplainedRules).
	qRunUnexplained = `
CREATE TEMP TABLE run_unexplained ON COMMIT DROP AS SELECT * FROM run_marked WHERE NOT explained`

	// Only the small tables are analysed: the rules hash them, and scan
	// run_actor_patients, whose size the planner reads off its pages;
	// sampling it cost more than any plan it changed.
	qAnalyzeRunSmall = `ANALYZE run_marked; ANALYZE run_unexplained`

	// A run is one large batch job: JIT compiling each statement costs
	// more than it saves here, the rules' hashes fit in memory with a
	// larger work_mem, and the gathering uses two parallel workers (as a
	// plain scan would): passing a row from a worker costs
	// less than the planner's default says beside the work it saves the
	// leader. The rules join small tables to the run's groups, which have
	// no statistics: a merge join sorts the groups (200,000 rows for ten
	// days) where hashing the small side costs nothing, so merge joins are
	// off. All end with the transaction.
	qRunSettings = `SELECT set_config('jit', 'off', true), set_config('work_mem', '256MB', true),
       set_config('max_parallel_workers_per_gather', '2', true), set_config('parallel_tuple_cost', '0.01', true),
       set_config('enable_mergejoin', 'off', true)`

	qAnyPeriodRun = `SELECT EXISTS (SELECT 1 FROM review_periods)`

	// qGroupsNeverAnalysed holds before review_groups has statistics: a
	// first run after a large first ingest, before autovacuum came by,
	// would otherwise walk the groups by index one at a time (2.9 s
	// instead of 1.2 s for a million events).
	qGroupsNeverAnalysed = `SELECT reltuples < 0 FROM pg_class WHERE oid = 'review_groups'::regclass`
	qAnalyzeGroups       = `ANALYZE review_groups`

	// qRunTempBuffers gives the run's temporary tables memory of their own
	// (the default 8MB sends their rows through the kernel on every pass).
	// PostgreSQL takes the setting only before a session's first temporary
	// table; on a pooled connection that has had one, the default stays,
	// which costs time, not correctness.
	qRunTempBuffers = `
DO $$ BEGIN PERFORM set_config('temp_buffers', '1GB', true); EXCEPTION WHEN OTHERS THEN NULL; END $$`

	qFinishRun = `
UPDATE review_runs SET finished_at = $2, events = $3, explained = $4, hits = $5, cases_opened = $6, cases_joined = $7
WHERE id = $1`

	// qReexplainCare re-evaluates, after care relations were imported
	// (their patients in $1; care_coverage has followed by trigger), the
	// hits that stand only because an access was unexplained ($3, the
	// UnexplainedRules): one withdrawn when care now explains its access,
	// and one withdrawn before restored when the access is unexplained
	// again (an end moved earlier). The explanations themselves are read
	// where they are shown, so they follow the import by themselves.
	qReexplainCare = `
WITH now AS (
    SELECT h.id, h.withdrawn_at IS NOT NULL AS withdrawn,
           insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) AS explained
    FROM rule_hits h
    JOIN access_events e ON e.id = h.event_id AND e.occurred_at = h.occurred_at
    WHERE h.patient_id = ANY($1) AND h.rule = ANY($3)
), wd AS (
    -- A hit a rule made only because its access was unexplained is
    -- withdrawn once care explains the access.
    UPDATE rule_hits h SET withdrawn_at = $2
    FROM now WHERE h.id = now.id AND now.explained AND NOT now.withdrawn
    RETURNING h.case_id
), rs AS (
    -- And it stands again when a later import leaves the access
    -- unexplained once more.
    UPDATE rule_hits h SET withdrawn_at = NULL
    FROM now WHERE h.id = now.id AND NOT now.explained AND now.withdrawn
    RETURNING h.case_id
)
SELECT (SELECT count(*) FROM wd) + (SELECT count(*) FROM rs) AS changed,
       ARRAY(SELECT DISTINCT case_id FROM wd WHERE case_id IS NOT NULL ORDER BY 1) AS cases,
       ARRAY(SELECT DISTINCT case_id FROM rs WHERE case_id IS NOT NULL ORDER BY 1) AS restored`

	// untouchedCase holds for a case c that no patient flagged and no
	// person has worked (only the system in its timeline): the review may
	// close it when its hits are withdrawn, and open it again when one
	// stands again.
	untouchedCase = `NOT EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM case_timeline t WHERE t.case_id = c.id AND t.actor_kind <> 'system')`

	// openTwin holds for a case o that is open for the same person,
	// provider, patient and source group as case c: the one the open-case
	// index allows beside it.
	openTwin = `o.source_group = c.source_group AND o.staff_hsa_id = c.staff_hsa_id
      AND o.provider_hsa_id = c.provider_hsa_id AND o.patient_id = c.patient_id
      AND o.patient_id_kind = c.patient_id_kind AND o.status IN ('new', 'investigating', 'awaiting_statement')`

	// qReopenRestored opens again, of the given cases, those the system
	// closed when their hits were withdrawn (closed, a rule case, nothing
	// in the timeline but the system, no flag), now that a hit stands
	// again; a case a person closed stays closed. It is not reopened while
	// another case of the same person and patient is open (the open-case
	// index allows one): qMoveRestored moves its hits there. The timeline
	// says why.
	qReopenRestored = `
WITH c AS (
    SELECT c.id FROM cases c
    WHERE c.id = ANY($1) AND c.source = 'rule' AND c.status = 'closed'
      AND EXISTS (SELECT 1 FROM rule_hits h WHERE h.case_id = c.id AND h.withdrawn_at IS NULL)
      AND ` + untouchedCase + `
      AND NOT EXISTS (SELECT 1 FROM cases o WHERE ` + openTwin + `)
    FOR UPDATE OF c
), reopened AS (
    UPDATE cases SET status = 'new', outcome = NULL, decision_reason = NULL, decided_at = NULL, updated_at = $2
    FROM c WHERE cases.id = c.id
    RETURNING cases.id
)
INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text, from_status, to_status)
SELECT id, 'status', 'system', 'review', $2, $3, 'closed', 'new' FROM reopened`

	// qMoveRestored moves, of the given cases the system closed (as
	// qReopenRestored), the hits that stand again to the case of the same
	// person and patient that is open, when qReopenRestored could not open
	// theirs for it: on a closed case no reviewer would see them. The open
	// case gains their events and a timeline entry saying why; its id is
	// returned, to be ranked again.
	qMoveRestored = `
WITH moved AS (
    UPDATE rule_hits h SET case_id = o.id
    FROM cases c
    JOIN cases o ON ` + openTwin + `
    WHERE c.id = ANY($1) AND c.source = 'rule' AND c.status = 'closed' AND ` + untouchedCase + `
      AND h.case_id = c.id AND h.withdrawn_at IS NULL
    RETURNING h.case_id, h.event_id, h.occurred_at
), ce AS (
    INSERT INTO case_events (case_id, event_id, occurred_at)
    SELECT DISTINCT case_id, event_id, occurred_at FROM moved
    ON CONFLICT DO NOTHING
), tl AS (
    INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text)
    SELECT DISTINCT case_id, 'joined', 'system', 'review', $2::timestamptz, $3::text FROM moved
)
SELECT DISTINCT case_id FROM moved ORDER BY 1`

	// qCloseWithdrawn closes, of the given cases, those raised by rules
	// whose every hit is withdrawn, that no patient flagged and no reviewer
	// has touched (still new, only the system in the timeline): nothing is
	// left to review. Closing needs an outcome; care explaining every
	// access is a justified one. The timeline says why.
	qCloseWithdrawn = `
WITH c AS (
    SELECT c.id FROM cases c
    WHERE c.id = ANY($1) AND c.source = 'rule' AND c.status = 'new'
      AND EXISTS (SELECT 1 FROM rule_hits h WHERE h.case_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM rule_hits h WHERE h.case_id = c.id AND h.withdrawn_at IS NULL)
      AND ` + untouchedCase + `
    FOR UPDATE OF c
), closed AS (
    UPDATE cases SET status = 'closed', outcome = 'justified', decision_reason = $3, decided_at = $2, updated_at = $2
    FROM c WHERE cases.id = c.id
    RETURNING cases.id
)
INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text, from_status, to_status)
SELECT id, 'closed', 'system', 'review', $2, $3, 'new', 'closed' FROM closed`

	// qRuleCases groups the run's hits per (actor, provider, patient) into
	// one open case each: a group whose case is open joins it (the same
	// partial unique index as FileFlag's), any other opens one. Keys are
	// made from gen_random_uuid (a strong random source) in the case key's
	// alphabet; numbers as qUpsertOpenCase makes them. The hits, the case's
	// events and a timeline entry per case follow in the same statement.
	qRuleCases = `
WITH g AS (
    SELECT staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind, min(patient_id_root) AS patient_id_root,
           bool_or(rule = 'watchlist') AS watched
    FROM rule_hits WHERE run_id = $1
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
), up AS (
    INSERT INTO cases (key, number, source, patient_id, patient_id_kind, patient_id_root,
                       staff_hsa_id, provider_hsa_id, priority, created_at, updated_at)
    SELECT translate(left(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 26),
                     '0189', 'wxyz'),
           to_char($2::timestamptz AT TIME ZONE 'Europe/Stockholm', 'YYYY') || '-' ||
               lpad(nextval('case_number_seq')::text, 6, '0'),
           CASE WHEN g.watched THEN 'watchlist' ELSE 'rule' END, g.patient_id, g.patient_id_kind, g.patient_id_root, g.staff_hsa_id, g.provider_hsa_id, 0, $2, $2
    FROM g
    ON CONFLICT (source_group, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind)
        WHERE status IN ('new', 'investigating', 'awaiting_statement')
    DO UPDATE SET updated_at = GREATEST(cases.updated_at, EXCLUDED.updated_at),
                  source = CASE WHEN cases.source = 'rule' THEN EXCLUDED.source ELSE cases.source END
    RETURNING id, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind, (xmax = 0) AS inserted
), hits AS (
    UPDATE rule_hits h SET case_id = up.id FROM up
    WHERE h.run_id = $1 AND h.staff_hsa_id = up.staff_hsa_id AND h.provider_hsa_id = up.provider_hsa_id
      AND h.patient_id = up.patient_id AND h.patient_id_kind = up.patient_id_kind
    RETURNING h.case_id, h.event_id, h.occurred_at
), ce AS (
    INSERT INTO case_events (case_id, event_id, occurred_at)
    SELECT DISTINCT case_id, event_id, occurred_at FROM hits
    ON CONFLICT DO NOTHING
), tl AS (
    INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at)
    SELECT id, CASE WHEN inserted THEN 'created' ELSE 'joined' END, 'system', 'review', $2 FROM up
)
SELECT count(*) FILTER (WHERE inserted) AS opened, count(*) FILTER (WHERE NOT inserted) AS joined FROM up`

	qHitCount = `SELECT count(*) FROM rule_hits WHERE run_id = $1`

	qListRules = `
SELECT d.rule, COALESCE(p.provider_hsa_id, '') AS provider_hsa_id,
       COALESCE(p.enabled, d.enabled) AS enabled, COALESCE(p.severity, d.severity) AS severity,
       COALESCE(p.params, d.params) AS params
FROM rules d
LEFT JOIN rules p ON p.rule = d.rule AND p.provider_hsa_id = $1 AND $1 <> ''
WHERE d.provider_hsa_id = ''
ORDER BY d.rule`

	// qSetRule writes a provider's row (or the default's with provider
	// ''), starting from what applies now, so setting one field keeps the
	// others.
	qSetRule = `
INSERT INTO rules (provider_hsa_id, rule, enabled, severity, params, updated_at)
SELECT $1, $2, COALESCE($3, cur.enabled), COALESCE($4, cur.severity),
       cur.params || COALESCE($5::jsonb, '{}'::jsonb), $6
FROM insyn_rule($2, $1) cur
ON CONFLICT (provider_hsa_id, rule) DO UPDATE SET
    enabled = EXCLUDED.enabled, severity = EXCLUDED.severity, params = EXCLUDED.params, updated_at = EXCLUDED.updated_at`

	qProviderExists = `SELECT EXISTS (SELECT 1 FROM providers WHERE hsa_id = $1)`
)

// ErrReviewBusy is returned by RunReview with NoWait when another run holds
// the review lock.
var ErrReviewBusy = errors.New("store: another review run is under way")

// ReviewRunOptions bounds a run.
type ReviewRunOptions struct {
	From, To time.Time // both zero: every event not yet reviewed; else [From, To)
	NoWait   bool      // skip (ErrReviewBusy) rather than wait when a run is under way
	// Waiting is called once when the run must wait for another.
	Waiting func()
}

// ReviewRunResult is what a run did.
type ReviewRunResult struct {
	Run         int64
	Events      int64 // events explained or not by this run
	Explained   int64
	Hits        int64
	CasesOpened int64
	CasesJoined int64
	// Steps is how long each step took ("run events", "explanations",
	// each rule by name, "cases"), for the benchmark and the operator.
	Steps []ReviewStep
}

// Share is the share of the run's events explained, 0..1 (1 with none).
func (r ReviewRunResult) Share() float64 {
	if r.Events == 0 {
		return 1
	}
	return float64(r.Explained) / float64(r.Events)
}

// ReviewStep is one step of a run and its duration.
type ReviewStep struct {
	Name string
	Took time.Duration
}

// RunReview explains the events no run has reached and applies the rules
// to them, in one transaction under the review lock; rules names the
// rules to apply, in order (RuleQueries; unknown names are skipped).
func (s *Store) RunReview(ctx context.Context, opt ReviewRunOptions, rules []string) (ReviewRunResult, error) {
	var res ReviewRunResult
	now := s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	defer tx.Rollback()
	if err := s.reviewLock(ctx, tx, opt); err != nil {
		return res, err
	}
	t0 := time.Now()
	scope, err := runScopeOf(ctx, tx, opt)
	if err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, ReviewStep{"batches", time.Since(t0)})
	var from, to any // a batch run records no period
	if scope.period {
		from, to = scope.from, scope.to
	}
	if err := tx.GetContext(ctx, &res.Run, qInsertRun, now, from, to); err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qRunSettings); err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qRunTempBuffers); err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	if err := analyzeGroupsOnce(ctx, tx); err != nil {
		return res, err
	}
	args := scope.args()
	steps := []runStep{
		{"run events", qRunActorPatients, args},
		{"scope", qRunScope, args},
		{"marked", qRunMarked, nil},
		{"unexplained", qRunUnexplained, nil},
		{"analyze", qAnalyzeRunSmall, nil},
	}
	for _, st := range steps {
		t0 := time.Now()
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return res, fmt.Errorf("store: review %s: %w", st.op, err)
		}
		res.Steps = append(res.Steps, ReviewStep{st.op, time.Since(t0)})
	}
	var counts struct {
		Events    int64 `db:"events"`
		Explained int64 `db:"explained"`
	}
	if err := tx.GetContext(ctx, &counts, qRunCounts); err != nil {
		return res, fmt.Errorf("store: review counts: %w", err)
	}
	res.Events, res.Explained = counts.Events, counts.Explained
	for _, name := range rules {
		q, ok := RuleQueries[name]
		if !ok {
			continue
		}
		t0 := time.Now()
		if pre, ok := rulePrepare[name]; ok {
			// One index range per actor-day is what this needs; a month's
			// partition just attached (or with stale statistics) can make
			// the planner scan it once per actor instead. (Counting an
			// actor-day's distinct patients sorts the run's groups
			// whatever the setting: 20 % faster here than counting them
			// per patient first by hashing.)
			err := withPlannerOff(ctx, tx, []string{"enable_seqscan", "enable_sort"}, func() error {
				for _, q := range pre {
					if _, err := tx.ExecContext(ctx, q); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return res, fmt.Errorf("store: review rule %s: %w", name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, q, res.Run); err != nil {
			return res, fmt.Errorf("store: review rule %s: %w", name, err)
		}
		res.Steps = append(res.Steps, ReviewStep{name, time.Since(t0)})
	}
	t0 = time.Now()
	if err := s.ruleCases(ctx, tx, &res, now); err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, ReviewStep{"cases", time.Since(t0)})
	if err := enqueueRunNotices(ctx, tx, res.Run, now); err != nil { // notify.go: the run's notices, in its transaction
		return res, err
	}
	if err := enqueueWatchlistNotices(ctx, tx, res.Run, now); err != nil {
		return res, err
	}
	t0 = time.Now()
	if err := scope.cover(ctx, tx, res.Run); err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, ReviewStep{"covered", time.Since(t0)})
	// The cases the run's hits opened or joined take their priority and
	// narrative from the evidence as it now stands, and so do the cases
	// whose narratives an older wording wrote (once, after an upgrade).
	t0 = time.Now()
	var touched, stale []int64
	if err := tx.SelectContext(ctx, &touched, qRunCases, res.Run); err != nil {
		return res, fmt.Errorf("store: review cases: %w", err)
	}
	if err := tx.SelectContext(ctx, &stale, qStaleNarratives, review.NarrativeVersion); err != nil {
		return res, fmt.Errorf("store: review cases: %w", err)
	}
	touched = append(touched, stale...)
	if err := refreshCases(ctx, tx, touched); err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, ReviewStep{"priorities", time.Since(t0)})
	if _, err := tx.ExecContext(ctx, qFinishRun, res.Run, s.clock.Now(), res.Events, res.Explained,
		res.Hits, res.CasesOpened, res.CasesJoined); err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: review run: %w", err)
	}
	return res, nil
}

func analyzeGroupsOnce(ctx context.Context, tx *sqlx.Tx) error {
	var never bool
	if err := tx.GetContext(ctx, &never, qGroupsNeverAnalysed); err != nil {
		return fmt.Errorf("store: review groups: %w", err)
	}
	if !never {
		return nil
	}
	if _, err := tx.ExecContext(ctx, qAnalyzeGroups); err != nil {
		return fmt.Errorf("store: review groups: %w", err)
	}
	return nil
}

// runScope is which events a run reviews: those of the finished batches
// no run has covered, and for a period run only those in its period; once
// a period run exists, never the events one reviewed (review_periods).
type runScope struct {
	batches  []int64
	from, to time.Time
	period   bool
	checked  bool
}

func runScopeOf(ctx context.Context, tx *sqlx.Tx, opt ReviewRunOptions) (runScope, error) {
	sc := runScope{period: !opt.From.IsZero() || !opt.To.IsZero()}
	sc.from, sc.to = openPeriod(opt.From, opt.To)
	if err := tx.SelectContext(ctx, &sc.batches, qRunBatches); err != nil {
		return sc, fmt.Errorf("store: review batches: %w", err)
	}
	if err := tx.GetContext(ctx, &sc.checked, qAnyPeriodRun); err != nil {
		return sc, fmt.Errorf("store: review batches: %w", err)
	}
	return sc, nil
}

// args are the parameters of scopeByGroup, groupWhole and scopeByEvent.
func (sc runScope) args() []any {
	lo, hi := int64(0), int64(-1) // no batches: an empty range
	if len(sc.batches) > 0 {
		lo, hi = slices.Min(sc.batches), slices.Max(sc.batches)
	}
	return []any{lo, hi, pq.Array(sc.batches), sc.from, sc.to, sc.checked}
}

// cover records what the run reviewed: its batches whole (whose review
// groups it drops), or its period of them.
func (sc runScope) cover(ctx context.Context, tx *sqlx.Tx, run int64) error {
	var err error
	switch {
	case sc.period:
		_, err = tx.ExecContext(ctx, qInsertPeriod, run, sc.from, sc.to, pq.Array(sc.batches))
	case len(sc.batches) > 0:
		if _, err = tx.ExecContext(ctx, qMarkBatches, pq.Array(sc.batches), run); err == nil {
			_, err = tx.ExecContext(ctx, qDropReviewedGroups, sc.args()[:3]...) // the batches' bounds and list
		}
	}
	if err != nil {
		return fmt.Errorf("store: review batches: %w", err)
	}
	return nil
}

// runStep is one statement of a run that builds its tables.
type runStep struct {
	op, q string
	args  []any
}

// withPlannerOff runs fn with the given planner methods (enable_seqscan,
// enable_sort, …) off for the transaction, and turns them on again after
// it. A failed fn leaves them: its error aborts the transaction.
func withPlannerOff(ctx context.Context, tx *sqlx.Tx, methods []string, fn func() error) error {
	if err := setPlanner(ctx, tx, methods, "off"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	return setPlanner(ctx, tx, methods, "on")
}

func setPlanner(ctx context.Context, tx *sqlx.Tx, methods []string, value string) error {
	for _, m := range methods {
		if _, err := tx.ExecContext(ctx, `SET LOCAL `+m+` = `+value); err != nil {
			return err
		}
	}
	return nil
}

// reviewLock takes the review lock for the transaction: at once, or after
// saying it waits, or not at all with NoWait.
func (s *Store) reviewLock(ctx context.Context, tx *sqlx.Tx, opt ReviewRunOptions) error {
	var got bool
	if err := tx.GetContext(ctx, &got, qReviewTryLock); err != nil {
		return fmt.Errorf("store: review lock: %w", err)
	}
	if got {
		return nil
	}
	if opt.NoWait {
		return ErrReviewBusy
	}
	if opt.Waiting != nil {
		opt.Waiting()
	}
	if _, err := tx.ExecContext(ctx, qReviewLock); err != nil {
		return fmt.Errorf("store: review lock: %w", err)
	}
	return nil
}

func (s *Store) ruleCases(ctx context.Context, tx *sqlx.Tx, res *ReviewRunResult, now time.Time) error {
	if err := tx.GetContext(ctx, &res.Hits, qHitCount, res.Run); err != nil {
		return fmt.Errorf("store: rule hits: %w", err)
	}
	if res.Hits == 0 {
		return nil
	}
	var c struct {
		Opened int64 `db:"opened"`
		Joined int64 `db:"joined"`
	}
	if err := tx.GetContext(ctx, &c, qRuleCases, res.Run, now); err != nil {
		return fmt.Errorf("store: rule cases: %w", err)
	}
	res.CasesOpened, res.CasesJoined = c.Opened, c.Joined
	return nil
}

// reexplainCare re-evaluates, inside a care import's transaction, what
// the review concluded about the imported relations' patients (pid). It
// takes the review lock first, so a run and an import never see each
// other half done. Hits that only fired because an access was unexplained are
// withdrawn when care now explains it; the cases they were on take their
// priority and narrative from what stands, and a case left with nothing
// that no one has started on is closed. A withdrawn hit whose access a
// later import leaves unexplained again stands again, and the case the
// system closed for it is opened again (one a person closed is not), or,
// when the same person and patient have another case open, the hit moves
// to that one.
func reexplainCare(ctx context.Context, tx *sqlx.Tx, pid []string, now time.Time) (int64, error) {
	if _, err := tx.ExecContext(ctx, qReviewLock); err != nil {
		return 0, err
	}
	var r struct {
		Changed  int64         `db:"changed"`
		Cases    pq.Int64Array `db:"cases"`
		Restored pq.Int64Array `db:"restored"`
	}
	if err := tx.GetContext(ctx, &r, qReexplainCare, pq.Array(pid), now, pq.Array(UnexplainedRules)); err != nil {
		return 0, err
	}
	if len(r.Restored) > 0 {
		reason := narrativeTexts().For("sv").T("review.restored.reopened")
		if _, err := tx.ExecContext(ctx, qReopenRestored, pq.Array([]int64(r.Restored)), now, reason); err != nil {
			return 0, fmt.Errorf("store: reopen restored cases: %w", err)
		}
		reason = narrativeTexts().For("sv").T("review.restored.moved")
		var moved []int64
		if err := tx.SelectContext(ctx, &moved, qMoveRestored, pq.Array([]int64(r.Restored)), now, reason); err != nil {
			return 0, fmt.Errorf("store: move restored hits: %w", err)
		}
		if err := refreshCases(ctx, tx, append(r.Restored, moved...)); err != nil {
			return 0, err
		}
	}
	if len(r.Cases) == 0 {
		return r.Changed, nil
	}
	if err := refreshCases(ctx, tx, r.Cases); err != nil {
		return 0, err
	}
	reason := narrativeTexts().For("sv").T("review.withdrawn.closed")
	if _, err := tx.ExecContext(ctx, qCloseWithdrawn, pq.Array([]int64(r.Cases)), now, reason); err != nil {
		return 0, fmt.Errorf("store: close withdrawn cases: %w", err)
	}
	return r.Changed, nil
}

// RuleSetting is one rule's configuration as it applies to a provider.
type RuleSetting struct {
	Rule     string          `db:"rule" json:"rule"`
	Provider string          `db:"provider_hsa_id" json:"provider,omitempty"` // "" for the default
	Enabled  bool            `db:"enabled" json:"enabled"`
	Severity string          `db:"severity" json:"severity"`
	Params   json.RawMessage `db:"params" json:"params"`
}

// Rules lists every rule's configuration for provider ("" for the defaults).
func (s *Store) Rules(ctx context.Context, provider string) ([]RuleSetting, error) {
	var out []RuleSetting
	if err := s.db.SelectContext(ctx, &out, qListRules, provider); err != nil {
		return nil, fmt.Errorf("store: rules: %w", err)
	}
	return out, nil
}

// RuleChange changes one rule for one provider ("" for the default); nil
// fields keep what applies now, Params are merged into the current ones.
type RuleChange struct {
	Provider string
	Rule     string
	Enabled  *bool
	Severity *string
	Params   json.RawMessage
}

// SetRule writes a rule change. An unknown provider is NotFound.
func (s *Store) SetRule(ctx context.Context, c RuleChange) error {
	if c.Provider != "" {
		var ok bool
		if err := s.db.GetContext(ctx, &ok, qProviderExists, c.Provider); err != nil {
			return fmt.Errorf("store: set rule: %w", err)
		}
		if !ok {
			return unknownProvider()
		}
	}
	var en sql.NullBool
	if c.Enabled != nil {
		en = sql.NullBool{Bool: *c.Enabled, Valid: true}
	}
	var sev sql.NullString
	if c.Severity != nil {
		sev = sql.NullString{String: *c.Severity, Valid: true}
	}
	var params any
	if len(c.Params) > 0 {
		params = string(c.Params)
	}
	if _, err := s.db.ExecContext(ctx, qSetRule, c.Provider, c.Rule, en, sev, params, s.clock.Now()); err != nil {
		return fmt.Errorf("store: set rule: %w", err)
	}
	return nil
}

// StringArray passes a []string as a PostgreSQL array (for sibling
// packages' tests, which do not import lib/pq themselves).
func StringArray(s []string) any { return pq.Array(s) }
