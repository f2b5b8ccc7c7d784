package csvlog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
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
func collect(t testing.TB, in io.Reader) []portal.LogRecord {
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

// rowWithName is a valid row whose patient name pads it to exactly size
// bytes, line end excluded.
func rowWithName(id string, size int) string {
	row := "SYS1," + id + ",2026-03-05T14:03:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,"
	return row + strings.Repeat("n", size-len(row))
}

// goodRows are n valid rows with ids tag-1 ... tag-n.
func goodRows(tag string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "SYS1,%s-%d,2026-03-05T14:%02d:00+01:00,SE2321000016-A1B2,Medicinkliniken,Läsa,191212121212,Tolvan\n", tag, i, i%60)
	}
	return b.String()
}

// A record past the bound is quarantined with its first bytes, and every
// row after it is read: after a long row, a long quoted field over many
// lines, and a long last row without a line end.
func TestOversizedRecordIsQuarantinedAndParsingGoesOn(t *testing.T) {
	const max = portal.MaxRecordBytes
	multiline := "SYS1,csv-big,2026-03-05T14:03:00+01:00,SE2321000016-A1B2,\"" +
		strings.Repeat("rad i en lång anteckning, med \"\"citat\"\"\n", 3*max/40) + "\",Läsa,191212121212,Tolvan"
	tests := []struct {
		name     string
		long     string // the long record, without its line end
		lineEnd  string
		tooLarge bool
		valid    bool // a long but valid row is stored
	}{
		{"exactly at the bound", rowWithName("csv-big", max), "\n", false, true},
		{"one byte past the bound", rowWithName("csv-big", max+1), "\n", true, false},
		{"one byte past the bound, CRLF", rowWithName("csv-big", max+1), "\r\n", true, false},
		{"5 MiB", rowWithName("csv-big", 5<<20), "\n", true, false},
		{"a long quoted field over many lines", multiline, "\n", true, false},
		{"a long last row without a line end", rowWithName("csv-big", 3<<20), "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := goodRows("after", 5)
			if tt.lineEnd == "" {
				after = ""
			}
			in := testHeader + goodRows("before", 3) + tt.long + tt.lineEnd + after
			recs := collect(t, strings.NewReader(in))
			wantN := 3 + 1 + strings.Count(after, "\n")
			if len(recs) != wantN {
				t.Fatalf("%d records, want %d", len(recs), wantN)
			}
			line := 2
			for i, r := range recs {
				if r.Line != line || r.Index != i+1 {
					t.Errorf("record %d: line %d index %d, want line %d", i+1, r.Line, r.Index, line)
				}
				line += 1 + strings.Count(string(r.Raw), "\n")
				if i == 3 {
					checkLong(t, r, tt.long, tt.tooLarge, tt.valid)
					if tt.tooLarge {
						line = 2 + 3 + 1 + strings.Count(tt.long, "\n")
					}
					continue
				}
				if r.Quarantined() {
					t.Errorf("record %d (line %d): %s %s", i+1, r.Line, r.Reason, r.Detail)
				}
			}
			if last := recs[len(recs)-1]; after != "" && last.Event.SourceLogID != "after-5" {
				t.Errorf("last record is %q, want after-5", last.Event.SourceLogID)
			}
		})
	}
}

func checkLong(t *testing.T, r portal.LogRecord, long string, tooLarge, valid bool) {
	t.Helper()
	switch {
	case tooLarge:
		if r.Reason != portal.ReasonTooLarge || r.Detail != "CSV record exceeds the size limit" {
			t.Errorf("long record: %q %q", r.Reason, r.Detail)
		}
		if len(r.Raw) != portal.MaxRecordBytes || string(r.Raw) != long[:portal.MaxRecordBytes] {
			t.Errorf("long record keeps %d bytes, want its first %d", len(r.Raw), portal.MaxRecordBytes)
		}
		if want := int64(len(strings.TrimRight(long, "\r\n"))); r.RawLength != want {
			t.Errorf("long record's length %d, want %d", r.RawLength, want)
		}
	case valid:
		if r.Quarantined() || r.Event.SourceLogID != "csv-big" || string(r.Raw) != long {
			t.Errorf("row at the bound: %s %s id %q, raw %d bytes", r.Reason, r.Detail, r.Event.SourceLogID, len(r.Raw))
		}
	}
}

