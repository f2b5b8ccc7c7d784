package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

const fhirNS = "http://hl7.org/fhir"

// hugeLimit bounds what the streaming JSON reader holds for one value. A
// record between MaxRecordBytes and this is read, quarantined as too large
// and skipped; past it the decoder cannot resynchronise, so parsing stops.
const hugeLimit = 4 * portal.MaxRecordBytes

var errHuge = errors.New("fhir: record too large to skip")

// errStop unwinds the streaming walk after the rest of the input has been
// quarantined; Parse turns it into a nil return.
var errStop = errors.New("fhir: stop")

// Parse reads FHIR AuditEvents from r: one JSON resource, a JSON Bundle
// (streamed entry by entry), NDJSON (one resource per line), a JSON array of
// resources, or XML (one AuditEvent or a Bundle). Each resource becomes one
// record for emit, an AuditEvent one per patient it names. Parse returns an
// error only when reading r fails or emit returns one; unreadable input is
// quarantined instead.
func Parse(r io.Reader, emit portal.Emit) error {
	src := &errReader{r: r}
	p := &parser{emit: emit, src: src}
	br := bufio.NewReaderSize(src, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(64 << 10)
	if src.err != nil {
		return fmt.Errorf("fhir: read: %w", src.err)
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] == '<', isXML16(head):
		return p.xml(br)
	case isNDJSON(head):
		return p.lines(br)
	}
	if err := p.stream(br); err != errStop {
		return err
	}
	return nil
}

// isXML16 tells XML in UTF-16 (by its byte-order mark or its first
// characters) from JSON; the XML scanner decodes it.
func isXML16(head []byte) bool {
	if !xmlstream.IsUTF16(head) {
		return false
	}
	d := bytes.TrimLeft(xmlstream.DecodeHead(head), " \t\r\n")
	return len(d) > 0 && d[0] == '<'
}

type parser struct {
	emit  portal.Emit
	src   *errReader
	index int
}

// errReader remembers a failure of the underlying reader, so that a read
// error is returned as such and not mistaken for malformed input.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

func (p *parser) ioErr() error {
	if p.src.err != nil {
		return fmt.Errorf("fhir: read: %w", p.src.err)
	}
	return nil
}

// quarantine emits a record that could not become an event.
func (p *parser) quarantine(raw []byte, line int, reason portal.Reason, detail string) error {
	p.index++
	rec := portal.LogRecord{Raw: raw, Line: line, Index: p.index}
	rec.Quarantine(reason, detail)
	return p.emit(rec)
}

// isNDJSON tells NDJSON from one pretty-printed document by its first
// line: NDJSON's is a whole JSON value. A broken first line still counts
// when it looks like a resource and the second line is a whole resource.
func isNDJSON(head []byte) bool {
	var lines [][]byte
	rest := head
	for len(lines) < 2 && len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			// An unterminated line counts only when it is the end of input.
			if len(head) == 64<<10 {
				break
			}
			l, rest = rest, nil
		} else {
			l, rest = rest[:i], rest[i+1:]
		}
		if l = bytes.TrimSpace(l); len(l) > 0 {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return false
	}
	if json.Valid(lines[0]) {
		return true
	}
	if len(lines) < 2 || lines[0][0] != '{' || !bytes.Contains(lines[0], []byte(`"resourceType"`)) {
		return false
	}
	var second struct {
		ResourceType string `json:"resourceType"`
	}
	return lines[1][0] == '{' && json.Unmarshal(lines[1], &second) == nil && second.ResourceType != ""
}

// lines reads NDJSON: a broken line is quarantined and the next one read.
func (p *parser) lines(br *bufio.Reader) error {
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, portal.MaxRecordBytes)
		if err != nil && err != io.EOF {
			return fmt.Errorf("fhir: read: %w", err)
		}
		if tooLong {
			if qerr := p.quarantine(nil, n, portal.ReasonTooLarge, "record exceeds the size limit"); qerr != nil {
				return qerr
			}
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			var herr error
			if json.Valid(t) {
				herr = p.value(t, n)
			} else {
				herr = p.quarantine(t, n, portal.ReasonMalformed, "line is not well-formed JSON")
			}
			if herr != nil {
				return herr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine reads one line without its end, holding at most max bytes; a
// longer line is consumed and reported as tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max+2 { // +2: the line end is not part of the record
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) == 0 && len(chunk) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		line = bytes.TrimRight(line, "\r\n")
		if !tooLong && len(line) > max {
			tooLong, line = true, nil
		}
		return line, tooLong, err
	}
}

