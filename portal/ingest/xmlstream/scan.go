package xmlstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// Kind is the kind of a Token.
type Kind uint8

// The kinds of token. A self-closing tag yields a StartElement and then an
// EndElement, as encoding/xml does, so that every consumer sees balanced
// pairs.
const (
	StartElement Kind = iota + 1
	EndElement
	CharData // text or a CDATA section, entities decoded
	Comment
	ProcInst // including the XML declaration
	Directive
)

// Token is one piece of markup or text. Its slices point into the scanner's
// buffers and are valid only until the next call to the scanner.
type Token struct {
	Kind   Kind
	Prefix []byte // element: the namespace prefix, nil without one
	Local  []byte // element: the local name; ProcInst: the target
	Attr   []Attr // StartElement
	// Data is CharData's decoded text, or the body of a comment,
	// processing instruction or directive as it stands in the input.
	Data []byte
}

// Attr is an attribute with its value decoded.
type Attr struct {
	Prefix, Local, Value []byte
}

// SyntaxError reports input that is not well-formed XML. Msg is one of a few
// fixed phrases and never quotes the document, so that it can be shown and
// stored without leaking personal data from a log.
type SyntaxError struct {
	Msg  string
	Line int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("xmlstream: %s (line %d)", e.Msg, e.Line)
}

// The phrases of SyntaxError.Msg.
const (
	msgEOF      = "unexpected end of file"
	msgName     = "invalid element name"
	msgEndTag   = "mismatched end tag"
	msgAttr     = "malformed attribute"
	msgChar     = "invalid character"
	msgEntity   = "invalid character entity"
	msgComment  = "malformed comment"
	msgCDATA    = "malformed CDATA section"
	msgProcInst = "malformed processing instruction"
	msgCDATAEnd = "unescaped ]]> in text"
	msgVersion  = "unsupported XML version"
	msgEncoding = "unsupported encoding"
	msgTooLarge = "markup too large"
	msgDepth    = "elements nested too deeply"
)

// maxDepth bounds how deeply elements may nest, as encoding/xml bounds
// Unmarshal. No log format nests a tenth as deep; the bound keeps the stack
// of open elements small when a record past maxBytes is only counted.
const maxDepth = 10000

// errShort means the token continues past the buffered input.
var errShort = errors.New("xmlstream: short buffer")

const (
	minBuffer = 64 << 10
	// textChunk is how much text the scanner holds before it hands out
	// part of a text run, when no element is being recorded: a run of
	// gigabytes without markup must not need gigabytes of memory.
	textChunk = 32 << 10
)

// Scanner tokenizes XML from a reader. It checks well-formedness as
// encoding/xml does in Strict mode (FuzzScanVsEncodingXML holds it to that)
// and differs only where noted: a single tag, comment, processing
// instruction, CDATA section or directive longer than the scanner's limit is
// an error, so is nesting deeper than maxDepth, a long text run may come as
// several CharData tokens, and documents in other encodings (a UTF-16
// byte-order mark, or a declared encoding golang.org/x/text knows) are
// transcoded to UTF-8. It is strict: an unknown entity such as &nbsp;, an
// unquoted attribute value or a mismatched end tag is an error, not a
// guess, and a parser quarantines that record and goes on (SkipRecord).
//
// The scanner owns one growing buffer rather than a bufio.Reader: tokens are
// parsed from it in place, and a record's bytes stay in it until the record
// ends, for its raw copy. A token cut off by the end of the buffer is parsed
// again once more input is read, so the code paths never see a partial token;
// that costs a rescan of at most one token per refill, and each refill reads
// at least as much as the cut-off token holds (fill).
type Scanner struct {
	r       io.Reader
	buf     []byte // input; buf[:n] is filled
	n       int
	pos     int // next byte to scan
	tok0    int // start of the token being scanned
	line    int // line of buf[counted]
	counted int
	eof     bool
	rerr    error // r failed; reported once the buffered input is used up
	err     error // sticky
	// errAt is the buffer index where the syntax error was found, or -1.
	errAt int

	// rec is where the recorded element starts in buf, or -1. Bytes from
	// rec on are kept until the element ends, for its raw copy.
	rec  int
	over bool // the recorded element outgrew max
	// head is the first max bytes of a record that outgrew max, kept
	// when its start leaves the buffer: a record too large is
	// quarantined with its beginning, never with nothing.
	head []byte
	// recAt is the index in open of the record element between Next and
	// the end of Element, else -1: SkipRecord needs its name and the
	// depth of its parent to resynchronise after a syntax error.
	recAt int
	// consumed counts the bytes compacted off the front of buf, so that
	// recOff (where the record began) and recLen (how long the last
	// record was) are offsets in the whole input, not in the buffer: a
	// record too large to keep is still reported with its full length.
	consumed, recOff, recLen int64
	max                      int
	tokMax                   int // longest markup token

	open      []span // open elements, as spans of names
	names     []byte
	closeSelf bool // the last start tag was self-closing: its end is next

	tok     Token
	attr    []Attr
	scratch []byte // decoded text
	// nameAt and dataAt are the buffer indexes of the last token's local
	// name and of its data when the data is not decoded (else -1), so the
	// element builder can keep offsets that survive buffer compaction.
	nameAt, dataAt int

	elem Element

	sniffed    bool // the start of the input was checked for UTF-16
	transcoded bool // the input after some point is decoded to UTF-8
}

