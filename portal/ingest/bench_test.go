package ingest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/insyn/insyn/portal/seed"
	"github.com/insyn/insyn/portal/store/storetest"
)

// BenchmarkIngestVsCopy seeds a region of at least a million events, runs
// the real `insyn ingest` on its RIV v2 files, then loads the very same rows
// with psql's \copy into the same partitioned table and indexes in a fresh
// database (without the review groups' trigger, which is insyn's work), and
// reports both rates and their ratio. Run with
// `make bench-ingest`; INSYN_BENCH_EVENTS changes the size.
func BenchmarkIngestVsCopy(b *testing.B) {
	events := 1_000_000
	if s := os.Getenv("INSYN_BENCH_EVENTS"); s != "" {
		events, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	bin := buildInsyn(b, dir)
	region := filepath.Join(dir, "region")
	sum, err := seed.Generate(seed.Options{Patients: 50_000, Staff: 2_000, Days: 90, Events: events, Seed: 1}, region)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events", sum.Events)

	// The machine is shared: one run of each side can be slowed by anything
	// else running. Each round times both sides back to back, in fresh
	// databases, and the ratio is taken from each side's fastest round and
	// from the medians, which a passing load moves much less than one run.
	rounds := 3
	if s := os.Getenv("INSYN_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	rows := filepath.Join(dir, "rows.copy")
	for i := 0; i < b.N; i++ {
		var ingestSecs, copySecs []float64
		var stored int64
		var rssMB float64
		var out []byte
		for r := 0; r < rounds; r++ {
			ours := storetest.DSN(b)
			start := time.Now()
			cmd := exec.Command(bin, "ingest", filepath.Join(region, "logs"))
			cmd.Env = append(os.Environ(), "DATABASE_URL="+ours)
			var err error
			if out, err = cmd.Output(); err != nil {
				b.Fatalf("insyn ingest: %v: %s", err, out)
			}
			ingestSecs = append(ingestSecs, time.Since(start).Seconds())
			rssMB = max(rssMB, float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024)
			stored = countRows(b, ours)
			if r == 0 {
				psql(b, ours, `\copy (SELECT `+copyColumns+` FROM access_events) TO '`+rows+`'`)
			}
			dropDB(b, ours)

			base := storetest.DSN(b)
			psql(b, base, `SELECT insyn_ensure_event_partition(m::date) FROM generate_series(date '2025-01-01', date '2027-12-01', interval '1 month') m`)
			// PostgreSQL's own rate: without the trigger that adds the rows
			// to their review groups, whose cost the ratio charges to insyn.
			psql(b, base, `DROP TRIGGER review_groups_insert ON access_events`)
			start = time.Now()
			psql(b, base, `\copy access_events (`+copyColumns+`) FROM '`+rows+`'`)
			copySecs = append(copySecs, time.Since(start).Seconds())
			if n := countRows(b, base); n != stored {
				b.Fatalf("baseline loaded %d rows, ingest stored %d", n, stored)
			}
			dropDB(b, base)
			fmt.Printf("round %d: ingest %.1fs, psql \\copy %.1fs\n", r+1, ingestSecs[r], copySecs[r])
		}
		oursBest, copyBest := float64(stored)/slices.Min(ingestSecs), float64(stored)/slices.Min(copySecs)
		oursMed, copyMed := float64(stored)/median(ingestSecs), float64(stored)/median(copySecs)
		b.ReportMetric(oursBest, "events/s")
		b.ReportMetric(copyBest, "copy-events/s")
		b.ReportMetric(oursBest/copyBest, "ratio")
		b.ReportMetric(oursMed/copyMed, "median-ratio")
		b.ReportMetric(rssMB, "peak-rss-MB")
		fmt.Printf("\ningest: %d events, best of %d rounds %.0f events/s (median %.0f), peak RSS %.0f MB\n", stored, rounds, oursBest, oursMed, rssMB)
		fmt.Printf("psql \\copy of the same rows: best %.0f events/s (median %.0f)\n", copyBest, copyMed)
		fmt.Printf("ratio insyn/copy: %.2f best to best, %.2f median to median (target >= 0.5); output %s\n",
			oursBest/copyBest, oursMed/copyMed, strings.TrimSpace(string(out)))
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// dropDB empties a round's database at once, so that the rounds do not
// fill the disk and the next one starts from the same state.
func dropDB(b *testing.B, dsn string) {
	psql(b, dsn, `DROP TABLE access_events CASCADE`)
}

const copyColumns = `batch_id, source_system, source_log_id, occurred_at, actor_hsa_id, actor_name, actor_personal_id,
 actor_title, actor_assignment, actor_provider_hsa_id, actor_provider_name, actor_unit_hsa_id, actor_unit_name,
 activity, activity_code, activity_args, purpose, purpose_code, patient_id, patient_id_kind, patient_id_root,
 patient_name, resource_type, owner_unit_hsa_id, owner_unit_name, owner_provider_hsa_id, owner_provider_name,
 emergency, coherent, local_time, raw`

func buildInsyn(b *testing.B, dir string) string {
	bin := filepath.Join(dir, "insyn")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/insyn/insyn/cmd/insyn")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	return bin
}

func psql(b *testing.B, dsn, sql string) {
	b.Helper()
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", strings.ReplaceAll(sql, "\n", " "))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("psql: %v: %s", err, out)
	}
}

func countRows(b *testing.B, dsn string) int64 {
	b.Helper()
	out, err := exec.Command("psql", "-X", "-At", "-d", dsn, "-c", "SELECT count(*) FROM access_events").Output()
	if err != nil {
		b.Fatal(err)
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	return n
}