// A quote that never closes makes, by RFC 4180, the rest of the input one
// field: that record is quarantined (with its first bytes when long), the
// rows before it are stored, and reading ends at the end of input, however
// long, in bounded memory.
func TestUnclosedQuote(t *testing.T) {
	const bulk = 3 << 20
	tests := []struct {
		name   string
		in     io.Reader
		before int
		line   int
		reason portal.Reason
		detail string
	}{
		{"short, in a later field", strings.NewReader(testHeader + goodRow + "SYS1,csv-2,\"never closed\n" + goodRow3), 1, 3, portal.ReasonMalformed, "CSV quoted field is never closed"},
		{"long, in the first field", io.MultiReader(strings.NewReader(testHeader+goodRow+goodRow3+"\"never closed\n"), io.LimitReader(filler{}, bulk)), 2, 4, portal.ReasonTooLarge, "CSV record exceeds the size limit"},
		{"a long stream", io.MultiReader(strings.NewReader(testHeader+goodRow+"SYS1,\""), io.LimitReader(filler{}, 16*bulk)), 1, 3, portal.ReasonTooLarge, "CSV record exceeds the size limit"},
		{"oversized header", io.MultiReader(strings.NewReader("\""), io.LimitReader(filler{}, bulk)), 0, 1, portal.ReasonTooLarge, "CSV record exceeds the size limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{r: tt.in}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			recs := collect(t, cr)
			runtime.ReadMemStats(&after)
			// The first MiB is kept (twice: buffer and raw), the rest
			// streams past.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("allocated %d MiB reading %d MiB", alloc>>20, cr.n>>20)
			}
			if len(recs) != tt.before+1 {
				t.Fatalf("%d records, want %d", len(recs), tt.before+1)
			}
			for _, r := range recs[:tt.before] {
				if r.Quarantined() {
					t.Errorf("line %d: %s %s", r.Line, r.Reason, r.Detail)
				}
			}
			r := recs[tt.before]
			if r.Reason != tt.reason || r.Detail != tt.detail || r.Line != tt.line || len(r.Raw) == 0 || len(r.Raw) > portal.MaxRecordBytes {
				t.Errorf("unclosed record: line %d %q %q raw %d bytes, want line %d %q", r.Line, r.Reason, r.Detail, len(r.Raw), tt.line, tt.reason)
			}
			if _, err := cr.r.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("input not read to its end")
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

// FuzzRowMutation changes one data row of a real file (the fuzzer's bytes,
// repeated up to past the record bound, replace a span of it) and checks
// that the change costs only that row: every row is emitted once, valid or
// quarantined, and every other row comes out exactly as it does from the
// unchanged file, a valid one valid with its source log id.
//
// Mutations that add a line break or add or remove a quote are skipped: a
// line break makes two rows of one, and an unbalanced quote opens a quoted
// field that, by RFC 4180, runs on over the following rows. Either changes which rows exist rather
// than what one row holds, so "the other rows are untouched" would no
// longer be true of the input.
func FuzzRowMutation(f *testing.F) {
	base, err := os.ReadFile("testdata/events.csv")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(string(base), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	want := collect(f, bytes.NewReader(base))
	rows := len(lines) - 1
	if len(want) != rows {
		f.Fatalf("base file: %d records for %d rows", len(want), rows)
	}
	f.Add(uint8(0), uint32(10), uint32(0), []byte("x"), uint32(1))
	f.Add(uint8(1), uint32(0), uint32(400), []byte("\xff\x00"), uint32(1))
	f.Add(uint8(2), uint32(30), uint32(5), []byte(",,,"), uint32(3))
	f.Add(uint8(3), uint32(5), uint32(0), []byte("y"), uint32(portal.MaxRecordBytes+1))
	f.Add(uint8(4), uint32(1000), uint32(1000), []byte("2026-10-25T02:30:00"), uint32(1))
	f.Fuzz(func(t *testing.T, row uint8, at, cut uint32, data []byte, repeat uint32) {
		if bytes.ContainsAny(data, "\n\"") || repeat == 0 {
			t.Skip("would add or join rows")
		}
		r := int(row)%rows + 1 // never the header
		old := strings.TrimSuffix(lines[r], "\n")
		from := int(at) % (len(old) + 1)
		to := min(len(old), from+int(cut)%(len(old)+1))
		if strings.Contains(old[from:to], `"`) {
			t.Skip("removing a quote may leave one open")
		}
		n := min(int(repeat), (portal.MaxRecordBytes+4096)/max(len(data), 1)+1)
		mutated := old[:from] + strings.Repeat(string(data), n) + old[to:]
		if strings.Trim(mutated, "\r") == "" {
			t.Skip("a blank line is no row")
		}
		in := strings.Join(lines[:r], "") + mutated + "\n" + strings.Join(lines[r+1:], "")
		got := collect(t, strings.NewReader(in))
		if len(got) != rows {
			t.Fatalf("%d records emitted for %d rows", len(got), rows)
		}
		for i, g := range got {
			w := want[i]
			if g.Line != w.Line || g.Index != w.Index {
				t.Fatalf("record %d: line %d index %d, want line %d index %d", i+1, g.Line, g.Index, w.Line, w.Index)
			}
			if !g.Quarantined() {
				if reason, detail := g.Event.Validate(); reason != "" {
					t.Fatalf("record %d emitted as valid: %s %s", i+1, reason, detail)
				}
			}
			if g.Reason == portal.ReasonTooLarge && (len(g.Raw) == 0 || len(g.Raw) > portal.MaxRecordBytes) {
				t.Fatalf("too large record keeps %d bytes", len(g.Raw))
			}
			if i == r-1 {
				continue // the mutated row: valid or quarantined, either is right
			}
			if g.Reason != w.Reason || g.Event.SourceLogID != w.Event.SourceLogID || !bytes.Equal(g.Raw, w.Raw) {
				t.Fatalf("untouched row %d: %q %q id %q, want %q id %q", i+1, g.Reason, g.Detail, g.Event.SourceLogID, w.Reason, w.Event.SourceLogID)
			}
		}
	})
}
