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
func FuzzNeighbours(f *testing.F) {
	d := doc(f)
	d.CheckRealRecords(f)
	f.Add(uint8(1), uint16(200), uint8(0), []byte("&nbsp;"))
	f.Add(uint8(0), uint16(40), uint8(30), []byte("<x><y></x>"))
	f.Add(uint8(2), uint16(500), uint8(3), []byte("\xff\xfe<"))
	f.Add(uint8(1), uint16(0), uint8(255), []byte("<a b='"))
	f.Fuzz(func(t *testing.T, which uint8, at uint16, cut uint8, data []byte) {
		const n = 3
		bad := int(which) % n
		rec, ok := d.Mutate(d.Record(bad), at, cut, data)
		if !ok {
			t.Skip("the change could forge a record boundary")
		}
		b := d.Build(n, bad, rec)
		d.Check(t, []byte(b.Doc), b, bad)
	})
}