type span struct{ from, to int }

// NewScanner reads XML from r. An element recorded with Element may hold at
// most maxBytes; a single piece of markup may be as long, or 1 MiB.
func NewScanner(r io.Reader, maxBytes int) *Scanner {
	if maxBytes < 1 {
		maxBytes = 1
	}
	// A markup token may be as long as an element, and never needs less
	// room than a text chunk.
	tokMax := max(maxBytes, 1<<20)
	return &Scanner{r: r, buf: make([]byte, minBuffer), line: 1, rec: -1, recAt: -1, max: maxBytes, tokMax: tokMax, dataAt: -1, errAt: -1}
}

// Line is the line of the scanner's position: after the last token, or
// where a syntax error was found.
func (s *Scanner) Line() int {
	if s.errAt >= 0 {
		return s.lineAt(s.errAt)
	}
	return s.lineAt(s.pos)
}

// lineAt counts lines up to buffer index at. Lines are counted only when
// asked for, once per record rather than once per token, and before fill
// discards the bytes. It counts back as well: a syntax error is counted
// where it was found, inside a token, and SkipRecord may resume before it.
func (s *Scanner) lineAt(at int) int {
	switch {
	case at > s.counted:
		s.line += bytes.Count(s.buf[s.counted:at], nl)
		s.counted = at
	case at < s.counted && at >= 0:
		s.line -= bytes.Count(s.buf[at:s.counted], nl)
		s.counted = at
	}
	return s.line
}

func (s *Scanner) syntax(msg string, at int) error {
	if at > s.n {
		at = s.n
	}
	s.errAt = at
	s.err = &SyntaxError{Msg: msg, Line: s.lineAt(at)}
	return s.err
}

var nl = []byte{'\n'}

// Token returns the next token, or io.EOF at the end of the input. The end
// of the input inside an element is a syntax error; several top-level
// elements, text outside them and repeated XML declarations are accepted,
// as encoding/xml accepts them, because log shippers concatenate documents.
func (s *Scanner) Token() (*Token, error) {
	if s.err != nil {
		return nil, s.err
	}
	t := &s.tok
	if s.closeSelf {
		s.closeSelf = false
		t.Kind, t.Attr, t.Data = EndElement, nil, nil
		s.dataAt = -1
		top := s.open[len(s.open)-1]
		s.open = s.open[:len(s.open)-1]
		s.names = s.names[:top.from]
		return t, nil
	}
	stalls := 0
	for {
		s.tok0 = s.pos
		if !s.sniffed {
			if s.n < 4 && !s.eof && s.rerr == nil {
				if err := s.stall(&stalls); err != nil {
					return nil, err
				}
				continue
			}
			s.sniffed = true
			if enc := utf16Of(s.buf[:s.n]); enc != nil {
				s.transcode(0, enc)
				continue
			}
		}
		if s.pos == s.n {
			if s.eof || s.rerr != nil {
				break
			}
			if err := s.stall(&stalls); err != nil {
				return nil, err
			}
			continue
		}
		// The token is scanned through a window of at most tokMax bytes,
		// never through all that happens to be buffered: whether a token
		// is too large, and where that is reported, must not depend on
		// how much the reader delivered at once.
		end := min(s.n, s.pos+s.tokMax)
		n, err := s.scan(s.buf[s.pos:end], s.eof && end == s.n)
		if err == errShort {
			if end < s.n {
				return nil, s.syntax(msgTooLarge, end)
			}
			if s.rerr != nil {
				s.err = s.rerr
				return nil, s.err
			}
			if err := s.stall(&stalls); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			// A token always consumes input; anything else would loop.
			s.err = errors.New("xmlstream: internal error: empty token")
			return nil, s.err
		}
		s.pos += n
		if s.rec >= 0 && s.pos-s.rec > s.max {
			s.outgrow()
		}
		return t, nil
	}
	if s.rerr != nil {
		s.err = s.rerr
		return nil, s.err
	}
	if len(s.open) > 0 {
		return nil, s.syntax(msgEOF, s.n)
	}
	return nil, io.EOF
}

