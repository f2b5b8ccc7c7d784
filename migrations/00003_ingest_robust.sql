-- Ingest that no record can stop (issue 9): quarantine rows say how long
-- the record was and whether only its first bytes are kept; positions fit
-- files of any size; the quarantine key no longer indexes the file name
-- itself (a long path would exceed a btree row); a batch whose process died
-- is marked interrupted.

-- +goose Up
ALTER TABLE quarantine
    ADD COLUMN raw_length bigint NOT NULL DEFAULT 0,
    ADD COLUMN raw_truncated boolean NOT NULL DEFAULT false,
    ALTER COLUMN line TYPE bigint,
    ALTER COLUMN record_no TYPE bigint;
UPDATE quarantine SET raw_length = length(raw);

ALTER TABLE quarantine DROP CONSTRAINT quarantine_source_file_raw_digest_record_no_key;
-- The same key as before, with the file name through md5: a path of a few
-- kilobytes would not fit a btree index row.
CREATE UNIQUE INDEX quarantine_identity_key ON quarantine (md5(source_file), raw_digest, record_no);

ALTER TABLE import_batches DROP CONSTRAINT import_batches_status_check;
ALTER TABLE import_batches ADD CONSTRAINT import_batches_status_check
    CHECK (status IN ('running', 'done', 'failed', 'interrupted'));

-- +goose Down
UPDATE import_batches SET status = 'failed' WHERE status = 'interrupted';
ALTER TABLE import_batches DROP CONSTRAINT import_batches_status_check;
ALTER TABLE import_batches ADD CONSTRAINT import_batches_status_check
    CHECK (status IN ('running', 'done', 'failed'));

DROP INDEX quarantine_identity_key;
ALTER TABLE quarantine ADD CONSTRAINT quarantine_source_file_raw_digest_record_no_key
    UNIQUE (source_file, raw_digest, record_no);

ALTER TABLE quarantine
    DROP COLUMN raw_length,
    DROP COLUMN raw_truncated,
    ALTER COLUMN line TYPE integer,
    ALTER COLUMN record_no TYPE integer;
