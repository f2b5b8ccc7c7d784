// Package storetest gives each test package a fresh, migrated database on a
// real PostgreSQL: DATABASE_URL when set, else one private cluster shared by
// every test process of the run. The first process starts the cluster and
// migrates a template database; each package then clones the template
// (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/migrations"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/cluster"
	"github.com/insyn/insyn/portal/store"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

var (
	once    sync.Once
	shared  *server
	initErr error
)

type server struct {
	adminDSN func(db string) string
	cl       *cluster.Cluster // nil with DATABASE_URL
}

// Main wraps a package's TestMain: it runs the tests and then releases the
// shared cluster, stopping it when no other test process still uses it.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	release()
	return code
}

// DSN creates a fresh migrated database for the calling test and returns
// its connection string. The database is dropped when the test ends.
func DSN(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { shared, initErr = start() })
	if initErr != nil {
		tb.Fatalf("storetest: %v", initErr)
	}
	// A random part: a killed earlier run may have left a database behind
	// under the same pid (pids repeat in containers).
	var r [4]byte
	rand.Read(r[:])
	name := fmt.Sprintf("insyn_t_%d_%d_%x", os.Getpid(), nextID(), r)
	admin, err := sqlx.Open("postgres", shared.adminDSN("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + templateName()); err != nil {
		tb.Fatalf("storetest: create database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sqlx.Open("postgres", shared.adminDSN("postgres"))
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return shared.adminDSN(name)
}

// Open returns a Store on a fresh database with a fixed clock.
func Open(tb testing.TB, clock portal.Clock) *store.Store {
	tb.Helper()
	if clock == nil {
		clock = &portal.FixedClock{T: time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)}
	}
	dsn := DSN(tb)
	s, err := store.Open(context.Background(), dsn, clock, nil)
	if err != nil {
		tb.Fatal(err)
	}
	idMu.Lock()
	dsns[s] = dsn
	idMu.Unlock()
	tb.Cleanup(func() { s.Close() })
	return s
}

var (
	idMu sync.Mutex
	idN  int
	dsns = map[*store.Store]string{}
)

func nextID() int {
	idMu.Lock()
	defer idMu.Unlock()
	idN++
	return idN
}

// templateName changes whenever a migration changes, so a stale template
// from an earlier run is never used.
func templateName() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := migrations.FS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return "insyn_tpl_" + hex.EncodeToString(h.Sum(nil))[:12]
}

func start() (*server, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		s := &server{adminDSN: func(db string) string { return withDB(u, db) }}
		return s, ensureTemplate(s)
	}
	// One stable directory per user, so every test process of a run shares
	// the cluster. It sits in the shared temporary directory, so
	// cluster.Start checks it (a real directory, owned by us or the cluster's
	// owner) before using it, and stops the server when the last test
	// process lets go of it.
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("insyn-pgtest-%d", os.Getuid()))
	// Test-only settings: durability is not needed, speed is.
	cl, err := cluster.New(dir, "fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")
	if err != nil {
		return nil, err
	}
	if err := cl.Start(context.Background()); err != nil {
		return nil, err
	}
	s := &server{adminDSN: cl.DSN, cl: cl}
	return s, ensureTemplate(s)
}

// release lets go of the private cluster; cluster.Stop stops the server
// only if no other test process still uses it.
func release() {
	if shared == nil || shared.cl == nil {
		return
	}
	if err := shared.cl.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
	}
}

// ensureTemplate creates and migrates the template database once; an
// advisory lock keeps concurrent test processes from racing.
func ensureTemplate(s *server) error {
	admin, err := sqlx.Open("postgres", s.adminDSN("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	ctx := context.Background()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(4242)`)
	tpl := templateName()
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tpl); err != nil {
		return err
	}
	if exists {
		return nil
	}
	tmp := tpl + "_building"
	conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+tmp)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+tmp); err != nil {
		return err
	}
	db, err := sqlx.Open("postgres", s.adminDSN(tmp))
	if err != nil {
		return err
	}
	err = store.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+tmp+` RENAME TO `+tpl)
	return err
}

// withDB replaces the database name in a URL or key=value DSN.
func withDB(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	var parts []string
	for _, f := range strings.Fields(dsn) {
		if !strings.HasPrefix(f, "dbname=") {
			parts = append(parts, f)
		}
	}
	return strings.Join(append(parts, "dbname="+db), " ")
}

// DSNOf returns the connection string of a store opened by Open, for a
// child process in a test.
func DSNOf(s *store.Store) string {
	idMu.Lock()
	defer idMu.Unlock()
	return dsns[s]
}
