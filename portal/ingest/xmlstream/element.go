package xmlstream

import (
	"bytes"
	"errors"
	"io"
)

// Element is one record element read by Scanner.Element: its original bytes
// and its content as a flat tree, so that a format adapter can fill its wire
// struct with a switch on names instead of reflection. It is reused: it is
// valid until the next call to the scanner, except Raw and the strings from
// String, which the caller may keep.
type Element struct {
	Raw   []byte // a copy of the element's bytes, start tag to end tag
	Nodes []Node // in document order; Nodes[0] is the element itself

	chunks []chunk
	arena  []byte // text that is not verbatim in Raw
	str    string // Raw as a string, made once for all String calls
	stack  []int32
}

// Node is an element inside a record.
type Node struct {
	Local  []byte // local name, without prefix
	Parent int    // index in Nodes; -1 for the record element

	name, nameLen int32 // Local as an offset in Raw
	first, last   int32 // the node's text chunks, a list; -1 if none
}

// chunk is a piece of a node's own text: a node's text is the concatenation
// of the character data directly inside it, as encoding/xml gives to a
// string field, and child elements can split it.
type chunk struct {
	from, to int32
	inArena  bool
	next     int32
}

func (e *Element) reset() {
	e.Raw, e.str = nil, ""
	e.Nodes, e.chunks, e.arena, e.stack = e.Nodes[:0], e.chunks[:0], e.arena[:0], e.stack[:0]
}

func (e *Element) bytesOf(c chunk) []byte {
	if c.inArena {
		return e.arena[c.from:c.to:c.to]
	}
	return e.Raw[c.from:c.to:c.to]
}

// Text is the character data directly inside node i, entities decoded,
// whitespace kept.
func (e *Element) Text(i int) []byte {
	n := &e.Nodes[i]
	switch {
	case n.first < 0:
		return nil
	case n.first == n.last:
		return e.bytesOf(e.chunks[n.first])
	}
	from := len(e.arena)
	for k := n.first; k >= 0; k = e.chunks[k].next {
		e.arena = append(e.arena, e.bytesOf(e.chunks[k])...)
	}
	// Later calls find the joined text as one chunk.
	e.chunks = append(e.chunks, chunk{from: int32(from), to: int32(len(e.arena)), inArena: true, next: -1})
	n.first = int32(len(e.chunks) - 1)
	n.last = n.first
	return e.arena[from:len(e.arena):len(e.arena)]
}

// String is Text as a string. Text that stands verbatim in the input, nearly
// all of it, is cut from one string copy of Raw: one allocation per record
// instead of one per field.
func (e *Element) String(i int) string {
	n := &e.Nodes[i]
	if n.first >= 0 && n.first == n.last {
		if c := e.chunks[n.first]; !c.inArena {
			if e.str == "" {
				e.str = string(e.Raw)
			}
			return e.str[c.from:c.to]
		}
	}
	return string(e.Text(i))
}

// ErrTooLarge is returned by Element and SkipRecord when an element exceeds
// maxBytes; the element has been consumed and reading can go on. The raw
// bytes returned with it are the element's first maxBytes.
var ErrTooLarge = errors.New("xmlstream: element too large")

// Next advances to the next start tag, at any depth, whose local name want
// accepts, and returns it with the line it begins on. It returns io.EOF at
// the end of the input. The token is valid until the next call.
func (s *Scanner) Next(want func(local []byte) bool) (*Token, int, error) {
	s.rec, s.over, s.recAt, s.head = -1, false, -1, nil
	for {
		t, err := s.Token()
		if err != nil {
			return nil, s.Line(), err
		}
		if t.Kind == StartElement && want(t.Local) {
			s.rec = s.tok0
			s.recOff = s.consumed + int64(s.tok0)
			s.recAt = len(s.open) - 1
			line := s.lineAt(s.tok0)
			s.elem.reset()
			s.elem.Nodes = append(s.elem.Nodes, Node{
				Parent: -1, name: int32(s.nameAt - s.rec), nameLen: int32(len(t.Local)), first: -1, last: -1,
			})
			return t, line, nil
		}
	}
}

