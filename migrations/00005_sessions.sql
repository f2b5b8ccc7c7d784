-- Login sessions at our side (issue 10): the cookie holds a random id, the
-- table only its keyed hash, so a copy of the database opens no session.

-- +goose Up
CREATE TABLE sessions (
    id_hash          bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    subject_kind     text NOT NULL CHECK (subject_kind IN ('patient', 'staff')),
    personal_id      text,
    personal_id_kind text,
    personal_id_root text,
    hsa_id           text,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    id_token         text NOT NULL, -- id_token_hint for the provider's logout
    csrf_secret      bytea NOT NULL CHECK (octet_length(csrf_secret) >= 32),
    CHECK ((subject_kind = 'patient' AND personal_id IS NOT NULL)
        OR (subject_kind = 'staff' AND hsa_id IS NOT NULL))
);

-- Expired sessions are swept by expiry.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
