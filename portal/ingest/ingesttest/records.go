package ingesttest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Doc is an XML log document of several records made from one real
// record, to show that a bad record costs only itself: Before, the records
// joined by Sep, After.
type Doc struct {
	Parse         func(io.Reader, portal.Emit) error
	Before, After string
	Sep           string // between records; "\n" when empty
	// Record is record k: the real one, made distinct from the others
	// (by its log id), so that each yields events of its own.
	Record func(k int) string
	// Names are the local names of the format's record elements.
	Names []string
	// SOAP says that the format comes in SOAP envelopes.
	SOAP bool

	alone map[int][]string
}

// Cut splits a real document around its first record: from the first
// start to the end of the first end after it.
func Cut(tb testing.TB, doc, start, end string) (before, record, after string) {
	i := strings.Index(doc, start)
	j := strings.Index(doc[max(i, 0):], end)
	if i < 0 || j < 0 {
		tb.Fatalf("no record %s...%s in the document", start, end)
	}
	j += i + len(end)
	return doc[:i], doc[i:j], doc[j:]
}

// Built is a document of records as Build placed them.
type Built struct {
	Doc     string
	Records []string
	Lines   []int // the line each record starts on
}

// Build makes a document of n records in which record bad (if any, else
// -1) is badRecord.
func (d *Doc) Build(n, bad int, badRecord string) Built {
	sep := d.Sep
	if sep == "" {
		sep = "\n"
	}
	var b strings.Builder
	b.WriteString(d.Before)
	line := 1 + strings.Count(d.Before, "\n")
	out := Built{}
	for k := range n {
		if k > 0 {
			b.WriteString(sep)
			line += strings.Count(sep, "\n")
		}
		rec := d.Record(k)
		if k == bad {
			rec = badRecord
		}
		out.Records = append(out.Records, rec)
		out.Lines = append(out.Lines, line)
		b.WriteString(rec)
		line += strings.Count(rec, "\n")
	}
	b.WriteString(d.After)
	out.Doc = b.String()
	return out
}

// Check parses doc, b's document (perhaps in another encoding), and holds
// it to the invariant: every record is emitted, stored or quarantined;
// every record but bad yields exactly the events it yields alone, valid,
// with their source log ids and its bytes (as UTF-8) as raw; bad's records
// carry its whole bytes, or when it is too large its first
// portal.MaxRecordBytes. It returns bad's records.
func (d *Doc) Check(tb testing.TB, doc []byte, b Built, bad int) []portal.LogRecord {
	tb.Helper()
	byLine := map[int][]portal.LogRecord{}
	index := 0
	err := d.Parse(bytes.NewReader(doc), func(r portal.LogRecord) error {
		index++
		if r.Index != index {
			tb.Fatalf("record index %d, want %d", r.Index, index)
		}
		byLine[r.Line] = append(byLine[r.Line], r)
		return nil
	})
	if err != nil {
		tb.Fatalf("Parse of an in-memory document: %v", err)
	}
	lines := map[int]bool{}
	for k, line := range b.Lines {
		lines[line] = true
		recs := byLine[line]
		if len(recs) == 0 {
			tb.Fatalf("record %d (line %d) was not emitted", k, line)
		}
		if k == bad {
			for _, r := range recs {
				want := b.Records[k]
				if r.Reason == portal.ReasonTooLarge {
					// The quarantine keeps the first bytes and says how
					// long the whole record was.
					if r.RawLength != int64(len(want)) {
						tb.Fatalf("bad record %d: length %d, the record has %d bytes", k, r.RawLength, len(want))
					}
					want = want[:min(len(want), portal.MaxRecordBytes)]
				}
				if string(r.Raw) != want {
					tb.Fatalf("bad record %d (%s %s): raw of %d bytes is not the record's %d", k, r.Reason, r.Detail, len(r.Raw), len(want))
				}
			}
			continue
		}
		ids := d.idsAlone(tb, k)
		if len(recs) != len(ids) {
			tb.Fatalf("record %d (line %d): %d records, %d alone", k, line, len(recs), len(ids))
		}
		for i, r := range recs {
			if r.Quarantined() || r.Event.SourceLogID != ids[i] || string(r.Raw) != b.Records[k] {
				tb.Fatalf("record %d (line %d): %s %s, log id %q want %q, raw of %d bytes",
					k, line, r.Reason, r.Detail, r.Event.SourceLogID, ids[i], len(r.Raw))
			}
			if reason, detail := r.Event.Validate(); reason != "" {
				tb.Fatalf("record %d: invalid event emitted: %s %s", k, reason, detail)
			}
		}
	}
	for line, recs := range byLine {
		if !lines[line] {
			tb.Fatalf("%d records emitted on line %d, where no record starts: %s %s", len(recs), line, recs[0].Reason, recs[0].Detail)
		}
	}
	return byLine[b.Lines[max(bad, 0)]]
}

