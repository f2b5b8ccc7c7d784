package store

import (
	"context"
	"fmt"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/lib/pq"
)

// A guardian's choice of a young child's notices (DESIGN.md sections 6 and
// 9). It is made on the settings page while acting for the child and kept
// per (child, guardian): the notices go to the guardian's own confirmed
// address, in the guardian's language, and say "your child". Every use
// checks insyn_may_act_for in SQL: saving, each review run's enqueue
// (qRunRecipients) and the worker's claim (qClaim), so nothing is written
// or sent from the day the child turns 13, whatever rows remain.

const (
	qChildNotify = `
SELECT COALESCE(g.kinds, '{}') AS kinds, COALESCE(s.lang, 'sv') AS lang, COALESCE(s.address, '') AS address,
       COALESCE(s.confirmed_at IS NOT NULL, false) AS confirmed
FROM (SELECT 1) one
LEFT JOIN notify_guardians g ON g.child_id = $3 AND g.child_kind = $4 AND g.guardian_id = $1 AND g.guardian_kind = $2
LEFT JOIN notify_settings s ON s.patient_id = $1 AND s.patient_id_kind = $2`

	// qSaveChildNotify saves only while the guardian may act for the child
	// today: the check is the statement's.
	qSaveChildNotify = `
INSERT INTO notify_guardians (child_id, child_kind, guardian_id, guardian_kind, kinds, updated_at)
SELECT $3, $4, $1, $2, $5, $6
WHERE insyn_may_act_for($1, $3, $4, $7::date)
ON CONFLICT (child_id, child_kind, guardian_id, guardian_kind) DO UPDATE SET
    kinds = EXCLUDED.kinds, updated_at = EXCLUDED.updated_at`
)

// ChildNotify is a guardian's choices for the child they act for, and
// where the notices go (the guardian's own address).
type ChildNotify struct {
	Kinds     []notify.Kind
	Lang      string
	Address   string
	Confirmed bool
}

// Has tells whether k is chosen.
func (c ChildNotify) Has(k notify.Kind) bool {
	for _, x := range c.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// childActor checks that actor is a guardian acting for a child they may
// act for today; anything else is NotFound, as any record not theirs.
func (s *Store) childActor(ctx context.Context, actor portal.Actor) error {
	if actor.Kind != portal.ActorPatient || !actor.ActsFor() {
		return unknownPatient()
	}
	return s.mayActFor(ctx, actor)
}

// ChildNotifySettings reads the guardian's choices for the child the actor
// acts for.
func (s *Store) ChildNotifySettings(ctx context.Context, actor portal.Actor) (ChildNotify, error) {
	if err := s.childActor(ctx, actor); err != nil {
		return ChildNotify{}, err
	}
	var r settingsRow
	if err := s.db.GetContext(ctx, &r, qChildNotify, actor.Patient.Digits(), string(actor.Patient.Kind()),
		actor.For.Digits(), string(actor.For.Kind())); err != nil {
		return ChildNotify{}, fmt.Errorf("store: child notify settings: %w", err)
	}
	out := ChildNotify{Lang: r.Lang, Address: r.Address, Confirmed: r.Confirmed}
	for _, k := range r.Kinds {
		out.Kinds = append(out.Kinds, notify.Kind(k))
	}
	return out, nil
}

// SaveChildNotify saves the kinds of the child's notices the guardian
// wants; a kind not offered for children is a field error ("kinds"), a
// child the guardian may not act for (13 or older, another family's) is
// NotFound.
func (s *Store) SaveChildNotify(ctx context.Context, actor portal.Actor, kinds []notify.Kind) error {
	if err := s.childActor(ctx, actor); err != nil {
		return err
	}
	var keep []string
	for _, k := range notify.ChildKinds { // the page's order, once each
		for _, x := range kinds {
			if x == k {
				keep = append(keep, string(k))
				break
			}
		}
	}
	for _, x := range kinds {
		if !x.ForChild() {
			return portal.FieldErrors{"kinds": portal.Errorf(portal.Invalid, "notify.error.child_kind", "kind not offered for a child")}
		}
	}
	if keep == nil {
		keep = []string{}
	}
	res, err := s.db.ExecContext(ctx, qSaveChildNotify, actor.Patient.Digits(), string(actor.Patient.Kind()),
		actor.For.Digits(), string(actor.For.Kind()), pq.Array(keep), s.clock.Now(), s.today())
	if err != nil {
		return fmt.Errorf("store: child notify settings: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return unknownPatient()
	}
	return nil
}
