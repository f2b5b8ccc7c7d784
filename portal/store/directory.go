package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The names an extract gives care providers, units and staff come from the
// reference data, a few thousand rows that change when an import runs. A
// read of a patient's events used to join all of them (six joins, three
// times the cost of the read itself); they are kept here in memory instead,
// with the generation they were loaded at (migration 00024), and loaded
// again once it has moved.

const (
	qReferenceGeneration = `SELECT gen FROM reference_generation`
	qDirectoryProviders  = `SELECT hsa_id, name FROM providers`
	qDirectoryUnits      = `SELECT hsa_id, name, provider_hsa_id FROM units`
	qDirectoryStaff      = `SELECT hsa_id, given_name, family_name, title, protected_identity FROM staff`
)

// directory is the reference data's names at one generation. It is read
// only once loaded.
type directory struct {
	gen       int64
	loaded    time.Time
	providers map[string]string
	units     map[string]dirUnit
	staff     map[string]dirStaff
}

type dirUnit struct{ name, provider string }

type dirStaff struct {
	name, title string
	protected   bool
}

// serves says whether d may name a read that found the generation gen: the
// same, or a newer one loaded moments ago by a read that began later. A
// kept generation newer than the database's for longer than that means
// the counter went back (a restored backup): load again.
func (d *directory) serves(gen int64) bool {
	return d != nil && (d.gen == gen || d.gen > gen && time.Since(d.loaded) < 10*time.Second)
}

// directories holds the newest directory loaded; loads are serialised so
// that a change seen by many readers at once is loaded once.
type directories struct {
	mu  sync.Mutex // held while loading
	cur atomic.Pointer[directory]
}

// directoryAt returns the directory at generation gen or a newer one,
// loading it when the one kept is older.
func (s *Store) directoryAt(ctx context.Context, gen int64) (*directory, error) {
	if d := s.dirs.cur.Load(); d.serves(gen) {
		return d, nil
	}
	s.dirs.mu.Lock()
	defer s.dirs.mu.Unlock()
	if d := s.dirs.cur.Load(); d.serves(gen) { // another request loaded it meanwhile
		return d, nil
	}
	d, err := s.loadDirectory(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: reference names: %w", err)
	}
	s.dirs.cur.Store(d)
	return d, nil
}

// loadDirectory reads the generation and the names in one snapshot, so the
// names are those of the generation they are kept under.
func (s *Store) loadDirectory(ctx context.Context) (*directory, error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d := &directory{loaded: time.Now(), providers: map[string]string{}, units: map[string]dirUnit{}, staff: map[string]dirStaff{}}
	if err := tx.GetContext(ctx, &d.gen, qReferenceGeneration); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, qDirectoryProviders)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		d.providers[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.QueryContext(ctx, qDirectoryUnits); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var u dirUnit
		if err := rows.Scan(&id, &u.name, &u.provider); err != nil {
			rows.Close()
			return nil, err
		}
		d.units[id] = u
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.QueryContext(ctx, qDirectoryStaff); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, given, family string
		var st dirStaff
		if err := rows.Scan(&id, &given, &family, &st.title, &st.protected); err != nil {
			rows.Close()
			return nil, err
		}
		st.name = strings.TrimSpace(given + " " + family)
		d.staff[id] = st
	}
	return d, rows.Err()
}

// name fills in ev's names from the reference data, and the care providers
// that the units' place in it gives where the log named none: what the
// joins in qExtractEvents did before.
func (d *directory) name(ev *ExtractEvent) {
	if st, ok := d.staff[ev.ActorHSAID]; ok && ev.ActorHSAID != "" {
		ev.RefActorName, ev.RefActorTitle, ev.ActorProtected = st.name, st.title, st.protected
	}
	var unitProvider, ownerUnitProvider string
	if u, ok := d.units[ev.UnitHSAID]; ok && ev.UnitHSAID != "" {
		ev.RefUnitName, unitProvider = u.name, u.provider
	}
	if u, ok := d.units[ev.OwnerUnitHSAID]; ok && ev.OwnerUnitHSAID != "" {
		ev.RefOwnerUnitName, ownerUnitProvider = u.name, u.provider
	}
	if ev.ProviderHSAID == "" {
		ev.ProviderHSAID = unitProvider
	}
	if ev.OwnerProviderHSAID == "" {
		ev.OwnerProviderHSAID = ownerUnitProvider
	}
	ev.RefProviderName = d.providers[ev.ProviderHSAID]
	ev.RefOwnerProvName = d.providers[ev.OwnerProviderHSAID]
	if ev.RelationUnitHSAID != "" {
		ev.RelationUnitName = d.units[ev.RelationUnitHSAID].name
	}
}
