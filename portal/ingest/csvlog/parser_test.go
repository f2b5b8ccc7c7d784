package csvlog

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

func parseFile(t testing.TB, path string) []portal.LogRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []portal.LogRecord
	if err := Parse(bytes.NewReader(b), func(r portal.LogRecord) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestParseEvents(t *testing.T) {
	recs := parseFile(t, "testdata/events.csv")
	want := []struct {
		line      int
		reason    portal.Reason
		detail    string
		activity  portal.Activity
		emergency bool
	}{
		{2, "", "", portal.ActivityRead, false},
		{3, "", "", portal.ActivityEmergency, true},
		{4, portal.ReasonInvalidField, "patient id", "", false},
		{5, portal.ReasonMissingField, "acting care unit", "", false},
		{6, portal.ReasonMalformed, "row has 4 fields, header has 22", "", false},
		{7, portal.ReasonPlaceholder, "template row: fields contain ? placeholders", "", false},
		{8, portal.ReasonInvalidField, "time of access", "", false},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Line != w.line || r.Reason != w.reason || r.Detail != w.detail || r.Index != i+1 {
			t.Errorf("record %d: line %d reason %q detail %q index %d; want line %d %q %q", i+1, r.Line, r.Reason, r.Detail, r.Index, w.line, w.reason, w.detail)
		}
		if w.reason == "" && (r.Event.Activity != w.activity || r.Event.Emergency() != w.emergency) {
			t.Errorf("record %d: activity %q emergency %v", i+1, r.Event.Activity, r.Event.Emergency())
		}
	}
	e := recs[0].Event
	if e.ActorHSAID != "SE2321000016-A1B2" || e.ActorUnit.Name != "Medicinkliniken" || e.Patient.Digits() != "191212121212" ||
		e.Purpose != portal.PurposeCare || e.ActorAssignment != "Läkare, medicinkliniken" || e.CoherentRecordKeeping() {
		t.Errorf("first event: %+v", e)
	}
	if !e.OccurredAt.Equal(time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)) {
		t.Errorf("time %v", e.OccurredAt)
	}
	second := recs[1].Event
	if !second.CoherentRecordKeeping() || second.Owner.Name != `Vårdcentralen "Norr"` {
		t.Errorf("second event owner %+v", second.Owner)
	}
	if !second.OccurredAt.Equal(time.Date(2026, 3, 5, 13, 10, 0, 0, time.UTC)) {
		t.Errorf("local time not read as Stockholm: %v", second.OccurredAt)
	}
}

