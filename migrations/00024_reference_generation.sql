-- A generation number for the reference data an extract names (issue 10,
-- item 9): the store keeps the names of care providers, units and staff in
-- memory (store/directory.go) instead of joining them into every read of a
-- patient's events, and loads them again once this number has moved.
--
-- A counter row, not a sequence like insyn_data_generation: a sequence
-- moves before the writer commits, so a reader loading in that moment would
-- keep the old names under the new number until the next change. The row
-- is updated in the writer's transaction, so a reader that reads the
-- number and the names in one snapshot sees both or neither. Writers of
-- the reference data wait for each other on the row; they are imports.

-- +goose Up
CREATE TABLE reference_generation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    gen bigint NOT NULL
);
INSERT INTO reference_generation (gen) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION insyn_bump_reference_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_generation SET gen = gen + 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER staff_reference_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_reference_generation();
CREATE TRIGGER units_reference_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_reference_generation();
CREATE TRIGGER providers_reference_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON providers
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_reference_generation();

-- +goose Down
DROP TRIGGER providers_reference_generation ON providers;
DROP TRIGGER units_reference_generation ON units;
DROP TRIGGER staff_reference_generation ON staff;
DROP FUNCTION insyn_bump_reference_generation();
DROP TABLE reference_generation;