// idsAlone is the source log ids of the events record k yields in a
// document of its own; each must be valid.
func (d *Doc) idsAlone(tb testing.TB, k int) []string {
	if ids, ok := d.alone[k]; ok {
		return ids
	}
	var ids []string
	doc := d.Before + d.Record(k) + d.After
	err := d.Parse(strings.NewReader(doc), func(r portal.LogRecord) error {
		if r.Quarantined() {
			return fmt.Errorf("record %d alone is quarantined: %s %s", k, r.Reason, r.Detail)
		}
		ids = append(ids, r.Event.SourceLogID)
		return nil
	})
	if err != nil || len(ids) == 0 {
		tb.Fatalf("record %d alone: %d events, %v", k, len(ids), err)
	}
	if d.alone == nil {
		d.alone = map[int][]string{}
	}
	d.alone[k] = ids
	return ids
}

// Mutate puts data in place of cut bytes at offset at of the record's
// content (between its start tag and its end tag). It refuses (false) a
// result that could forge a record boundary, because the parsers find the
// end of a broken record by its end tag, textually (xmlstream.SkipRecord):
// a start or end tag of a record element inside it, or a comment, CDATA
// section, processing instruction or directive (any "<!" or "<?"), which
// could hide the real end tag or hold a false one. Everything else a
// writer can get wrong is allowed.
func (d *Doc) Mutate(record string, at uint16, cut uint8, data []byte) (string, bool) {
	from := strings.IndexByte(record, '>') + 1
	to := strings.LastIndex(record, "</")
	inner := record[from:to]
	p := int(at) % (len(inner) + 1)
	c := min(int(cut), len(inner)-p)
	mutated := inner[:p] + string(data) + inner[p+c:]
	if d.forges(mutated) {
		return "", false
	}
	return record[:from] + mutated + record[to:], true
}