// Element reads the rest of the element whose start tag Next returned. An
// element larger than maxBytes is read to its end, keeping only its first
// maxBytes, and reported as ErrTooLarge with an Element whose Raw holds
// them (and no Nodes).
func (s *Scanner) Element() (*Element, error) {
	e := &s.elem
	if s.rec < 0 || len(e.Nodes) != 1 {
		return nil, errors.New("xmlstream: Element without Next")
	}
	e.stack = append(e.stack[:0], 0)
	for depth := 1; depth > 0; {
		t, err := s.Token()
		if err == io.EOF {
			err = s.syntax(msgEOF, s.n)
		}
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case StartElement:
			depth++
		case EndElement:
			depth--
		}
		if s.over {
			continue // counting depth is all that is left to do
		}
		switch t.Kind {
		case StartElement:
			e.Nodes = append(e.Nodes, Node{
				Parent: int(e.stack[len(e.stack)-1]), name: int32(s.nameAt - s.rec), nameLen: int32(len(t.Local)),
				first: -1, last: -1,
			})
			e.stack = append(e.stack, int32(len(e.Nodes)-1))
		case EndElement:
			e.stack = e.stack[:len(e.stack)-1]
		case CharData:
			if len(t.Data) > 0 {
				e.addText(int(e.stack[len(e.stack)-1]), t.Data, s.dataAt-s.rec, s.dataAt >= 0)
			}
		}
	}
	s.recAt = -1
	s.recLen = s.consumed + int64(s.pos) - s.recOff
	if s.over {
		s.over = false
		e.reset()
		e.Raw, s.head = s.head, nil
		return e, ErrTooLarge
	}
	e.Raw = bytes.Clone(s.buf[s.rec:s.pos])
	s.rec = -1
	for i := range e.Nodes {
		n := &e.Nodes[i]
		n.Local = e.Raw[n.name : n.name+n.nameLen : n.name+n.nameLen]
	}
	return e, nil
}

// RecordLength is the whole length in bytes (as UTF-8) of the record that
// Element or SkipRecord last finished, also when only its first maxBytes
// were kept; for a record the input cut off, as far as it went.
func (s *Scanner) RecordLength() int64 { return s.recLen }

// addText adds text to node i: as an offset in the raw bytes when it stands
// there verbatim (at), else as a copy.
func (e *Element) addText(i int, data []byte, at int, verbatim bool) {
	c := chunk{next: -1}
	if verbatim {
		c.from, c.to = int32(at), int32(at+len(data))
	} else {
		c.from = int32(len(e.arena))
		e.arena = append(e.arena, data...)
		c.to, c.inArena = int32(len(e.arena)), true
	}
	e.chunks = append(e.chunks, c)
	k := int32(len(e.chunks) - 1)
	n := &e.Nodes[i]
	if n.first < 0 {
		n.first = k
	} else {
		e.chunks[n.last].next = k
	}
	n.last = k
}

// Raw returns a copy of the input from the start of the current record, or
// of the current token outside one, to where reading stopped, at most
// maxBytes: what a parser quarantines after a syntax error. Reading stops
// after the byte where a syntax error was found. Of a record that is longer
// than maxBytes up to there, Raw is its first maxBytes, as of a record too
// large.
func (s *Scanner) Raw() []byte {
	if s.recAt >= 0 && s.rec < 0 {
		// The record outgrew maxBytes and its start is gone from the
		// buffer; its head was kept. The current token is no
		// substitute: where a long text run is cut into tokens depends
		// on the reads.
		return bytes.Clone(s.head)
	}
	from := s.tok0
	if s.rec >= 0 {
		from = s.rec
	}
	to := s.pos
	if s.errAt >= from {
		to = s.errAt + 1
	}
	to = min(to, s.n)
	if s.rec >= 0 && to-from > s.max {
		// Over the bound only by the bytes read to find the error: the
		// record is kept up to the token that failed (see fill), so this
		// is decided on the same bytes whatever the reads were.
		return bytes.Clone(s.buf[from : from+s.max])
	}
	to = min(to, from+s.max)
	if from < 0 || from > to {
		return nil
	}
	return bytes.Clone(s.buf[from:to])
}

// Skip reads past the rest of the element whose start tag Next returned,
// keeping none of it: a part of the document that holds no records, such as
// a SOAP header.
func (s *Scanner) Skip() error {
	if s.recAt < 0 || len(s.open) != s.recAt+1 {
		return errors.New("xmlstream: Skip without Next")
	}
	// Nothing is recorded: an error in here is an error outside any
	// record, which Raw reports from the token that failed.
	depth := s.recAt
	s.rec, s.recAt, s.over, s.head = -1, -1, false, nil
	for len(s.open) > depth {
		if _, err := s.Token(); err != nil {
			if err == io.EOF {
				err = s.syntax(msgEOF, s.n)
			}
			return err
		}
	}
	return nil
}

// IsSOAPHeader tells, inside the want function of Next, whether the start
// tag with local name local is a SOAP envelope's Header. Its children
// (addressing, WS-Security, an RIV logical address) are none of a log
// parser's business, and a parser skips them whatever they hold.
func (s *Scanner) IsSOAPHeader(local []byte) bool {
	if string(local) != "Header" || len(s.open) < 2 {
		return false
	}
	p := s.open[len(s.open)-2]
	_, plocal, _ := splitName(s.names[p.from:p.to])
	return string(plocal) == "Envelope"
}
