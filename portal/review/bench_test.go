package review_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/refdata"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/seed"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// BenchmarkReview seeds a region of eleven days, ingests ten, and times a
// review run (explanations and every rule) over them next to a plain
// sequential scan of the same events in the same database; then ingests
// the eleventh day and times the incremental run over it, beside the full
// run (it should cost about a tenth of it, plus a constant). Run with `make
// bench-review` (1,000,000 events); INSYN_BENCH_EVENTS changes the size (200,000 without it).
func BenchmarkReview(b *testing.B) {
	events := 200_000
	if s := os.Getenv("INSYN_BENCH_EVENTS"); s != "" {
		events, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	region := filepath.Join(b.TempDir(), "region")
	sum, err := seed.Generate(seed.Options{Patients: max(2_000, events/20), Staff: max(200, events/200), Days: 11,
		Events: events, Seed: 1}, region)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		s := storetest.Open(b, nil)
		if _, err := refdata.ImportDir(ctx, s, region); err != nil {
			b.Fatal(err)
		}
		days, _ := filepath.Glob(filepath.Join(region, "logs", "*"))
		if len(days) < 2 {
			b.Fatalf("%d days of logs", len(days))
		}
		load(b, s, days[:len(days)-1])
		// A first scan sets the rows' hint bits (as autovacuum would after
		// an ingest), so neither side pays for them alone, and a checkpoint
		// writes out what the ingest left (a day's review starts long after
		// its logs arrived, not while gigabytes of them are being flushed);
		// then the run, then the timed scan.
		settle(b, s)
		full, runSecs := timedRun(b, s)
		scanSecs, scanned := seqScan(b, s)
		load(b, s, days[len(days)-1:])
		settle(b, s)
		inc, incSecs := timedRun(b, s)
		b.ReportMetric(float64(full.Events)/runSecs, "events/s")
		b.ReportMetric(runSecs/scanSecs, "run/scan")
		b.ReportMetric(incSecs/runSecs, "inc/full")
		fmt.Printf("\nregion: %d events seeded over %d days\n", sum.Events, len(days))
		fmt.Printf("review run over %d days: %d events in %.2fs (%.0f events/s), %.1f %% explained, %d rule hits, %d cases\n",
			len(days)-1, full.Events, runSecs, float64(full.Events)/runSecs, 100*full.Share(), full.Hits, full.CasesOpened)
		fmt.Printf("sequential scan of the same %d events: %.2fs; ratio run/scan %.1f\n", scanned, scanSecs, runSecs/scanSecs)
		fmt.Printf("incremental run over the next day: %d events (%.1f %% of the full run's) in %.2fs: %.1f %% of the full run's time\n",
			inc.Events, 100*float64(inc.Events)/float64(full.Events), incSecs, 100*incSecs/runSecs)
		for _, r := range []struct {
			name string
			res  store.ReviewRunResult
		}{{"full run", full}, {"incremental run", inc}} {
			fmt.Printf("%s steps:", r.name)
			for _, st := range r.res.Steps {
				fmt.Printf(" %s %.2fs", st.Name, st.Took.Seconds())
			}
			fmt.Println()
		}
	}
}

func load(b testing.TB, s *store.Store, dirs []string) {
	b.Helper()
	in, err := ingest.Inputs(dirs, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), s, in, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	if err := s.AnalyzeEvents(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func timedRun(b *testing.B, s *store.Store) (store.ReviewRunResult, float64) {
	b.Helper()
	start := time.Now()
	res, err := s.RunReview(context.Background(), store.ReviewRunOptions{}, review.Rules)
	if err != nil {
		b.Fatal(err)
	}
	return res, time.Since(start).Seconds()
}

// settle sets the events' hint bits by a scan, vacuums the review groups
// (as autovacuum would after an ingest) and checkpoints, then has
// the kernel write out what the checkpoint handed it: the test cluster
// runs with fsync off, so without the sync the gigabytes of the load are
// still being written back while the run is timed (the scan, timed after
// it, would not pay for them).
func settle(b testing.TB, s *store.Store) {
	b.Helper()
	seqScan(b, s)
	// Autovacuum would have visited the review groups the ingest wrote
	// too: no run pays for their hint bits either.
	for _, q := range []string{`VACUUM review_groups`, `CHECKPOINT`} {
		if _, err := s.DB().Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Sync()
}

// seqScan counts every event by a sequential scan (indexes off), the
// floor for anything that reads each event once. The settings are local to
// its transaction: on a pooled connection they would otherwise outlive it
// and take the indexes from the review run that gets the connection next.
func seqScan(b testing.TB, s *store.Store) (float64, int64) {
	b.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTxx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{`SET LOCAL enable_indexscan = off`, `SET LOCAL enable_indexonlyscan = off`, `SET LOCAL enable_bitmapscan = off`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	var n int64
	start := time.Now()
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM access_events WHERE patient_id <> '' AND actor_hsa_id IS NOT NULL`); err != nil {
		b.Fatal(err)
	}
	return time.Since(start).Seconds(), n
}
