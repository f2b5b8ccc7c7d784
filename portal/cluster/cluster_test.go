package cluster

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	_ "github.com/lib/pq"
)

// A private cluster starts from nothing, keeps its data across a stop and
// a start, and is down after its only user stops.
func TestStartStopReuse(t *testing.T) {
	dir := testDir(t)
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
	assertDown(t, c)
	if err := c.Stop(); err != nil { // a second Stop is a no-op
		t.Fatal(err)
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

	// A second user that joins a running cluster and leaves does not stop
	// it under the first.
	shared, _ := New(dir)
	if err := shared.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := shared.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("second user stopped the server: %v", err)
	}
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}
	assertDown(t, again)
}

// Two users of one cluster directory: whichever stops first leaves the
// server to the other (even the one that started it), and the last one
// stops it.
func TestLastUserStops(t *testing.T) {
	dir := testDir(t)
	ctx := context.Background()
	first, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := New(dir)
	if err := first.Start(ctx); err != nil { // starts the server
		t.Fatal(err)
	}
	defer first.Stop()
	if err := second.Start(ctx); err != nil { // reuses it
		t.Fatal(err)
	}
	defer second.Stop()

	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	if !first.running(ctx) {
		t.Fatal("server stopped while a second user still had it")
	}
	// A fresh connection, not one opened before the stop.
	var one int
	if err := open(t, second).QueryRow(`SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("query through the second user after the first stopped: %v", err)
	}

	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	assertDown(t, second)
}

// A cluster directory that is a symbolic link is refused before anything is
// created in or chowned through it: as root, a planted
// /tmp/insyn-pgtest-0 -> /etc must not hand /etc to postgres.
func TestSymlinkDirRefused(t *testing.T) {
	base := testDir(t)
	target := filepath.Join(base, "target")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	before := ownerOf(t, target)
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	c, err := New(link)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Start(context.Background())
	if err == nil {
		c.Stop()
		t.Fatal("Start accepted a symlinked cluster directory")
	}
	if !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("unexpected error: %v", err)
	}
	if after := ownerOf(t, target); after != before {
		t.Fatalf("symlink target chowned: owner %v, was %v", after, before)
	}
	entries, _ := os.ReadDir(target)
	if len(entries) != 0 {
		t.Fatalf("files created through the symlink: %v", entries)
	}
}

// A directory someone else owns (planted in a shared /tmp) is refused too.
func TestForeignDirRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a directory owned by another user")
	}
	dir := testDir(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil { // nobody
		t.Fatal(err)
	}
	c, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Start(context.Background())
	if err == nil {
		c.Stop()
		t.Fatal("Start accepted a directory owned by another user")
	}
	if !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Fatalf("unexpected error: %v", err)
	}
	if owner := ownerOf(t, dir); owner != [2]uint32{65534, 65534} {
		t.Fatalf("foreign directory chowned to %v", owner)
	}
}

// testDir is a fresh path in the temporary directory that the postgres
// user can reach when the tests run as root (t.TempDir's parent is 0700).
func testDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "insyn-cluster-test-"+filepath.Base(filepath.Dir(t.TempDir())))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func assertDown(t *testing.T, c *Cluster) {
	t.Helper()
	if c.running(context.Background()) {
		t.Fatal("server still running after the last Stop")
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "run", ".s.PGSQL.5432")); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func ownerOf(t *testing.T, p string) [2]uint32 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return [2]uint32{st.Uid, st.Gid}
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

// As root, a data directory the postgres user cannot reach (a checkout in
// root's 0700 home) moves the cluster to /var/lib/insyn, named after it.
func TestUnreachableDirMovesUnderVarLib(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user")
	}
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := New(filepath.Join(home, "var"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Dir, "/var/lib/insyn/") {
		t.Fatalf("cluster dir %s, want one under /var/lib/insyn", c.Dir)
	}
	t.Cleanup(func() { os.RemoveAll(c.Dir) })
	again, _ := New(filepath.Join(home, "var"))
	if again.Dir != c.Dir {
		t.Fatalf("second start would look in %s, first used %s", again.Dir, c.Dir)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	reachable, _ := New(filepath.Join(os.TempDir(), "insyn-reach-"+filepath.Base(home)))
	if strings.HasPrefix(reachable.Dir, "/var/lib/insyn/") {
		t.Fatalf("a reachable dir was moved: %s", reachable.Dir)
	}
}
