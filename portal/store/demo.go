package store

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
)

// qSampleCitizens lists living patients without protected identity whose
// record was accessed since $1, up to $2 of those with an access no care
// relation explains and up to $2 of the others, each
// group in personal id order.
const qSampleCitizens = `
SELECT personal_id, given_name, family_name, unexplained FROM (
    SELECT p.personal_id, p.given_name, p.family_name, s.unexplained,
           row_number() OVER (PARTITION BY s.unexplained ORDER BY p.personal_id) AS n
    FROM (SELECT e.patient_id,
                 bool_or(NOT insyn_explained(e.patient_id, e.actor_hsa_id, e.actor_unit_hsa_id, e.occurred_at)) AS unexplained
          FROM access_events e
          WHERE e.occurred_at >= $1
          GROUP BY e.patient_id) s
    JOIN patients p ON p.personal_id = s.patient_id
    WHERE NOT p.protected_identity AND p.deceased_on IS NULL
) c
WHERE n <= $2
ORDER BY unexplained DESC, personal_id`

// SampleCitizen is a person the demo's login page offers.
type SampleCitizen struct {
	PersonalID  string `db:"personal_id"`
	GivenName   string `db:"given_name"`
	FamilyName  string `db:"family_name"`
	Unexplained bool   `db:"unexplained"` // an access since then that no care relation explains
}

// SampleCitizens picks n people for the demo's login page whose records
// were accessed since since, so that a visitor who picks one sees a
// history: the first one with an access no care relation explains, when
// there is such a person, the rest without. Only the system (the demo
// command) may ask; it names people, no access, so it reads no log and
// writes no log_reads row.
func (s *Store) SampleCitizens(ctx context.Context, actor portal.Actor, since time.Time, n int) ([]SampleCitizen, error) {
	if actor.Kind != portal.ActorSystem {
		return nil, portal.Errorf(portal.NotFound, "error.not_found", "sample citizens are the demo's")
	}
	var all []SampleCitizen
	if err := s.db.SelectContext(ctx, &all, qSampleCitizens, since, n); err != nil {
		return nil, fmt.Errorf("store: sample citizens: %w", err)
	}
	var out, rest []SampleCitizen
	for _, c := range all {
		if c.Unexplained && len(out) == 0 {
			out = append(out, c)
		} else {
			rest = append(rest, c)
		}
	}
	// The others with every access explained first, then the unexplained.
	for _, explained := range []bool{true, false} {
		for _, c := range rest {
			if len(out) < n && c.Unexplained != explained {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