func TestMissingColumnQuarantinesHeader(t *testing.T) {
	var recs []portal.LogRecord
	Parse(strings.NewReader("source_system,occurred_at,patient_id\na,b,c\n"), func(r portal.LogRecord) error { recs = append(recs, r); return nil })
	if len(recs) != 1 || recs[0].Reason != portal.ReasonMissingField || recs[0].Detail != "CSV column source_log_id" {
		t.Fatalf("got %+v", recs)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("testdata/events.csv")
	f.Add(b)
	f.Add([]byte("source_log_id,occurred_at,patient_id\n\"unterminated"))
	f.Fuzz(func(t *testing.T, in []byte) {
		Parse(bytes.NewReader(in), func(r portal.LogRecord) error {
			if !r.Quarantined() {
				if reason, _ := r.Event.Validate(); reason != "" {
					t.Fatalf("emitted an invalid event as valid: %s", reason)
				}
			}
			return nil
		})
	})
}

// collect parses in and returns what was emitted.
func collect(t *testing.T, in io.Reader) []portal.LogRecord {
	t.Helper()
	var recs []portal.LogRecord
	if err := Parse(in, func(r portal.LogRecord) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return recs
}

const (
	testHeader = "source_system,source_log_id,occurred_at,actor_hsa_id,actor_unit_name,activity,patient_id,patient_name\n"
	goodRow    = "SYS1,csv-1,2026-03-05T14:02:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,Tolvan\n"
	goodRow3   = "SYS1,csv-3,2026-03-05T14:04:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,Tolvan\n"
)

func TestInvalidTextIsQuarantinedAndParsingGoesOn(t *testing.T) {
	latin1 := "SYS1,csv-2,2026-03-05T14:03:00+01:00,SE2321000016-A1B2,\"Medicinkliniken, v\xe5rd\",L\xe4sa,191212121212,J\xf6rgen"
	tests := []struct {
		name, bad, detail string
		line              int
	}{
		{"latin-1", latin1, "text is not valid UTF-8", 3},
		{"nul", "SYS1,csv-2,2026-03-05T14:03:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,Tol\x00van", "text contains a NUL character", 3},
		{"nul in an unused column", "SYS1,csv-2,2026-03-05T14:03:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,\x00", "text contains a NUL character", 3},
		{"latin-1 in a quoted multi-line field", "SYS1,csv-2,2026-03-05T14:03:00+01:00,SE2321000016-A1B2,\"Medicin\nklin\xe5\",Läsa,191212121212,", "text is not valid UTF-8", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := collect(t, strings.NewReader(testHeader+goodRow+tt.bad+"\n"+goodRow3))
			if len(recs) != 3 {
				t.Fatalf("%d records, want 3: %+v", len(recs), recs)
			}
			lastLine := 4 + strings.Count(tt.bad, "\n")
			for i, want := range []struct {
				line int
				id   string
			}{{2, "csv-1"}, {lastLine, "csv-3"}} {
				r := recs[i*2]
				if r.Quarantined() || r.Line != want.line || r.Event.SourceLogID != want.id {
					t.Errorf("good row %d: line %d reason %q %s id %q", i, r.Line, r.Reason, r.Detail, r.Event.SourceLogID)
				}
			}
			r := recs[1]
			if r.Reason != portal.ReasonInvalidField || r.Detail != tt.detail || r.Line != tt.line || r.Index != 2 {
				t.Errorf("bad row: line %d index %d %q %q", r.Line, r.Index, r.Reason, r.Detail)
			}
			if !bytes.Equal(r.Raw, []byte(tt.bad)) {
				t.Errorf("raw %q, want the bytes as read %q", r.Raw, tt.bad)
			}
		})
	}
}

// countingReader counts the bytes Parse takes from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// filler is an endless stream of text lines without a quote.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "abcdefghij,klmnopqrs\n"[i%21]
	}
	return len(p), nil
}

func TestOversizedRecordStopsParsing(t *testing.T) {
	const bulk = 3 << 20 // well past portal.MaxRecordBytes
	const slack = 64 << 10
	long := strings.Repeat("x", portal.MaxRecordBytes+10)
	tests := []struct {
		name    string
		in      io.Reader
		records int // good records before the oversized one
		line    int
		stops   bool // reading stops soon after the bound
		after   int  // records after the oversized one
	}{
		{"unterminated quote in a later field", io.MultiReader(strings.NewReader(testHeader+goodRow+"SYS1,csv-2,\"never closed\n"), io.LimitReader(filler{}, bulk)), 1, 3, true, 0},
		{"unterminated quote in the first field", io.MultiReader(strings.NewReader(testHeader+goodRow+goodRow3+"\"never closed\n"), io.LimitReader(filler{}, bulk)), 2, 4, true, 0},
		{"a long stream", io.MultiReader(strings.NewReader(testHeader+goodRow+"SYS1,\""), io.LimitReader(filler{}, 16*bulk)), 1, 3, true, 0},
		{"one line without an end", io.MultiReader(strings.NewReader(testHeader+goodRow+"SYS1,"), io.LimitReader(strings.NewReader(strings.Repeat("y", bulk)), bulk)), 1, 3, true, 0},
		{"a complete row just over the limit", strings.NewReader(testHeader + goodRow + "SYS1,csv-2,\"" + long + "\"\n" + goodRow3), 1, 3, false, 1},
		{"oversized header", io.MultiReader(strings.NewReader("\""), io.LimitReader(filler{}, bulk)), 0, 1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{r: tt.in}
			recs := collect(t, cr)
			if len(recs) != tt.records+1+tt.after {
				t.Fatalf("%d records, want %d", len(recs), tt.records+1+tt.after)
			}
			for i, r := range recs {
				if i != tt.records && r.Quarantined() {
					t.Errorf("record %d: %s %s", i, r.Reason, r.Detail)
				}
			}
			r := recs[tt.records]
			if r.Reason != portal.ReasonTooLarge || r.Detail != "CSV record exceeds the size limit" || r.Line != tt.line {
				t.Errorf("oversized record: line %d %q %q, want line %d", r.Line, r.Reason, r.Detail, tt.line)
			}
			if len(r.Raw) > portal.MaxRecordBytes {
				t.Errorf("raw is %d bytes", len(r.Raw))
			}
			if tt.stops && cr.n > portal.MaxRecordBytes+slack+int64(len(testHeader)+2*len(goodRow)) {
				t.Errorf("read %d bytes; it should stop soon after %d", cr.n, portal.MaxRecordBytes)
			}
		})
	}
}

