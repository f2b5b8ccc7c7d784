-- The care window as two bounds of the relation alone (issue 11, item 9).
-- A review run joins a million events to the patients' care relations; the
-- window was tested per event and relation with timestamptz ± '30 days',
-- which is calendar arithmetic in the session's time zone, worked out anew
-- for every pair. The window is now 30 × 24 hours either way, as
-- review.Covers (the Go statement the tests hold the SQL to) has always
-- said, and a plain comparison of the access with two bounds worked out from
-- the relation. In a session in UTC (the tests', the lab's) nothing
-- changes: there '30 days' is 720 hours. In one in Europe/Stockholm the
-- window no longer stretches or shrinks by an hour when it spans a change
-- to or from summer time, and the run, insyn_explaining_relation (the
-- extract's and the case pages' reads, qReexplainCare) change together, as
-- they share these parts.

-- +goose Up

-- From when a relation explains an access: visit, booking, referral and
-- admission 30 days (720 hours) before the start, team from the start.
-- +goose StatementBegin
CREATE FUNCTION insyn_care_from(c_kind text, c_starts timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE c_kind WHEN 'team' THEN c_starts ELSE c_starts - interval '720 hours' END
$$;
-- +goose StatementEnd

-- Until when: team to the end (open-ended without one), admission 30 days
-- after the end (open-ended without one), the others 30 days after the end
-- or, without one, after the start.
-- +goose StatementBegin
CREATE FUNCTION insyn_care_until(c_kind text, c_starts timestamptz, c_ends timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE c_kind WHEN 'team' THEN COALESCE(c_ends, 'infinity'::timestamptz)
                       WHEN 'admission' THEN COALESCE(c_ends, 'infinity'::timestamptz) + interval '720 hours'
                       ELSE COALESCE(c_ends, c_starts) + interval '720 hours' END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_care_covers(c_kind text, c_starts timestamptz, c_ends timestamptz, p_at timestamptz)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p_at >= insyn_care_from(c_kind, c_starts) AND p_at <= insyn_care_until(c_kind, c_starts, c_ends)
$$;
-- +goose StatementEnd

-- A relation without an end covers "the moment itself" for its first 24
-- hours (was '1 day', calendar arithmetic as above).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_care_preference(c_staff text, c_kind text, c_starts timestamptz, c_ends timestamptz,
                                                 p_actor text, p_at timestamptz) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c_staff <> '' AND c_staff = p_actor THEN 0 ELSE 2 END
         + CASE WHEN p_at >= c_starts AND p_at <= COALESCE(c_ends,
                    CASE WHEN c_kind IN ('team', 'admission') THEN 'infinity'::timestamptz
                         ELSE c_starts + interval '24 hours' END)
                THEN 0 ELSE 1 END
$$;
-- +goose StatementEnd

-- The starts_at bound lets the patient's index (personal_id, starts_at)
-- stop early; insyn_care_covers decides (from is never later than 720
-- hours before the start, so the bound drops nothing it would keep).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_explaining_relation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
RETURNS TABLE (relation_id bigint, kind text, starts_at timestamptz, ends_at timestamptz,
               unit_hsa_id text, by_staff boolean, days integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.id, c.kind, c.starts_at, c.ends_at, c.unit_hsa_id,
           insyn_care_by_staff(c.staff_hsa_id, p_actor), insyn_care_days(c.starts_at, p_at)
    FROM care_relations c
    WHERE c.personal_id = p_patient
      AND c.starts_at <= p_at + interval '720 hours'
      AND insyn_care_who(c.unit_hsa_id, c.staff_hsa_id, p_unit, p_actor)
      AND insyn_care_covers(c.kind, c.starts_at, c.ends_at, p_at)
    ORDER BY insyn_care_preference(c.staff_hsa_id, c.kind, c.starts_at, c.ends_at, p_actor, p_at),
             insyn_care_distance(c.starts_at, p_at), c.id
    LIMIT 1
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_explaining_relation(p_patient text, p_actor text, p_unit text, p_at timestamptz)
RETURNS TABLE (relation_id bigint, kind text, starts_at timestamptz, ends_at timestamptz,
               unit_hsa_id text, by_staff boolean, days integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_care_preference(c_staff text, c_kind text, c_starts timestamptz, c_ends timestamptz,
                                                 p_actor text, p_at timestamptz) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c_staff <> '' AND c_staff = p_actor THEN 0 ELSE 2 END
         + CASE WHEN p_at >= c_starts AND p_at <= COALESCE(c_ends,
                    CASE WHEN c_kind IN ('team', 'admission') THEN 'infinity'::timestamptz
                         ELSE c_starts + interval '1 day' END)
                THEN 0 ELSE 1 END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION insyn_care_covers(c_kind text, c_starts timestamptz, c_ends timestamptz, p_at timestamptz)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c_starts <= p_at + interval '30 days'
       AND CASE c_kind
           WHEN 'team' THEN p_at >= c_starts AND p_at <= COALESCE(c_ends, 'infinity'::timestamptz)
           WHEN 'admission' THEN p_at <= COALESCE(c_ends, 'infinity'::timestamptz) + interval '30 days'
           ELSE p_at >= c_starts - interval '30 days' AND p_at <= COALESCE(c_ends, c_starts) + interval '30 days'
           END
$$;
-- +goose StatementEnd
DROP FUNCTION insyn_care_until(text, timestamptz, timestamptz);
DROP FUNCTION insyn_care_from(text, timestamptz);
