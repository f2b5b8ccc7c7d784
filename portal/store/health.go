package store

import (
	"context"
	"fmt"
)

// MigrationState compares the database's goose version with the highest
// migration embedded in this binary: a server whose schema lags behind (or
// runs ahead, after a rollback of the binary) is not ready.
func (s *Store) MigrationState(ctx context.Context) (current, latest int64, err error) {
	p, err := newGoose(s.db)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: migration version: %w", err)
	}
	for _, src := range p.ListSources() {
		latest = max(latest, src.Version)
	}
	return current, latest, nil
}
