-- Who filed a flag: a guardian who flags an access to their child's
-- record is its filer, and "my reports" shows each reader the flags they
-- filed, not those of the child's other guardian (their reason and their
-- own words) nor, to the patient, a guardian's as their own. '' is the
-- patient themselves. A flag filed before has its filer from the timeline
-- entry written with it (same case, same moment, by a patient who is not
-- the flag's patient).

-- +goose Up
ALTER TABLE flags ADD COLUMN filed_by text NOT NULL DEFAULT '';
UPDATE flags f SET filed_by = t.actor_id
FROM case_timeline t
WHERE t.case_id = f.case_id AND t.at = f.created_at AND t.actor_kind = 'patient' AND t.actor_id <> f.patient_id;

-- +goose Down
ALTER TABLE flags DROP COLUMN filed_by;
