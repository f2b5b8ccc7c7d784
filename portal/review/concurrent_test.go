package review_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// TestRunsBesideIngests: review runs, two at a time, while ingests keep
// committing batches. When all is done and one last run has finished,
// every event was reviewed by exactly one run, every hit was counted by
// exactly one run, and each (actor, patient) has one open case.
func TestRunsBesideIngests(t *testing.T) {
	s := world(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	const ingesters, batches, perBatch, patients = 3, 12, 25, 40
	var done atomic.Bool
	var reviewed, hits atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var ingest sync.WaitGroup
	for g := range ingesters {
		ingest.Go(func() {
			for b := range batches {
				evs := make([]portal.Event, perBatch)
				for i := range evs {
					n := (g*batches*perBatch + b*perBatch + i)
					actor := anna
					if n%2 == 1 {
						actor = bo
					}
					evs[i] = access(pid(t, n%patients+1), actor, unit, unit, at.Add(time.Duration(n)*time.Second))
				}
				if _, err := s.InsertEvents(ctx, evs); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for !done.Load() {
				res, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules)
				if err != nil {
					fail(err)
					return
				}
				reviewed.Add(res.Events)
				hits.Add(res.Hits)
			}
		})
	}
	ingest.Wait()
	done.Store(true)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	last := run(t, s)
	reviewed.Add(last.Events)
	hits.Add(last.Hits)
	total := int64(ingesters * batches * perBatch)
	if reviewed.Load() != total {
		t.Errorf("runs reviewed %d events of %d", reviewed.Load(), total)
	}
	var kept, stored, open, pairs int64
	for q, v := range map[string]*int64{
		`SELECT count(*) FROM access_events e JOIN review_batches b ON b.batch_id = e.batch_id`: &kept,
		`SELECT count(*) FROM rule_hits`:                                       &stored,
		`SELECT count(*) FROM cases WHERE status = 'new'`:                      &open,
		`SELECT count(DISTINCT (actor_hsa_id, patient_id)) FROM access_events`: &pairs,
	} {
		if err := s.DB().Get(v, q); err != nil {
			t.Fatal(err)
		}
	}
	// No care relations: every access is a no_care_relation hit, and each
	// (actor, patient) pair one case (Anna reads the even-numbered
	// patients, Bo the odd: 40 pairs).
	if kept != total || stored != total || hits.Load() != total || open != pairs || pairs != patients {
		t.Errorf("%d events: %d in batches runs covered, %d hits stored, runs counted %d hits, %d open cases for %d pairs",
			total, kept, stored, hits.Load(), open, pairs)
	}
	var inCases int64
	if err := s.DB().Get(&inCases, `SELECT count(*) FROM case_events`); err != nil || inCases != total {
		t.Errorf("%d case events of %d, %v", inCases, total, err)
	}
}
