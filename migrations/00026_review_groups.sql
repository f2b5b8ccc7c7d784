-- The accesses of each ingest batch counted per actor (as the log names
-- them: HSA-id, unit, provider, personal id), day in Sweden and patient,
-- kept by trigger as events are written (issue 11, item 9). A review run
-- works from these groups instead of hashing a million events: a group
-- care covers whole, with no access a single-event rule looks at, is
-- counted as it stands; only the others (a few per cent) are taken apart,
-- from the accesses the group keeps, and explained one by one. The
-- trigger costs the ingest one pass over the rows each statement writes;
-- a run drops the groups of the batches it covered (RunReview).

-- +goose Up

-- An access as the run needs it when it looks at one alone.
CREATE TYPE review_group_event AS (
    id              bigint,
    occurred_at     timestamptz,
    actor_title     text,
    patient_id_root text,
    activity        text,
    purpose         text,
    emergency       boolean
);

-- Whether a single-event rule looks at an access for what it is, whatever
-- care explains (a purpose other than care, emergency access). The run
-- also looks at every unexplained access.
-- +goose StatementBegin
CREATE FUNCTION insyn_odd_access(p_purpose text, p_emergency boolean, p_activity text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_purpose <> 'care' OR p_emergency OR p_activity = 'emergency'
$$;
-- +goose StatementEnd

CREATE TABLE review_groups (
    batch_id              bigint NOT NULL,
    actor_hsa_id          text NOT NULL,
    actor_unit_hsa_id     text NOT NULL,
    actor_provider_hsa_id text NOT NULL,
    actor_personal_id     text NOT NULL,
    day                   date NOT NULL,
    patient_id            text NOT NULL,
    patient_id_kind       text NOT NULL,
    -- What follows sums up evs.
    actor_title           text NOT NULL,
    first_at              timestamptz NOT NULL,
    last_at               timestamptz NOT NULL,
    events                integer NOT NULL,
    odd                   integer NOT NULL,
    evs                   review_group_event[] NOT NULL,
    PRIMARY KEY (batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id,
                 actor_personal_id, patient_id_kind)
);

-- The groups an update or delete has just emptied, until it drops them.
CREATE INDEX review_groups_empty ON review_groups (batch_id) WHERE events = 0;

-- insyn_groups_changed adds the events of a statement's transition table
-- new_events to their groups and takes those of old_events out (an update
-- does both), dropping a group left empty. An ingest batch has one
-- writer, so no two ingests write the same group at once. The triggers
-- are the parent's: events are written, changed and removed through
-- access_events, never in a month's partition directly (a statement on a
-- partition fires none of them, and its events' groups would not follow).
-- +goose StatementBegin
CREATE FUNCTION insyn_groups_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM review_groups;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        WITH gone AS (
            SELECT batch_id, actor_hsa_id, (occurred_at AT TIME ZONE 'Europe/Stockholm')::date AS day, patient_id,
                   actor_unit_hsa_id, actor_provider_hsa_id, actor_personal_id, patient_id_kind, array_agg(id) AS ids
            FROM old_events GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        )
        UPDATE review_groups g
        SET (evs, events, odd, actor_title, first_at, last_at) = (
            SELECT COALESCE(array_agg(x), '{}'), count(*),
                   count(*) FILTER (WHERE insyn_odd_access(x.purpose, x.emergency, x.activity)),
                   COALESCE(min(x.actor_title), g.actor_title), COALESCE(min(x.occurred_at), g.first_at),
                   COALESCE(max(x.occurred_at), g.last_at)
            FROM unnest(g.evs) x WHERE x.id <> ALL(gone.ids))
        FROM gone
        WHERE g.batch_id = gone.batch_id AND g.actor_hsa_id = gone.actor_hsa_id AND g.day = gone.day
          AND g.patient_id = gone.patient_id AND g.actor_unit_hsa_id = gone.actor_unit_hsa_id
          AND g.actor_provider_hsa_id = gone.actor_provider_hsa_id AND g.actor_personal_id = gone.actor_personal_id
          AND g.patient_id_kind = gone.patient_id_kind;
        DELETE FROM review_groups WHERE events = 0; -- by review_groups_empty
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO review_groups AS g (batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id,
                                        actor_personal_id, patient_id_kind, actor_title, first_at, last_at, events, odd, evs)
        SELECT batch_id, actor_hsa_id, (occurred_at AT TIME ZONE 'Europe/Stockholm')::date, patient_id,
               actor_unit_hsa_id, actor_provider_hsa_id, actor_personal_id, patient_id_kind,
               min(actor_title), min(occurred_at), max(occurred_at), count(*),
               count(*) FILTER (WHERE insyn_odd_access(purpose, emergency, activity)),
               array_agg(ROW(id, occurred_at, actor_title, patient_id_root, activity, purpose, emergency)::review_group_event)
        FROM new_events n
        -- A batch a run covered has no groups left to keep (an update of
        -- one of its events would make one nothing reads or drops).
        WHERE NOT EXISTS (SELECT 1 FROM review_batches r WHERE r.batch_id = n.batch_id)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id,
                     actor_personal_id, patient_id_kind) DO UPDATE
        SET actor_title = LEAST(g.actor_title, EXCLUDED.actor_title), first_at = LEAST(g.first_at, EXCLUDED.first_at),
            last_at = GREATEST(g.last_at, EXCLUDED.last_at), events = g.events + EXCLUDED.events,
            odd = g.odd + EXCLUDED.odd, evs = g.evs || EXCLUDED.evs;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER review_groups_insert AFTER INSERT ON access_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION insyn_groups_changed();
CREATE TRIGGER review_groups_update AFTER UPDATE ON access_events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION insyn_groups_changed();
CREATE TRIGGER review_groups_delete AFTER DELETE ON access_events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION insyn_groups_changed();
CREATE TRIGGER review_groups_truncate AFTER TRUNCATE ON access_events
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_groups_changed();

-- The events stored before, grouped as the trigger's insert groups them.
INSERT INTO review_groups (batch_id, actor_hsa_id, day, patient_id, actor_unit_hsa_id, actor_provider_hsa_id,
                           actor_personal_id, patient_id_kind, actor_title, first_at, last_at, events, odd, evs)
SELECT batch_id, actor_hsa_id, (occurred_at AT TIME ZONE 'Europe/Stockholm')::date, patient_id,
       actor_unit_hsa_id, actor_provider_hsa_id, actor_personal_id, patient_id_kind,
       min(actor_title), min(occurred_at), max(occurred_at), count(*),
       count(*) FILTER (WHERE insyn_odd_access(purpose, emergency, activity)),
       array_agg(ROW(id, occurred_at, actor_title, patient_id_root, activity, purpose, emergency)::review_group_event)
FROM access_events e
-- The batches a run has covered are never read again.
WHERE NOT EXISTS (SELECT 1 FROM review_batches r WHERE r.batch_id = e.batch_id)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- +goose Down
DROP TRIGGER review_groups_truncate ON access_events;
DROP TRIGGER review_groups_delete ON access_events;
DROP TRIGGER review_groups_update ON access_events;
DROP TRIGGER review_groups_insert ON access_events;
DROP FUNCTION insyn_groups_changed();
DROP TABLE review_groups;
DROP FUNCTION insyn_odd_access(text, boolean, text);
DROP TYPE review_group_event;
