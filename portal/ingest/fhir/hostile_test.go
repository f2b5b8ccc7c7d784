package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
)

// deep nests n arrays inside a resource's narrative.
func deep(id string, n int) string {
	return strings.Replace(swedishEvent(id), `"action"`, `"x":`+strings.Repeat("[", n)+strings.Repeat("]", n)+`,"action"`, 1)
}

// big pads a resource past MaxRecordBytes.
func big(id string) string {
	return strings.Replace(swedishEvent(id), `"action"`, `"text":{"div":"`+strings.Repeat("x", portal.MaxRecordBytes)+`"},"action"`, 1)
}

// The shapes a hostile record can arrive in: each bad record is quarantined
// with its position and its bytes (whole, or its first MaxRecordBytes), and
// the good records around it are read.
func TestHostileRecordsInEveryShape(t *testing.T) {
	type bad struct {
		record string
		reason portal.Reason
		detail string
		whole  bool // raw is the whole record, else its first MaxRecordBytes
	}
	bads := []bad{
		{big("big"), portal.ReasonTooLarge, "record exceeds the size limit", false},
		{deep("deep", 100000), portal.ReasonTooLarge, tooDeep, true},
		{deep("deep2", maxDepth), portal.ReasonTooLarge, tooDeep, true},
		{`{"resourceType":"AuditEvent","id":"broken","agent":[{]}}`, portal.ReasonMalformed, "record is not well-formed JSON", true},
		{`{"resourceType":"AuditEvent" "id":"nocolon"}`, portal.ReasonMalformed, "", true},
		{`"a string"`, portal.ReasonNotAccessLog, "record is not a FHIR resource", true},
	}
	shapes := map[string]func(records []string) (doc string, lines []int){
		"ndjson": func(rs []string) (string, []int) {
			var lines []int
			for i := range rs {
				lines = append(lines, i+1)
			}
			return strings.Join(rs, "\n") + "\n", lines
		},
		"bundle": func(rs []string) (string, []int) {
			var b strings.Builder
			var lines []int
			b.WriteString("{\"resourceType\": \"Bundle\",\n\"entry\": [\n")
			for i, r := range rs {
				if i > 0 {
					b.WriteString(",\n")
				}
				lines = append(lines, 4+2*i)
				b.WriteString(`{"fullUrl": "urn:uuid:x",` + "\n" + `"resource": ` + r + "}")
			}
			b.WriteString("\n]}\n")
			return b.String(), lines
		},
		"array": func(rs []string) (string, []int) {
			var lines []int
			for i := range rs {
				lines = append(lines, 2+i)
			}
			return "[\n" + strings.Join(rs, ",\n") + "\n]\n", lines
		},
		"documents": func(rs []string) (string, []int) {
			// Pretty-printed resources one after another (not NDJSON).
			var b strings.Builder
			var lines []int
			for _, r := range rs {
				lines = append(lines, 1+strings.Count(b.String(), "\n"))
				b.WriteString(strings.Replace(r, `,"action"`, ",\n\"action\"", 1) + "\n")
			}
			return b.String(), lines
		},
	}
	for name, shape := range shapes {
		for _, bd := range bads {
			if name == "documents" && strings.HasPrefix(bd.record, "[") {
				continue // an array at the top is the array shape
			}
			t.Run(fmt.Sprintf("%s/%.20s", name, bd.detail+string(bd.reason)), func(t *testing.T) {
				doc, lines := shape([]string{swedishEvent("a"), bd.record, swedishEvent("c")})
				recs := parse(t, strings.NewReader(doc))
				if len(recs) != 3 {
					t.Fatalf("%d records: %v", len(recs), reasons(recs))
				}
				for i, id := range []string{"a", "", "c"} {
					if recs[i].Line != lines[i] {
						t.Errorf("record %d at line %d, want %d", i+1, recs[i].Line, lines[i])
					}
					if id != "" && (recs[i].Quarantined() || recs[i].Event.SourceLogID != id) {
						t.Errorf("neighbour %s: %s %s", id, recs[i].Reason, recs[i].Detail)
					}
				}
				q := recs[1]
				// NDJSON names a broken line as such.
				if q.Reason != bd.reason || bd.reason != portal.ReasonMalformed && q.Detail != bd.detail {
					t.Errorf("bad record: %s %s", q.Reason, q.Detail)
				}
				raw := []byte(strings.Replace(bd.record, `,"action"`, ",\n\"action\"", 1))
				if name != "documents" {
					raw = []byte(bd.record)
				}
				if !bd.whole {
					if q.RawLength != int64(len(raw)) {
						t.Errorf("raw length %d, want the record's %d", q.RawLength, len(raw))
					}
					raw = raw[:portal.MaxRecordBytes]
				} else if q.RawLength != 0 {
					t.Errorf("raw length %d for a whole record", q.RawLength)
				}
				if !bytes.Equal(q.Raw, raw) {
					t.Errorf("raw is %d bytes %.40q, want %d bytes", len(q.Raw), q.Raw, len(raw))
				}
			})
		}
	}
}

