package store

import (
	"context"
	"time"

	"github.com/insyn/insyn/portal"
)

// StreamInScope reads a patient's events through the SQL scope of actor
// alone, without the permission check before it, so tests can prove that
// the query itself keeps a reader to what they may read.
func StreamInScope(ctx context.Context, s *Store, actor portal.Actor, patient portal.PersonalID, fn func(*ExtractEvent) error) (int, error) {
	sc := scopeFor(actor, "")
	sc.today = s.today()
	var gen int64
	if err := s.db.GetContext(ctx, &gen, qReferenceGeneration); err != nil {
		return 0, err
	}
	dir, err := s.directoryAt(ctx, gen)
	if err != nil {
		return 0, err
	}
	return streamExtractEvents(ctx, s, patient, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), sc, dir, fn)
}

// KeepStaleDirectory makes s name reads from names kept at generation gen,
// loaded age ago, in which no one is protected and nothing has a name: as
// a read finds them when an import commits just after they were loaded,
// or when the counter has gone back since.
func KeepStaleDirectory(s *Store, gen int64, age time.Duration) {
	s.dirs.cur.Store(&directory{gen: gen, loaded: time.Now().Add(-age), providers: map[string]string{},
		units: map[string]dirUnit{}, staff: map[string]dirStaff{}})
}

// PlanCacheModes is plan_cache_mode on a connection of each of s's pools:
// the prepared statements' and the others'.
func PlanCacheModes(s *Store) (prepared, other string, err error) {
	if err = s.reads.Get(&prepared, `SELECT current_setting('plan_cache_mode') || ' jit=' || current_setting('jit')`); err == nil {
		err = s.db.Get(&other, `SELECT current_setting('plan_cache_mode')`)
	}
	return prepared, other, err
}
