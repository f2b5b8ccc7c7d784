-- Targeted checks, the record of completed controls and patients' extract
-- requests (DESIGN.md sections 5 and 6, issue 12 items 5 to 7).

-- +goose Up

-- A reviewer's search on suspicion (the BIF log-analysis spec, the 1177
-- routine): one patient's accesses, or one member of staff's (by HSA-id or
-- by name), in a period, optionally narrowed to one of the routine's
-- checkpoints. Every search is kept: who searched, for what, when. The key
-- is the only identifier in URLs.
CREATE TABLE targeted_checks (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
    provider_hsa_id text NOT NULL,          -- whose events were searched: the reviewer's care provider
    subject         text NOT NULL CHECK (subject IN ('patient', 'staff')),
    patient_id      text,
    patient_id_kind text,
    patient_id_root text NOT NULL DEFAULT '',
    staff_hsa_id    text NOT NULL DEFAULT '',
    staff_name      text NOT NULL DEFAULT '' CHECK (char_length(staff_name) <= 200),
    period_from     timestamptz NOT NULL,
    period_to       timestamptz NOT NULL,   -- [from, to)
    checkpoint      text NOT NULL DEFAULT '' CHECK (checkpoint IN
                    ('', 'colleague', 'self', 'deceased', 'emergency', 'non_care_purpose')),
    hits            integer NOT NULL DEFAULT 0,
    reviewer_id     text NOT NULL,          -- portal.Actor.ID()
    reviewer_name   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    CHECK ((subject = 'patient') = (patient_id IS NOT NULL)),
    CHECK (subject = 'patient' OR staff_hsa_id <> '' OR staff_name <> ''),
    CHECK (period_to > period_from)
);
CREATE INDEX targeted_checks_provider ON targeted_checks (provider_hsa_id, created_at);

-- The cases a targeted check became (one per person and patient, as every
-- case is).
CREATE TABLE targeted_check_cases (
    check_id bigint NOT NULL REFERENCES targeted_checks ON DELETE CASCADE,
    case_id  bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    PRIMARY KEY (check_id, case_id)
);