// stall fills the buffer and gives up on a reader that keeps returning
// nothing, as bufio does.
func (s *Scanner) stall(n *int) error {
	if s.fill() > 0 || s.eof || s.rerr != nil {
		*n = 0
		return nil
	}
	if *n++; *n > 100 {
		s.err = io.ErrNoProgress
		return s.err
	}
	return nil
}

// outgrow marks the recorded element as over the bound, keeping its first
// max bytes.
func (s *Scanner) outgrow() {
	s.head = bytes.Clone(s.buf[s.rec : s.rec+s.max])
	s.over, s.rec = true, -1
}

// fill compacts the buffer, grows it when the kept bytes fill it, and reads
// once; it returns the number of bytes read.
func (s *Scanner) fill() int {
	keep := s.tok0
	if s.rec >= 0 {
		// The element is dropped only once the input up to the token
		// being scanned is past the bound, never because the scan of
		// that token looks ahead past it: how far a token is read before
		// it can be decided depends on where reads end, and a token that
		// turns out to be a syntax error must leave the same raw bytes
		// (and SkipRecord the same end) whatever the reads were. The
		// token itself is bounded by tokMax, so memory stays within
		// maxBytes plus one token.
		if s.tok0-s.rec > s.max {
			s.outgrow()
		} else if s.rec < keep {
			keep = s.rec
		}
	}
	if keep > 0 {
		if keep > s.counted {
			s.lineAt(keep)
		}
		s.counted -= keep
		s.consumed += int64(keep)
		copy(s.buf, s.buf[keep:s.n])
		s.n -= keep
		s.pos -= keep
		s.tok0 -= keep
		if s.errAt >= 0 {
			s.errAt -= keep
		}
		if s.rec >= 0 {
			s.rec -= keep
		}
	}
	if s.n == len(s.buf) {
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.n])
		s.buf = nb
	}
	// The token cut off by the end of the buffer is scanned again from
	// its start after this fill. With a reader that trickles (a pipe, a
	// transcoder, one byte at a time) one read per rescan is quadratic in
	// the token's length: a start tag of 16 KiB read bytewise took
	// seconds. Reading at least as much as the token already holds makes
	// the rescans follow its doublings, linear in all.
	want := s.n - s.tok0
	total := 0
	for s.n < len(s.buf) {
		m, err := s.r.Read(s.buf[s.n:])
		if m < 0 || m > len(s.buf)-s.n {
			m, err = 0, errors.New("xmlstream: reader returned an invalid count")
		}
		s.n += m
		total += m
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			s.rerr = err
		}
		if total >= want || err != nil || m == 0 {
			break
		}
	}
	return total
}

// scan parses the token at the start of b. It returns errShort when b ends
// inside the token and more input may come; with atEOF it reports a syntax
// error instead.
func (s *Scanner) scan(b []byte, atEOF bool) (int, error) {
	t := &s.tok
	t.Prefix, t.Local, t.Attr, t.Data = nil, nil, nil, nil
	s.dataAt = -1
	if b[0] != '<' {
		t.Kind = CharData
		return s.scanText(b, atEOF)
	}
	if len(b) < 2 {
		return s.short(atEOF, len(b))
	}
	switch b[1] {
	case '/':
		t.Kind = EndElement
		return s.scanEnd(b, atEOF)
	case '?':
		t.Kind = ProcInst
		return s.scanProcInst(b, atEOF)
	case '!':
		return s.scanBang(b, atEOF)
	}
	t.Kind = StartElement
	return s.scanStart(b, atEOF)
}

