package riv2

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/ingest/ingesttest"
)

// doc builds documents of several logs from the real one in
// bare_request.xml, each with a log id of its own.
func doc(t testing.TB) *ingesttest.Doc {
	const id = "c1d2e3f4-0001-4a5b-8c9d-112233445566"
	raw, err := os.ReadFile(filepath.Join("testdata", "bare_request.xml"))
	if err != nil {
		t.Fatal(err)
	}
	before, rec, after := ingesttest.Cut(t, string(raw), "<log>", "</log>")
	return &ingesttest.Doc{
		Parse: Parse, Before: before, After: after, Names: []string{"log", "accessLog"}, SOAP: true,
		Record: func(k int) string { return strings.Replace(rec, id, fmt.Sprintf("%s-%d", id, k), 1) },
	}
}

// A bad log of any class costs that log only.
func TestHostileRecords(t *testing.T) { doc(t).Hostile(t) }

// FuzzNeighbours changes one log of a real document and holds the parser to
// the invariant: every log is emitted, and the ones not changed are stored
// as they would be alone.
func FuzzNeighbours(f *testing.F) { doc(f).Fuzz(f) }
