package store

// Rules of DESIGN.md section 5 as set-based SQL over one review run's
// events (as RunReview gathers them). Each statement takes $1, the
// run's id, applies the rule only where insyn_rule says it is on for the
// acting provider, and stores one hit per event with its evidence. A pass
// over every event of a run costs about as much as the rules' own work, so
// the rules read smaller tables RunReview makes in one pass each:
// run_marked (the events a single-event rule may fire on), run_unexplained
// (its unexplained part) and run_actor_patients (events counted per actor,
// day and patient: a row per batch's group, and one per event kept alone,
// so a key may have several rows). The rules that follow a glass, a pair
// or a day back to its events (emergency, relative, volume, watchlist)
// read those through the events' indexes (runEventRead). No rule passes
// over every event.

// ruleInsert is the head every rule shares.
const ruleInsert = `
INSERT INTO rule_hits (run_id, rule, severity, event_id, occurred_at, staff_hsa_id, provider_hsa_id,
                       patient_id, patient_id_kind, patient_id_root, evidence)
`

// ruleTail drops a hit the event already has (a ranged run after another).
const ruleTail = `
ON CONFLICT (rule, event_id, occurred_at) DO NOTHING`

// onDay holds for an event e on the day (in Sweden) of the row d, as an
// index on occurred_at can use it.
const onDay = `e.occurred_at >= d.day::timestamp AT TIME ZONE 'Europe/Stockholm'
              AND e.occurred_at < (d.day + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'`

// ruleCols are the columns of a hit after severity and before evidence.
const ruleCols = `ev.id, ev.occurred_at, ev.actor_hsa_id, ev.provider_hsa_id, ev.patient_id, ev.patient_id_kind, ev.patient_id_root`