// A record cut short by the end of input is quarantined with what it has;
// what came before is read.
func TestTruncatedInEveryShape(t *testing.T) {
	open := `{"resourceType":"AuditEvent","id":"cut","x":` + strings.Repeat("[", 100000)
	for _, doc := range []string{
		swedishEvent("a") + "\n" + open,
		`{"resourceType":"Bundle","entry":[{"resource":` + swedishEvent("a") + `},{"resource":` + open,
		"[" + swedishEvent("a") + "," + open,
		swedishEvent("a") + open,
	} {
		recs := parse(t, strings.NewReader(doc))
		// NDJSON reads the whole cut line, which nests too deeply.
		if len(recs) != 2 || recs[0].Quarantined() || recs[1].Reason != portal.ReasonMalformed && recs[1].Reason != portal.ReasonTooLarge {
			t.Fatalf("%.50q: %v", doc, reasons(recs))
		}
		if !bytes.HasPrefix([]byte(open), recs[1].Raw) || len(recs[1].Raw) < len(open)/2 {
			t.Errorf("%.50q: raw %d bytes %.40q", doc, len(recs[1].Raw), recs[1].Raw)
		}
	}
}

// A Bundle entry that is not an object, or a Bundle whose entry is no list,
// is quarantined, not skipped silently.
func TestOddBundleEntries(t *testing.T) {
	// On one line a Bundle is read in memory (as NDJSON), else streamed.
	for _, nl := range []string{"", "\n"} {
		doc := `{"resourceType":"Bundle",` + nl + `"entry":[42,{"resource":` + swedishEvent("a") + `},{"request":{"method":"DELETE"}},"x"]}`
		recs := parse(t, strings.NewReader(doc))
		if len(recs) != 3 || recs[0].Reason != portal.ReasonNotAccessLog || string(recs[0].Raw) != "42" ||
			recs[1].Quarantined() || string(recs[2].Raw) != `"x"` {
			t.Errorf("entries %q: %v", nl, reasons(recs))
		}
		recs = parse(t, strings.NewReader(`{"resourceType":"Bundle",`+nl+`"entry":{"resource":{}}}`))
		if len(recs) != 1 || recs[0].Reason != portal.ReasonNotAccessLog || string(recs[0].Raw) != `{"resource":{}}` {
			t.Errorf("entry object %q: %v", nl, reasons(recs))
		}
	}
	recs := parse(t, strings.NewReader("{\n"+`"resourceType":"Bundle","entry":[]} 7 }`+"\n"+swedishEvent("a")))
	if len(recs) != 2 || recs[0].Reason != portal.ReasonMalformed || string(recs[0].Raw) != "7 }" || recs[1].Quarantined() {
		t.Errorf("stray bytes: %v", reasons(recs))
	}
}

// A top-level array far larger than one record is streamed element by
// element, also when it is all on one line.
func TestLargeArrayStreams(t *testing.T) {
	for _, sep := range []string{",", ",\n"} {
		var b strings.Builder
		b.WriteString("[")
		n := 0
		for b.Len() < 3*portal.MaxRecordBytes {
			if n > 0 {
				b.WriteString(sep)
			}
			n++
			b.WriteString(swedishEvent(fmt.Sprint("e", n)))
		}
		b.WriteString("]")
		recs := parse(t, strings.NewReader(b.String()))
		if len(recs) != n || recs[n-1].Quarantined() || recs[n-1].Event.SourceLogID != fmt.Sprint("e", n) {
			t.Fatalf("%d of %d records: %v", len(recs), n, reasons(recs[:1]))
		}
		if sep == ",\n" && recs[n-1].Line != n {
			t.Errorf("last record at line %d, want %d", recs[n-1].Line, n)
		}
	}
}