-- Every completed check (DESIGN.md section 5): a month's sample of a unit
-- once its cases are decided, a decided case from a flag, a watchlist hit or
-- a rule, a targeted check the reviewer closed. criteria is structured (the
-- report words it in the reader's language); actions is what was done,
-- written by the reviewer.
CREATE TABLE controls (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
    kind            text NOT NULL CHECK (kind IN ('sample', 'flag', 'watchlist', 'rule', 'targeted')),
    provider_hsa_id text NOT NULL,
    unit_hsa_id     text NOT NULL DEFAULT '',
    period_from     timestamptz NOT NULL,
    period_to       timestamptz NOT NULL,
    criteria        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(criteria) = 'object'),
    items           integer NOT NULL DEFAULT 0, -- accesses (or a sample's cases) examined
    reviewer_kind   text NOT NULL CHECK (reviewer_kind IN ('staff', 'system')),
    reviewer_id     text NOT NULL,
    completed_at    timestamptz NOT NULL,
    result          text NOT NULL CHECK (result IN
                    ('justified', 'unjustified', 'unclear', 'no_findings', 'findings')),
    actions         text NOT NULL DEFAULT '' CHECK (char_length(actions) <= 10000),
    case_id         bigint UNIQUE REFERENCES cases ON DELETE SET NULL,
    sample_id       bigint UNIQUE REFERENCES samples,
    check_id        bigint UNIQUE REFERENCES targeted_checks
);
CREATE INDEX controls_provider ON controls (provider_hsa_id, completed_at);
CREATE INDEX controls_unit ON controls (unit_hsa_id, completed_at);

-- A decision completes a check. The decision's timeline entry is written
-- after the case row is saved (store.workCase), so here the case carries
-- its outcome and the entry names the reviewer. A sample's case completes
-- its sample once none of the sample's cases is open any more: the sample
-- is the control, its result the worst of its cases'.
-- +goose StatementBegin
CREATE FUNCTION insyn_record_control() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c  cases%ROWTYPE;
    sm samples%ROWTYPE;
    rk text := CASE WHEN NEW.actor_kind = 'staff' THEN 'staff' ELSE 'system' END;
BEGIN
    SELECT * INTO c FROM cases WHERE id = NEW.case_id;
    IF c.outcome IS NULL THEN
        RETURN NEW;
    END IF;
    IF c.source = 'sample' THEN
        SELECT * INTO sm FROM samples WHERE id = c.sample_id;
        IF sm.id IS NULL OR EXISTS (SELECT 1 FROM cases o WHERE o.sample_id = sm.id AND o.outcome IS NULL) THEN
            RETURN NEW;
        END IF;
        INSERT INTO controls (kind, provider_hsa_id, unit_hsa_id, period_from, period_to, criteria, items,
                              reviewer_kind, reviewer_id, completed_at, result, sample_id)
        SELECT 'sample', sm.provider_hsa_id, sm.unit_hsa_id,
               sm.month::timestamp AT TIME ZONE 'Europe/Stockholm',
               (sm.month + interval '1 month')::timestamp AT TIME ZONE 'Europe/Stockholm',
               jsonb_build_object('seed', sm.seed, 'users_per_unit', sm.users_per_unit,
                                  'candidates', sm.candidates, 'drawn', cardinality(sm.drawn)),
               (SELECT count(*) FROM cases o WHERE o.sample_id = sm.id),
               rk, NEW.actor_id, NEW.at,
               (SELECT CASE WHEN bool_or(o.outcome = 'unjustified') THEN 'unjustified'
                            WHEN bool_or(o.outcome = 'unclear') THEN 'unclear' ELSE 'justified' END
                FROM cases o WHERE o.sample_id = sm.id),
               sm.id
        ON CONFLICT (sample_id) DO NOTHING;
        RETURN NEW;
    END IF;
    INSERT INTO controls (kind, provider_hsa_id, unit_hsa_id, period_from, period_to, criteria, items,
                          reviewer_kind, reviewer_id, completed_at, result, case_id)
    SELECT c.source, c.provider_hsa_id,
           COALESCE((SELECT e.actor_unit_hsa_id FROM case_events ce
                     JOIN access_events e ON e.id = ce.event_id AND e.occurred_at = ce.occurred_at
                     WHERE ce.case_id = c.id AND e.actor_unit_hsa_id <> ''
                     GROUP BY e.actor_unit_hsa_id ORDER BY count(*) DESC, e.actor_unit_hsa_id LIMIT 1), ''),
           COALESCE((SELECT min(occurred_at) FROM case_events WHERE case_id = c.id), c.created_at),
           COALESCE((SELECT max(occurred_at) FROM case_events WHERE case_id = c.id), c.created_at),
           jsonb_build_object('case', c.number, 'staff', c.staff_hsa_id,
               'rules', COALESCE((SELECT jsonb_agg(DISTINCT h.rule) FROM rule_hits h WHERE h.case_id = c.id), '[]'),
               'flag_reasons', COALESCE((SELECT jsonb_agg(DISTINCT f.reason) FROM flags f WHERE f.case_id = c.id), '[]'),
               'targeted', EXISTS (SELECT 1 FROM targeted_check_cases t WHERE t.case_id = c.id)),
           (SELECT count(*) FROM case_events WHERE case_id = c.id),
           rk, NEW.actor_id, NEW.at, c.outcome, c.id
    ON CONFLICT (case_id) DO NOTHING;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER case_decided_control AFTER INSERT ON case_timeline
    FOR EACH ROW WHEN (NEW.kind = 'decision') EXECUTE FUNCTION insyn_record_control();

-- A patient's request for their log extract, registered by a clerk of the
-- care provider whose events it covers (PDL 8 kap 1 §, GDPR art. 15); the
-- answer is due within one month of receipt (GDPR art. 12(3)).
CREATE TABLE extract_requests (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
    provider_hsa_id text NOT NULL,
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    patient_id_root text NOT NULL DEFAULT '',
    period_from     date,                   -- NULL: everything logged
    period_to       date NOT NULL,          -- the last day, included
    channel         text NOT NULL CHECK (channel IN ('letter', 'phone', 'desk', 'e_service')),
    received_at     timestamptz NOT NULL,
    lang            text NOT NULL DEFAULT 'sv' CHECK (lang IN ('sv', 'en')),
    status          text NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'produced', 'delivered')),
    registered_by   text NOT NULL,
    registered_at   timestamptz NOT NULL,
    produced_by     text,
    produced_at     timestamptz,
    delivered_by    text,
    delivered_at    timestamptz,
    CHECK (period_from IS NULL OR period_from <= period_to),
    CHECK ((status = 'registered') = (produced_at IS NULL)),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX extract_requests_open ON extract_requests (provider_hsa_id, received_at) WHERE status <> 'delivered';
CREATE INDEX extract_requests_provider ON extract_requests (provider_hsa_id, registered_at);

-- +goose Down
DROP TABLE extract_requests;
DROP TRIGGER case_decided_control ON case_timeline;
DROP FUNCTION insyn_record_control();
DROP TABLE controls;
DROP TABLE targeted_check_cases;
DROP TABLE targeted_checks;
