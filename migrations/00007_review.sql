-- Caregiver-side review (DESIGN.md section 5, issue 11): every event's
-- explanation kept with its evidence, review runs and the batches they
-- covered, per-provider rule configuration and the rules' hits.

-- +goose Up

-- The one definition of "a care relation explains this access", used by the
-- review run (which keeps the answer in event_explanations) and by the
-- extract for events no run has reached yet. Who: the relation's unit is
-- the acting unit (not the unit owning the records), or the relation names
-- the actor. When: visit, booking, referral from 30 days before starts_at to
-- 30 days after ends_at (after starts_at when there is none); admission the
-- stay and 30 days either side; team from starts_at to ends_at, open-ended
-- when there is no end. Of several, a relation naming the person beats one
-- with the unit, one covering the moment beats one nearby, then the nearest
-- start, then the lowest id. A set-returning SQL function with one SELECT:
-- the planner inlines it into the caller's query.
-- +goose StatementBegin
CREATE FUNCTION insyn_explaining_relation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
RETURNS TABLE (relation_id bigint, kind text, starts_at timestamptz, ends_at timestamptz,
               unit_hsa_id text, by_staff boolean, days integer)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.kind, c.starts_at, c.ends_at, c.unit_hsa_id,
           (c.staff_hsa_id <> '' AND c.staff_hsa_id = p_actor),
           floor(extract(epoch FROM p_at - c.starts_at) / 86400)::integer
    FROM care_relations c
    WHERE c.personal_id = p_patient
      AND c.starts_at <= p_at + interval '30 days'
      AND ((p_unit <> '' AND c.unit_hsa_id = p_unit)
           OR (c.staff_hsa_id <> '' AND c.staff_hsa_id = p_actor))
      AND CASE c.kind
          WHEN 'team' THEN p_at >= c.starts_at
                       AND p_at <= COALESCE(c.ends_at, 'infinity'::timestamptz)
          WHEN 'admission' THEN p_at <= COALESCE(c.ends_at, 'infinity'::timestamptz) + interval '30 days'
          ELSE p_at >= c.starts_at - interval '30 days'
           AND p_at <= COALESCE(c.ends_at, c.starts_at) + interval '30 days'
          END
    ORDER BY (c.staff_hsa_id <> '' AND c.staff_hsa_id = p_actor) DESC,
             (p_at >= c.starts_at AND p_at <= COALESCE(c.ends_at,
                 CASE WHEN c.kind IN ('team', 'admission') THEN 'infinity'::timestamptz
                      ELSE c.starts_at + interval '1 day' END)) DESC,
             abs(extract(epoch FROM p_at - c.starts_at)),
             c.id
    LIMIT 1
$$;
-- +goose StatementEnd

-- A run of `insyn review run`: what it covered and what it found.
CREATE TABLE review_runs (
    id           bigserial PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    period_from  timestamptz,
    period_to    timestamptz,
    events       bigint NOT NULL DEFAULT 0,
    explained    bigint NOT NULL DEFAULT 0,
    reexplained  bigint NOT NULL DEFAULT 0,
    hits         bigint NOT NULL DEFAULT 0,
    cases_opened bigint NOT NULL DEFAULT 0,
    cases_joined bigint NOT NULL DEFAULT 0
);

-- The watermark: ingest batches whose every event a run has reviewed. A
-- batch is taken only once it is no longer running, so its events are all
-- committed whatever order their ids were drawn in; a batch committed
-- after a run read this list is simply left for the next run.
CREATE TABLE review_batches (
    batch_id bigint PRIMARY KEY,
    run_id   bigint NOT NULL REFERENCES review_runs
);

-- Finding one batch's events without scanning every partition: batch ids
-- grow with the order of ingest, as do the rows in each partition, so a
-- block-range index is small and nearly free to keep up at ingest.
CREATE INDEX access_events_batch_brin ON access_events USING brin (batch_id);

-- Every reviewed event's explanation, with its evidence: the relation, its
-- kind, whether it names the actor, and the days from the relation's start
-- (negative: before it). relation_id is NULL for an unexplained event.
CREATE TABLE event_explanations (
    event_id     bigint NOT NULL,
    occurred_at  timestamptz NOT NULL,
    explained    boolean NOT NULL,
    relation_id  bigint,
    kind         text,
    by_staff     boolean NOT NULL DEFAULT false,
    days         integer,
    run_id       bigint NOT NULL,
    evaluated_at timestamptz NOT NULL,
    PRIMARY KEY (event_id, occurred_at),
    CHECK (explained = (relation_id IS NOT NULL))
);
CREATE INDEX event_explanations_run ON event_explanations (run_id);
-- A care import re-evaluates the events a relation explained before.
CREATE INDEX event_explanations_relation ON event_explanations (relation_id) WHERE relation_id IS NOT NULL;