// template is a real example resource (testdata/se-read-r4.json, a
// complete R4 read) with its id replaced, pretty-printed as it is there.
func template(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "se-read-r4.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func withID(tmpl []byte, id string) []byte {
	return bytes.Replace(tmpl, []byte(`"id": "sos-journal-4711"`), []byte(`"id": "`+id+`"`), 1)
}

// mutate splices data into rec at at, cutting cut bytes.
func mutate(rec []byte, at, cut uint, data []byte) []byte {
	a := int(at % uint(len(rec)+1))
	c := min(int(cut%64), len(rec)-a)
	return append(append(append([]byte(nil), rec[:a]...), data...), rec[a+c:]...)
}

// balanced reports whether b is one JSON value as far as its brackets and
// quotes go: the only thing that tells a reader of one JSON document where
// an entry ends. Bytes that leave a bracket or a string open, or close one
// they did not open, move the entry's end, and with it every record after
// it belongs (as far as JSON can tell) to the mutated one.
func balanced(b []byte) bool {
	b = bytes.TrimSpace(b)
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr:
			inStr = c != '"'
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth < 0 {
				return false
			}
		case depth == 0 && (c == ',' || c == ':'):
			return false
		}
	}
	return len(b) > 0 && depth == 0 && !inStr
}

// mayBeEmpty tells whether b may rightly yield no record: an empty array
// or a Bundle without entries.
func mayBeEmpty(b []byte) bool {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return false
	}
	switch v := v.(type) {
	case []any:
		return true
	case map[string]any:
		return v["resourceType"] == "Bundle"
	}
	return false
}

