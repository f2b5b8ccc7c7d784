-- A case keeps the wording its narratives were written in (issue 12,
-- item 1: English narratives named Swedish staff titles). The review run
-- rewrites the narratives of every case written in an older wording
-- (portal/review.NarrativeVersion), so sentences stored before a change of
-- wording follow it without a person touching the case. 0 is "before
-- versions": every existing case is rewritten by the next run.

-- +goose Up
ALTER TABLE cases ADD COLUMN narrative_version smallint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cases DROP COLUMN narrative_version;