func TestPatientIDRoot(t *testing.T) {
	header := "source_log_id,occurred_at,actor_hsa_id,actor_unit_name,activity,patient_id,patient_id_root\n"
	row := func(id, pid, root string) string {
		return id + ",2026-03-05T14:02:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa," + pid + "," + root + "\n"
	}
	in := header +
		row("r1", "R12345", "1.2.752.97.3.1.3") + // a region's reserve number
		row("r2", "191212121212", "") + // empty root: personnummer
		row("r3", "191212121212", portal.OIDPersonnummer) +
		row("r4", "191212121213", "urn:oid:"+portal.OIDPersonnummer) + // fails Luhn
		row("r5", "SE2321000016-1234", portal.OIDHSAID) + // an HSA-id is no patient
		row("r6", "R12345", "") // a reserve number needs its root
	tests := []struct {
		reason      portal.Reason
		kind        portal.IDKind
		digits      string
		root        string
		description string
	}{
		{"", portal.KindReservnummer, "R12345", "1.2.752.97.3.1.3", "reserve number kept as given"},
		{"", portal.KindPersonnummer, "191212121212", portal.OIDPersonnummer, "no root"},
		{"", portal.KindPersonnummer, "191212121212", portal.OIDPersonnummer, "personnummer root"},
		{portal.ReasonInvalidField, "", "", "", "personnummer root, bad Luhn"},
		{portal.ReasonInvalidField, "", "", "", "HSA-id root"},
		{portal.ReasonInvalidField, "", "", "", "no root, not a personal id"},
	}
	recs := collect(t, strings.NewReader(in))
	if len(recs) != len(tests) {
		t.Fatalf("%d records, want %d", len(recs), len(tests))
	}
	for i, tt := range tests {
		r, p := recs[i], recs[i].Event.Patient
		if r.Reason != tt.reason || (tt.reason == "" && (p.Kind() != tt.kind || p.Digits() != tt.digits || p.Root() != tt.root)) {
			t.Errorf("%s: reason %q %s, patient %s %s %s", tt.description, r.Reason, r.Detail, p.Kind(), p.Digits(), p.Root())
		}
		if tt.reason != "" && r.Detail != "patient id" {
			t.Errorf("%s: detail %q", tt.description, r.Detail)
		}
	}
	// Without the column, behaviour is as before: a personal id is required.
	recs = collect(t, strings.NewReader("source_log_id,occurred_at,actor_hsa_id,actor_unit_name,activity,patient_id\nr1,2026-03-05T14:02:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,R12345\n"))
	if len(recs) != 1 || recs[0].Reason != portal.ReasonInvalidField {
		t.Errorf("no root column: %+v", recs)
	}
	if Columns[slices.Index(Columns, "patient_id")+1] != "patient_id_root" {
		t.Errorf("patient_id_root does not follow patient_id in Columns")
	}
}