// value handles one complete JSON value read into memory: a resource or a
// Bundle, whose entries are then records of their own.
func (p *parser) value(raw []byte, line int) error {
	if len(raw) > portal.MaxRecordBytes {
		return p.quarantine(nil, line, portal.ReasonTooLarge, "record exceeds the size limit")
	}
	if raw[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for _, it := range items {
				if err := p.value(it, line); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return p.quarantine(raw, line, portal.ReasonMalformed, "record is not well-formed JSON")
		}
	}
	if head.ResourceType == "Bundle" {
		var b bundle
		_ = json.Unmarshal(raw, &b) // a wrong-typed field only loses that field
		for _, e := range b.Entry {
			if len(e.Resource) == 0 {
				continue
			}
			if err := p.value(e.Resource, line); err != nil {
				return err
			}
		}
		return nil
	}
	return p.resource(raw, line)
}

// resource emits one resource as an event or a quarantined record.
func (p *parser) resource(raw []byte, line int) error {
	if len(raw) > portal.MaxRecordBytes {
		return p.quarantine(nil, line, portal.ReasonTooLarge, "record exceeds the size limit")
	}
	var ae auditEvent
	if err := json.Unmarshal(raw, &ae); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return p.quarantine(raw, line, portal.ReasonMalformed, "record is not well-formed JSON")
		}
		// A field of an unexpected type is left empty; the rest is read.
	}
	if ae.ResourceType == "" {
		return p.quarantine(raw, line, portal.ReasonNotAccessLog, "record is not a FHIR resource")
	}
	return p.event(&ae, raw, line)
}

// event emits the records one AuditEvent becomes: one per patient.
func (p *parser) event(ae *auditEvent, raw []byte, line int) error {
	for _, r := range adapt(ae, raw) {
		p.index++
		rec := r
		rec.Raw, rec.Line, rec.Index = raw, line, p.index
		if err := p.emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// recorder sits under the streaming JSON decoder. It keeps the bytes read
// since base, so that a single resource's raw bytes and every record's line
// can be recovered, and it refuses to hold more than hugeLimit of them.
type recorder struct {
	r     io.Reader
	buf   []byte // input from offset base on
	base  int64
	line  int // line number at base
	read  int64
	limit int64
}

func (c *recorder) Read(b []byte) (int, error) {
	if c.read-c.base > c.limit {
		return 0, errHuge
	}
	n, err := c.r.Read(b)
	c.buf = append(c.buf, b[:n]...)
	c.read += int64(n)
	return n, err
}

// advance forgets the bytes before off and returns the line at off.
func (c *recorder) advance(off int64) int {
	n := off - c.base
	if n <= 0 {
		return c.line
	}
	if n > int64(len(c.buf)) {
		n = int64(len(c.buf))
	}
	c.line += bytes.Count(c.buf[:n], []byte{'\n'})
	c.buf = c.buf[:copy(c.buf, c.buf[n:])]
	c.base += n
	return c.line
}

func (c *recorder) bytes(from, to int64) []byte {
	a, b := from-c.base, to-c.base
	if a < 0 || b > int64(len(c.buf)) || a > b {
		return nil
	}
	return append([]byte(nil), c.buf[a:b]...)
}

// stream walks JSON values with decoder tokens, so that a Bundle's entries
// are read one at a time and the Bundle is never held whole.
func (p *parser) stream(r io.Reader) error {
	rec := &recorder{r: r, line: 1, limit: hugeLimit}
	dec := json.NewDecoder(rec)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return p.ioErr()
		}
		if err != nil {
			return p.malformed(rec, err)
		}
		switch tok {
		case json.Delim('{'):
			if err := p.object(dec, rec); err != nil {
				return err
			}
		case json.Delim('['):
			// Some exporters write a JSON array of resources.
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return p.malformed(rec, err)
				}
				if t == json.Delim('{') {
					if err := p.object(dec, rec); err != nil {
						return err
					}
				} else if err := p.notResource(dec, rec, t); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return p.malformed(rec, err)
			}
		default:
			if err := p.notResource(dec, rec, tok); err != nil {
				return err
			}
		}
	}
}

