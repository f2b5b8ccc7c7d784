package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/lib/pq"
)

// The watchlist (DESIGN.md section 9): people a patient knows who work in
// care, found in the staff directory by name. The review's watchlist rule
// (rule_watchlist.go) turns their accesses into cases.

const (
	// qSearchStaff finds staff by name: each word a prefix of the given or
	// the family name. Staff with protected identity are never found, nor
	// people whose employment ended; only name, title and the units of
	// today's assignments come back (the HSA-id stays in the store).
	qSearchStaff = `
SELECT s.hsa_id, btrim(s.given_name || ' ' || s.family_name) AS name, s.title,
       COALESCE((SELECT array_agg(DISTINCT u.name ORDER BY u.name) FROM assignments a
                 JOIN units u ON u.hsa_id = a.unit_hsa_id
                 WHERE a.staff_hsa_id = s.hsa_id AND $2::date BETWEEN a.valid_from AND a.valid_to), '{}') AS units
FROM staff s
WHERE NOT s.protected_identity
  AND (s.employed_to IS NULL OR s.employed_to >= $2::date)
  AND (SELECT bool_and(lower(s.given_name) LIKE w || '%' ESCAPE '\' OR lower(s.family_name) LIKE w || '%' ESCAPE '\'
                       OR lower(s.family_name) LIKE '%-' || w || '%' ESCAPE '\')
       FROM unnest($1::text[]) AS w)
ORDER BY lower(s.family_name), lower(s.given_name), s.hsa_id
LIMIT $3`

	// qWatchlist is the subject's list kept by the reader ($3: '' for the
	// patient, a guardian's own id for the child's list they keep), watched
	// people first, then the ones removed, newest first. A person who has since been given a
	// protected identity is no longer named.
	qWatchlist = `
SELECT w.key, w.staff_hsa_id, w.added_at, w.removed_at,
       CASE WHEN COALESCE(s.protected_identity, false) THEN '' ELSE btrim(COALESCE(s.given_name, '') || ' ' || COALESCE(s.family_name, '')) END AS name,
       COALESCE(s.title, '') AS title,
       CASE WHEN COALESCE(s.protected_identity, false) THEN '{}' ELSE
       COALESCE((SELECT array_agg(DISTINCT u.name ORDER BY u.name) FROM assignments a
                 JOIN units u ON u.hsa_id = a.unit_hsa_id
                 WHERE a.staff_hsa_id = w.staff_hsa_id AND $4::date BETWEEN a.valid_from AND a.valid_to), '{}') END AS units
FROM watchlist w
LEFT JOIN staff s ON s.hsa_id = w.staff_hsa_id
WHERE w.patient_id = $1 AND w.patient_id_kind = $2 AND w.watched_by = $3
  AND insyn_may_act_for($3, $1, $2, $4::date)
ORDER BY w.removed_at IS NOT NULL, COALESCE(w.removed_at, w.added_at) DESC, w.id DESC
LIMIT 200`

	// qAddWatch watches a person who may be found (not protected, still
	// employed), for a subject the actor may act for, unless already
	// watched on the reader's list; it returns nothing when any of that
	// fails.
	qAddWatch = `
INSERT INTO watchlist (key, patient_id, patient_id_kind, patient_id_root, staff_hsa_id, added_at, watched_by)
SELECT $1, $2, $3, $4, s.hsa_id, $6, $7
FROM staff s
WHERE s.hsa_id = $5 AND NOT s.protected_identity
  AND (s.employed_to IS NULL OR s.employed_to >= $8::date)
  AND insyn_may_act_for($7, $2, $3, $8::date)
  AND (SELECT count(*) FROM watchlist o WHERE o.patient_id = $2 AND o.patient_id_kind = $3
       AND o.watched_by = $7 AND o.removed_at IS NULL) < $9
ON CONFLICT (patient_id, patient_id_kind, watched_by, staff_hsa_id) WHERE removed_at IS NULL DO NOTHING
RETURNING id`

	qWatchedAlready = `
SELECT EXISTS (SELECT 1 FROM watchlist WHERE patient_id = $1 AND patient_id_kind = $2 AND staff_hsa_id = $3
               AND watched_by = $4 AND removed_at IS NULL)`

	// qRemoveWatch ends the watch with key on the reader's list of the
	// subject: accesses until now stay hits, later ones are not.
	qRemoveWatch = `
UPDATE watchlist SET removed_at = $4
WHERE key = $1 AND patient_id = $2 AND patient_id_kind = $3 AND watched_by = $5 AND removed_at IS NULL
  AND insyn_may_act_for($5, $2, $3, $6::date)
RETURNING id`

	qWatchChange = `
INSERT INTO watchlist_changes (watch_id, change, actor_kind, actor_id, at) VALUES ($1, $2, $3, $4, $5)`
)

