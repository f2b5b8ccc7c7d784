package store

import (
	"context"
	"database/sql"
	"fmt"
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
	// The name as the joins it replaces wrote it (btrim, not Go's TrimSpace).
	qDirectoryStaff = `SELECT hsa_id, btrim(given_name || ' ' || family_name) AS name, title, protected_identity FROM staff`
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
	d := &directory{loaded: time.Now()}
	var providers []struct {
		HSAID string `db:"hsa_id"`
		Name  string `db:"name"`
	}
	var units []struct {
		HSAID    string `db:"hsa_id"`
		Name     string `db:"name"`
		Provider string `db:"provider_hsa_id"`
	}
	var staff []struct {
		HSAID     string `db:"hsa_id"`
		Name      string `db:"name"`
		Title     string `db:"title"`
		Protected bool   `db:"protected_identity"`
	}
	if err := tx.GetContext(ctx, &d.gen, qReferenceGeneration); err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &providers, qDirectoryProviders); err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &units, qDirectoryUnits); err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &staff, qDirectoryStaff); err != nil {
		return nil, err
	}
	d.providers = make(map[string]string, len(providers))
	for _, p := range providers {
		d.providers[p.HSAID] = p.Name
	}
	d.units = make(map[string]dirUnit, len(units))
	for _, u := range units {
		d.units[u.HSAID] = dirUnit{name: u.Name, provider: u.Provider}
	}
	d.staff = make(map[string]dirStaff, len(staff))
	for _, st := range staff {
		d.staff[st.HSAID] = dirStaff{name: st.Name, title: st.Title, protected: st.Protected}
	}
	return d, nil
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
