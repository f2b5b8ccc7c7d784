package atna

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/ingest/ingesttest"
)

// doc builds documents of several audit messages from the first real one in
// bare_request.xml, each with a log id of its own.
func doc(t testing.TB) *ingesttest.Doc {
	const id = "anteckning-88"
	raw, err := os.ReadFile(filepath.Join("testdata", "se-several.xml"))
	if err != nil {
		t.Fatal(err)
	}
	before, rec, _ := ingesttest.Cut(t, string(raw), "<AuditMessage>", "</AuditMessage>")
	after := "\n</AuditMessages>\n" // without the file's other messages
	return &ingesttest.Doc{
		Parse: Parse, Before: before, After: after, Names: []string{"AuditMessage"}, SOAP: true,
		Record: func(k int) string { return strings.Replace(rec, id, fmt.Sprintf("%s-%d", id, k), 1) },
	}
}

// A bad audit message of any class costs that log only.
func TestHostileRecords(t *testing.T) { doc(t).Hostile(t) }

// FuzzNeighbours changes one audit message of a real document and holds the parser to
// the invariant: every message is emitted, and the ones not changed are stored
// as they would be alone.
func FuzzNeighbours(f *testing.F) { doc(f).Fuzz(f) }
