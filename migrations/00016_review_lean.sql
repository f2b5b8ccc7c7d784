-- A leaner review run (issue 11, item 9): the explanation's parts may run
-- in parallel workers, and event_explanations keeps only what its readers
-- need, with one index.

-- +goose Up

-- Pure expressions over their arguments (the STABLE ones only through the
-- session's time zone, which parallel workers share): safe in a parallel
-- plan. Unmarked, any query calling them is planned without workers.
ALTER FUNCTION insyn_care_who(text, text, text, text) PARALLEL SAFE;
ALTER FUNCTION insyn_care_by_staff(text, text) PARALLEL SAFE;
ALTER FUNCTION insyn_care_covers(text, timestamptz, timestamptz, timestamptz) PARALLEL SAFE;
ALTER FUNCTION insyn_care_preference(text, text, timestamptz, timestamptz, text, timestamptz) PARALLEL SAFE;
ALTER FUNCTION insyn_care_distance(timestamptz, timestamptz) PARALLEL SAFE;
ALTER FUNCTION insyn_care_days(timestamptz, timestamptz) PARALLEL SAFE;
ALTER FUNCTION insyn_explaining_relation(text, text, text, timestamptz) PARALLEL SAFE;
ALTER FUNCTION insyn_street(text) PARALLEL SAFE;
ALTER FUNCTION insyn_rule(text, text) PARALLEL SAFE;

-- A run writes a row per event: its readers (the extract, targeted checks,
-- the new-provider notice) look one up by the primary key and read the
-- relation and the run. The rest follows from the relation and the event
-- (event_explanation_evidence), so it is no longer written per event.
-- Nothing reads by run, and a care import finds the events a relation
-- explained through the patient's events, so those two indexes go.
DROP INDEX event_explanations_run;
DROP INDEX event_explanations_relation;
ALTER TABLE event_explanations DROP COLUMN explained, DROP COLUMN kind, DROP COLUMN by_staff,
    DROP COLUMN days, DROP COLUMN evaluated_at;

-- An explanation's evidence, worked out by the same parts as the
-- explanation itself: the relation's kind, whether it names the actor, and
-- the days from its start to the access (negative: before it).
CREATE VIEW event_explanation_evidence AS
SELECT x.event_id, x.occurred_at, x.run_id, x.relation_id, x.relation_id IS NOT NULL AS explained, c.kind,
       COALESCE(insyn_care_by_staff(c.staff_hsa_id, e.actor_hsa_id), false) AS by_staff,
       insyn_care_days(c.starts_at, e.occurred_at) AS days
FROM event_explanations x
JOIN access_events e ON e.id = x.event_id AND e.occurred_at = x.occurred_at
LEFT JOIN care_relations c ON c.id = x.relation_id;

-- +goose Down
DROP VIEW event_explanation_evidence;
ALTER TABLE event_explanations ADD COLUMN explained boolean, ADD COLUMN kind text,
    ADD COLUMN by_staff boolean NOT NULL DEFAULT false, ADD COLUMN days integer, ADD COLUMN evaluated_at timestamptz;
UPDATE event_explanations x SET explained = x.relation_id IS NOT NULL, kind = c.kind,
       by_staff = COALESCE(insyn_care_by_staff(c.staff_hsa_id, e.actor_hsa_id), false),
       days = insyn_care_days(c.starts_at, e.occurred_at), evaluated_at = r.started_at
FROM access_events e, care_relations c, review_runs r
WHERE e.id = x.event_id AND e.occurred_at = x.occurred_at AND c.id = x.relation_id AND r.id = x.run_id;
UPDATE event_explanations x SET explained = false, evaluated_at = r.started_at
FROM review_runs r WHERE x.relation_id IS NULL AND r.id = x.run_id;
ALTER TABLE event_explanations ALTER COLUMN explained SET NOT NULL, ALTER COLUMN evaluated_at SET NOT NULL,
    ADD CHECK (explained = (relation_id IS NOT NULL));
CREATE INDEX event_explanations_run ON event_explanations (run_id);
CREATE INDEX event_explanations_relation ON event_explanations (relation_id) WHERE relation_id IS NOT NULL;
ALTER FUNCTION insyn_rule(text, text) PARALLEL UNSAFE;
ALTER FUNCTION insyn_street(text) PARALLEL UNSAFE;
ALTER FUNCTION insyn_explaining_relation(text, text, text, timestamptz) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_days(timestamptz, timestamptz) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_distance(timestamptz, timestamptz) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_preference(text, text, timestamptz, timestamptz, text, timestamptz) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_covers(text, timestamptz, timestamptz, timestamptz) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_by_staff(text, text) PARALLEL UNSAFE;
ALTER FUNCTION insyn_care_who(text, text, text, text) PARALLEL UNSAFE;
