-- A narrower review run table (issue 11, item 9): run_events keeps per
-- event its id, time, explanation and mark; what a single-event rule reads
-- of a marked event (a few per cent of a run) travels as one value of this
-- type, NULL for the rest. One CASE per event instead of one per column:
-- PostgreSQL evaluates the mark again for every column that tests it.
-- The fields are runEventCols' (store/review.go), in that order.

-- +goose Up
CREATE TYPE insyn_run_mark AS (
    actor_hsa_id      text,
    actor_unit_hsa_id text,
    provider_hsa_id   text,
    actor_personal_id text,
    actor_title       text,
    employed_to       date,
    day               date,
    patient_id        text,
    patient_id_kind   text,
    patient_id_root   text,
    activity          text,
    purpose           text,
    emergency         boolean
);

-- +goose Down
DROP TYPE insyn_run_mark;
