package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// TestConcurrentCareWrites: two transactions writing the same patient's
// care relations at once leave care_coverage as one rebuild would (the
// trigger takes the review lock): a visit beside another gives one merged
// window, counted once by a run, and an end moved earlier beside another
// import does not leave the old window standing.
func TestConcurrentCareWrites(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	p := pid(t, 7)
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	insertCare := `INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, $2, $3, $4)`
	// Two visits at the same unit, four days apart, from two transactions.
	beside(t, s, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, insertCare, p.Digits(), unit, "visit", at)
		return err
	}, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, insertCare, p.Digits(), unit, "visit", at.Add(4*24*time.Hour))
		return err
	})
	var windows int
	if err := s.DB().Get(&windows, `SELECT count(*) FROM care_coverage WHERE personal_id = $1`, p.Digits()); err != nil || windows != 1 {
		t.Fatalf("%d windows for two overlapping visits (%v)", windows, err)
	}
	insert(t, s, access(p, anna, unit, unit, at.Add(5*24*time.Hour)))
	if res := run(t, s); res.Events != 1 || res.Explained != 1 {
		t.Errorf("one access counted as %+v", res)
	}
	// A team relation at the lab ended early while another import adds a
	// visit at the unit: the lab's open-ended window goes.
	q := pid(t, 8)
	if _, err := s.DB().Exec(insertCare, q.Digits(), lab, "team", at); err != nil {
		t.Fatal(err)
	}
	beside(t, s, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, insertCare, q.Digits(), unit, "visit", at.Add(30*24*time.Hour))
		return err
	}, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE care_relations SET ends_at = $2 WHERE personal_id = $1 AND unit_hsa_id = $3`,
			q.Digits(), at.Add(10*24*time.Hour), lab)
		return err
	})
	if covered, function := explainedBoth(t, s, q, anna, lab, at.Add(60*24*time.Hour)); covered || function {
		t.Errorf("after the team relation ended: coverage %v, the function %v", covered, function)
	}
}

// TestCareEndingBeforeItStarts: a relation whose end precedes its start
// (the database takes it; only the CSV import refuses it) is stored and
// explains nothing, as the function says.
func TestCareEndingBeforeItStarts(t *testing.T) {
	s := world(t)
	p := pid(t, 9)
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	if _, err := s.DB().Exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at, ends_at)
		VALUES ($1, $2, 'team', $3, $4)`, p.Digits(), unit, at, at.Add(-24*time.Hour)); err != nil {
		t.Fatalf("a relation ending before it starts refused: %v", err)
	}
	if covered, function := explainedBoth(t, s, p, anna, unit, at); covered || function {
		t.Errorf("coverage %v, the function %v", covered, function)
	}
}

// explainedBoth is whether the coverage (insyn_explained) and the
// definition (insyn_explaining_relation) explain an access by actor for
// unit to the patient's record at.
func explainedBoth(t *testing.T, s *store.Store, p portal.PersonalID, actor, unit string, at time.Time) (covered, function bool) {
	t.Helper()
	if err := s.DB().QueryRow(`SELECT insyn_explained($1, $2, $3, $4),
		EXISTS (SELECT 1 FROM insyn_explaining_relation($1, $2, $3, $4))`, p.Digits(), actor, unit, at).Scan(&covered, &function); err != nil {
		t.Fatal(err)
	}
	return covered, function
}

// beside runs first in one transaction and second in another that starts
// while the first is still open, and commits both, the first first.
func beside(t *testing.T, s *store.Store, first, second func(*sqlx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	tx1 := s.DB().MustBeginTx(ctx, nil)
	defer tx1.Rollback()
	if err := first(tx1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		tx2, err := s.DB().BeginTxx(ctx, nil)
		if err == nil {
			if err = second(tx2); err == nil {
				err = tx2.Commit()
			} else {
				tx2.Rollback()
			}
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the second is at work (or waiting) beside the first
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
