-- Monthly random samples (DESIGN.md section 5, issue 11 item 5). Sampled
-- cases mark their explained accesses through insyn_explaining_relation
-- (migration 00007), the one definition the extract and review runs use.

-- +goose Up

-- One draw per month and care unit: the seed and the criteria are kept so
-- an auditor can repeat the draw by hand (README, "Stickprov"), and the
-- unique key makes a second run for the same month draw nothing.
CREATE TABLE samples (
    id              bigserial PRIMARY KEY,
    month           date NOT NULL CHECK (month = date_trunc('month', month)::date),
    unit_hsa_id     text NOT NULL,
    provider_hsa_id text NOT NULL DEFAULT '',
    seed            bigint NOT NULL,
    users_per_unit  integer NOT NULL CHECK (users_per_unit > 0),
    -- Who could be drawn: how many distinct users acted for the unit in the
    -- month, and which were drawn, in draw order.
    candidates      integer NOT NULL,
    drawn           text[] NOT NULL,
    criteria        text NOT NULL,
    drawn_by        text NOT NULL,          -- portal.Actor.ID() of whoever ran the draw
    created_at      timestamptz NOT NULL,
    UNIQUE (month, unit_hsa_id)
);

ALTER TABLE cases ADD COLUMN sample_id bigint REFERENCES samples;

-- +goose Down
ALTER TABLE cases DROP COLUMN sample_id;
DROP TABLE samples;
