package xmlstream

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/transform"
)

// events is a document as the differential tests compare it: element starts
// (local name and attributes) and ends, and the text between them, merged
// across comments, processing instructions, directives and CDATA sections.
// Text of XML whitespace only is left out, on both sides.
type events struct {
	list []string
	text []byte
}

func (ev *events) flush() {
	if len(bytes.Trim(ev.text, " \t\r\n")) > 0 {
		ev.list = append(ev.list, "T "+string(ev.text))
	}
	ev.text = ev.text[:0]
}

func (ev *events) start(local string, attrs []string) {
	ev.flush()
	ev.list = append(ev.list, "S "+local+" "+strings.Join(attrs, " "))
}

func (ev *events) end(local string) {
	ev.flush()
	ev.list = append(ev.list, "E "+local)
}

// stdEvents reads doc with encoding/xml in Strict mode, given the same
// decoding as the scanner: UTF-16 by its start, and the first declared
// encoding that Charset knows.
func stdEvents(doc []byte) ([]string, error) {
	transcoded := false
	if enc := utf16Of(doc); enc != nil {
		doc, _ = enc.NewDecoder().Bytes(doc)
		transcoded = true
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if transcoded {
			return r, nil
		}
		e, err := Charset(label)
		if err != nil || e == nil {
			return r, err
		}
		transcoded = true
		return transform.NewReader(r, e.NewDecoder()), nil
	}
	var ev events
	for {
		tok, err := d.Token()
		if err == io.EOF {
			ev.flush()
			return ev.list, nil
		}
		if err != nil {
			return ev.list, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range t.Attr {
				attrs = append(attrs, a.Name.Local+"="+a.Value)
			}
			ev.start(t.Name.Local, attrs)
		case xml.EndElement:
			ev.end(t.Name.Local)
		case xml.CharData:
			ev.text = append(ev.text, t...)
		}
	}
}

func scanEvents(r io.Reader, maxBytes int) ([]string, error) {
	s := NewScanner(r, maxBytes)
	var ev events
	for {
		t, err := s.Token()
		if err == io.EOF {
			ev.flush()
			return ev.list, nil
		}
		if err != nil {
			return ev.list, err
		}
		switch t.Kind {
		case StartElement:
			var attrs []string
			for _, a := range t.Attr {
				attrs = append(attrs, string(a.Local)+"="+string(a.Value))
			}
			ev.start(string(t.Local), attrs)
		case EndElement:
			ev.end(string(t.Local))
		case CharData:
			ev.text = append(ev.text, t.Data...)
		}
	}
}

// compare holds the scanner to encoding/xml on doc: the same events when
// encoding/xml accepts it, an error when it does not, and the same events up
// to the first error. The scanner reads doc whole and one byte at a time,
// which makes it rescan every token across buffer refills.
func compare(t *testing.T, doc []byte) {
	t.Helper()
	want, werr := stdEvents(doc)
	readers := []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(doc)},
		{"bytewise", iotest.OneByteReader(bytes.NewReader(doc))},
	}
	for _, rd := range readers {
		got, err := scanEvents(rd.r, 1<<20)
		switch {
		case werr == nil && tooDeep(err, doc):
			// The one refusal on purpose: nesting past maxDepth, which
			// encoding/xml's Token does not bound (its Unmarshal does).
			continue
		case werr == nil && err != nil:
			t.Fatalf("%s: scanner rejects what encoding/xml accepts: %v\ndoc %q", rd.name, err, doc)
		case werr != nil && err == nil:
			t.Fatalf("%s: scanner accepts what encoding/xml rejects (%v)\ndoc %q\nevents %q", rd.name, werr, doc, got)
		case err != nil:
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("%s: error %v is not a syntax error with a line", rd.name, err)
			}
			n := min(len(got), len(want))
			got, want := got[:n], want[:n]
			if !equal(got, want) {
				t.Fatalf("%s: before the error\n got %q\nwant %q\ndoc %q", rd.name, got, want, doc)
			}
		default:
			if !equal(got, want) {
				t.Fatalf("%s:\n got %q\nwant %q\ndoc %q", rd.name, got, want, doc)
			}
		}
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00|") == strings.Join(b, "\x00|") && len(a) == len(b)
}

