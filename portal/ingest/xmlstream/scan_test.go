package xmlstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func isLog(local []byte) bool { return string(local) == "log" }

func TestScannerRecords(t *testing.T) {
	doc := `<?xml version="1.0"?>
<s:Envelope xmlns:s="urn:s"><s:Body><req>
  <p:log xmlns:p="urn:p"><p:id>1</p:id></p:log>
  <log><id>a&amp;b<x a="b"/>c<![CDATA[<d>]]></id><id2/></log>
  <log/>
</req></s:Body></s:Envelope>`
	for _, r := range []io.Reader{strings.NewReader(doc), iotest.OneByteReader(strings.NewReader(doc))} {
		s := NewScanner(r, 1<<20)
		var got []string
		for {
			tok, line, err := s.Next(isLog)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			prefix := string(tok.Prefix)
			e, err := s.Element()
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, n := range e.Nodes {
				b.WriteString(" " + string(n.Local) + "=" + e.String(i))
			}
			got = append(got, strings.Join([]string{string(rune('0' + line)), prefix, string(e.Raw), b.String()}, "|"))
		}
		want := []string{
			`3|p|<p:log xmlns:p="urn:p"><p:id>1</p:id></p:log>| log= id=1`,
			`4||<log><id>a&amp;b<x a="b"/>c<![CDATA[<d>]]></id><id2/></log>| log= id=a&bc<d> x= id2=`,
			`5||<log/>| log=`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestScannerTooLarge(t *testing.T) {
	doc := `<r><log>` + strings.Repeat("x", 100) + `<a>` + strings.Repeat("y", 200<<10) + `</a></log><log>ok</log></r>`
	s := NewScanner(iotest.HalfReader(strings.NewReader(doc)), 50)
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Element(); err != ErrTooLarge || string(e.Raw) != doc[3:53] {
		t.Fatalf("err = %v, raw %q; want ErrTooLarge and the first 50 bytes", err, e.Raw)
	}
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	e, err := s.Element()
	if err != nil || string(e.Raw) != "<log>ok</log>" || e.String(0) != "ok" {
		t.Fatalf("after too large: %v %v", e, err)
	}
	if len(s.buf) > 1<<20 {
		t.Errorf("buffer grew to %d bytes for a 50-byte limit", len(s.buf))
	}
}

// A long text outside any record comes in chunks, so memory stays bounded,
// and the chunks join to the whole text.
func TestScannerLongText(t *testing.T) {
	text := strings.Repeat("åäö &amp; ]]&gt; \r\n", 200<<10)
	doc := "<r>" + text + "</r>"
	s := NewScanner(iotest.HalfReader(strings.NewReader(doc)), 1<<10)
	var got []byte
	chunks := 0
	for {
		tok, err := s.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind == CharData {
			got = append(got, tok.Data...)
			chunks++
		}
	}
	want := strings.NewReplacer("&amp;", "&", "&gt;", ">", "\r\n", "\n").Replace(text)
	if string(got) != want || chunks < 2 {
		t.Fatalf("%d chunks, text equal: %v", chunks, string(got) == want)
	}
	if len(s.buf) > 1<<20 {
		t.Errorf("buffer grew to %d bytes", len(s.buf))
	}
}

func TestScannerSyntaxErrors(t *testing.T) {
	tests := []struct {
		doc, msg string
		line     int
		raw      string
	}{
		{"<r>\n<log>\n<a>x</b>\n</log></r>", msgEndTag, 3, "<log>\n<a>x</b"},
		{"<r>\n<log>\n<a>Journal<<x</a>", msgName, 3, "<log>\n<a>Journal<<"},
		{"<r>\n<log>\n<a>x", msgEOF, 3, "<log>\n<a>x"},
		{"<r>\n<log><a>&nbsp;</a></log></r>", msgEntity, 2, "<log><a>&n"},
		{"<r>\n<log><a b=c/></log></r>", msgAttr, 2, "<log><a b=c"},
		{"<r>\n<log><a>\x00</a></log></r>", msgChar, 2, "<log><a>\x00"},
	}
	for _, tt := range tests {
		s := NewScanner(strings.NewReader(tt.doc), 1<<20)
		if _, _, err := s.Next(isLog); err != nil {
			t.Fatalf("%q: %v", tt.doc, err)
		}
		_, err := s.Element()
		var se *SyntaxError
		if !errors.As(err, &se) || se.Msg != tt.msg || se.Line != tt.line {
			t.Errorf("%q: err %v, want %s on line %d", tt.doc, err, tt.msg, tt.line)
		}
		if raw := s.Raw(); string(raw) != tt.raw {
			t.Errorf("%q: raw %q, want %q", tt.doc, raw, tt.raw)
		}
		if _, err2 := s.Token(); err2 != err {
			t.Errorf("%q: error is not sticky: %v", tt.doc, err2)
		}
	}
}

func TestScannerReadError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	doc := "<r><log>1</log><log>2"
	s := NewScanner(io.MultiReader(strings.NewReader(doc), iotest.ErrReader(errDisk)), 1<<20)
	n := 0
	var err error
	for {
		if _, _, err = s.Next(isLog); err != nil {
			break
		}
		if _, err = s.Element(); err != nil {
			break
		}
		n++
	}
	if n != 1 || !errors.Is(err, errDisk) {
		t.Fatalf("%d records, err %v; want 1 and the read error", n, err)
	}
}

func TestScannerLatin1(t *testing.T) {
	doc := "<?xml version='1.0' encoding='ISO-8859-1'?>\n<log a='\xe4'>V\xe5rd</log>"
	s := NewScanner(iotest.OneByteReader(strings.NewReader(doc)), 1<<20)
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	e, err := s.Element()
	if err != nil || e.String(0) != "Vård" || string(e.Raw) != "<log a='ä'>Vård</log>" {
		t.Fatalf("%q %v", e.Raw, err)
	}
}

// Every encoding x/text decodes is read, as declared or by its byte-order
// mark, and raw bytes and lines are those of the UTF-8 text.
func TestScannerEncodings(t *testing.T) {
	text := "<r>\n<log a='Vård'>Åsa Öst €</log>\n</r>"
	enc16 := func(order binary.AppendByteOrder, bom bool) []byte {
		var out []byte
		if bom {
			out = order.AppendUint16(out, 0xFEFF)
		}
		for _, u := range utf16.Encode([]rune("<?xml version='1.0' encoding='UTF-16'?>" + text)) {
			out = order.AppendUint16(out, u)
		}
		return out
	}
	tests := []struct {
		name string
		doc  []byte
	}{
		{"utf-8", []byte("<?xml version='1.0' encoding='UTF-8'?>" + text)},
		{"windows-1252", []byte("<?xml version='1.0' encoding='windows-1252'?><r>\n<log a='V\xe5rd'>\xc5sa \xd6st \x80</log>\n</r>")},
		{"iso-8859-1 (as browsers read it)", []byte("<?xml version='1.0' encoding='ISO-8859-1'?><r>\n<log a='V\xe5rd'>\xc5sa \xd6st \x80</log>\n</r>")},
		{"utf-16le with bom", enc16(binary.LittleEndian, true)},
		{"utf-16be with bom", enc16(binary.BigEndian, true)},
		{"utf-16le without bom", enc16(binary.LittleEndian, false)},
		// A UTF-16 label on a declaration read as ASCII is wrong.
		{"utf-16 label on utf-8", []byte("<?xml version='1.0' encoding='UTF-16'?>" + text)},
	}
	for _, tt := range tests {
		for _, rd := range []func([]byte) io.Reader{
			func(b []byte) io.Reader { return bytes.NewReader(b) },
			func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		} {
			s := NewScanner(rd(tt.doc), 1<<20)
			_, line, err := s.Next(isLog)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			e, err := s.Element()
			if err != nil || line != 2 || e.String(0) != "Åsa Öst €" || string(e.Raw) != "<log a='Vård'>Åsa Öst €</log>" {
				t.Fatalf("%s: line %d raw %q %v", tt.name, line, e.Raw, err)
			}
		}
	}
	s := NewScanner(strings.NewReader("<?xml version='1.0' encoding='x-no-such'?><r/>"), 1<<20)
	if _, err := s.Token(); err == nil {
		t.Error("an unknown encoding is accepted")
	}
}

// Nesting past maxDepth is a syntax error inside the record, which
// SkipRecord recovers from: the record after it is read.
func TestScannerDepth(t *testing.T) {
	deep := strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000)
	doc := "<r><log>1</log><log>" + deep + "</log><log>3</log></r>"
	s := NewScanner(strings.NewReader(doc), 1<<20)
	var got []string
	for {
		_, _, err := s.Next(isLog)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.Element()
		var se *SyntaxError
		switch {
		case err == nil:
			got = append(got, string(e.Raw))
		case errors.As(err, &se) && se.Msg == msgDepth:
			raw, err := s.SkipRecord()
			if err != nil || string(raw) != "<log>"+deep+"</log>" {
				t.Fatalf("SkipRecord: %d bytes, %v", len(raw), err)
			}
			got = append(got, "deep")
		default:
			t.Fatal(err)
		}
	}
	if strings.Join(got, " ") != "<log>1</log> deep <log>3</log>" {
		t.Fatalf("got %q", got)
	}
}

// A SOAP header is skipped whatever it holds, even an element with a
// record's name.
func TestScannerSkipSOAPHeader(t *testing.T) {
	doc := `<s:Envelope xmlns:s="urn:soap"><s:Header><wsse:Security xmlns:wsse="urn:wsse"><log>no</log></wsse:Security></s:Header>` +
		`<s:Body><log>yes</log></s:Body></s:Envelope>`
	s := NewScanner(strings.NewReader(doc), 1<<20)
	var got []string
	for {
		tok, _, err := s.Next(func(l []byte) bool { return isLog(l) || s.IsSOAPHeader(l) })
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(tok.Local) == "Header" {
			if err := s.Skip(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		e, err := s.Element()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(e.Raw))
	}
	if len(got) != 1 || got[0] != "<log>yes</log>" {
		t.Fatalf("got %q", got)
	}
	// A broken header ends the reading, with raw bytes to quarantine.
	s = NewScanner(strings.NewReader(`<Envelope><Header><a>&bad;</a></Header><Body/></Envelope>`), 1<<20)
	if _, _, err := s.Next(s.IsSOAPHeader); err != nil {
		t.Fatal(err)
	}
	var se *SyntaxError
	if err := s.Skip(); !errors.As(err, &se) || string(s.Raw()) != "&b" {
		t.Fatalf("Skip: %v, raw %q", err, s.Raw())
	}
}

// BenchmarkScan measures the tokenizer alone on RIV-like input.
func BenchmarkScan(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Envelope><Body><StoreLog>`)
	for i := 0; i < 5000; i++ {
		doc.WriteString(`<log:log><log:logId>0b6c6f5e-8c1d-4a8e-9f3a-000000000001</log:logId>
  <log:user><log:userId>SE2321000016-P0001</log:userId><log:name>Anna Lindqvist</log:name>
  <log:careUnit><log:careUnitId>SE2321000016-U001</log:careUnitId><log:careUnitName>Vårdcentralen Kungsholmen</log:careUnitName></log:careUnit></log:user>
  <log:resources><log:resource><log:patient><log:patientId><log:root>1.2.752.129.2.1.3.1</log:root><log:extension>191212121212</log:extension></log:patientId></log:patient></log:resource></log:resources>
</log:log>
`)
	}
	doc.WriteString(`</StoreLog></Body></Envelope>`)
	b.SetBytes(int64(doc.Len()))
	for b.Loop() {
		s := NewScanner(bytes.NewReader(doc.Bytes()), 1<<20)
		for {
			_, _, err := s.Next(isLog)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Element(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// A reader that returns one byte at a time must not make a long token cost
// quadratic time in rescans.
func TestScannerTrickle(t *testing.T) {
	doc := `<r><log a="` + strings.Repeat("v", 1<<20) + `">` + strings.Repeat("t", 1<<20) + `</log></r>`
	s := NewScanner(iotest.OneByteReader(strings.NewReader(doc)), 4<<20)
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	e, err := s.Element()
	if err != nil || len(e.Raw) != len(doc)-len("<r></r>") || len(e.Text(0)) != 1<<20 {
		t.Fatalf("err %v", err)
	}
}

// A token over the markup limit is an error at the same place however the
// input is read: the scanner must not decide it on what happens to be
// buffered.
func TestScannerTokenLimitReads(t *testing.T) {
	body := strings.Repeat("x\n", (1<<20)/2+500) // just over tokMax
	for _, doc := range []string{
		"<r><!--" + body + "--></r>",
		"<r><log><!--" + body + "--></log></r>",
	} {
		var want string
		for i, r := range []io.Reader{
			strings.NewReader(doc),
			iotest.HalfReader(strings.NewReader(doc)),
			iotest.OneByteReader(strings.NewReader(doc)),
		} {
			_, err := scanEvents(r, 64)
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg != msgTooLarge {
				t.Fatalf("reader %d: err %v, want %s", i, err, msgTooLarge)
			}
			if i == 0 {
				want = err.Error()
			} else if err.Error() != want {
				t.Fatalf("reader %d: %v, whole input: %s", i, err, want)
			}
		}
	}
}
