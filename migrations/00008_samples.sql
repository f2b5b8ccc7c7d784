-- Monthly random samples (DESIGN.md section 5, issue 11 item 5) and the
-- read-time explanation the sample's cases and `insyn cases show` mark
-- events with.

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

-- insyn_explanation is the care relation that explains one access, by the
-- reading of DESIGN.md section 5; the extract (qExtractEvents in
-- portal/store/extract.go), sampled cases and `insyn cases show` all call
-- it, so the patient and the reviewer read one explanation: the patient's relation with the acting unit or
-- naming the actor; 30 days around a visit, booking or referral, the whole
-- of an admission and 30 days around it, any time while a team relation
-- holds. The best relation wins: one naming the person, one covering the
-- moment, then the nearest. days is how many whole days the access lies
-- from the relation's start. A SQL function of one SELECT, so a LATERAL
-- call is inlined into the caller's plan.
-- +goose StatementBegin
CREATE FUNCTION insyn_explanation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
RETURNS TABLE (relation_id bigint, kind text, unit_hsa_id text, by_staff boolean, starts_at timestamptz, days integer,
               ends_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.kind, c.unit_hsa_id, (c.staff_hsa_id <> '' AND c.staff_hsa_id = p_actor), c.starts_at,
           (extract(epoch FROM p_at - c.starts_at) / 86400)::integer, c.ends_at
    FROM care_relations c
    WHERE c.personal_id = p_patient
      AND c.starts_at <= p_at + interval '30 days'
      AND ((p_unit <> '' AND c.unit_hsa_id = p_unit)
           OR (c.staff_hsa_id <> '' AND c.staff_hsa_id = p_actor))
      AND CASE c.kind
          WHEN 'team' THEN p_at >= c.starts_at AND p_at <= COALESCE(c.ends_at, 'infinity'::timestamptz)
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

-- +goose Down
DROP FUNCTION insyn_explanation(text, text, text, timestamptz);
ALTER TABLE cases DROP COLUMN sample_id;
DROP TABLE samples;