// edgeCases are the corners of encoding/xml's grammar the scanner must
// agree on; they seed the fuzz target too.
var edgeCases = []string{
	``,
	`plain text only`,
	`<a/>`,
	`<a></a><b/>`,
	`<a x="1" y='2'/>`,
	`<a x="1"y="2"/>`,
	`<a x = "1"/>`,
	`<a x=1/>`,
	`<a x/>`,
	`<a x="<"/>`,
	`<a x=">"/>`,
	`<a x="a&amp;b&#65;&#x42;&lt;&gt;&quot;&apos;"/>`,
	`<a x="line&#10;break` + "\r\n\r" + `"/>`,
	`<a x="1" x="2"/>`,
	`<p:a xmlns:p="urn:x"><p:b/></p:a>`,
	`<p:a></q:a>`,
	`<a:b:c/>`,
	`<:a></:a>`,
	`<a:></a:>`,
	`<a></b>`,
	`</a>`,
	`<a>`,
	`<a><b></a>`,
	`<a>text</a >`,
	`<a>text</a x>`,
	`< a/>`,
	`<1a/>`,
	`<a.b-c_d/>`,
	`<ä/>`,
	`<a>&#0;</a>`,
	`<a>&#xD800;</a>`,
	`<a>&#x10FFFF;&#x110000;</a>`,
	`<a>&#1114111;</a>`,
	`<a>&#99999999999999999999999;</a>`,
	`<a>&#X41;</a>`,
	`<a>&#x;</a>`,
	`<a>&#;</a>`,
	`<a>&nbsp;</a>`,
	`<a>&amp</a>`,
	`<a>& b</a>`,
	`<a>&;</a>`,
	`<a>a]]>b</a>`,
	`<a>a]]&gt;b</a>`,
	`<a>]]</a>`,
	`<a>]</a>]]`,
	`<a><![CDATA[x<y&z]]]></a>`,
	`<a><![CDATA[]]></a>`,
	`<a><![CDATA[` + "a\r\nb\rc" + `]]></a>`,
	`<a><![CDAT[x]]></a>`,
	`<a><![CDATA[x</a>`,
	`<a>x<!-- c -->y</a>`,
	`<a><!----></a>`,
	`<a><!-- a -- b --></a>`,
	`<a><!-- a ---></a>`,
	`<a><!--->--></a>`,
	`<a><!-></a>`,
	`<?xml version="1.0" encoding="UTF-8"?><a/>`,
	`<?xml version="1.1"?><a/>`,
	`<?xml version='1.0' encoding='utf-16'?><a/>`,
	"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe5\xe4\xf6</a>",
	`<?xml?><a/><?xml version="1.0"?><b/>`,
	`<?pi data?><a/>`,
	`<??>`,
	`<?1?>`,
	`<?a:b:c x?>`,
	`<!DOCTYPE a [<!ENTITY e "v">]><a/>`,
	`<!DOCTYPE a [<!-- > -->]><a/>`,
	`<!DOCTYPE a "quoted > gt"><a/>`,
	`<!DOCTYPE a <b> <!x> ><a/>`,
	`<!>><a/>`,
	`<!"x"><a/>`,
	// Encodings: declared, by byte-order mark, by "<?" in 16 bits, a
	// label the declaration's own bytes contradict, an unknown one.
	"<?xml version='1.0' encoding='windows-1252'?><a x='\xe5'>\x80\xc5</a>",
	"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe5</a><?xml version='1.0' encoding='koi8-r'?><b>\xe5</b>",
	"<?xml version='1.0' encoding='shift_jis'?><a>\x82\xa0</a>",
	"\xff\xfe<\x00a\x00>\x00\xe5\x00<\x00/\x00a\x00>\x00",
	"\xfe\xff\x00<\x00a\x00/\x00>",
	"<\x00?\x00x\x00m\x00l\x00 \x00?\x00>\x00<\x00a\x00/\x00>\x00",
	"\xff\xfe<\x00a\x00>\x00\x00\xd8<\x00/\x00a\x00>",
	"<?xml version='1.0' encoding='UTF-16'?><a/>",
	"<?xml version='1.0' encoding='utf8'?><a>\xff</a>",
	"<?xml version='1.0' encoding='x-unknown'?><a/>",
	`<a>` + "\x01" + `</a>`,
	`<a>` + "\xff" + `</a>`,
	`<a>` + "\xef\xbf\xbe" + `</a>`,
	`<a x="` + "\xc3" + `"/>`,
	`<a>` + "x\r\ny\rz" + `</a>`,
	`<a>` + "\r" + `</a>`,
	`<a>` + "\t\n" + `</a>`,
	`<a><b>1</b>2<c/>3</a>`,
	`text<a/>text`,
	`<a/><a/>`,
	"<a>\n<b>\n</c>",
	`<a>x</a>&amp;`,
	`<a>x</a>&bad;`,
	`<a`,
	`<a x="1`,
	`<a>x&am`,
	`<a>x&#12`,
	`<`,
	`<!`,
	`<!-`,
	`<?x`,
}

