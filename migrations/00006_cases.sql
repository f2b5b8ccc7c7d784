-- Cases, their events and timeline, and patients' flags (DESIGN.md section
-- 5, issue 10): one table for every source, so a reviewer works one queue
-- whether a patient's flag, a watchlist hit, a rule or a sample raised it.

-- +goose Up
CREATE SEQUENCE case_number_seq AS bigint;

CREATE TABLE cases (
    id               bigserial PRIMARY KEY,
    -- Opaque and random (made by the store): the only identifier in URLs,
    -- so a case's existence cannot be guessed from a neighbour's.
    key              text NOT NULL UNIQUE CHECK (key ~ '^[a-z2-7]{26}$'),
    -- What people quote on the phone: the year it was opened and a number
    -- from case_number_seq, "2026-000042" (made by the store). The sequence
    -- is not reset each year and may have gaps (a flag that joins an open
    -- case draws a number it then does not use), which is harmless.
    number           text NOT NULL UNIQUE,
    source           text NOT NULL CHECK (source IN ('flag', 'watchlist', 'rule', 'sample')),
    -- Flags, watchlist hits and rule hits are hits on one person's accesses
    -- to one patient: they group into one open case. A sample draws a user
    -- over all their patients, so it stands apart.
    source_group     text NOT NULL GENERATED ALWAYS AS
                     (CASE WHEN source = 'sample' THEN 'sample' ELSE 'hit' END) STORED,
    status           text NOT NULL DEFAULT 'new' CHECK (status IN
                     ('new', 'investigating', 'awaiting_statement', 'decided', 'closed')),
    outcome          text CHECK (outcome IN ('justified', 'unjustified', 'unclear')),
    decision_reason  text,                 -- internal
    patient_message  text,                 -- written for the patient with the decision
    patient_id       text,                 -- NULL for a sample's case
    patient_id_kind  text,
    patient_id_root  text NOT NULL DEFAULT '',
    staff_hsa_id     text NOT NULL DEFAULT '', -- whose accesses; '' when the log named no one
    provider_hsa_id  text NOT NULL DEFAULT '', -- the acting care provider: its reviewers work it
    priority         integer NOT NULL DEFAULT 0,
    narrative_sv     text,                 -- one sentence why, filled by review later
    narrative_en     text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    decided_at       timestamptz,
    CHECK ((status IN ('decided', 'closed')) = (outcome IS NOT NULL)),
    CHECK (source = 'sample' OR patient_id IS NOT NULL)
);

-- One open case per (group, person, provider, patient): a second flag on
-- the same entries, another entry by the same person, or a rule hit on
-- them joins it. The store inserts with ON CONFLICT on this index, so two
-- flags filed at the same moment still end in one case.
CREATE UNIQUE INDEX cases_one_open ON cases (source_group, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind)
    WHERE status IN ('new', 'investigating', 'awaiting_statement');
CREATE INDEX cases_queue ON cases (provider_hsa_id, status, priority DESC, created_at);
CREATE INDEX cases_patient ON cases (patient_id, patient_id_kind);
-- Repeat offenders: a person's earlier cases.
CREATE INDEX cases_staff ON cases (staff_hsa_id, created_at);

-- The accesses a case is about. Events are referenced by (id, occurred_at),
-- access_events' primary key, so a lookup prunes to one month's partition;
-- there is no foreign key because no foreign key touches access_events (it
-- must stay distributable on patient_id), and events are never deleted
-- while a case may still name them.
CREATE TABLE case_events (
    case_id     bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    event_id    bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, event_id)
);
CREATE INDEX case_events_event ON case_events (event_id);

CREATE TABLE case_timeline (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN
                ('created', 'flagged', 'joined', 'status', 'note', 'decision', 'closed')),
    actor_kind  text NOT NULL CHECK (actor_kind IN ('patient', 'staff', 'system')),
    actor_id    text NOT NULL,          -- portal.Actor.ID(): stored, never shown to the patient
    at          timestamptz NOT NULL,
    text        text NOT NULL DEFAULT '', -- a note, a decision's reason: internal
    from_status text,
    to_status   text
);
CREATE INDEX case_timeline_case ON case_timeline (case_id, at, id);

-- A patient's flag: what they said is wrong about which accesses. A flag
-- whose accesses were made by several people files one row per person,
-- each on that person's case.
CREATE TABLE flags (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    patient_id_root text NOT NULL DEFAULT '',
    reason          text NOT NULL CHECK (reason IN ('unknown_person', 'no_care_then', 'knows_privately', 'other')),
    text            text NOT NULL DEFAULT '' CHECK (char_length(text) <= 1000),
    created_at      timestamptz NOT NULL,
    events          bigint[] NOT NULL CHECK (cardinality(events) > 0)
);
CREATE INDEX flags_patient ON flags (patient_id, patient_id_kind, created_at);
CREATE INDEX flags_case ON flags (case_id);

-- +goose Down
DROP TABLE flags;
DROP TABLE case_timeline;
DROP TABLE case_events;
DROP TABLE cases;
DROP SEQUENCE case_number_seq;