const (
	qRuleSelf = ruleInsert + `
SELECT $1, 'self', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained)
FROM run_marked ev JOIN LATERAL insyn_rule('self', ev.provider_hsa_id) cfg ON cfg.enabled
WHERE ev.actor_personal_id <> '' AND ev.actor_personal_id = ev.patient_id` + ruleTail

	// An emergency access (break the glass) and what the same person did
	// with the same patient in the session_minutes after it: every one is
	// reviewed, explained or not. The glass is looked for among the run's
	// own events (emergency accesses are few, and a sitting arrives in one
	// log), not the whole table; the run's accesses that follow one are
	// read through the patient's index (runEventRead).
	qRuleEmergency = ruleInsert + `
WITH glass AS MATERIALIZED (
    SELECT actor_hsa_id, patient_id, occurred_at FROM run_marked
    WHERE (emergency OR activity = 'emergency') AND actor_hsa_id <> ''
), hit AS (
    SELECT ev.*, ev.occurred_at AS opened_at FROM run_marked ev WHERE ev.emergency OR ev.activity = 'emergency'
    UNION ALL
    SELECT ev.*, g.occurred_at FROM glass g
    JOIN LATERAL (` + runEventRead + `e.patient_id = g.patient_id AND e.actor_hsa_id = g.actor_hsa_id
                  AND e.occurred_at >= g.occurred_at OFFSET 0) ev ON true
)
SELECT DISTINCT ON (ev.id, ev.occurred_at)
       $1, 'emergency', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'activity', ev.activity, 'opened_at', ev.opened_at)
FROM hit ev JOIN LATERAL insyn_rule('emergency', ev.provider_hsa_id) cfg ON cfg.enabled
WHERE ev.opened_at >= ev.occurred_at - make_interval(mins => COALESCE((cfg.params->>'session_minutes')::integer, 60))
ORDER BY ev.id, ev.occurred_at, ev.opened_at DESC` + ruleTail

	// A family link in relations (either direction), or the same family
	// name at the same address. Worked out from the people who acted in
	// the run (a few thousand): everyone each of them is linked to, by
	// relations or by household; the run's (actor, patient) groups are
	// then matched against those few links by one hash join, not each
	// pair of the run against the relations and the population. The CTEs
	// are materialised so the planner, which cannot estimate the join back
	// to the events, does not push the lookups under it. A linked pair's
	// events are read through the actor's index, for each of the pair's
	// rows in run_actor_patients (actor, day, patient; a key may have
	// several, and a hit already made is skipped).
	qRuleRelative = ruleInsert + `
WITH actor AS MATERIALIZED (
    SELECT DISTINCT actor_personal_id FROM run_actor_patients WHERE actor_personal_id <> ''
), link AS MATERIALIZED (
    -- patient_id_kind NULL: a relation holds for the personal id whatever
    -- its kind; a household is the population register's person.
    SELECT a.actor_personal_id, r.personal_id_b AS patient_id, NULL::text AS patient_id_kind, r.kind AS relation
    FROM actor a JOIN relations r ON r.personal_id_a = a.actor_personal_id
    UNION ALL
    SELECT a.actor_personal_id, r.personal_id_a, NULL, r.kind
    FROM actor a JOIN relations r ON r.personal_id_b = a.actor_personal_id
    UNION ALL
    SELECT a.actor_personal_id, p.personal_id, p.id_kind, NULL
    FROM actor a
    JOIN patients ap ON ap.personal_id = a.actor_personal_id
    JOIN patients p ON p.postal_code = ap.postal_code AND lower(p.family_name) = lower(ap.family_name)
    -- Not "=": the street, normalised by a regular expression, is
    -- compared for the few of the same name and postal code, not made a
    -- join key that would normalise the street of everyone.
    WHERE ap.street <> '' AND insyn_street(ap.street) IS NOT DISTINCT FROM insyn_street(p.street)
), linked AS MATERIALIZED (
    SELECT DISTINCT ON (g.actor_personal_id, g.patient_id, g.patient_id_kind)
           g.actor_personal_id, g.patient_id, g.patient_id_kind, l.relation
    FROM run_actor_patients g
    JOIN link l ON l.actor_personal_id = g.actor_personal_id AND l.patient_id = g.patient_id
         AND (l.patient_id_kind IS NULL OR l.patient_id_kind = g.patient_id_kind)
    WHERE g.actor_personal_id <> g.patient_id
    ORDER BY g.actor_personal_id, g.patient_id, g.patient_id_kind, l.relation NULLS LAST
)
SELECT $1, 'relative', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'relation', l.relation,
                          'same_family_and_address', l.relation IS NULL)
FROM linked l
JOIN run_actor_patients g ON g.actor_personal_id = l.actor_personal_id AND g.patient_id = l.patient_id
     AND g.patient_id_kind = l.patient_id_kind
JOIN LATERAL (` + runEventRead + groupEvents + ` OFFSET 0) ev ON true
JOIN LATERAL insyn_rule('relative', ev.provider_hsa_id) cfg ON cfg.enabled` + ruleTail

	// The same building, per distinct pair of the run's unexplained events
	// (materialised as relative's; run_unexplained is small enough that
	// joining the pairs back to it costs nothing).
	qRuleHousehold = ruleInsert + `
WITH pair AS MATERIALIZED (
    SELECT DISTINCT actor_personal_id, patient_id, patient_id_kind FROM run_unexplained
    WHERE actor_personal_id <> '' AND actor_personal_id <> patient_id
), near AS MATERIALIZED (
    SELECT pair.* FROM pair
    JOIN patients ap ON ap.personal_id = pair.actor_personal_id
    JOIN patients p ON p.personal_id = pair.patient_id AND p.id_kind = pair.patient_id_kind
    WHERE ap.street <> '' AND ap.postal_code = p.postal_code AND insyn_street(ap.street) = insyn_street(p.street)
)
SELECT $1, 'household', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', false, 'same_street', true)
FROM near n
JOIN run_unexplained ev ON ev.actor_personal_id = n.actor_personal_id AND ev.patient_id = n.patient_id
     AND ev.patient_id_kind = n.patient_id_kind
JOIN LATERAL insyn_rule('household', ev.provider_hsa_id) cfg ON cfg.enabled` + ruleTail

	// Same postal code, not the same street (household covers that); per
	// distinct pair as household.
	qRuleNeighbourhood = ruleInsert + `
WITH pair AS MATERIALIZED (
    SELECT DISTINCT actor_personal_id, patient_id, patient_id_kind FROM run_unexplained
    WHERE actor_personal_id <> '' AND actor_personal_id <> patient_id
), near AS MATERIALIZED (
    SELECT pair.* FROM pair
    JOIN patients ap ON ap.personal_id = pair.actor_personal_id
    JOIN patients p ON p.personal_id = pair.patient_id AND p.id_kind = pair.patient_id_kind
    WHERE ap.postal_code <> '' AND ap.postal_code = p.postal_code
      AND insyn_street(ap.street) IS DISTINCT FROM insyn_street(p.street)
)
SELECT $1, 'neighbourhood', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', false, 'same_postal_code', true)
FROM near n
JOIN run_unexplained ev ON ev.actor_personal_id = n.actor_personal_id AND ev.patient_id = n.patient_id
     AND ev.patient_id_kind = n.patient_id_kind
JOIN LATERAL insyn_rule('neighbourhood', ev.provider_hsa_id) cfg ON cfg.enabled` + ruleTail

	// The patient works in care; high when at the actor's own unit.
	qRuleColleague = ruleInsert + `
SELECT $1, 'colleague', CASE WHEN same.unit THEN 'high' ELSE cfg.severity END, ` + ruleCols + `,
       jsonb_build_object('explained', false, 'same_unit', same.unit)
FROM run_unexplained ev JOIN LATERAL insyn_rule('colleague', ev.provider_hsa_id) cfg ON cfg.enabled
JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM assignments a WHERE a.staff_hsa_id = ps.hsa_id
                   AND a.unit_hsa_id = ev.actor_unit_hsa_id AND ev.day BETWEEN a.valid_from AND a.valid_to) AS unit
    FROM staff ps WHERE ps.personal_id = ev.patient_id
    ORDER BY 1 DESC LIMIT 1
) same ON true
WHERE ev.actor_personal_id IS DISTINCT FROM ev.patient_id` + ruleTail

	qRuleProtected = ruleInsert + `
SELECT $1, 'protected_identity', cfg.severity, ` + ruleCols + `, jsonb_build_object('explained', false)
FROM run_unexplained ev JOIN LATERAL insyn_rule('protected_identity', ev.provider_hsa_id) cfg ON cfg.enabled
JOIN patients p ON p.personal_id = ev.patient_id AND p.id_kind = ev.patient_id_kind
WHERE p.protected_identity` + ruleTail

	qRuleVIP = ruleInsert + `
SELECT $1, 'vip', cfg.severity, ` + ruleCols + `, jsonb_build_object('explained', false)
FROM run_unexplained ev JOIN LATERAL insyn_rule('vip', ev.provider_hsa_id) cfg ON cfg.enabled
JOIN patients p ON p.personal_id = ev.patient_id AND p.id_kind = ev.patient_id_kind
WHERE p.vip` + ruleTail

	qRuleDeceased = ruleInsert + `
SELECT $1, 'deceased', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', false, 'days_after_death', ev.day - p.deceased_on)
FROM run_unexplained ev JOIN LATERAL insyn_rule('deceased', ev.provider_hsa_id) cfg ON cfg.enabled
JOIN patients p ON p.personal_id = ev.patient_id AND p.id_kind = ev.patient_id_kind
WHERE ev.day > p.deceased_on` + ruleTail

	// A purpose other than care from someone with no assignment for that
	// purpose at the acting unit that day (an assignment's name begins with
	// its purpose: "Administration på …"). A care relation explains care,
	// not statistics: this rule fires whether or not one exists, and says
	// which in its evidence.
	qRuleNonCare = ruleInsert + `
SELECT $1, 'non_care_purpose', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'purpose', ev.purpose)
FROM run_marked ev JOIN LATERAL insyn_rule('non_care_purpose', ev.provider_hsa_id) cfg ON cfg.enabled
LEFT JOIN (VALUES ('quality_assurance', 'kvalitetssäkring'), ('administration', 'administration'),
                  ('statistics', 'statistik'), ('quality_register', 'kvalitetsregister'),
                  ('other_legal_documentation', 'juridisk')) AS w(purpose, word) ON w.purpose = ev.purpose
WHERE ev.purpose <> 'care'
  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.staff_hsa_id = ev.actor_hsa_id
                  AND a.unit_hsa_id = ev.actor_unit_hsa_id AND ev.day BETWEEN a.valid_from AND a.valid_to
                  AND w.word IS NOT NULL AND lower(a.name) LIKE w.word || '%')` + ruleTail

	// The acting unit (or the actor by name) never had a care relation
	// with the patient, at any time.
	qRuleNoCare = ruleInsert + `
SELECT $1, 'no_care_relation', cfg.severity, ` + ruleCols + `, jsonb_build_object('explained', false)
FROM run_unexplained ev JOIN LATERAL insyn_rule('no_care_relation', ev.provider_hsa_id) cfg ON cfg.enabled
WHERE NOT EXISTS (SELECT 1 FROM care_relations c WHERE c.personal_id = ev.patient_id
                AND ((ev.actor_unit_hsa_id <> '' AND c.unit_hsa_id = ev.actor_unit_hsa_id)
                     OR (c.staff_hsa_id <> '' AND c.staff_hsa_id = ev.actor_hsa_id)))` + ruleTail

	qRuleAfterEmployment = ruleInsert + `
SELECT $1, 'after_employment', cfg.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'days_after', ev.day - ev.employed_to)
FROM run_marked ev JOIN LATERAL insyn_rule('after_employment', ev.provider_hsa_id) cfg ON cfg.enabled
WHERE ev.employed_to IS NOT NULL AND ev.day > ev.employed_to` + ruleTail

	// qVolumeDays keeps, for each actor-day of the run, the distinct
	// patients of that whole day (every event, not only the run's) in
	// review_actor_days. An actor-day no run has seen is counted from the
	// run's own events, which then are all its reviewed events, and
	// inserted (in key order, without a conflict check per row: the day is
	// known to be new); one a run saw before (a day arriving in several
	// batches) is counted anew from access_events through the actor index.
	qVolumeDays = `
WITH d AS MATERIALIZED (
    SELECT actor_hsa_id, day, min(actor_title) AS title, count(DISTINCT patient_id) AS patients
    FROM run_actor_patients WHERE actor_hsa_id <> '' GROUP BY actor_hsa_id, day
), seen AS (
    UPDATE review_actor_days r SET title = d.title,
           patients = (SELECT count(DISTINCT e.patient_id) FROM access_events e
                       WHERE e.actor_hsa_id = d.actor_hsa_id AND ` + onDay + `)
    FROM d WHERE r.actor_hsa_id = d.actor_hsa_id AND r.day = d.day
    RETURNING r.actor_hsa_id, r.day
)
INSERT INTO review_actor_days (actor_hsa_id, day, title, patients)
SELECT d.actor_hsa_id, d.day, d.title, d.patients FROM d
WHERE NOT EXISTS (SELECT 1 FROM seen WHERE seen.actor_hsa_id = d.actor_hsa_id AND seen.day = d.day)
ORDER BY d.actor_hsa_id, d.day`

	// qVolumeSpree keeps the run's actor-days whose distinct patients
	// reach min_patients and exceed factor times both the actor's own
	// average over the baseline_days before (per day they worked) and the
	// average of the others with the same title that day, both from
	// review_actor_days: a table of a few rows, analysed, so the rule
	// hashes these days rather than the run's events.
	qVolumeSpree = `
CREATE TEMP TABLE run_spree ON COMMIT DROP AS
WITH a AS MATERIALIZED (
    SELECT DISTINCT actor_hsa_id, provider_hsa_id, day FROM run_actor_patients WHERE actor_hsa_id <> ''
), cfg AS MATERIALIZED (
    -- The configuration once per provider, not per actor-day or event.
    SELECT p.provider_hsa_id, c.severity,
           COALESCE((c.params->>'factor')::numeric, 3) AS factor,
           COALESCE((c.params->>'min_patients')::integer, 20) AS min_patients,
           COALESCE((c.params->>'baseline_days')::integer, 30) AS baseline_days
    FROM (SELECT DISTINCT provider_hsa_id FROM a) p
    JOIN LATERAL insyn_rule('volume', p.provider_hsa_id) c ON c.enabled
), d AS MATERIALIZED (
    -- The run's actor-days with their provider's configuration.
    SELECT a.actor_hsa_id, a.provider_hsa_id, a.day, cfg.severity, cfg.factor, cfg.min_patients, cfg.baseline_days
    FROM a JOIN cfg ON cfg.provider_hsa_id = a.provider_hsa_id
), peer AS MATERIALIZED (
    -- Per day and title once: a peer average is the others' (sum less
    -- one's own, over count less one), not a scan per actor.
    SELECT p.day, p.title, sum(p.patients) AS total, count(*) AS n FROM review_actor_days p
    WHERE p.day IN (SELECT DISTINCT day FROM d)
    GROUP BY p.day, p.title
), spree AS MATERIALIZED (
    SELECT d.*, me.patients,
           COALESCE((SELECT avg(b.patients) FROM review_actor_days b
                     WHERE b.actor_hsa_id = d.actor_hsa_id AND b.day >= d.day - d.baseline_days AND b.day < d.day), 0) AS baseline,
           CASE WHEN peer.n > 1 THEN (peer.total - me.patients)::numeric / (peer.n - 1) ELSE 0 END AS peers
    FROM d JOIN review_actor_days me ON me.actor_hsa_id = d.actor_hsa_id AND me.day = d.day
    JOIN peer ON peer.day = me.day AND peer.title = me.title
    WHERE me.patients >= d.min_patients
)
SELECT * FROM spree WHERE patients > factor * baseline AND patients > factor * peers`

	qAnalyzeSpree = `ANALYZE run_spree`

	// qRuleVolume: every run event of a spree day (qVolumeSpree) is a hit,
	// read through the actor's index.
	qRuleVolume = ruleInsert + `
SELECT $1, 'volume', d.severity, ` + ruleCols + `,
       jsonb_build_object('explained', ev.explained, 'patients', d.patients,
                          'baseline', round(d.baseline, 1), 'peers', round(d.peers, 1))
FROM run_spree d
JOIN LATERAL (` + runEventRead + `e.actor_hsa_id = d.actor_hsa_id AND ` + onDay + ` OFFSET 0) ev
     ON ev.provider_hsa_id = d.provider_hsa_id` + ruleTail
)

// UnexplainedRules are the rules that fire only on unexplained accesses:
// their hits are withdrawn when care relations imported later explain the
// access (reexplainCare). The others fire whether or not care explains.
var UnexplainedRules = []string{"household", "neighbourhood", "colleague", "protected_identity", "vip", "deceased",
	"no_care_relation"}

// rulePrepare holds, per rule, statements without parameters run just
// before it.
var rulePrepare = map[string][]string{"volume": {qVolumeDays, qVolumeSpree, qAnalyzeSpree}}

// RuleQueries maps each rule this store can evaluate to its SQL; the
// watchlist rule adds itself from rule_watchlist.go.
var RuleQueries = map[string]string{
	"self":               qRuleSelf,
	"emergency":          qRuleEmergency,
	"relative":           qRuleRelative,
	"colleague":          qRuleColleague,
	"deceased":           qRuleDeceased,
	"protected_identity": qRuleProtected,
	"vip":                qRuleVIP,
	"after_employment":   qRuleAfterEmployment,
	"household":          qRuleHousehold,
	"neighbourhood":      qRuleNeighbourhood,
	"no_care_relation":   qRuleNoCare,
	"non_care_purpose":   qRuleNonCare,
	"volume":             qRuleVolume,
}
