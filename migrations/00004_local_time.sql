-- Events whose time the log wrote without an offset, in Swedish local time
-- that did not exist (spring) or existed twice (autumn); how such a time
-- is read is portal.StockholmTime's rule (README, Log formats). NULL for
-- every other event. An enum rather than text with a CHECK: adding the
-- column then neither scans nor rewrites the partitions.

-- +goose Up
CREATE TYPE local_time_note AS ENUM ('ambiguous', 'nonexistent');
ALTER TABLE access_events ADD COLUMN local_time local_time_note;

-- +goose Down
ALTER TABLE access_events DROP COLUMN local_time;
DROP TYPE local_time_note;