// notResource quarantines a value that is not an object, skipping it.
func (p *parser) notResource(dec *json.Decoder, rec *recorder, tok json.Token) error {
	line := rec.advance(dec.InputOffset())
	if d, ok := tok.(json.Delim); ok {
		if err := skipRest(dec, d); err != nil {
			return p.malformed(rec, err)
		}
	}
	rec.advance(dec.InputOffset())
	return p.quarantine(nil, line, portal.ReasonNotAccessLog, "record is not a FHIR resource")
}

// object reads the object whose '{' was just returned: either a Bundle,
// whose entries are streamed, or one resource.
func (p *parser) object(dec *json.Decoder, rec *recorder) error {
	start := dec.InputOffset() - 1
	line := rec.advance(start)
	var rt string
	isBundle := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return p.malformed(rec, err)
		}
		key, _ := kt.(string)
		switch {
		case key == "resourceType":
			var s string
			if err := decodeLenient(dec, &s); err != nil {
				return p.malformed(rec, err)
			}
			rt = s
			isBundle = isBundle || rt == "Bundle"
		case key == "entry" && (rt == "" || rt == "Bundle"):
			// Only a Bundle has entry with resources, whichever key
			// comes first.
			isBundle = true
			if err := p.entries(dec, rec); err != nil {
				return err
			}
		default:
			if isBundle {
				rec.advance(dec.InputOffset())
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return p.malformed(rec, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return p.malformed(rec, err)
	}
	end := dec.InputOffset()
	if isBundle {
		rec.advance(end)
		return nil
	}
	raw := rec.bytes(start, end)
	rec.advance(end)
	return p.value(raw, line)
}

// entries streams Bundle.entry[].resource.
func (p *parser) entries(dec *json.Decoder, rec *recorder) error {
	tok, err := dec.Token()
	if err != nil {
		return p.malformed(rec, err)
	}
	if tok != json.Delim('[') {
		if d, ok := tok.(json.Delim); ok {
			if err := skipRest(dec, d); err != nil {
				return p.malformed(rec, err)
			}
		}
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return p.malformed(rec, err)
		}
		if t != json.Delim('{') {
			if d, ok := t.(json.Delim); ok {
				if err := skipRest(dec, d); err != nil {
					return p.malformed(rec, err)
				}
			}
			continue
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return p.malformed(rec, err)
			}
			rec.advance(dec.InputOffset())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return p.malformed(rec, err)
			}
			if key, _ := kt.(string); key != "resource" {
				continue
			}
			end := dec.InputOffset()
			line := rec.advance(end - int64(len(raw)))
			rec.advance(end)
			if err := p.value(raw, line); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return p.malformed(rec, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return p.malformed(rec, err)
	}
	return nil
}

