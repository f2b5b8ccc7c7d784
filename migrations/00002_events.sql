-- Access events, quarantine and import batches (DESIGN.md section 3).

-- +goose Up
CREATE TABLE import_batches (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('ingest', 'import')),
    source      text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    read        bigint NOT NULL DEFAULT 0,
    stored      bigint NOT NULL DEFAULT 0,
    duplicates  bigint NOT NULL DEFAULT 0,
    quarantined bigint NOT NULL DEFAULT 0,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed'))
);

CREATE SEQUENCE access_events_id_seq AS bigint CACHE 1000;

-- Partitioned by month of occurred_at; partitions come from
-- insyn_ensure_event_partition, called by ingest. PostgreSQL requires the
-- partition key in every unique index, so uniqueness of (source_system,
-- source_log_id) is enforced together with occurred_at: a re-sent record
-- carries the same time and is caught. No foreign keys leave this table, so
-- it can be distributed on patient_id (Citus) when one server is not enough.
CREATE TABLE access_events (
    id                    bigint NOT NULL DEFAULT nextval('access_events_id_seq'),
    batch_id              bigint NOT NULL,
    source_system         text NOT NULL,
    source_log_id         text NOT NULL,
    occurred_at           timestamptz NOT NULL,
    actor_hsa_id          text NOT NULL DEFAULT '',
    actor_name            text NOT NULL DEFAULT '',
    actor_personal_id     text NOT NULL DEFAULT '',
    actor_title           text NOT NULL DEFAULT '',
    actor_assignment      text NOT NULL DEFAULT '',
    actor_provider_hsa_id text NOT NULL DEFAULT '',
    actor_provider_name   text NOT NULL DEFAULT '',
    actor_unit_hsa_id     text NOT NULL DEFAULT '',
    actor_unit_name       text NOT NULL DEFAULT '',
    activity              text NOT NULL CHECK (activity IN
                          ('read', 'write', 'sign', 'print', 'verify', 'delete', 'emergency', 'other')),
    activity_code         text NOT NULL DEFAULT '',
    activity_args         text NOT NULL DEFAULT '',
    purpose               text NOT NULL CHECK (purpose IN
                          ('care', 'quality_assurance', 'other_legal_documentation', 'statistics',
                           'administration', 'quality_register', 'other')),
    purpose_code          text NOT NULL DEFAULT '',
    patient_id            text NOT NULL,
    patient_id_kind       text NOT NULL,
    patient_id_root       text NOT NULL DEFAULT '',
    patient_name          text NOT NULL DEFAULT '',
    resource_type         text NOT NULL DEFAULT '',
    owner_unit_hsa_id     text NOT NULL DEFAULT '',
    owner_unit_name       text NOT NULL DEFAULT '',
    owner_provider_hsa_id text NOT NULL DEFAULT '',
    owner_provider_name   text NOT NULL DEFAULT '',
    emergency             boolean NOT NULL DEFAULT false,
    coherent              boolean NOT NULL DEFAULT false,
    raw                   jsonb NOT NULL,
    PRIMARY KEY (id, occurred_at),
    UNIQUE (source_system, source_log_id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX access_events_patient_idx ON access_events (patient_id, occurred_at);
CREATE INDEX access_events_actor_idx ON access_events (actor_hsa_id, occurred_at);

-- +goose StatementBegin
CREATE FUNCTION insyn_ensure_event_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name  text := format('access_events_%s', to_char(first, 'YYYY_MM'));
BEGIN
    -- Serialise concurrent ingests creating the same month.
    PERFORM pg_advisory_xact_lock(hashtext('insyn_event_partition'));
    IF to_regclass(name) IS NULL THEN
        -- Created apart, then attached: ATTACH PARTITION locks access_events
        -- only against other schema changes (SHARE UPDATE EXCLUSIVE), so a
        -- new month neither waits for running extracts nor blocks them, as
        -- CREATE TABLE ... PARTITION OF (ACCESS EXCLUSIVE) would.
        EXECUTE format('CREATE TABLE %I (LIKE access_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format(
            'ALTER TABLE access_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            name,
            first::timestamp AT TIME ZONE 'UTC',
            (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END IF;
    RETURN name;
END;
$$;
-- +goose StatementEnd

-- Records that could not become events, with enough to find and fix them.
CREATE TABLE quarantine (
    id          bigserial PRIMARY KEY,
    batch_id    bigint NOT NULL REFERENCES import_batches (id),
    source_file text NOT NULL,
    line        integer NOT NULL DEFAULT 0,
    record_no   integer NOT NULL DEFAULT 0,
    format      text NOT NULL,
    reason      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    raw         bytea NOT NULL,  -- as read: a broken record may not be valid text
    raw_digest  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Re-ingesting the same bad record does not add it twice.
    UNIQUE (source_file, raw_digest, record_no)
);

-- Every read of a patient's log through Insyn (extract, web page) is
-- itself recorded (DESIGN.md section 6).
CREATE TABLE log_reads (
    id          bigserial PRIMARY KEY,
    read_at     timestamptz NOT NULL,
    reader_kind text NOT NULL CHECK (reader_kind IN ('patient', 'staff', 'reviewer', 'admin', 'system')),
    reader_id   text NOT NULL,
    reader_name text NOT NULL DEFAULT '',
    patient_id  text NOT NULL,
    channel     text NOT NULL,
    period_from timestamptz,
    period_to   timestamptz,
    provider_hsa_id text NOT NULL DEFAULT '',
    rows        integer NOT NULL DEFAULT 0
);
CREATE INDEX log_reads_patient_idx ON log_reads (patient_id, read_at);

-- +goose Down
DROP TABLE log_reads;
DROP TABLE quarantine;
DROP FUNCTION insyn_ensure_event_partition(date);
DROP TABLE access_events;
DROP SEQUENCE access_events_id_seq;
DROP TABLE import_batches;
