-- Patients stay informed (issue 13, DESIGN.md sections 5, 6 and 9): the
-- watchlist of people a patient knows who work in care, with every change
-- recorded, and a guardian acting for a child under 13.

-- +goose Up

-- One row per time a patient watches a member of staff: from added_at
-- until removed_at (NULL while watched). Removing someone ends the row, so
-- accesses before the removal stay hits and later ones do not; watching
-- the same person again makes a new row. The key is the only identifier
-- the pages show (no HSA-id ever reaches the browser).
CREATE TABLE watchlist (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE CHECK (key ~ '^[a-z2-7]{26}$'),
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    patient_id_root text NOT NULL DEFAULT '',
    staff_hsa_id    text NOT NULL,
    added_at        timestamptz NOT NULL,
    removed_at      timestamptz,
    CHECK (removed_at IS NULL OR removed_at >= added_at)
);
-- A person is watched at most once at a time by the same patient.
CREATE UNIQUE INDEX watchlist_one_active ON watchlist (patient_id, patient_id_kind, staff_hsa_id)
    WHERE removed_at IS NULL;
-- The review rule joins a run's events on (patient, staff).
CREATE INDEX watchlist_staff ON watchlist (staff_hsa_id, patient_id);

-- Every change of a watchlist, by whom (portal.Actor.ID(): a guardian's
-- own id when they act for their child): the list's history for an audit.
CREATE TABLE watchlist_changes (
    id         bigserial PRIMARY KEY,
    watch_id   bigint NOT NULL REFERENCES watchlist,
    change     text NOT NULL CHECK (change IN ('added', 'removed')),
    actor_kind text NOT NULL,
    actor_id   text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX watchlist_changes_watch ON watchlist_changes (watch_id, at);

-- A personal id's date of birth (a samordningsnummer's day less 60); NULL
-- for anything that is not twelve digits of a real date (reserve numbers).
-- +goose StatementBegin
CREATE FUNCTION insyn_birth_date(p_id text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_id ~ '^[0-9]{12}$' THEN
        CASE WHEN substr(p_id, 7, 2)::int > 60
             THEN to_date(substr(p_id, 1, 6) || lpad((substr(p_id, 7, 2)::int - 60)::text, 2, '0'), 'YYYYMMDD')
             ELSE to_date(substr(p_id, 1, 8), 'YYYYMMDD') END
    END
$$;
-- +goose StatementEnd

-- May p_guardian act for p_child on p_today (a date in Sweden)? The SQL
-- statement of portal.CanActFor: relations says the guardian is the
-- child's (kind guardian, A is B's guardian) and the child is not yet 13.
-- The thirteenth birthday of someone born on 29 February is 28 February in
-- a common year: PostgreSQL's date + interval '13 years' ends a period
-- counted in years on the month's last day, as Swedish law counts it
-- (lag 1930:173), and the Go rule does the same. An empty guardian means
-- nobody acts for anyone: always true, so scoped reads can call it for
-- every reader. The arguments are parameters only, so the planner
-- evaluates it once per statement (a one-time filter), not per row.
-- +goose StatementBegin
CREATE FUNCTION insyn_may_act_for(p_guardian text, p_child text, p_child_kind text, p_today date)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_guardian = '' OR (
        p_child_kind IN ('personnummer', 'samordningsnummer')
        AND p_guardian <> p_child
        AND EXISTS (SELECT 1 FROM relations r
                    WHERE r.personal_id_a = p_guardian AND r.personal_id_b = p_child AND r.kind = 'guardian')
        AND COALESCE(p_today < (insyn_birth_date(p_child) + interval '13 years')::date, false))
$$;
-- +goose StatementEnd

-- Which child a guardian's session acts for. The session is named by a
-- hash of its form token (the web layer's only handle on it); a row names
-- its guardian too, and every read checks insyn_may_act_for again, so a
-- stale row (the child turned 13) grants nothing.
CREATE TABLE guardian_sessions (
    session_key  bytea PRIMARY KEY CHECK (octet_length(session_key) = 32),
    guardian_id  text NOT NULL,
    child_id     text NOT NULL,
    child_kind   text NOT NULL,
    child_root   text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL
);
CREATE INDEX guardian_sessions_started ON guardian_sessions (started_at);

-- +goose Down
DROP TABLE guardian_sessions;
DROP FUNCTION insyn_may_act_for(text, text, text, date);
DROP FUNCTION insyn_birth_date(text);
DROP TABLE watchlist_changes;
DROP TABLE watchlist;