// checkMutated asserts the invariant on a file of n records of which the
// k-th was mutated: every record is emitted, and every record the mutation
// did not touch is a valid event with its own log id at its own line.
func checkMutated(t *testing.T, doc []byte, n, k int, lines []int, mutated []byte) {
	t.Helper()
	var recs []portal.LogRecord
	err := Parse(bytes.NewReader(doc), func(r portal.LogRecord) error {
		if r.Index != len(recs)+1 || r.Line < 1 {
			t.Fatalf("record %d: index %d line %d", len(recs)+1, r.Index, r.Line)
		}
		if r.Quarantined() && (r.Raw == nil || r.Detail == "") {
			t.Fatalf("record %d quarantined without raw or detail", r.Index)
		}
		if !r.Quarantined() {
			if reason, _ := r.Event.Validate(); reason != "" {
				t.Fatalf("record %d: valid event fails Validate: %s", r.Index, reason)
			}
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	after := n - 1 - k
	if len(recs) < n-1 {
		t.Fatalf("%d records from %d, mutated %d: %v", len(recs), n, k, reasons(recs))
	}
	middle := recs[k : len(recs)-after]
	if len(middle) == 0 && !mayBeEmpty(mutated) {
		t.Fatalf("the mutated record vanished: %v", reasons(recs))
	}
	for i := 0; i < n; i++ {
		if i == k {
			continue
		}
		r := recs[i]
		if i > k {
			r = recs[len(recs)-after+(i-k-1)]
		}
		if r.Quarantined() || r.Event.SourceLogID != fmt.Sprint("id-", i) || r.Line != lines[i] {
			t.Fatalf("untouched record %d: %s %s id %q line %d (want %d)", i, r.Reason, r.Detail, r.Event.SourceLogID, r.Line, lines[i])
		}
	}
}

const fuzzRecords = 4

// FuzzBundleEntry mutates one entry's resource in a Bundle of real
// resources. Mutations that leave brackets or quotes out of balance are
// skipped (see balanced): they change where the entry ends.
func FuzzBundleEntry(f *testing.F) {
	tmpl := template(f)
	f.Add(uint8(1), uint(0), uint(0), []byte(""))
	f.Add(uint8(2), uint(40), uint(10), []byte(`"x":[[[[]]]],`))
	f.Add(uint8(0), uint(0), uint(63), []byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}`))
	f.Add(uint8(3), uint(20), uint(0), []byte(`"a":"\ud800\u0000\\u0000",`))
	f.Add(uint8(1), uint(30), uint(0), []byte("\"n\":1e1000000,"))
	f.Add(uint8(1), uint(1000), uint(30), []byte("}"))
	f.Fuzz(func(t *testing.T, which uint8, at, cut uint, data []byte) {
		k := int(which) % fuzzRecords
		mutated := mutate(withID(tmpl, fmt.Sprint("id-", k)), at, cut, data)
		if !balanced(mutated) {
			t.Skip()
		}
		var b bytes.Buffer
		var lines []int
		b.WriteString("{\n\"resourceType\": \"Bundle\",\n\"type\": \"collection\",\n\"entry\": [")
		for i := 0; i < fuzzRecords; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n{\n\"fullUrl\": \"urn:uuid:" + fmt.Sprint(i) + "\",\n\"resource\": ")
			lines = append(lines, 1+bytes.Count(b.Bytes(), []byte("\n")))
			rec := withID(tmpl, fmt.Sprint("id-", i))
			if i == k {
				rec = mutated
			}
			b.Write(rec)
			b.WriteString("\n}")
		}
		b.WriteString("\n]\n}\n")
		checkMutated(t, b.Bytes(), fuzzRecords, k, lines, mutated)
	})
}

// FuzzNDJSONLine mutates one line of NDJSON made of a real resource. The
// mutation may not hold a line end, which is where NDJSON ends a record (a
// line end makes two records of one, as NDJSON defines), and it never
// touches the first line: telling NDJSON from one pretty-printed document
// reads the first line.
func FuzzNDJSONLine(f *testing.F) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, template(f)); err != nil {
		f.Fatal(err)
	}
	tmpl := bytes.Replace(compact.Bytes(), []byte(`"id":"sos-journal-4711"`), []byte(`"id": "sos-journal-4711"`), 1)
	f.Add(uint8(1), uint(0), uint(0), []byte(""))
	f.Add(uint8(2), uint(40), uint(10), []byte(`[[[[[[`))
	f.Add(uint8(3), uint(0), uint(900), []byte(`{"resourceType":"Bundle"}`))
	f.Add(uint8(1), uint(20), uint(0), []byte(`"a":"\ud800\u0000\\u0000",`))
	f.Add(uint8(2), uint(30), uint(0), []byte("\"n\":-1e-1000000,\r"))
	f.Fuzz(func(t *testing.T, which uint8, at, cut uint, data []byte) {
		if bytes.IndexByte(data, '\n') >= 0 {
			t.Skip()
		}
		k := 1 + int(which)%(fuzzRecords-1)
		mutated := mutate(withID(tmpl, fmt.Sprint("id-", k)), at, cut, data)
		var b bytes.Buffer
		var lines []int
		for i := 0; i < fuzzRecords; i++ {
			rec := withID(tmpl, fmt.Sprint("id-", i))
			if i == k {
				rec = mutated
			}
			lines = append(lines, i+1)
			b.Write(rec)
			b.WriteString("\n")
		}
		if len(bytes.TrimSpace(mutated)) == 0 {
			mutated = []byte("[]") // a blank line is no record
		}
		checkMutated(t, b.Bytes(), fuzzRecords, k, lines, mutated)
	})
}

// A long NDJSON line of line-end bytes is cut at the bound like any other.
func TestLongLineOfCarriageReturns(t *testing.T) {
	long := strings.Repeat("\r", portal.MaxRecordBytes+3)
	recs := parse(t, strings.NewReader(swedishEvent("a")+"\n"+long+"\r\n"+swedishEvent("c")+"\n"))
	if len(recs) != 3 || recs[1].Reason != portal.ReasonTooLarge || len(recs[1].Raw) != portal.MaxRecordBytes ||
		recs[1].RawLength != int64(len(long)) || recs[2].Quarantined() {
		t.Fatalf("%v raw %d length %d", reasons(recs), len(recs[1].Raw), recs[1].RawLength)
	}
}