func (s *Scanner) short(atEOF bool, at int) (int, error) {
	if atEOF {
		return 0, s.syntax(msgEOF, s.pos+at)
	}
	return 0, errShort
}

// Byte classes. A name byte is one encoding/xml's readName takes: ASCII name
// characters and every non-ASCII byte, whose validity isName decides.
var (
	nameByte  [256]bool
	nameStart [256]bool
	// textPlain and attrPlain are the bytes that need no attention in
	// text and in attribute values.
	textPlain [256]bool
	attrPlain [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		letter := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		nameStart[c] = letter || b == '_' || b == ':' || b >= 0x80
		nameByte[c] = nameStart[c] || '0' <= b && b <= '9' || b == '.' || b == '-'
		plain := b >= 0x20 && b < 0x80 || b == '\t' || b == '\n'
		textPlain[c] = plain && b != '<' && b != '&' && b != ']'
		attrPlain[c] = plain && b != '<' && b != '&' && b != '"' && b != '\''
	}
}

// scanName reads a name at b[i:]; end == i means there is none.
func (s *Scanner) scanName(b []byte, i int, atEOF bool) (end int, err error) {
	j := i
	var all byte // the bits of every byte, to tell an ASCII name
	for j < len(b) && nameByte[b[j]] {
		all |= b[j]
		j++
	}
	if j == len(b) && !atEOF {
		return 0, errShort
	}
	if j == i {
		return i, nil
	}
	if all < 0x80 {
		if !nameStart[b[i]] {
			return 0, s.syntax(msgName, s.pos+i)
		}
	} else if !isName(b[i:j]) {
		return 0, s.syntax(msgName, s.pos+i)
	}
	return j, nil
}

// splitName splits a qualified name as encoding/xml does: a name with one
// colon inside it has a prefix, a name with more than one is invalid, and a
// leading or trailing colon belongs to the local name.
func splitName(name []byte) (prefix, local []byte, ok bool) {
	c := -1
	for k, x := range name { // names are short: a loop beats IndexByte
		if x == ':' {
			if c >= 0 {
				return nil, nil, false
			}
			c = k
		}
	}
	if c < 0 {
		return nil, name, true
	}
	if c == 0 || c == len(name)-1 {
		return nil, name, true
	}
	return name[:c], name[c+1:], true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (s *Scanner) scanStart(b []byte, atEOF bool) (int, error) {
	t := &s.tok
	end, err := s.scanName(b, 1, atEOF)
	if err != nil {
		return 0, err
	}
	if end == 1 {
		return 0, s.syntax(msgName, s.pos+1)
	}
	qname := b[1:end]
	prefix, local, ok := splitName(qname)
	if !ok {
		return 0, s.syntax(msgName, s.pos+1)
	}
	attrs := s.attr[:0]
	i := end
	self := false
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return s.short(atEOF, i)
		}
		if b[i] == '>' {
			i++
			break
		}
		if b[i] == '/' {
			if i+1 >= len(b) {
				return s.short(atEOF, i+1)
			}
			if b[i+1] != '>' {
				return 0, s.syntax(msgName, s.pos+i+1)
			}
			i += 2
			self = true
			break
		}
		aend, err := s.scanName(b, i, atEOF)
		if err != nil {
			return 0, err
		}
		if aend == i {
			return 0, s.syntax(msgAttr, s.pos+i)
		}
		ap, al, ok := splitName(b[i:aend])
		if !ok {
			return 0, s.syntax(msgAttr, s.pos+i)
		}
		i = skipSpace(b, aend)
		if i >= len(b) {
			return s.short(atEOF, i)
		}
		if b[i] != '=' {
			return 0, s.syntax(msgAttr, s.pos+i)
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return s.short(atEOF, i)
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, s.syntax(msgAttr, s.pos+i)
		}
		v, n, decoded, err := s.scanChars(b[i+1:], q, atEOF, i+1)
		if err != nil {
			return 0, err
		}
		if decoded {
			// The scratch buffer is reused for the next value.
			v = bytes.Clone(v)
		}
		attrs = append(attrs, Attr{Prefix: ap, Local: al, Value: v})
		i += 1 + n + 1
	}
	if len(s.open) >= maxDepth {
		return 0, s.syntax(msgDepth, s.pos)
	}
	s.attr = attrs
	t.Prefix, t.Local, t.Attr = prefix, local, attrs
	s.nameAt = s.pos + 1 + len(qname) - len(local)
	from := len(s.names)
	s.names = append(s.names, qname...)
	s.open = append(s.open, span{from, len(s.names)})
	s.closeSelf = self
	return i, nil
}

