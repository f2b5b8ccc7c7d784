-- Notifications for the watchlist and for guardians (issue 13, items 1, 3
-- and 4): a notice kind `watchlist`, and a guardian's opt-in to a young
-- child's notices, which go to the guardian's own confirmed address.

-- +goose Up
ALTER TABLE notify_settings DROP CONSTRAINT notify_settings_kinds_check;
ALTER TABLE notify_settings ADD CONSTRAINT notify_settings_kinds_check
    CHECK (kinds <@ ARRAY['emergency', 'new_provider', 'digest', 'flag_change', 'watchlist']);
ALTER TABLE notify_notices DROP CONSTRAINT notify_notices_kind_check;
ALTER TABLE notify_notices ADD CONSTRAINT notify_notices_kind_check
    CHECK (kind IN ('confirm', 'emergency', 'new_provider', 'digest', 'flag_change', 'watchlist'));

-- A notice about a child's record goes to a guardian: patient_id is the
-- recipient (whose settings hold the address), subject_id the child whose
-- record it is about. NULL: the recipient's own record. The worker checks
-- insyn_may_act_for again before it sends, so nothing goes out the day the
-- child turns 13.
ALTER TABLE notify_notices ADD COLUMN subject_id text, ADD COLUMN subject_kind text,
    ADD CHECK ((subject_id IS NULL) = (subject_kind IS NULL));

-- Which of a child's notices a guardian chose, chosen while acting for the
-- child. The row grants nothing by itself: every use checks
-- insyn_may_act_for (relation kind guardian, child under 13).
CREATE TABLE notify_guardians (
    child_id      text NOT NULL,
    child_kind    text NOT NULL,
    guardian_id   text NOT NULL,
    guardian_kind text NOT NULL,
    kinds         text[] NOT NULL DEFAULT '{}' CHECK (kinds <@ ARRAY['emergency', 'new_provider', 'watchlist']),
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (child_id, child_kind, guardian_id, guardian_kind)
);
CREATE INDEX notify_guardians_guardian ON notify_guardians (guardian_id, guardian_kind);

-- +goose Down
DROP TABLE notify_guardians;
ALTER TABLE notify_notices DROP COLUMN subject_kind, DROP COLUMN subject_id;
ALTER TABLE notify_notices DROP CONSTRAINT notify_notices_kind_check;
ALTER TABLE notify_notices ADD CONSTRAINT notify_notices_kind_check
    CHECK (kind IN ('confirm', 'emergency', 'new_provider', 'digest', 'flag_change'));
ALTER TABLE notify_settings DROP CONSTRAINT notify_settings_kinds_check;
ALTER TABLE notify_settings ADD CONSTRAINT notify_settings_kinds_check
    CHECK (kinds <@ ARRAY['emergency', 'new_provider', 'digest', 'flag_change']);
