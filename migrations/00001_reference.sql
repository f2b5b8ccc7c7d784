-- Reference data: who is who (DESIGN.md section 2). Keys are the national
-- ids the logs carry, so events can be joined without lookups at ingest.

-- +goose Up
CREATE TABLE providers (
    hsa_id      text PRIMARY KEY,
    org_nr      text NOT NULL DEFAULT '',
    name        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
    hsa_id          text PRIMARY KEY,
    provider_hsa_id text NOT NULL REFERENCES providers (hsa_id),
    name            text NOT NULL,
    protected       boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_provider_idx ON units (provider_hsa_id);

CREATE TABLE staff (
    hsa_id             text PRIMARY KEY,
    personal_id        text NOT NULL DEFAULT '',
    given_name         text NOT NULL,
    family_name        text NOT NULL,
    title              text NOT NULL DEFAULT '',
    protected_identity boolean NOT NULL DEFAULT false,
    employed_from      date,
    employed_to        date,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_personal_id_idx ON staff (personal_id) WHERE personal_id <> '';

CREATE TABLE assignments (
    id            bigserial PRIMARY KEY,
    staff_hsa_id  text NOT NULL REFERENCES staff (hsa_id),
    unit_hsa_id   text NOT NULL REFERENCES units (hsa_id),
    name          text NOT NULL,
    valid_from    date NOT NULL DEFAULT '-infinity',
    valid_to      date NOT NULL DEFAULT 'infinity',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (staff_hsa_id, unit_hsa_id, name, valid_from)
);
CREATE INDEX assignments_unit_idx ON assignments (unit_hsa_id);

-- The population register: patients and everyone the rules compare them to.
CREATE TABLE patients (
    personal_id        text PRIMARY KEY,
    id_kind            text NOT NULL DEFAULT 'personnummer'
                       CHECK (id_kind IN ('personnummer', 'samordningsnummer', 'reservnummer')),
    given_name         text NOT NULL,
    family_name        text NOT NULL,
    street             text NOT NULL DEFAULT '',
    postal_code        text NOT NULL DEFAULT '',
    city               text NOT NULL DEFAULT '',
    protected_identity boolean NOT NULL DEFAULT false,
    deceased_on        date,
    vip                boolean NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_street_idx ON patients (lower(street), postal_code) WHERE street <> '';

CREATE TABLE relations (
    personal_id_a text NOT NULL,
    personal_id_b text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('spouse', 'parent', 'child', 'guardian', 'sibling', 'household')),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (personal_id_a, personal_id_b, kind)
);
CREATE INDEX relations_b_idx ON relations (personal_id_b);

CREATE TABLE care_relations (
    id           bigserial PRIMARY KEY,
    personal_id  text NOT NULL,
    unit_hsa_id  text NOT NULL,
    staff_hsa_id text NOT NULL DEFAULT '',
    kind         text NOT NULL CHECK (kind IN ('visit', 'admission', 'booking', 'referral', 'team')),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at)
);
CREATE INDEX care_relations_patient_idx ON care_relations (personal_id, starts_at);

-- +goose Down
DROP TABLE care_relations;
DROP TABLE relations;
DROP TABLE patients;
DROP TABLE assignments;
DROP TABLE staff;
DROP TABLE units;
DROP TABLE providers;
