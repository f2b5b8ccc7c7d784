-- A review run no longer writes an explanation per event (issue 11, item 9:
-- writing a million rows a day cost more than every rule together).
-- Whether an access is explained is a function of the access and the care
-- relations (DESIGN.md section 5), so it is worked out where it is read:
-- the extract, the case pages and the checks pick the explaining relation
-- as before (insyn_explaining_relation and its parts), and a review run
-- counts and finds the unexplained accesses through care_coverage, the
-- same windows merged per patient and unit or named staff member, which
-- a run joins in its parallel workers without ever matching an access
-- twice. A care import re-evaluates the hits that stood only because an
-- access was unexplained (review.go, reexplainCare); the coverage follows
-- care_relations by trigger in the same statement.

-- +goose Up

-- Per patient and unit (who = 'unit') or named staff member ('staff'), the
-- windows of their care relations (insyn_care_from .. insyn_care_until,
-- both ends included) merged where they overlap or touch: an access is
-- explained exactly when one row covers it for its acting unit or its
-- actor, and at most one row per key can.
CREATE TABLE care_coverage (
    personal_id  text NOT NULL,
    who          text NOT NULL CHECK (who IN ('unit', 'staff')),
    hsa_id       text NOT NULL CHECK (hsa_id <> ''),
    covers_from  timestamptz NOT NULL,
    covers_until timestamptz NOT NULL
);
CREATE INDEX care_coverage_key ON care_coverage (personal_id, hsa_id, covers_from);

