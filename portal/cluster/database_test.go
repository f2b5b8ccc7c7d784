package cluster

import (
	"context"
	"testing"
)

// Several callers creating one database at once on a fresh cluster all
// succeed, and the database exists once.
func TestEnsureDatabaseConcurrently(t *testing.T) {
	c, err := New(testDir(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- c.EnsureDatabase(ctx, "raced") }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("EnsureDatabase: %v", err)
		}
	}
	var n int
	if err := open(t, c).QueryRow(`SELECT count(*) FROM pg_database WHERE datname = 'raced'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d databases named raced, %v", n, err)
	}
	if err := c.EnsureDatabase(ctx, "x; DROP DATABASE postgres"); err == nil {
		t.Fatal("a name that is not a plain identifier was accepted")
	}
}
