-- A generation number for what a patient's history is built from (issue
-- 10, item 9): every statement that writes events, explanations, care
-- relations or the reference data the extract names draws a new number
-- from one sequence. The portal keeps a patient's built history for the
-- rest of a short visit and builds it again once the number moved.
--
-- A sequence, not a counter row: nextval takes no row lock, so concurrent
-- ingests and review runs never wait for each other here. It is drawn
-- before the writer commits; a reader that builds in that moment may keep
-- what it built until the portal's time limit on a kept history (two
-- minutes) ends it.

-- +goose Up
CREATE SEQUENCE insyn_data_generation;

-- +goose StatementBegin
CREATE FUNCTION insyn_bump_data_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('insyn_data_generation');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER access_events_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON access_events
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER event_explanations_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON event_explanations
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER care_relations_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON care_relations
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER staff_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER units_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER providers_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON providers
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();
CREATE TRIGGER patients_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON patients
    FOR EACH STATEMENT EXECUTE FUNCTION insyn_bump_data_generation();

-- +goose Down
DROP TRIGGER patients_generation ON patients;
DROP TRIGGER providers_generation ON providers;
DROP TRIGGER units_generation ON units;
DROP TRIGGER staff_generation ON staff;
DROP TRIGGER care_relations_generation ON care_relations;
DROP TRIGGER event_explanations_generation ON event_explanations;
DROP TRIGGER access_events_generation ON access_events;
DROP FUNCTION insyn_bump_data_generation();
DROP SEQUENCE insyn_data_generation;
