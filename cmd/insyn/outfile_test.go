package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A committed file stands at its target for its owner only; a discarded
// one leaves nothing behind, not even the temporary file.
func TestOutFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.pdf")
	f, err := createBeside(target, ".insyn-test-*", "extract.error.write")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("done")
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	f.discard() // deferred in the commands: a no-op after commit
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("committed: %v %v", fi, err)
	}

	g, err := createBeside(filepath.Join(dir, "failed.pdf"), ".insyn-test-*", "extract.error.write")
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("half")
	g.discard()
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Fatalf("after discard: %v", names)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".insyn-test-*")); len(names) != 0 {
		t.Fatalf("temporary files left: %v", names)
	}
}