func (s *Scanner) scanEnd(b []byte, atEOF bool) (int, error) {
	t := &s.tok
	end, err := s.scanName(b, 2, atEOF)
	if err != nil {
		return 0, err
	}
	if end == 2 {
		return 0, s.syntax(msgName, s.pos+2)
	}
	qname := b[2:end]
	prefix, local, ok := splitName(qname)
	if !ok {
		return 0, s.syntax(msgName, s.pos+2)
	}
	i := skipSpace(b, end)
	if i >= len(b) {
		return s.short(atEOF, i)
	}
	if b[i] != '>' {
		return 0, s.syntax(msgEndTag, s.pos+i)
	}
	if len(s.open) == 0 {
		return 0, s.syntax(msgEndTag, s.pos+2)
	}
	top := s.open[len(s.open)-1]
	if !bytes.Equal(s.names[top.from:top.to], qname) {
		return 0, s.syntax(msgEndTag, s.pos+2)
	}
	s.open = s.open[:len(s.open)-1]
	s.names = s.names[:top.from]
	t.Prefix, t.Local = prefix, local
	s.nameAt = s.pos + end - len(local)
	return i + 1, nil
}

// scanText reads character data up to the next '<'. Text without entity
// references or carriage returns, nearly all text, is handed out in place.
func (s *Scanner) scanText(b []byte, atEOF bool) (int, error) {
	v, n, decoded, err := s.scanChars(b, 0, atEOF, 0)
	if err == errShort && n >= textChunk && (s.rec < 0 || s.pos+n-s.rec > s.max) {
		// Hand out what is complete; the rest comes as more CharData.
		// Inside a record only once the complete text alone takes it
		// past the bound: the record is over then whatever follows, and
		// a long run must not be held whole while the record is kept.
		err = nil
	}
	if err != nil {
		return 0, err
	}
	s.tok.Data = v
	if !decoded {
		s.dataAt = s.pos
	}
	return n, nil
}

// scanChars reads text (quote 0, ending before '<' or at the end of the
// input) or an attribute value (ending before quote), decoding entity
// references and line ends and checking every character. off is b's index
// in the token, for error positions. With errShort it returns what was fully
// read, so that a long text run can be cut there.
func (s *Scanner) scanChars(b []byte, quote byte, atEOF bool, off int) (v []byte, n int, decoded bool, err error) {
	plain := &textPlain
	if quote != 0 {
		plain = &attrPlain
	}
	i, last := 0, 0 // b[last:i] is not yet in scratch, when decoding
	s.scratch = s.scratch[:0]
	short := false
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			if quote == 0 && atEOF {
				break
			}
			if atEOF {
				return nil, 0, false, s.shortErr(atEOF, off+i)
			}
			short = true
			goto done
		}
		c := b[i]
		switch {
		case c == quote && quote != 0:
			goto done
		case c == '<':
			if quote != 0 {
				return nil, 0, false, s.syntax(msgAttr, s.pos+off+i)
			}
			goto done
		case c == '"' || c == '\'':
			i++ // the other quote
		case c == ']':
			if i+2 >= len(b) && !atEOF {
				short = true
				goto done
			}
			if i+2 < len(b) && b[i+1] == ']' && b[i+2] == '>' {
				return nil, 0, false, s.syntax(msgCDATAEnd, s.pos+off+i)
			}
			i++
		case c == '\r':
			if i+1 >= len(b) && !atEOF {
				short = true
				goto done
			}
			s.scratch = append(s.scratch, b[last:i]...)
			s.scratch = append(s.scratch, '\n')
			decoded = true
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
			last = i
		case c == '&':
			r, w, err := s.entity(b[i:], atEOF, off+i)
			if err != nil {
				if err == errShort {
					short = true
					goto done
				}
				return nil, 0, false, err
			}
			s.scratch = append(s.scratch, b[last:i]...)
			s.scratch = utf8.AppendRune(s.scratch, r)
			decoded = true
			i += w
			last = i
		case c < 0x80:
			return nil, 0, false, s.syntax(msgChar, s.pos+off+i)
		default:
			if !atEOF && !utf8.FullRune(b[i:]) {
				short = true
				goto done
			}
			r, w := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && w == 1 || !inCharRange(r) {
				return nil, 0, false, s.syntax(msgChar, s.pos+off+i)
			}
			i += w
		}
	}