-- insyn_cover rebuilds the coverage of the given patients from their care
-- relations: the islands of overlapping windows (a window starts a new
-- island when it begins after every earlier one has ended). A window that
-- ends before it begins (a relation whose end precedes its start, which
-- only the CSV import refuses) covers nothing, as in insyn_care_covers.
-- +goose StatementBegin
CREATE FUNCTION insyn_cover(p_ids text[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM care_coverage WHERE personal_id = ANY(p_ids);
    INSERT INTO care_coverage (personal_id, who, hsa_id, covers_from, covers_until)
    SELECT personal_id, who, hsa_id, min(lo), max(hi) FROM (
        SELECT w.*, count(*) FILTER (WHERE fresh) OVER (PARTITION BY personal_id, who, hsa_id ORDER BY lo, hi) AS island
        FROM (
            SELECT r.*, lo > max(hi) OVER (PARTITION BY personal_id, who, hsa_id ORDER BY lo, hi
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) IS TRUE AS fresh
            FROM (
                SELECT c.personal_id, k.who, k.hsa_id, insyn_care_from(c.kind, c.starts_at) AS lo,
                       insyn_care_until(c.kind, c.starts_at, c.ends_at) AS hi
                FROM care_relations c
                CROSS JOIN LATERAL (VALUES ('unit', c.unit_hsa_id), ('staff', c.staff_hsa_id)) AS k(who, hsa_id)
                WHERE c.personal_id = ANY(p_ids) AND k.hsa_id <> ''
            ) r
            WHERE r.lo <= r.hi
        ) w
    ) i
    GROUP BY personal_id, who, hsa_id, island;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The rebuild first takes the review lock (the key RunReview and a care
-- import take), so two transactions writing a patient's relations rebuild
-- one after the other, each from what the other committed: the delete and
-- the insert of insyn_cover each see the database as their statement
-- starts, and run beside another rebuild they would keep its rows twice or
-- keep rows it removed. A review run, which reads the coverage, never sees
-- half of one either.
CREATE FUNCTION insyn_cover_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('insyn_review'));
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM care_coverage;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM insyn_cover(ARRAY(SELECT DISTINCT personal_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM insyn_cover(ARRAY(SELECT personal_id FROM new_rows UNION SELECT personal_id FROM old_rows));
    ELSE
        PERFORM insyn_cover(ARRAY(SELECT DISTINCT personal_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER care_coverage_insert AFTER INSERT ON care_relations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insyn_cover_changed();
CREATE TRIGGER care_coverage_update AFTER UPDATE ON care_relations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insyn_cover_changed();
CREATE TRIGGER care_coverage_delete AFTER DELETE ON care_relations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION insyn_cover_changed();
CREATE TRIGGER care_coverage_truncate AFTER TRUNCATE ON care_relations
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_cover_changed();

SELECT insyn_cover(ARRAY(SELECT DISTINCT personal_id FROM care_relations));

-- Whether care explains an access: insyn_explaining_relation finds a
-- relation exactly when this holds (TestCoverageAgreesWithFunction).
-- +goose StatementBegin
CREATE FUNCTION insyn_explained(p_patient text, p_actor text, p_unit text, p_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM care_coverage v
                   WHERE v.personal_id = p_patient AND v.covers_from <= p_at AND v.covers_until >= p_at
                     AND ((v.who = 'unit' AND v.hsa_id = p_unit) OR (v.who = 'staff' AND v.hsa_id = p_actor)))
$$;
-- +goose StatementEnd

-- A care import re-evaluates the hits of its patients (reexplainCare).
CREATE INDEX rule_hits_patient ON rule_hits (patient_id);

-- Which events a period run (insyn review run --from --to) reviewed: those
-- of the listed batches in its period. A batch run keeps its batches in
-- review_batches, as before.
CREATE TABLE review_periods (
    run_id      bigint PRIMARY KEY REFERENCES review_runs,
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL,
    batches     bigint[] NOT NULL
);
INSERT INTO review_periods (run_id, period_from, period_to, batches)
SELECT r.id, COALESCE(r.period_from, '-infinity'), COALESCE(r.period_to, 'infinity'),
       ARRAY(SELECT DISTINCT e.batch_id FROM event_explanations x
             JOIN access_events e ON e.id = x.event_id AND e.occurred_at = x.occurred_at WHERE x.run_id = r.id)
FROM review_runs r WHERE r.period_from IS NOT NULL OR r.period_to IS NOT NULL;

-- The explanation as the definition gives it now, with its evidence, for
-- operators and tests (the relation, its kind, whether it names the actor,
-- the days from its start).
DROP VIEW event_explanation_evidence;
DROP TABLE event_explanations;
CREATE VIEW event_explanation_evidence AS
SELECT e.id AS event_id, e.occurred_at, r.relation_id, r.relation_id IS NOT NULL AS explained, r.kind,
       COALESCE(r.by_staff, false) AS by_staff, r.days
FROM access_events e
LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) r ON true;

-- +goose Down
DROP VIEW event_explanation_evidence;
CREATE TABLE event_explanations (
    event_id    bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    relation_id bigint,
    run_id      bigint NOT NULL,
    PRIMARY KEY (event_id, occurred_at)
);
CREATE TRIGGER event_explanations_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON event_explanations
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
INSERT INTO event_explanations (event_id, occurred_at, relation_id, run_id)
SELECT e.id, e.occurred_at, x.relation_id, b.run_id
FROM review_batches b JOIN access_events e ON e.batch_id = b.batch_id
LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) x ON true;
INSERT INTO event_explanations (event_id, occurred_at, relation_id, run_id)
SELECT e.id, e.occurred_at, x.relation_id, p.run_id
FROM review_periods p JOIN access_events e ON e.batch_id = ANY(p.batches)
     AND e.occurred_at >= p.period_from AND e.occurred_at < p.period_to
LEFT JOIN LATERAL insyn_explaining_relation(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at) x ON true
ON CONFLICT DO NOTHING;
CREATE VIEW event_explanation_evidence AS
SELECT x.event_id, x.occurred_at, x.run_id, x.relation_id, x.relation_id IS NOT NULL AS explained, c.kind,
       COALESCE(insyn_care_by_staff(c.staff_hsa_id, e.actor_hsa_id), false) AS by_staff,
       insyn_care_days(c.starts_at, e.occurred_at) AS days
FROM event_explanations x
JOIN access_events e ON e.id = x.event_id AND e.occurred_at = x.occurred_at
LEFT JOIN care_relations c ON c.id = x.relation_id;
DROP TABLE review_periods;
DROP INDEX rule_hits_patient;
DROP FUNCTION insyn_explained(text, text, text, timestamptz);
DROP TRIGGER care_coverage_truncate ON care_relations;
DROP TRIGGER care_coverage_delete ON care_relations;
DROP TRIGGER care_coverage_update ON care_relations;
DROP TRIGGER care_coverage_insert ON care_relations;
DROP FUNCTION insyn_cover_changed();
DROP FUNCTION insyn_cover(text[]);
DROP TABLE care_coverage;