func (d *Doc) forges(inner string) bool {
	s := inner + " "
	if strings.Contains(s, "<!") || strings.Contains(s, "<?") {
		return true
	}
	for _, name := range d.Names {
		for _, pre := range []string{"<", "/", ":"} {
			for i := 0; ; {
				j := strings.Index(s[i:], pre+name)
				if j < 0 {
					break
				}
				i += j + len(pre) + len(name)
				if strings.IndexByte(" \t\r\n>/", s[i]) >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// CheckRealRecords checks that the real record's content forges nothing,
// so that Mutate refuses only what the fuzzer adds.
func (d *Doc) CheckRealRecords(tb testing.TB) {
	tb.Helper()
	if _, ok := d.Mutate(d.Record(0), 0, 0, nil); !ok {
		tb.Fatal("the real record holds what Mutate refuses")
	}
	d.idsAlone(tb, 0)
}

// Fuzz holds a format's parser to the invariant on documents built from a
// real record, one of which the fuzzer changes: every record is emitted,
// and the ones not changed are emitted as they would be alone.
func (d *Doc) Fuzz(f *testing.F) {
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

// Hostile runs the classes of bad input every XML format must survive,
// each as one record between good ones: nesting 100,000 deep, records past
// portal.MaxRecordBytes (well-formed, broken, and deep), then whole
// documents in windows-1252, ISO-8859-1 and UTF-16 with a byte-order mark,
// and inside a SOAP envelope whose header holds WS-Security (and elements
// named as records, which must not be read).
func (d *Doc) Hostile(t *testing.T) {
	rec := d.Record(1)
	open := strings.IndexByte(rec, '>') + 1
	insert := func(s string) string { return rec[:open] + s + rec[open:] }
	big := strings.Repeat("y", portal.MaxRecordBytes)
	records := []struct {
		name   string
		record string
		reason portal.Reason
	}{
		{"nested 100,000 deep", insert(strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000)), portal.ReasonMalformed},
		{"too large", insert("<x>" + big + "</x>"), portal.ReasonTooLarge},
		{"too large and broken", insert("<x>&nbsp;" + big + "</x>"), portal.ReasonTooLarge},
		{"nested deep past the size bound", insert(strings.Repeat("<a>", 400_000) + strings.Repeat("</a>", 400_000)), portal.ReasonTooLarge},
		{"truncated element inside", insert("<x><y></x>"), portal.ReasonMalformed},
	}
	for _, tt := range records {
		t.Run(tt.name, func(t *testing.T) {
			b := d.Build(3, 1, tt.record)
			recs := d.Check(t, []byte(b.Doc), b, 1)
			if len(recs) != 1 || recs[0].Reason != tt.reason || len(recs[0].Raw) == 0 {
				t.Fatalf("bad record: %d records, first %s %s", len(recs), recs[0].Reason, recs[0].Detail)
			}
		})
	}
	decl := func(label string) func(string) string {
		return func(doc string) string {
			i := strings.Index(doc, "?>")
			if !strings.HasPrefix(doc, "<?xml") || i < 0 {
				return `<?xml version="1.0" encoding="` + label + `"?>` + doc // on the first line: lines stay
			}
			return `<?xml version="1.0" encoding="` + label + `"?>` + doc[i+2:]
		}
	}
	encodings := []struct {
		name  string
		label string
		enc   encoding.Encoding
	}{
		{"windows-1252", "windows-1252", charmap.Windows1252},
		{"iso-8859-1", "ISO-8859-1", charmap.ISO8859_1},
		{"utf-16le with bom", "UTF-16", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
		{"utf-16be with bom", "UTF-16", unicode.UTF16(unicode.BigEndian, unicode.UseBOM)},
	}
	for _, e := range encodings {
		t.Run(e.name, func(t *testing.T) {
			b := d.Build(3, -1, "")
			doc, err := e.enc.NewEncoder().Bytes([]byte(decl(e.label)(b.Doc)))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(doc, []byte(decl(e.label)(b.Doc))) {
				t.Fatal("the records hold no text that the encoding changes")
			}
			d.Check(t, doc, b, -1)
		})
	}
	if d.SOAP {
		t.Run("soap with ws-security", func(t *testing.T) {
			var decoys strings.Builder
			for _, n := range d.Names {
				decoys.WriteString(`<h:` + n + ` xmlns:h="urn:example:header">not a record</h:` + n + `>`)
			}
			body := d.Before
			if strings.HasPrefix(body, "<?xml") {
				body = body[strings.Index(body, "?>")+2:]
			}
			soap := *d
			soap.alone = nil
			soap.Before = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>` +
				`<wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
				`<wsse:BinarySecurityToken EncodingType="Base64Binary">` + strings.Repeat("MIIC", 1000) + `</wsse:BinarySecurityToken>` +
				decoys.String() + `</wsse:Security>` +
				`<urn:LogicalAddress xmlns:urn="urn:riv:itintegration:registry:1">SE2321000016-0001</urn:LogicalAddress>` +
				"</soapenv:Header>\n<soapenv:Body>" + body
			soap.After = d.After + "</soapenv:Body></soapenv:Envelope>\n"
			b := soap.Build(3, -1, "")
			soap.Check(t, []byte(b.Doc), b, -1)
		})
	}
}
