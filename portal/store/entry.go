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

// qEventTime finds one event of a patient by id ($11) within the reader's
// scope: qExtractEvents' own clause (eventsInScope) and numbering, over
// every time. The patient's own columns come first in the WHERE clause so
// each partition answers from its patient index; the id alone would probe
// every partition's primary key.
const qEventTime = `
SELECT e.occurred_at
FROM access_events e
WHERE e.patient_id = $1 AND e.patient_id_kind = $5 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND e.id = $11
  ` + eventsInScope + `
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
	from, to := openPeriod(time.Time{}, time.Time{})
	err := s.db.GetContext(ctx, &at, qEventTime, patient, from, to, sc.limited, string(patient.Kind()),
		sc.patient, sc.patientKind, pq.Array(sc.providers), sc.guardian, s.today(), id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no such event", Err: portal.ErrNotFound}
	case err != nil:
		return time.Time{}, fmt.Errorf("store: event time: %w", err)
	}
	return at, nil
}