done:
	if short {
		err = errShort
	}
	if decoded {
		s.scratch = append(s.scratch, b[last:i]...)
		return s.scratch, i, true, err
	}
	return b[:i], i, false, err
}

func (s *Scanner) shortErr(atEOF bool, at int) error {
	_, err := s.short(atEOF, at)
	return err
}

// entity decodes the reference at the start of b. Like encoding/xml in
// Strict mode it knows the five predefined entities and character
// references, and rejects the rest: a document's own entities would need
// its DTD, which no log format uses.
func (s *Scanner) entity(b []byte, atEOF bool, off int) (rune, int, error) {
	bad := func(at int) (rune, int, error) {
		return 0, 0, s.syntax(msgEntity, s.pos+off+at)
	}
	if len(b) < 2 {
		_, err := s.short(atEOF, off+len(b))
		return 0, 0, err
	}
	if b[1] == '#' {
		i, base := 2, uint64(10)
		if i < len(b) && b[i] == 'x' {
			i, base = 3, 16
		}
		start := i
		var v uint64
		for ; i < len(b); i++ {
			d := uint64(255)
			switch c := b[i]; {
			case '0' <= c && c <= '9':
				d = uint64(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				d = uint64(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				d = uint64(c-'A') + 10
			}
			if d == 255 {
				break
			}
			if v <= utf8.MaxRune {
				v = v*base + d
			}
		}
		if i >= len(b) {
			_, err := s.short(atEOF, off+i)
			return 0, 0, err
		}
		if b[i] != ';' || i == start || v > utf8.MaxRune {
			return bad(i)
		}
		r := rune(v)
		if 0xD800 <= r && r <= 0xDFFF {
			// encoding/xml writes string(rune(n)), which turns a
			// surrogate into U+FFFD rather than an error.
			r = utf8.RuneError
		}
		if !inCharRange(r) {
			return 0, 0, s.syntax(msgChar, s.pos+off+i)
		}
		return r, i + 1, nil
	}
	i := 1
	for i < len(b) && nameByte[b[i]] {
		i++
	}
	if i >= len(b) {
		_, err := s.short(atEOF, off+i)
		return 0, 0, err
	}
	if b[i] != ';' {
		return bad(i)
	}
	var r rune
	switch string(b[1:i]) {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		return bad(1)
	}
	return r, i + 1, nil
}

// inCharRange is the Char production of XML 1.0.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// scanBang reads a comment, a CDATA section or a directive such as DOCTYPE.
func (s *Scanner) scanBang(b []byte, atEOF bool) (int, error) {
	t := &s.tok
	if len(b) < 3 {
		return s.short(atEOF, len(b))
	}
	switch b[2] {
	case '-':
		t.Kind = Comment
		if len(b) < 4 {
			return s.short(atEOF, len(b))
		}
		if b[3] != '-' {
			return 0, s.syntax(msgComment, s.pos+3)
		}
		k := bytes.Index(b[4:], dashDash)
		if k < 0 || 4+k+2 >= len(b) {
			return s.short(atEOF, len(b))
		}
		if b[4+k+2] != '>' {
			return 0, s.syntax(msgComment, s.pos+4+k)
		}
		t.Data = b[4 : 4+k]
		return 4 + k + 3, nil
	case '[':
		t.Kind = CharData
		for i := 0; i < 6; i++ {
			if 3+i >= len(b) {
				return s.short(atEOF, len(b))
			}
			if b[3+i] != "CDATA["[i] {
				return 0, s.syntax(msgCDATA, s.pos+3+i)
			}
		}
		k := bytes.Index(b[9:], cdataEnd)
		if k < 0 {
			return s.short(atEOF, len(b))
		}
		v, err := s.cdata(b[9:9+k], 9)
		if err != nil {
			return 0, err
		}
		t.Data = v
		return 9 + k + 3, nil
	}
	t.Kind = Directive
	return s.scanDirective(b, atEOF)
}

var (
	dashDash = []byte("--")
	cdataEnd = []byte("]]>")
	piEnd    = []byte("?>")
)

// cdata checks and normalises the line ends of a CDATA section's content.
func (s *Scanner) cdata(b []byte, off int) ([]byte, error) {
	out := b
	if bytes.IndexByte(b, '\r') >= 0 {
		s.scratch = s.scratch[:0]
		for i := 0; i < len(b); i++ {
			switch {
			case b[i] != '\r':
				s.scratch = append(s.scratch, b[i])
			case i+1 < len(b) && b[i+1] == '\n':
				// \r\n is one line end
			default:
				s.scratch = append(s.scratch, '\n')
			}
		}
		out = s.scratch
	} else {
		s.dataAt = s.pos + off
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				s.dataAt = -1
				return nil, s.syntax(msgChar, s.pos+off+i)
			}
			i++
			continue
		}
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w == 1 || !inCharRange(r) {
			s.dataAt = -1
			return nil, s.syntax(msgChar, s.pos+off+i)
		}
		i += w
	}
	return out, nil
}