// likeWord escapes LIKE's wildcards in a search word.
var likeWord = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchStaff finds up to portal.MaxWatchResults members of staff by name
// for actor's watchlist. A query too short, too long or of too many words
// is Invalid (portal.WatchQuery).
func (s *Store) SearchStaff(ctx context.Context, actor portal.Actor, query string) ([]portal.StaffMatch, error) {
	if !portal.CanWatch(actor) {
		return nil, portal.ErrNotFound
	}
	words, err := portal.WatchQuery(query)
	if err != nil {
		return nil, err
	}
	for i, w := range words {
		words[i] = likeWord.Replace(w)
	}
	var rows []struct {
		HSAID string         `db:"hsa_id"`
		Name  string         `db:"name"`
		Title string         `db:"title"`
		Units pq.StringArray `db:"units"`
	}
	if err := s.db.SelectContext(ctx, &rows, qSearchStaff, pq.Array(words), s.today(), portal.MaxWatchResults); err != nil {
		return nil, fmt.Errorf("store: search staff: %w", err)
	}
	out := make([]portal.StaffMatch, len(rows))
	for i, r := range rows {
		out[i] = portal.StaffMatch{Staff: portal.HSAID(r.HSAID), Name: r.Name, Title: r.Title, Units: r.Units}
	}
	return out, nil
}

// Watchlist is the list the actor keeps of their subject (themselves, or
// the child they act for: each guardian keeps their own, migration 00023):
// the people watched now first, then those removed.
func (s *Store) Watchlist(ctx context.Context, actor portal.Actor) ([]portal.Watch, error) {
	if !portal.CanWatch(actor) {
		return nil, portal.ErrNotFound
	}
	p := actor.Subject()
	var rows []struct {
		Key     string         `db:"key"`
		HSAID   string         `db:"staff_hsa_id"`
		Added   time.Time      `db:"added_at"`
		Removed sql.NullTime   `db:"removed_at"`
		Name    string         `db:"name"`
		Title   string         `db:"title"`
		Units   pq.StringArray `db:"units"`
	}
	if err := s.db.SelectContext(ctx, &rows, qWatchlist, p.Digits(), string(p.Kind()), guardianID(actor), s.today()); err != nil {
		return nil, fmt.Errorf("store: watchlist: %w", err)
	}
	out := make([]portal.Watch, len(rows))
	for i, r := range rows {
		out[i] = portal.Watch{Key: r.Key, Staff: portal.HSAID(r.HSAID), Name: r.Name, Title: r.Title, Units: r.Units,
			Added: r.Added, Removed: r.Removed.Time}
	}
	return out, nil
}

// AddWatch puts staff on the subject's watchlist from now on and records
// the change. Someone who cannot be found by the search (protected
// identity, employment ended, unknown) is NotFound; someone already
// watched is Conflict; a full list is Invalid.
func (s *Store) AddWatch(ctx context.Context, actor portal.Actor, staff portal.HSAID) error {
	if !portal.CanWatch(actor) {
		return portal.ErrNotFound
	}
	key, err := newCaseKey()
	if err != nil {
		return err
	}
	p, now := actor.Subject(), s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: add watch: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, qAddWatch, key, p.Digits(), string(p.Kind()), p.Root(), string(staff), now,
		guardianID(actor), s.today(), portal.MaxWatched)
	if errors.Is(err, sql.ErrNoRows) {
		return s.whyNotWatched(ctx, actor, staff)
	}
	if err != nil {
		return fmt.Errorf("store: add watch: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qWatchChange, id, "added", string(actor.Kind), actor.ID(), now); err != nil {
		return fmt.Errorf("store: watch change: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: add watch: %w", err)
	}
	return nil
}

// whyNotWatched tells apart the reasons qAddWatch added nothing, in the
// order a person can act on them.
func (s *Store) whyNotWatched(ctx context.Context, actor portal.Actor, staff portal.HSAID) error {
	if err := s.mayActFor(ctx, actor); err != nil {
		return err
	}
	p := actor.Subject()
	var already bool
	if err := s.db.GetContext(ctx, &already, qWatchedAlready, p.Digits(), string(p.Kind()), string(staff), guardianID(actor)); err != nil {
		return fmt.Errorf("store: add watch: %w", err)
	}
	if already {
		return portal.Errorf(portal.Conflict, "watch.error.already", "already watched")
	}
	list, err := s.Watchlist(ctx, actor)
	if err != nil {
		return err
	}
	active := 0
	for _, w := range list {
		if w.Removed.IsZero() {
			active++
		}
	}
	if active >= portal.MaxWatched {
		return portal.Errorf(portal.Invalid, "watch.error.full", "watchlist is full").With("Max", portal.MaxWatched)
	}
	return fmt.Errorf("store: no such staff to watch: %w", portal.ErrNotFound)
}

// RemoveWatch ends the subject's watch with key from now on and records
// the change; another's key, an ended watch or a malformed key is NotFound.
func (s *Store) RemoveWatch(ctx context.Context, actor portal.Actor, key string) error {
	if !portal.CanWatch(actor) {
		return portal.ErrNotFound
	}
	p, now := actor.Subject(), s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: remove watch: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, qRemoveWatch, key, p.Digits(), string(p.Kind()), now, guardianID(actor), s.today())
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: no such watch: %w", portal.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: remove watch: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qWatchChange, id, "removed", string(actor.Kind), actor.ID(), now); err != nil {
		return fmt.Errorf("store: watch change: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: remove watch: %w", err)
	}
	return nil
}
