package cluster

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/lib/pq"
)

// A private cluster starts from nothing, keeps its data across a stop and
// a start, and is down after Stop.
func TestStartStopReuse(t *testing.T) {
	dir := filepath.Join(os.TempDir(), "insyn-cluster-test-"+filepath.Base(t.TempDir()))
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	c, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	execSQL(t, c, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if c.running(ctx) {
		t.Fatal("server still running after Stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "run", ".s.PGSQL.5432")); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}

	again, _ := New(dir)
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	var v string
	db := open(t, again)
	if err := db.QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data after restart: %q %v", v, err)
	}

	// A second user of a running cluster does not stop it on its way out.
	shared, _ := New(dir)
	if err := shared.Start(ctx); err != nil {
		t.Fatal(err)
	}
	shared.Stop()
	if err := db.Ping(); err != nil {
		t.Fatalf("second user stopped the server: %v", err)
	}
}

func open(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execSQL(t *testing.T, c *Cluster, q string) {
	t.Helper()
	if _, err := open(t, c).Exec(q); err != nil {
		t.Fatal(err)
	}
}
