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

// maxDepth bounds how deeply one record nests: encoding/json refuses
// deeper values. The streaming scanner counts depth without a stack, so a
// deeper record is consumed whole and quarantined, and the next one read.
const maxDepth = 10000

// keepLimit bounds the bytes kept of one Bundle entry or streamed record:
// a record's bound, plus room for an entry's other keys (fullUrl, request).
const keepLimit = portal.MaxRecordBytes + 64<<10

// errStop unwinds the streaming walk once the input ended inside a record
// that has been quarantined.
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
	return p.stream(br)
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
	return p.quarantineSized(raw, 0, line, reason, detail)
}

// quarantineSized quarantines a record of which raw holds only the first
// bytes, length being its whole size.
func (p *parser) quarantineSized(raw []byte, length int64, line int, reason portal.Reason, detail string) error {
	p.index++
	if raw == nil {
		raw = []byte{} // the quarantine keeps raw bytes, even none
	}
	rec := portal.LogRecord{Raw: raw, Line: line, Index: p.index, RawLength: length}
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
	if len(lines) == 0 || lines[0][0] == '[' {
		return false // an array, even on one line, is streamed element by element
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
		line, size, err := readLine(br, portal.MaxRecordBytes)
		if err != nil && err != io.EOF {
			return fmt.Errorf("fhir: read: %w", err)
		}
		var herr error
		if size > portal.MaxRecordBytes {
			herr = p.tooLarge(line, size, n)
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			switch {
			case json.Valid(t):
				herr = p.value(t, n, 0)
			case nesting(t) > maxDepth:
				herr = p.quarantine(t, n, portal.ReasonTooLarge, tooDeep)
			default:
				herr = p.quarantine(t, n, portal.ReasonMalformed, "line is not well-formed JSON")
			}
		}
		if herr != nil {
			return herr
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine reads one line without its end, keeping at most max bytes of
// it; size is the line's whole length.
func readLine(br *bufio.Reader, max int) (line []byte, size int64, err error) {
	var last byte // the byte before the chunk
	for {
		chunk, err := br.ReadSlice('\n')
		size += int64(len(chunk))
		if room := max + 2 - len(line); room > 0 { // +2: the line end
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if err == bufio.ErrBufferFull {
			last = chunk[len(chunk)-1]
			continue
		}
		if err == io.EOF && size == 0 {
			return nil, 0, io.EOF
		}
		if n := len(chunk); n > 0 && chunk[n-1] == '\n' {
			size--
			if n > 1 && chunk[n-2] == '\r' || n == 1 && last == '\r' {
				size--
			}
		}
		if size > int64(max) {
			return line[:max], size, err
		}
		return bytes.TrimRight(line, "\r\n"), size, err
	}
}

const tooDeep = "record nests deeper than the limit"

// tooLarge quarantines a record past MaxRecordBytes with its first bytes.
// size is its whole length.
func (p *parser) tooLarge(first []byte, size int64, line int) error {
	p.index++
	rec := portal.LogRecord{Raw: first[:min(len(first), portal.MaxRecordBytes)], Line: line, Index: p.index, RawLength: size}
	if rec.Raw == nil {
		rec.Raw = []byte{}
	}
	rec.Quarantine(portal.ReasonTooLarge, "record exceeds the size limit")
	return p.emit(rec)
}

// maxBundleNesting bounds Bundles inside Bundles read in memory: each level
// is decoded again, so deep nesting would cost time quadratic in its size.
const maxBundleNesting = 3

// value handles one complete JSON value read into memory: a resource, a
// Bundle, whose entries are then records of their own, or (at the top,
// nested 0) an array of resources.
func (p *parser) value(raw []byte, line, nested int) error {
	if len(raw) > portal.MaxRecordBytes {
		return p.tooLarge(raw, int64(len(raw)), line)
	}
	if raw[0] == '[' && nested == 0 {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for _, it := range items {
				if err := p.value(it, line, 1); err != nil {
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
		if nested >= maxBundleNesting {
			return p.quarantine(raw, line, portal.ReasonNotAccessLog, "Bundle nests Bundles deeper than the limit")
		}
		return p.bundle(raw, line, nested)
	}
	return p.resource(raw, line)
}

// bundle reads a Bundle held in memory: each entry's resource is a record,
// an entry that cannot hold one is quarantined.
func (p *parser) bundle(raw []byte, line, nested int) error {
	var b struct {
		Entry json.RawMessage `json:"entry"`
	}
	_ = json.Unmarshal(raw, &b) // a wrong-typed field only loses that field
	if len(b.Entry) == 0 || string(b.Entry) == "null" {
		return nil
	}
	var entries []json.RawMessage
	if json.Unmarshal(b.Entry, &entries) != nil {
		return p.quarantine(b.Entry, line, portal.ReasonNotAccessLog, "Bundle entry is not a list")
	}
	for _, e := range entries {
		var entry struct {
			Resource json.RawMessage `json:"resource"`
		}
		if e[0] != '{' {
			if err := p.quarantine(e, line, portal.ReasonNotAccessLog, "Bundle entry is not an object"); err != nil {
				return err
			}
			continue
		}
		_ = json.Unmarshal(e, &entry)
		if len(entry.Resource) == 0 {
			continue // an entry without a resource (a deletion) is no record
		}
		if err := p.value(entry.Resource, line, nested+1); err != nil {
			return err
		}
	}
	return nil
}

// resource emits one resource as an event or a quarantined record.
func (p *parser) resource(raw []byte, line int) error {
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

// stream reads JSON values one after another: a Bundle, whose entries are
// streamed one at a time so that the Bundle is never held whole, an array
// of resources, streamed element by element, or a resource. A record is
// found by its brackets and quotes (see scanner), so one that is too large,
// too deep or not well-formed inside is quarantined whole and the next one
// read; only brackets or quotes out of balance move the end of a record,
// since then nothing in JSON says where the writer meant it to end.
func (p *parser) stream(br *bufio.Reader) error {
	s := &scanner{br: br, line: 1, limit: keepLimit}
	for {
		c, ok := s.peek()
		if !ok {
			return p.ioErr()
		}
		var err error
		switch c {
		case '{':
			err = p.object(s)
		case '[':
			err = p.array(s)
		default:
			err = p.stray(s)
		}
		if err == errStop {
			return p.ioErr()
		}
		if err != nil {
			return err
		}
	}
}

// object reads the object at the top of the input: a Bundle, whose entries
// are streamed, or one resource, kept whole as it is read.
func (p *parser) object(s *scanner) error {
	line, start := s.line, s.n
	s.startKeep()
	defer s.stopKeep()
	s.skip1()
	depth, rt, isBundle := 1, "", false
	for {
		c, ok := s.peek()
		switch {
		case !ok:
			return p.truncated(s, line)
		case c == '}':
			s.skip1()
			if isBundle {
				return nil
			}
			return p.record(s.buf, s.n-start, depth, line, 0)
		case c == ',':
			s.skip1()
			continue
		case c != '"':
			return p.broken(s, line, "document is not well-formed JSON")
		}
		key, done, err := p.memberKey(s, line, "document is not well-formed JSON")
		if done {
			return err
		}
		switch {
		case key == "resourceType":
			if rt, ok = s.str(); !ok {
				return p.truncated(s, line)
			}
			if rt == "Bundle" {
				isBundle = true
				s.stopKeep()
			}
		case key == "entry" && (rt == "" || rt == "Bundle"):
			// Only a Bundle has entry with resources, whichever key
			// comes first.
			isBundle = true
			s.stopKeep()
			if err := p.entries(s); err != nil {
				return err
			}
		default:
			d, ok := s.value()
			if !ok {
				return p.truncated(s, line)
			}
			depth = max(depth, d+1)
		}
	}
}

// entries streams Bundle.entry, each entry read whole and its resource
// handed on as a record.
func (p *parser) entries(s *scanner) error {
	c, ok := s.peek()
	if !ok {
		return p.truncated(s, s.line)
	}
	if c != '[' {
		return p.notRecord(s, "Bundle entry is not a list")
	}
	s.skip1()
	for {
		c, ok := s.peek()
		switch {
		case !ok:
			return p.truncated(s, s.line)
		case c == ']':
			s.skip1()
			return nil
		case c == ',':
			s.skip1()
			continue
		case c != '{':
			if err := p.notRecord(s, "Bundle entry is not an object"); err != nil {
				return err
			}
			continue
		}
		if err := p.entry(s); err != nil {
			return err
		}
	}
}

// entry reads one Bundle entry, whose '{' is next.
func (p *parser) entry(s *scanner) error {
	line := s.line
	s.startKeep()
	defer s.stopKeep()
	s.skip1()
	from, to, resLine, resDepth, size := -1, -1, 0, 0, int64(0)
	for {
		c, ok := s.peek()
		switch {
		case !ok:
			return p.truncated(s, line)
		case c == '}':
			s.skip1()
			if from < 0 {
				return nil // an entry without a resource (a deletion) is no record
			}
			return p.record(s.buf[from:to], size, resDepth, resLine, 1)
		case c == ',':
			s.skip1()
			continue
		case c != '"':
			return p.broken(s, line, "Bundle entry is not well-formed JSON")
		}
		key, done, err := p.memberKey(s, line, "Bundle entry is not well-formed JSON")
		if done {
			return err
		}
		if key != "resource" {
			if _, ok := s.value(); !ok {
				return p.truncated(s, line)
			}
			continue
		}
		if _, ok := s.peek(); !ok {
			return p.truncated(s, line)
		}
		resLine, from, size = s.line, len(s.buf), s.n
		if resDepth, ok = s.value(); !ok {
			return p.cut(s.buf[min(from, len(s.buf)):], resLine)
		}
		to, size = len(s.buf), s.n-size
	}
}

// array reads a top-level array of resources, element by element.
func (p *parser) array(s *scanner) error {
	line := s.line
	s.skip1()
	for {
		c, ok := s.peek()
		switch {
		case !ok:
			return p.truncated(s, line)
		case c == ']':
			s.skip1()
			return nil
		case c == ',':
			s.skip1()
			continue
		}
		line = s.line
		start := s.n
		s.startKeep()
		depth, ok := s.value()
		if !ok {
			return p.truncated(s, line)
		}
		err := p.record(s.buf, s.n-start, depth, line, 1)
		s.stopKeep()
		if err != nil {
			return err
		}
	}
}

// record hands on one record read by the scanner: kept is what was kept of
// it, size its whole length.
func (p *parser) record(kept []byte, size int64, depth, line, nested int) error {
	switch {
	case size > portal.MaxRecordBytes || int64(len(kept)) < size:
		return p.tooLarge(bytes.Clone(kept[:min(len(kept), portal.MaxRecordBytes)]), size, line)
	case depth > maxDepth:
		return p.quarantine(bytes.Clone(kept), line, portal.ReasonTooLarge, tooDeep)
	}
	return p.value(bytes.Clone(kept), line, nested)
}

// notRecord quarantines the next value, which cannot be a resource.
func (p *parser) notRecord(s *scanner, detail string) error {
	line := s.line
	s.startKeep()
	defer s.stopKeep()
	if _, ok := s.value(); !ok {
		return p.truncated(s, line)
	}
	return p.quarantine(bytes.Clone(s.buf), line, portal.ReasonNotAccessLog, detail)
}

// stray quarantines what stands between values at the top: a value that
// is not an object or array (a number, say), or bytes that are no JSON.
func (p *parser) stray(s *scanner) error {
	line := s.line
	s.startKeep()
	defer s.stopKeep()
	s.value()
	s.until()
	raw := bytes.Clone(bytes.TrimSpace(s.buf))
	if json.Valid(raw) {
		return p.quarantine(raw, line, portal.ReasonNotAccessLog, "record is not a FHIR resource")
	}
	if err := p.ioErr(); err != nil {
		return err
	}
	return p.quarantine(raw, line, portal.ReasonMalformed, "document is not well-formed JSON")
}

// broken quarantines the object being read, whose brackets the scanner
// follows to its end, when it breaks JSON's grammar between its members.
// In a Bundle, where nothing is kept, the bytes from the break on are.
func (p *parser) broken(s *scanner, line int, detail string) error {
	if !s.keep {
		line = s.line
		s.startKeep()
	}
	if !s.rest() {
		return p.truncated(s, line)
	}
	return p.quarantine(bytes.Clone(s.buf[:min(len(s.buf), portal.MaxRecordBytes)]), line, portal.ReasonMalformed, detail)
}

// memberKey reads an object member's key and its ':', the key's opening
// quote next. done says the object ends there, with err: the input ended
// (truncated) or the member is not well-formed (broken, worded by detail).
func (p *parser) memberKey(s *scanner, line int, detail string) (key string, done bool, err error) {
	key, ok := s.str()
	if !ok {
		return "", true, p.truncated(s, line)
	}
	if c, ok := s.peek(); !ok {
		return "", true, p.truncated(s, line)
	} else if c != ':' {
		return "", true, p.broken(s, line, detail)
	}
	s.skip1()
	return key, false, nil
}

// truncated quarantines what was kept of the record the input ended in,
// and stops the parse.
func (p *parser) truncated(s *scanner, line int) error {
	if !s.keep {
		return p.cut(nil, line)
	}
	return p.cut(s.buf, line)
}

// cut quarantines kept, what the input held of a record it ended in, and
// stops the parse.
func (p *parser) cut(kept []byte, line int) error {
	if err := p.ioErr(); err != nil {
		return err
	}
	raw := bytes.Clone(kept[:min(len(kept), portal.MaxRecordBytes)])
	if err := p.quarantine(raw, line, portal.ReasonMalformed, "document is truncated JSON"); err != nil {
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
		return x.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlstream.TooLargeDetail)
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

// quarantine also gives a record too large to keep its whole length.
func (x *xmlParser) quarantine(raw []byte, line int, reason portal.Reason, detail string) error {
	var length int64
	if reason == portal.ReasonTooLarge {
		length = x.sc.RecordLength()
	}
	return x.quarantineSized(raw, length, line, reason, detail)
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
	b, err := x.sc.SkipBroken(err, func(se *xmlstream.SyntaxError) string { return "resource is not well-formed XML: " + se.Msg })
	if err != nil {
		return fmt.Errorf("fhir: read: %w", err)
	}
	if err := x.quarantine(b.Raw, line, b.Reason, b.Detail); err != nil {
		return err
	}
	switch {
	case b.ReadErr != nil:
		return fmt.Errorf("fhir: read: %w", b.ReadErr)
	case b.Stop:
		return errStop
	}
	return nil
}
