-- The caregiver workplace (DESIGN.md sections 5 and 6, issue 12): staff
-- roles per care provider, the record of who granted and revoked them,
-- cases assigned to a reviewer, and statements a reviewer asks a head of
-- unit for.

-- +goose Up

-- A role held by a member of staff at one care provider. A head of unit
-- answers for one unit (of that provider), so that role names it; the
-- other roles cover the whole provider and name none.
CREATE TABLE staff_roles (
    id              bigserial PRIMARY KEY,
    staff_hsa_id    text NOT NULL REFERENCES staff (hsa_id),
    provider_hsa_id text NOT NULL REFERENCES providers (hsa_id),
    role            text NOT NULL CHECK (role IN ('reviewer', 'clerk', 'head_of_unit', 'admin')),
    unit_hsa_id     text REFERENCES units (hsa_id),
    granted_by      text NOT NULL,          -- portal.Actor.ID() of whoever granted it
    granted_at      timestamptz NOT NULL,
    CHECK ((role = 'head_of_unit') = (unit_hsa_id IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (staff_hsa_id, provider_hsa_id, role, unit_hsa_id)
);
CREATE INDEX staff_roles_provider ON staff_roles (provider_hsa_id, role);
CREATE INDEX staff_roles_unit ON staff_roles (unit_hsa_id) WHERE unit_hsa_id IS NOT NULL;

-- Every grant and revoke, kept when the role itself is gone: who may do
-- what is reviewable after the fact, as reads of a log are.
CREATE TABLE role_changes (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL,
    action          text NOT NULL CHECK (action IN ('grant', 'revoke')),
    by_kind         text NOT NULL CHECK (by_kind IN ('staff', 'system')),
    by_id           text NOT NULL,          -- portal.Actor.ID()
    by_name         text NOT NULL DEFAULT '',
    staff_hsa_id    text NOT NULL,
    provider_hsa_id text NOT NULL,
    role            text NOT NULL,
    unit_hsa_id     text
);
CREATE INDEX role_changes_staff ON role_changes (staff_hsa_id, at);
CREATE INDEX role_changes_provider ON role_changes (provider_hsa_id, at);

-- The reviewer who works a case ('' while nobody has taken it).
ALTER TABLE cases ADD COLUMN assigned_to text NOT NULL DEFAULT '';
CREATE INDEX cases_assigned ON cases (assigned_to) WHERE assigned_to <> '';

-- A reviewer asks the head of a unit for a statement; the head answers on
-- their own page. Request and answer are also timeline entries.
CREATE TABLE case_statements (
    id           bigserial PRIMARY KEY,
    -- Opaque and random like a case's key: the head of unit's answer form
    -- names the request by it.
    key          text NOT NULL UNIQUE CHECK (key ~ '^[a-z2-7]{26}$'),
    case_id      bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    unit_hsa_id  text NOT NULL,
    requested_by text NOT NULL,             -- the reviewer's HSA-id (Actor.ID())
    requested_at timestamptz NOT NULL,
    question     text NOT NULL CHECK (char_length(question) BETWEEN 1 AND 10000),
    answered_by  text,
    answered_at  timestamptz,
    answer       text CHECK (char_length(answer) <= 10000),
    CHECK ((answered_at IS NULL) = (answer IS NULL) AND (answered_at IS NULL) = (answered_by IS NULL))
);
CREATE INDEX case_statements_case ON case_statements (case_id);
CREATE INDEX case_statements_unit ON case_statements (unit_hsa_id, requested_at) WHERE answered_at IS NULL;

ALTER TABLE case_timeline DROP CONSTRAINT case_timeline_kind_check;
ALTER TABLE case_timeline ADD CONSTRAINT case_timeline_kind_check CHECK (kind IN
    ('created', 'flagged', 'joined', 'status', 'note', 'decision', 'closed',
     'assigned', 'statement_requested', 'statement'));

-- +goose Down
DELETE FROM case_timeline WHERE kind IN ('assigned', 'statement_requested', 'statement');
ALTER TABLE case_timeline DROP CONSTRAINT case_timeline_kind_check;
ALTER TABLE case_timeline ADD CONSTRAINT case_timeline_kind_check CHECK (kind IN
    ('created', 'flagged', 'joined', 'status', 'note', 'decision', 'closed'));
DROP TABLE case_statements;
DROP INDEX cases_assigned;
ALTER TABLE cases DROP COLUMN assigned_to;
DROP TABLE role_changes;
DROP TABLE staff_roles;
