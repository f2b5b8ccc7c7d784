-- Notifications (DESIGN.md section 9, issue 13): a patient's choices, the
-- outbox of notices written in the transaction of what caused them, and
-- every delivery attempt.

-- +goose Up
-- One row per patient: which kinds they opted in to, in which language,
-- and the address with its state. An address is used for notices only once
-- confirmed (confirmed_at); the confirmation token is kept as its SHA-256.
CREATE TABLE notify_settings (
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    patient_id_root text NOT NULL DEFAULT '',
    kinds           text[] NOT NULL DEFAULT '{}'
                    CHECK (kinds <@ ARRAY['emergency', 'new_provider', 'digest', 'flag_change']),
    lang            text NOT NULL DEFAULT 'sv' CHECK (lang IN ('sv', 'en')),
    address         text NOT NULL DEFAULT '',
    confirmed_at    timestamptz,
    confirm_hash    bytea,
    confirm_expires timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (patient_id, patient_id_kind),
    CHECK (confirmed_at IS NULL OR address <> '')
);
-- Opted-in patients are joined against each review run's events.
CREATE INDEX notify_settings_active ON notify_settings (patient_id)
    WHERE confirmed_at IS NOT NULL AND kinds <> '{}';
CREATE UNIQUE INDEX notify_settings_confirm ON notify_settings (confirm_hash) WHERE confirm_hash IS NOT NULL;

-- Every change of address (the rate limit counts them; the record stays).
CREATE TABLE notify_address_changes (
    id              bigserial PRIMARY KEY,
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX notify_address_changes_patient ON notify_address_changes (patient_id, patient_id_kind, at);

-- The outbox. key is the notice's idempotency key and the local part of
-- its Message-ID, the same on every attempt; unsub_token is the opaque
-- authority of its one-click unsubscribe link. (patient, kind, dedupe)
-- names what caused the notice (a review run, a month, a case's timeline
-- entry, an address change), so one cause never makes two notices.
CREATE TABLE notify_notices (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
    unsub_token     text NOT NULL UNIQUE
                    DEFAULT replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
    patient_id      text NOT NULL,
    patient_id_kind text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('confirm', 'emergency', 'new_provider', 'digest', 'flag_change')),
    dedupe          text NOT NULL,
    payload         jsonb NOT NULL DEFAULT '{}',
    to_address      text,           -- a confirmation's address; other kinds go to the confirmed address
    created_at      timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    sent_at         timestamptz,
    UNIQUE (patient_id, patient_id_kind, kind, dedupe)
);
CREATE INDEX notify_notices_due ON notify_notices (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notify_notices_patient ON notify_notices (patient_id, patient_id_kind, created_at);

-- Every attempt to hand a notice to the SMTP server. An attempt without
-- finished_at was cut short (the worker died); the next claim marks it
-- interrupted. detail never holds an address or a personal id.
CREATE TABLE notify_attempts (
    notice_id   bigint NOT NULL REFERENCES notify_notices (id) ON DELETE CASCADE,
    n           integer NOT NULL,
    worker      text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text CHECK (outcome IN ('sent', 'retry', 'failed', 'interrupted', 'cancelled')),
    smtp_code   integer,
    detail      text NOT NULL DEFAULT '',
    PRIMARY KEY (notice_id, n)
);

-- The months whose digests were written (the job runs once per month).
CREATE TABLE notify_digest_months (
    month   date PRIMARY KEY,
    done_at timestamptz NOT NULL,
    notices integer NOT NULL
);

-- +goose Down
DROP TABLE notify_digest_months;
DROP TABLE notify_attempts;
DROP TABLE notify_notices;
DROP TABLE notify_address_changes;
DROP TABLE notify_settings;
