-- The colleague rule (issue 11, item 9) asks, per unexplained access,
-- whether the patient is on the staff: by personal id, which nothing
-- indexed, so each lookup read every member of staff.

-- +goose Up
CREATE INDEX staff_personal_id ON staff (personal_id);

-- +goose Down
DROP INDEX staff_personal_id;
