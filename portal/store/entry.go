package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/lib/pq"
)

// qEventTime finds one event of a patient by id within the reader's scope
// (the same readScope as qExtractEvents). The patient's own columns come
// first in the WHERE clause so each partition answers from its patient
// index; the id alone would probe every partition's primary key.
const qEventTime = `
SELECT e.occurred_at
FROM access_events e
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
LEFT JOIN units ou ON ou.hsa_id = e.owner_unit_hsa_id AND e.owner_unit_hsa_id <> ''
WHERE e.patient_id = $1 AND e.patient_id_kind = $2 AND e.id = $3
  AND ($4 = '' OR (e.patient_id = $4 AND e.patient_id_kind = $5))
  AND (NOT $6 OR e.actor_provider_hsa_id = ANY($7) OR e.owner_provider_hsa_id = ANY($7)
       OR u.provider_hsa_id = ANY($7) OR ou.provider_hsa_id = ANY($7))
  AND insyn_may_act_for($8, $4, $5, $9::date)
LIMIT 1`

// EventTime is when the patient's event id happened, for a reader who may
// read it: the web portal finds an entry's day this way and rebuilds that
// day. An event that is not the patient's, not the reader's to read, or
// gone is NotFound, alike. It reads no log content and records nothing:
// the day's rows are read, and recorded, through EventsForPatient.
func (s *Store) EventTime(ctx context.Context, actor portal.Actor, patient portal.PersonalID, id int64) (time.Time, error) {
	if err := s.mayReadLog(ctx, actor, patient); err != nil {
		return time.Time{}, err
	}
	sc := scopeFor(actor, "")
	var at time.Time
	err := s.db.GetContext(ctx, &at, qEventTime, patient, string(patient.Kind()), id,
		sc.patient, sc.patientKind, sc.limited, pq.Array(sc.providers), sc.guardian, s.today())
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no such event", Err: portal.ErrNotFound}
	case err != nil:
		return time.Time{}, fmt.Errorf("store: event time: %w", err)
	}
	return at, nil
}