-- Rule configuration: provider_hsa_id '' holds the defaults (one row per
-- rule of DESIGN.md section 5); a provider's own row overrides them.
CREATE TABLE rules (
    provider_hsa_id text NOT NULL DEFAULT '',
    rule            text NOT NULL CHECK (rule IN
                    ('self', 'relative', 'household', 'neighbourhood', 'colleague', 'protected_identity',
                     'vip', 'deceased', 'emergency', 'non_care_purpose', 'no_care_relation',
                     'after_employment', 'volume', 'watchlist')),
    enabled         boolean NOT NULL DEFAULT true,
    severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    params          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_hsa_id, rule)
);
INSERT INTO rules (rule, severity, params) VALUES
    ('self', 'high', '{}'),
    ('relative', 'high', '{}'),
    ('household', 'medium', '{}'),
    ('neighbourhood', 'low', '{}'),
    ('colleague', 'medium', '{}'),
    ('protected_identity', 'high', '{}'),
    ('vip', 'high', '{}'),
    ('deceased', 'medium', '{}'),
    ('emergency', 'medium', '{"session_minutes": 60}'),
    ('non_care_purpose', 'low', '{}'),
    ('no_care_relation', 'medium', '{}'),
    ('after_employment', 'high', '{}'),
    ('volume', 'medium', '{"factor": 3, "min_patients": 20, "baseline_days": 30}'),
    ('watchlist', 'high', '{}');

-- A street address as the household rules compare it: the building, so
-- case, spaces, a comma and the flat ("lgh 1101", "lägenhet 3") do not matter.
-- +goose StatementBegin
CREATE FUNCTION insyn_street(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT btrim(regexp_replace(regexp_replace(lower(s), '[, ]*(lgh|lägenhet)\.?\s*[0-9a-z]*\s*$', ''),
                                '[\s,]+', ' ', 'g'))
$$;
-- +goose StatementEnd

-- A rule's configuration for a provider: its own row, else the default.
-- +goose StatementBegin
CREATE FUNCTION insyn_rule(p_rule text, p_provider text)
RETURNS TABLE (enabled boolean, severity text, params jsonb)
LANGUAGE sql STABLE AS $$
    SELECT r.enabled, r.severity, r.params FROM rules r
    WHERE r.rule = p_rule AND r.provider_hsa_id IN (p_provider, '')
    ORDER BY r.provider_hsa_id DESC
    LIMIT 1
$$;
-- +goose StatementEnd

-- One rule's hit on one event, with its evidence; case_id is the case the
-- hit joined (one per actor, provider and patient while it is open).
CREATE TABLE rule_hits (
    id              bigserial PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES review_runs,
    rule            text NOT NULL,
    severity        text NOT NULL,
    event_id        bigint NOT NULL,
    occurred_at     timestamptz NOT NULL,
    staff_hsa_id    text NOT NULL,
    provider_hsa_id text NOT NULL,
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    patient_id_root text NOT NULL DEFAULT '',
    evidence        jsonb NOT NULL DEFAULT '{}',
    case_id         bigint REFERENCES cases ON DELETE SET NULL,
    UNIQUE (rule, event_id, occurred_at)
);
CREATE INDEX rule_hits_run ON rule_hits (run_id);
CREATE INDEX rule_hits_case ON rule_hits (case_id);

-- The volume rule's memory: per actor and (Swedish) day, how many distinct
-- patients they accessed, kept for the days runs have seen, so a run
-- compares a day with the 30 before and with peers without reading them.
CREATE TABLE review_actor_days (
    actor_hsa_id text NOT NULL,
    day          date NOT NULL,
    title        text NOT NULL DEFAULT '',
    patients     integer NOT NULL,
    PRIMARY KEY (actor_hsa_id, day)
);
CREATE INDEX review_actor_days_peers ON review_actor_days (day, title);

-- +goose Down
DROP TABLE review_actor_days;
DROP TABLE rule_hits;
DROP FUNCTION insyn_rule(text, text);
DROP FUNCTION insyn_street(text);
DROP TABLE rules;
DROP TABLE event_explanations;
DROP INDEX access_events_batch_brin;
DROP TABLE review_batches;
DROP TABLE review_runs;
DROP FUNCTION insyn_explaining_relation(text, text, text, timestamptz);
