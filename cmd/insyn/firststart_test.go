package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/migrations"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/cluster"
	"github.com/jmoiron/sqlx"
)

// childArgs carries the command line of a child insyn process started by
// TestConcurrentFirstStart: the test binary re-executes itself and
// TestInsynChild runs the real main in it, so the processes are real and
// start together, without building a second binary.
const childArgs = "INSYN_TEST_CHILD_ARGS"

func TestInsynChild(t *testing.T) {
	raw := os.Getenv(childArgs)
	if raw == "" {
		t.Skip("only runs as a child of TestConcurrentFirstStart")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		log:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		logLevel: level, clock: portal.SystemClock{}, getenv: os.Getenv,
	}
	os.Exit(a.main(context.Background(), args))
}

// Two insyn commands started at the same moment on an empty INSYN_DATA,
// without DATABASE_URL, both succeed: one runs initdb and starts the
// server while the other waits, the database is created once and the
// migrations run once. Repeated, because a race shows only sometimes.
func TestConcurrentFirstStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several private clusters")
	}
	csvA := writeCSV(t, "a")
	csvB := writeCSV(t, "b")
	rounds := [][2][]string{
		{{"migrate"}, {"migrate"}},
		{{"ingest", csvA}, {"ingest", csvB}},
		{{"migrate"}, {"ingest", csvA}},
	}
	for i, round := range rounds {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("insyn-firststart-%d-%d", os.Getpid(), i))
		os.RemoveAll(dir)
		t.Cleanup(func() { os.RemoveAll(dir) })
		var wg sync.WaitGroup
		results := make([]string, 2)
		codes := make([]int, 2)
		gate := make(chan struct{})
		for j, args := range round {
			cmd := childCommand(t, dir, args)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				out, err := cmd.CombinedOutput()
				results[j] = string(out)
				codes[j] = cmd.ProcessState.ExitCode()
				if err != nil && codes[j] == 0 {
					codes[j] = -1
				}
			}()
		}
		close(gate)
		wg.Wait()
		for j := range round {
			if codes[j] != 0 {
				t.Errorf("round %d: insyn %v exited %d:\n%s", i, round[j], codes[j], results[j])
			}
		}
		checkMigratedOnce(t, dir, i)
	}
}

func childCommand(t *testing.T, dir string, args []string) *exec.Cmd {
	t.Helper()
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestInsynChild$", "-test.count=1")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "INSYN_DATA=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, childArgs+"="+string(js), "INSYN_DATA="+dir, "INSYN_LANG=en")
	return cmd
}

// checkMigratedOnce opens the cluster the children left (stopped: the last
// of them stopped it) and checks that every migration is recorded exactly
// once and that both children's events are there.
func checkMigratedOnce(t *testing.T, dir string, round int) {
	t.Helper()
	cl, err := cluster.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if cl.Running(ctx) {
		t.Errorf("round %d: the server still runs after both commands ended", round)
	}
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	db, err := sqlx.Open("postgres", cl.DSN("insyn"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []struct {
		Version int64 `db:"version_id"`
		N       int   `db:"n"`
	}
	if err := db.Select(&rows, `SELECT version_id, count(*) AS n FROM goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id`); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	files, _ := migrations.FS.ReadDir(".")
	want := 0
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".sql") {
			want++
		}
	}
	if len(rows) != want {
		t.Errorf("round %d: %d migrations recorded, want %d", round, len(rows), want)
	}
	for _, r := range rows {
		if r.N != 1 {
			t.Errorf("round %d: migration %d recorded %d times", round, r.Version, r.N)
		}
	}
	var dbs int
	db.Get(&dbs, `SELECT count(*) FROM pg_database WHERE datname = 'insyn'`)
	if dbs != 1 {
		t.Errorf("round %d: %d insyn databases", round, dbs)
	}
}

// writeCSV writes a small valid CSV log whose ids carry tag, so that two
// such files never share an event.
func writeCSV(t *testing.T, tag string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("source_system,source_log_id,occurred_at,actor_hsa_id,actor_unit_hsa_id,activity,purpose,patient_id\n")
	for i := range 20 {
		fmt.Fprintf(&b, "SYS,%s-%d,2026-03-05T14:%02d:00+01:00,SE2321000016-A1B2,SE2321000016-U001,read,care,191212121212\n", tag, i, i)
	}
	p := filepath.Join(t.TempDir(), tag+".csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// As root the children run the cluster as postgres, but read the file
	// themselves: no permission change needed.
	return p
}
