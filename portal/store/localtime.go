package store

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
)

// qLocalTimeCounts counts, per source system, the events whose local time
// did not exist or existed twice (portal.StockholmTime), for the
// data-quality list.
const qLocalTimeCounts = `
SELECT 'local_time_' || local_time AS field, source_system AS code, '' AS name, count(*) AS n
FROM access_events
WHERE local_time IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2
GROUP BY local_time, source_system
ORDER BY 1, 4 DESC, 2`

// LocalTimeCounts returns, in [from, to) (zero: all time), per source
// system, how many events had a local time that did not exist
// (Field "local_time_nonexistent") or existed twice
// ("local_time_ambiguous"); Code is the source system.
func (s *Store) LocalTimeCounts(ctx context.Context, from, to time.Time) ([]CodeCount, error) {
	from, to = openPeriod(from, to)
	var out []CodeCount
	if err := s.db.SelectContext(ctx, &out, qLocalTimeCounts, from, to); err != nil {
		return nil, fmt.Errorf("store: local time counts: %w", err)
	}
	return out, nil
}

// localTime is the local_time column: NULL for the ordinary time of
// almost every event.
func localTime(n portal.LocalTime) any {
	if n == "" {
		return nil
	}
	return string(n)
}
