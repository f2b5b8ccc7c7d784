// Package ingesttest finds the public example logs for tests.
package ingesttest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedFormats finds ../shared/formats beside the repository (where the
// public example logs live), or INSYN_FORMATS.
func SharedFormats(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("INSYN_FORMATS"); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "formats")
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("public example logs not found at %s (set INSYN_FORMATS)", p)
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}
