package fhir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/ingest/ingesttest"
)

// doc builds documents of several AuditEvents from the real one in the Bundle
// se-bundle.xml, one per entry, each with an id of its own.
func doc(t testing.TB) *ingesttest.Doc {
	const id = "xml-bundle-ae"
	raw, err := os.ReadFile(filepath.Join("testdata", "se-bundle.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, rec, after := ingesttest.Cut(t, string(raw), "<AuditEvent>", "</AuditEvent>")
	// Without the Patient entry before it, which is no AuditEvent.
	before := "<Bundle xmlns=\"http://hl7.org/fhir\">\n  <type value=\"collection\"/>\n  <entry>\n    <resource>\n      "
	return &ingesttest.Doc{
		Parse: Parse, Before: before, After: after, Names: []string{"AuditEvent"}, Sep: "\n</resource></entry><entry><resource>\n",
		Record: func(k int) string { return strings.Replace(rec, id, fmt.Sprintf("%s-%d", id, k), 1) },
	}
}

// A bad AuditEvent of any class costs that log only.
func TestHostileRecords(t *testing.T) { doc(t).Hostile(t) }

// FuzzNeighbours changes one AuditEvent of a real document and holds the parser to
// the invariant: every AuditEvent is emitted, and the ones not changed are stored
// as they would be alone.
func FuzzNeighbours(f *testing.F) { doc(f).Fuzz(f) }