// scanProcInst reads a processing instruction, and checks an XML
// declaration's version and encoding as encoding/xml does.
func (s *Scanner) scanProcInst(b []byte, atEOF bool) (int, error) {
	t := &s.tok
	end, err := s.scanName(b, 2, atEOF)
	if err != nil {
		return 0, err
	}
	if end == 2 {
		return 0, s.syntax(msgProcInst, s.pos+2)
	}
	i := skipSpace(b, end)
	if i >= len(b) && !atEOF {
		return 0, errShort
	}
	k := bytes.Index(b[i:], piEnd)
	if k < 0 {
		return s.short(atEOF, len(b))
	}
	t.Local, t.Data = b[2:end], b[i:i+k]
	n := i + k + 2
	if string(t.Local) == "xml" {
		content := string(t.Data)
		if v := procInst("version", content); v != "" && v != "1.0" {
			return 0, s.syntax(msgVersion, s.pos+2)
		}
		if enc := procInst("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") && !s.transcoded {
			e, err := Charset(enc)
			if err != nil {
				return 0, s.syntax(msgEncoding, s.pos+2)
			}
			if e != nil {
				s.transcode(s.pos+n, e)
			}
		}
	}
	return n, nil
}

// procInst is encoding/xml's reading of a pseudo-attribute of the XML
// declaration, kept as lax as the original so both agree on every input.
func procInst(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// scanDirective skips <!DOCTYPE ...> and its kin with encoding/xml's rules:
// quoted '>' and nested <...> do not end it, comments inside are skipped,
// and the byte after "<!" is taken as it is.
func (s *Scanner) scanDirective(b []byte, atEOF bool) (int, error) {
	i := 3
	var inquote byte
	depth := 0
	for {
		if i >= len(b) {
			return s.short(atEOF, i)
		}
		c := b[i]
		i++
		if inquote == 0 && c == '>' && depth == 0 {
			break
		}
	handle:
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			for j := 0; j < 3; j++ {
				if i >= len(b) {
					return s.short(atEOF, i)
				}
				c = b[i]
				i++
				if c != "!--"[j] {
					depth++
					goto handle
				}
			}
			k := bytes.Index(b[i:], commentEnd)
			if k < 0 {
				return s.short(atEOF, len(b))
			}
			i += k + len(commentEnd)
		}
	}
	s.tok.Data = b[2 : i-1]
	return i, nil
}

var commentEnd = []byte("-->")

// transcode decodes the input after buffer index at with enc. Everything
// after that point, records' raw bytes included, is then UTF-8, and line
// numbers count the decoded lines, which are the document's.
func (s *Scanner) transcode(at int, enc encoding.Encoding) {
	s.transcoded = true
	rest := bytes.Clone(s.buf[at:s.n])
	var src io.Reader = bytes.NewReader(rest)
	switch {
	case s.rerr != nil:
		// Deliver the bytes read before the failure, then the failure.
		src = io.MultiReader(src, errReader{s.rerr})
		s.rerr = nil
	case !s.eof:
		src = io.MultiReader(src, s.r)
	}
	s.r = transform.NewReader(src, enc.NewDecoder())
	s.n, s.eof = at, false
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
