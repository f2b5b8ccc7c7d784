package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
)

// scanner reads JSON values from a stream without decoding them: it finds
// where a value ends from its brackets and quotes alone, so a record of any
// size or depth is consumed whole, keeping at most limit of its bytes, and
// the next record is read after it. Whether a record is well-formed is
// decided later, on the bytes kept, by the decoder that reads it.
type scanner struct {
	br      *bufio.Reader
	line    int   // line of the next byte
	n       int64 // bytes consumed
	buf     []byte
	keep    bool // consumed bytes go to buf, up to limit
	limit   int
	short   []byte // the last value read by str, up to shortMax bytes
	shortOn bool   // str is reading: bytes go to short
}

const shortMax = 64

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// window returns the buffered input, reading more when none is; empty at
// the end of input or on a read error (which Parse's errReader keeps).
func (s *scanner) window() []byte {
	if s.br.Buffered() == 0 {
		if _, err := s.br.Peek(1); err != nil {
			return nil
		}
	}
	w, _ := s.br.Peek(s.br.Buffered())
	return w
}

// consume moves past n bytes of the window w, counting lines and keeping
// what is to be kept.
func (s *scanner) consume(w []byte, n int) {
	if n == 0 {
		return
	}
	c := w[:n]
	s.line += bytes.Count(c, []byte{'\n'})
	if s.keep && len(s.buf) < s.limit {
		s.buf = append(s.buf, c[:min(n, s.limit-len(s.buf))]...)
	}
	if s.shortOn && len(s.short) < shortMax {
		s.short = append(s.short, c[:min(n, shortMax-len(s.short))]...)
	}
	s.n += int64(n)
	_, _ = s.br.Discard(n)
}

// startKeep starts keeping consumed bytes, forgetting those kept before.
func (s *scanner) startKeep() { s.buf, s.keep = s.buf[:0], true }

func (s *scanner) stopKeep() { s.keep = false }

// peek skips white space and returns the next byte, unconsumed; false at
// the end of input.
func (s *scanner) peek() (byte, bool) {
	for {
		w := s.window()
		if len(w) == 0 {
			return 0, false
		}
		i := 0
		for i < len(w) && isSpace(w[i]) {
			i++
		}
		if i < len(w) {
			c := w[i]
			s.consume(w, i)
			return c, true
		}
		s.consume(w, i)
	}
}

// skip1 consumes the byte peek returned.
func (s *scanner) skip1() { s.consume(s.window(), 1) }

// value consumes the value starting at the next byte that is not white
// space and returns how deeply it nests; false when the input ends first.
func (s *scanner) value() (depth int, ok bool) {
	c, ok := s.peek()
	if !ok {
		return 0, false
	}
	st := scanState{scalar: c != '{' && c != '[' && c != '"'}
	return s.scan(&st)
}

// rest consumes the rest of a container whose opening bracket has been
// consumed; false when the input ends first.
func (s *scanner) rest() bool {
	st := scanState{depth: 1, max: 1}
	_, ok := s.scan(&st)
	return ok
}

// str consumes the next value and returns it decoded when it is a short
// string (an object key, a resourceType), else "".
func (s *scanner) str() (string, bool) {
	s.short, s.shortOn = s.short[:0], true
	_, ok := s.value()
	s.shortOn = false
	b := s.short
	if !ok || len(b) < 2 || len(b) >= shortMax || b[0] != '"' || b[len(b)-1] != '"' {
		return "", ok
	}
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), true
	}
	var v string
	_ = json.Unmarshal(b, &v)
	return v, true
}

// until consumes bytes up to the next '{' or '[' (or the end of input).
func (s *scanner) until() {
	for {
		w := s.window()
		if len(w) == 0 {
			return
		}
		if i := bytes.IndexAny(w, "{["); i >= 0 {
			s.consume(w, i)
			return
		}
		s.consume(w, len(w))
	}
}

func (s *scanner) scan(st *scanState) (int, bool) {
	for {
		w := s.window()
		if len(w) == 0 {
			return st.max, st.scalar && st.started
		}
		n, done := st.step(w)
		s.consume(w, n)
		if done {
			return st.max, true
		}
	}
}

// scanState follows one value through the bytes: its bracket depth and
// whether a string is open.
type scanState struct {
	depth, max int
	inStr, esc bool
	scalar     bool // a number, literal or stray byte: ends at a delimiter
	started    bool
}

// step reads w and returns how much of it belongs to the value, and
// whether the value ended there.
func (st *scanState) step(w []byte) (int, bool) {
	if st.scalar {
		for i, c := range w {
			delim := isDelim(c)
			switch {
			case delim && st.started:
				return i, true
			case delim: // a stray delimiter is a value of its own
				return i + 1, true
			}
			st.started = true
		}
		return len(w), false
	}
	for i := 0; i < len(w); i++ {
		if st.inStr {
			if st.esc {
				st.esc = false
				continue
			}
			q := bytes.IndexByte(w[i:], '"')
			if q < 0 {
				q = len(w) - i
			}
			if b := bytes.IndexByte(w[i:i+q], '\\'); b >= 0 {
				i += b
				st.esc = true
				continue
			}
			i += q
			if i == len(w) {
				return i, false
			}
			st.inStr = false
			if st.depth == 0 {
				return i + 1, true
			}
			continue
		}
		switch w[i] {
		case '"':
			st.inStr = true
		case '{', '[':
			st.depth++
			st.max = max(st.max, st.depth)
		case '}', ']':
			st.depth--
			if st.depth <= 0 {
				return i + 1, true
			}
		}
	}
	return len(w), false
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', ']', '}', '[', '{', '"':
		return true
	}
	return false
}

// nesting returns how deeply the JSON value in b nests.
func nesting(b []byte) int {
	st := scanState{scalar: len(b) == 0 || b[0] != '{' && b[0] != '['}
	st.step(b)
	return st.max
}