// nestedPastMax is a document encoding/xml's Token accepts and the
// scanner refuses on purpose: its elements nest one deeper than maxDepth.
func nestedPastMax() []byte {
	return []byte(strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1))
}

func TestScanVsEncodingXML(t *testing.T) {
	for _, doc := range edgeCases {
		compare(t, []byte(doc))
	}
	deep := nestedPastMax()
	compare(t, deep)
	checkElements(t, deep)
	checkRecovery(t, deep)
	for _, doc := range testdataFiles(t) {
		compare(t, doc)
		checkElements(t, doc)
		checkRecovery(t, doc)
	}
}

func testdataFiles(tb testing.TB) [][]byte {
	var docs [][]byte
	for _, dir := range []string{"../riv2/testdata", "../riv1/testdata"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
		if err != nil || len(files) == 0 {
			tb.Fatalf("no test data in %s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			docs = append(docs, b)
		}
	}
	return docs
}

func FuzzScanVsEncodingXML(f *testing.F) {
	for _, doc := range edgeCases {
		f.Add([]byte(doc))
	}
	for _, doc := range testdataFiles(f) {
		f.Add(doc)
	}
	f.Add(nestedPastMax())
	f.Fuzz(func(t *testing.T, doc []byte) {
		compare(t, doc)
		checkElements(t, doc)
		checkRecovery(t, doc)
	})
}

// checkRecovery reads doc as a parser that skips broken records does, with
// top-level and with nested records, a generous and a tiny size limit, and
// whole and one byte at a time. How the input is split must change nothing,
// and a skipped record must be whole: from a start tag to an end tag.
func checkRecovery(t *testing.T, doc []byte) {
	t.Helper()
	_, werr := stdEvents(doc)
	wants := []func([]byte) bool{
		func([]byte) bool { return true },
		func(l []byte) bool { return string(l) == "b" || string(l) == "log" },
	}
	for _, want := range wants {
		for _, max := range []int{1 << 20, 64} {
			whole, err := readAll(bytes.NewReader(doc), max, want)
			bytewise, err2 := readAll(iotest.OneByteReader(bytes.NewReader(doc)), max, want)
			if fmt.Sprint(err) != fmt.Sprint(err2) || !equal(whole, bytewise) {
				t.Fatalf("max %d: whole and bytewise differ\n%q %v\n%q %v\ndoc %q", max, whole, err, bytewise, err2, doc)
			}
			for _, r := range whole {
				_, rest, _ := strings.Cut(r, " ")
				kind, raw, _ := strings.Cut(rest, " ")
				// A record nested past maxDepth is skipped on purpose.
				if werr == nil && kind != "ok" && kind != "too" && (!strings.HasPrefix(kind, "skipped") || !deeperThanMax(doc)) {
					t.Fatalf("max %d: %s in a document encoding/xml accepts\ndoc %q", max, r, doc)
				}
				if kind == "skipped" && (!strings.HasPrefix(raw, "<") || !strings.HasSuffix(raw, ">") || len(raw) > max) {
					t.Fatalf("max %d: skipped record %q is not a whole element\ndoc %q", max, raw, doc)
				}
				// A record too large keeps exactly its first max bytes.
				if kind == "skipped," && (!strings.HasPrefix(raw, `too large "<`) || len(raw) < max) {
					t.Fatalf("max %d: record too large skipped without its head: %s\ndoc %q", max, r, doc)
				}
				// A lost record is kept from its start tag, within the
				// bound, or not at all.
				if kind == "lost" {
					if k := strings.LastIndex(raw, ": xmlstream: "); k >= 0 {
						raw = raw[:k]
					}
					if raw != "" && !strings.HasPrefix(raw, "<") || len(raw) > max {
						t.Fatalf("max %d: lost record %q is not bounded from its start\ndoc %q", max, raw, doc)
					}
				}
			}
		}
	}
}

// stdTexts is, for each element of doc in document order, its local name and
// the character data directly inside it, by encoding/xml.
func stdTexts(doc []byte) (names, texts []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var open []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names, texts, nil
		}
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			names, texts = append(names, t.Name.Local), append(texts, "")
			open = append(open, len(names)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				texts[open[len(open)-1]] += string(t)
			}
		}
	}
}