// skipRest consumes tokens up to the delimiter closing open.
func skipRest(dec *json.Decoder, open json.Delim) error {
	if open != '{' && open != '[' {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// decodeLenient decodes the next value, ignoring a wrong type (the value
// is still consumed).
func decodeLenient(dec *json.Decoder, v any) error {
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

// malformed quarantines what could not be read and ends the parse: after a
// syntax error the decoder cannot find the next record.
func (p *parser) malformed(rec *recorder, err error) error {
	if ioErr := p.ioErr(); ioErr != nil {
		return ioErr
	}
	if errors.Is(err, errHuge) {
		if err := p.quarantine(nil, rec.line, portal.ReasonTooLarge, "record exceeds the size limit"); err != nil {
			return err
		}
		return errStop
	}
	detail := "document is not well-formed JSON"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		detail = "document is truncated JSON"
	}
	raw := rec.bytes(rec.base, rec.read)
	if len(raw) > portal.MaxRecordBytes {
		raw = raw[:portal.MaxRecordBytes]
	}
	if err := p.quarantine(raw, rec.line, portal.ReasonMalformed, detail); err != nil {
		return err
	}
	return errStop
}

// xml reads FHIR XML: AuditEvent elements at any depth, and other
// resources inside a Bundle's <resource> (quarantined as not access logs).
// A broken resource is quarantined whole and the parse goes on after it.
func (p *parser) xml(r io.Reader) error {
	head := &xmlstream.Head{R: r, Max: portal.MaxRecordBytes}
	x := &xmlParser{parser: p, sc: xmlstream.NewScanner(head, portal.MaxRecordBytes), first: true}
	start := p.index
	for {
		err := x.step()
		if err == errStop {
			break
		}
		if err != nil {
			return err
		}
	}
	if p.index == start && x.sawRoot {
		// An empty Bundle, or a document of another kind: it is kept, as
		// far as the bound, in the one quarantined record saying so.
		return p.quarantine(head.Bytes, 1, portal.ReasonNotAccessLog, "document holds no AuditEvent")
	}
	return nil
}

// xmlParser walks FHIR XML with the streaming scanner.
type xmlParser struct {
	*parser
	sc                                  *xmlstream.Scanner
	first, inResource, sawRoot, rootNow bool
}

// want picks the root element (its namespace decides what it is), every
// AuditEvent, and the resource inside a Bundle entry's <resource>: the
// first element in it, named with a capital. The namespace of <resource>
// is not checked: the scanner does not resolve prefixes, and no element of
// another namespace that FHIR XML embeds (XHTML narrative) has that name.
func (x *xmlParser) want(local []byte) bool {
	isRoot := x.first
	x.first, x.sawRoot = false, true
	wasResource := x.inResource
	x.inResource = string(local) == "resource"
	switch {
	case isRoot:
		x.rootNow = true
		return true
	case string(local) == "AuditEvent":
		return true
	case wasResource && len(local) > 0 && local[0] >= 'A' && local[0] <= 'Z':
		return true
	}
	return false
}

func (x *xmlParser) step() error {
	tok, line, err := x.sc.Next(x.want)
	switch {
	case err == io.EOF:
		return errStop
	case err != nil:
		return x.broken(err, x.sc.Line())
	}
	local := string(tok.Local)
	if x.rootNow {
		x.rootNow = false
		if local != "AuditEvent" && (local == "Bundle" || !inFHIR(tok)) {
			// A Bundle, or a wrapper outside FHIR: look inside it.
			return nil
		}
	}
	e, err := x.sc.Element()
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return x.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlTooLargeDetail)
	case err != nil:
		return x.brokenRecord(err, line)
	}
	raw := e.Raw
	if local != "AuditEvent" {
		return x.quarantine(raw, line, portal.ReasonNotAccessLog, "resource is not an AuditEvent")
	}
	var ae xAuditEvent
	if err := xmlstream.Decode(raw, &ae); err != nil {
		return x.quarantine(raw, line, portal.ReasonMalformed, "AuditEvent cannot be decoded")
	}
	return x.event(ae.toModel(), raw, line)
}

// inFHIR tells whether the root element tok is in the FHIR namespace, by
// the declarations on itself: a root has no ancestors to inherit from.
func inFHIR(tok *xmlstream.Token) bool {
	for _, a := range tok.Attr {
		own := tok.Prefix == nil && a.Prefix == nil && string(a.Local) == "xmlns" ||
			tok.Prefix != nil && string(a.Prefix) == "xmlns" && string(a.Local) == string(tok.Prefix)
		if own {
			return string(a.Value) == fhirNS
		}
	}
	return false
}

// broken handles a scanner error outside any resource: a failed read is
// the caller's problem; a syntax error quarantines what was read of the
// current element and ends the parse, since nothing after it can be
// located reliably.
func (x *xmlParser) broken(err error, line int) error {
	var se *xmlstream.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("fhir: read: %w", err)
	}
	if err := x.quarantine(x.sc.Raw(), line, portal.ReasonMalformed, "document is not well-formed XML: "+se.Msg); err != nil {
		return err
	}
	return errStop
}

// brokenRecord handles a syntax error inside the resource that began on
// line: the scanner skips to its end tag, the resource is quarantined
// whole and the parse goes on. When the end tag never comes the resource
// is quarantined as far as it was read and the parse ends.
func (x *xmlParser) brokenRecord(err error, line int) error {
	var se *xmlstream.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("fhir: read: %w", err)
	}
	raw, err := x.sc.SkipRecord()
	reason, detail := portal.ReasonMalformed, "resource is not well-formed XML: "+se.Msg
	if errors.Is(err, xmlstream.ErrTooLarge) {
		reason, detail = portal.ReasonTooLarge, xmlTooLargeDetail
	}
	if qerr := x.quarantine(raw, line, reason, detail); qerr != nil {
		return qerr
	}
	switch {
	case err == nil, errors.Is(err, xmlstream.ErrTooLarge):
		return nil
	case errors.As(err, new(*xmlstream.SyntaxError)):
		return errStop
	default:
		return fmt.Errorf("fhir: read: %w", err)
	}
}

// xmlTooLargeDetail goes with the first portal.MaxRecordBytes of a
// resource that is longer.
const xmlTooLargeDetail = "record exceeds the size limit; raw holds its first bytes"
