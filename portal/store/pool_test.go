package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestPoolKeepsConnections: eight reads at once, twice over, open eight
// connections once; the second round finds them kept, none closed on
// return and opened again.
func TestPoolKeepsConnections(t *testing.T) {
	s := storetest.Open(t, nil)
	db := s.DB()
	round := func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := db.ExecContext(context.Background(), `SELECT pg_sleep(0.1)`); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	round()
	opened := db.Stats().OpenConnections
	round()
	st := db.Stats()
	if st.MaxIdleClosed != 0 || st.OpenConnections < opened {
		t.Fatalf("the pool closed %d connections on return (%d open after the first round, %d after the second)",
			st.MaxIdleClosed, opened, st.OpenConnections)
	}
}

// TestPreparedReadsTakeTheGenericPlan: the prepared reads of a patient's
// events are planned once per connection, whatever PostgreSQL would
// estimate, and never compiled, while the other statements (a review run's, by batch and
// period) keep plans for their values.
func TestPreparedReadsTakeTheGenericPlan(t *testing.T) {
	s := storetest.Open(t, nil)
	prepared, other, err := store.PlanCacheModes(s)
	if err != nil {
		t.Fatal(err)
	}
	if prepared != "force_generic_plan jit=off" || other != "auto" {
		t.Errorf("plan_cache_mode: prepared statements %q, the others %q", prepared, other)
	}
}