// tooDeep reports whether err is the scanner refusing doc's nesting and
// encoding/xml finds doc nested deeper than maxDepth indeed.
func tooDeep(err error, doc []byte) bool {
	var se *SyntaxError
	return errors.As(err, &se) && se.Msg == msgDepth && deeperThanMax(doc)
}

// deeperThanMax reports whether encoding/xml finds elements in doc nested
// deeper than maxDepth.
func deeperThanMax(doc []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return false
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxDepth {
				return true
			}
		case xml.EndElement:
			depth--
		}
	}
}

// checkElements reads every top-level element of a document encoding/xml
// accepts as a record, and holds each record's raw bytes, names and texts to
// what encoding/xml makes of those raw bytes.
func checkElements(t *testing.T, doc []byte) {
	t.Helper()
	if _, err := stdEvents(doc); err != nil {
		return
	}
	s := NewScanner(bytes.NewReader(doc), 1<<20)
	for {
		_, _, err := s.Next(func([]byte) bool { return true })
		if err == io.EOF || tooDeep(err, doc) {
			return
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		e, err := s.Element()
		if tooDeep(err, doc) {
			return
		}
		if err != nil {
			t.Fatalf("Element: %v", err)
		}
		names, texts, err := stdTexts(e.Raw)
		if err != nil {
			t.Fatalf("raw bytes %q do not parse: %v", e.Raw, err)
		}
		if len(names) != len(e.Nodes) {
			t.Fatalf("raw %q: %d nodes, encoding/xml finds %d elements", e.Raw, len(e.Nodes), len(names))
		}
		for i := range e.Nodes {
			if string(e.Nodes[i].Local) != names[i] || e.String(i) != texts[i] || string(e.Text(i)) != texts[i] {
				t.Fatalf("raw %q node %d: %q %q, want %q %q", e.Raw, i, e.Nodes[i].Local, e.String(i), names[i], texts[i])
			}
			if p := e.Nodes[i].Parent; i > 0 && (p < 0 || p >= i) || i == 0 && p != -1 {
				t.Fatalf("node %d has parent %d", i, p)
			}
		}
	}
}
