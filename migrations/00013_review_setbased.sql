-- A faster review run (issue 11, items 3 and 9) and hits withdrawn when late
-- care data explains what they fired on.

-- +goose Up

-- The explanation of DESIGN.md section 5 in parts, so that one definition
-- serves both the per-event function the extract and the case pages call
-- (insyn_explaining_relation) and the review run, which joins a whole run's
-- events to care_relations at once instead of calling a function per event.
-- Each part is a plain SQL expression the planner inlines.

-- Who: the relation's unit is the acting unit, or the relation names the actor.
-- +goose StatementBegin
CREATE FUNCTION insyn_care_who(c_unit text, c_staff text, p_unit text, p_actor text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_unit <> '' AND c_unit = p_unit) OR (c_staff <> '' AND c_staff = p_actor)
$$;
-- +goose StatementEnd

-- Whether the relation names the actor (the evidence's by_staff).
-- +goose StatementBegin
CREATE FUNCTION insyn_care_by_staff(c_staff text, p_actor text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT c_staff <> '' AND c_staff = p_actor
$$;
-- +goose StatementEnd

-- When: visit, booking, referral from 30 days before the start to 30 days
-- after the end (after the start when there is none); admission the stay
-- and 30 days either side; team from start to end, open-ended without one.
-- STABLE: a timestamptz plus '30 days' depends on the time zone.
-- +goose StatementBegin
CREATE FUNCTION insyn_care_covers(c_kind text, c_starts timestamptz, c_ends timestamptz, p_at timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT c_starts <= p_at + interval '30 days'
       AND CASE c_kind
           WHEN 'team' THEN p_at >= c_starts AND p_at <= COALESCE(c_ends, 'infinity'::timestamptz)
           WHEN 'admission' THEN p_at <= COALESCE(c_ends, 'infinity'::timestamptz) + interval '30 days'
           ELSE p_at >= c_starts - interval '30 days' AND p_at <= COALESCE(c_ends, c_starts) + interval '30 days'
           END
$$;
-- +goose StatementEnd

-- Of several relations, which explains: a lower preference wins (one naming
-- the person before one with the unit, one covering the moment itself
-- before one nearby), then the smaller distance from the start, then the
-- lower id.
-- +goose StatementBegin
CREATE FUNCTION insyn_care_preference(c_staff text, c_kind text, c_starts timestamptz, c_ends timestamptz,
                                      p_actor text, p_at timestamptz) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c_staff <> '' AND c_staff = p_actor THEN 0 ELSE 2 END
         + CASE WHEN p_at >= c_starts AND p_at <= COALESCE(c_ends,
                    CASE WHEN c_kind IN ('team', 'admission') THEN 'infinity'::timestamptz
                         ELSE c_starts + interval '1 day' END)
                THEN 0 ELSE 1 END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION insyn_care_distance(c_starts timestamptz, p_at timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT abs(extract(epoch FROM p_at - c_starts))
$$;
-- +goose StatementEnd

-- Days from the relation's start to the access (negative: before it).
-- +goose StatementBegin
CREATE FUNCTION insyn_care_days(c_starts timestamptz, p_at timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT floor(extract(epoch FROM p_at - c_starts) / 86400)::integer
$$;
-- +goose StatementEnd

-- The same function as in 00007, now written from the parts above; its
-- answers do not change (TestWindows, TestExplanationParts).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_explaining_relation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
RETURNS TABLE (relation_id bigint, kind text, starts_at timestamptz, ends_at timestamptz,
               unit_hsa_id text, by_staff boolean, days integer)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.kind, c.starts_at, c.ends_at, c.unit_hsa_id,
           insyn_care_by_staff(c.staff_hsa_id, p_actor), insyn_care_days(c.starts_at, p_at)
    FROM care_relations c
    WHERE c.personal_id = p_patient
      AND c.starts_at <= p_at + interval '30 days'
      AND insyn_care_who(c.unit_hsa_id, c.staff_hsa_id, p_unit, p_actor)
      AND insyn_care_covers(c.kind, c.starts_at, c.ends_at, p_at)
    ORDER BY insyn_care_preference(c.staff_hsa_id, c.kind, c.starts_at, c.ends_at, p_actor, p_at),
             insyn_care_distance(c.starts_at, p_at), c.id
    LIMIT 1
$$;
-- +goose StatementEnd

-- A hit a rule made only because its access was unexplained is withdrawn
-- when care relations imported later explain the access: kept for the
-- record, no longer counted in the case's evidence.
ALTER TABLE rule_hits ADD COLUMN withdrawn_at timestamptz;
-- Re-explanation finds an event's hits.
CREATE INDEX rule_hits_event ON rule_hits (event_id);

-- +goose Down
DROP INDEX rule_hits_event;
ALTER TABLE rule_hits DROP COLUMN withdrawn_at;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_explaining_relation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
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
DROP FUNCTION insyn_care_days(timestamptz, timestamptz);
DROP FUNCTION insyn_care_distance(timestamptz, timestamptz);
DROP FUNCTION insyn_care_preference(text, text, timestamptz, timestamptz, text, timestamptz);
DROP FUNCTION insyn_care_covers(text, timestamptz, timestamptz, timestamptz);
DROP FUNCTION insyn_care_by_staff(text, text);
DROP FUNCTION insyn_care_who(text, text, text, text);
