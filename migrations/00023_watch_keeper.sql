-- Whose watchlist a watch is on: a guardian who watches someone for their
-- child keeps their own list for the child, as they keep their own flags
-- (00021). Whom a guardian watches says whom they know or suspect (the
-- other guardian's new partner, say), so the child's other guardian
-- neither reads nor edits it. '' is the patient themselves. A watch made
-- before has its keeper from the change that added it (a patient who is
-- not the watch's patient); the review rule still reads every list of the
-- record, once per access.

-- +goose Up
ALTER TABLE watchlist ADD COLUMN watched_by text NOT NULL DEFAULT '';
UPDATE watchlist w SET watched_by = c.actor_id
FROM watchlist_changes c
WHERE c.watch_id = w.id AND c.change = 'added' AND c.actor_kind = 'patient' AND c.actor_id <> w.patient_id;
DROP INDEX watchlist_one_active;
CREATE UNIQUE INDEX watchlist_one_active ON watchlist (patient_id, patient_id_kind, watched_by, staff_hsa_id)
    WHERE removed_at IS NULL;

-- +goose Down
-- One list per record again: a person two guardians watch stays watched
-- once: the later watch ends when the migration is undone.
UPDATE watchlist w SET removed_at = greatest(now(), w.added_at)
WHERE w.removed_at IS NULL AND EXISTS (
    SELECT 1 FROM watchlist o WHERE o.removed_at IS NULL AND o.patient_id = w.patient_id
      AND o.patient_id_kind = w.patient_id_kind AND o.staff_hsa_id = w.staff_hsa_id AND o.id < w.id);
DROP INDEX watchlist_one_active;
CREATE UNIQUE INDEX watchlist_one_active ON watchlist (patient_id, patient_id_kind, staff_hsa_id)
    WHERE removed_at IS NULL;
ALTER TABLE watchlist DROP COLUMN watched_by;
