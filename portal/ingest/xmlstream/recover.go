package xmlstream

import (
	"bytes"
	"errors"
)

// SkipRecord resynchronises after a syntax error inside the record element
// that Next returned, so that one broken record costs that record only and
// not the rest of the batch. Call it after Element has failed with a
// *SyntaxError. It scans the raw input onward from the token that failed
// for the record's own end tag, with the qualified name exactly as in the
// start tag (</p:log> for <p:log>) and optional whitespace before '>',
// and leaves the scanner right after it with the elements open at the
// record's parent open again, so that Next goes on with the next record.
//
// The scan is textual, since the markup of the broken record can no longer
// be trusted: a comment, CDATA section or nested element of the same name
// holding that end tag ends the record there, and an end tag misspelt by
// the writer lets the record run on to the next record's end. An error
// outside the record then ends the reading, as any other.
//
// On success raw is a copy of the record from its start tag to its end
// tag. A record longer than maxBytes is skipped all the same, keeping only
// its first maxBytes, and reported as ErrTooLarge with those as raw;
// reading can go on. When the input ends, or fails, before the end tag, the
// scanner cannot find its way back: SkipRecord returns what Raw returned at
// the syntax error (the record up to it, at most maxBytes of it) with the
// syntax error, or with the read error, and that error stays. None of this depends on how the reader splits the input.
//
// Plain scanning never resynchronises by itself: the scanner stays as
// strict as encoding/xml, and recovery is the caller's choice.
func (s *Scanner) SkipRecord() (raw []byte, err error) {
	se, ok := s.err.(*SyntaxError)
	if s.recAt < 0 || !ok {
		if s.err == nil {
			return nil, errors.New("xmlstream: SkipRecord without a syntax error in a record")
		}
		return nil, s.err
	}
	broken := s.Raw()
	top := s.open[s.recAt]
	end := append([]byte("</"), s.names[top.from:top.to]...)
	// The error's position is in the SyntaxError; the buffer index would
	// not survive the compactions of the scan below.
	s.errAt = -1
	m := 0 // bytes of end matched just before s.pos
	stalls := 0
	for {
		if at := s.findEnd(end, &m); at >= 0 {
			return s.resume(at, top)
		}
		if s.eof || s.rerr != nil {
			s.recLen = s.consumed + int64(s.n) - s.recOff
			s.rec, s.recAt = -1, -1
			if s.rerr != nil {
				s.err = s.rerr
				return broken, s.err
			}
			return broken, se
		}
		// Nothing before s.pos is needed to go on matching, so fill keeps
		// only the record, while it fits in maxBytes, and drops it after.
		s.tok0 = s.pos
		if err := s.stall(&stalls); err != nil {
			s.rec, s.recAt = -1, -1
			return broken, err
		}
	}
}

// findEnd looks for end, then optional whitespace and '>', from s.pos on.
// It returns the index after the '>', or -1 with s.pos at the end of the
// buffered input and *m holding how much of the end tag was seen, so that
// a tag split across reads is found too. end starts with '<' and holds no
// other, so a failed match can start over at the byte that broke it.
func (s *Scanner) findEnd(end []byte, m *int) int {
	b := s.buf[:s.n]
	i := s.pos
	defer func() { s.pos = i }()
	for i < len(b) {
		if *m == 0 {
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				i = len(b)
				break
			}
			i += k + 1
			*m = 1
			continue
		}
		c := b[i]
		switch {
		case *m < len(end):
			if c != end[*m] {
				*m = 0
				continue
			}
			*m++
		case c == '>':
			i++
			return i
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			*m = 0 // a longer name, such as </logX>, or an attribute
			continue
		}
		i++
	}
	return -1
}

// resume puts the scanner after the broken record's end tag, at buffer
// index at, in the state it had at the record's parent.
func (s *Scanner) resume(at int, top span) ([]byte, error) {
	var raw []byte
	var err error
	switch {
	case s.rec >= 0 && !s.over && at-s.rec <= s.max:
		raw = bytes.Clone(s.buf[s.rec:at])
	case s.rec >= 0:
		raw, err = bytes.Clone(s.buf[s.rec:s.rec+s.max]), ErrTooLarge
	default:
		raw, err = s.head, ErrTooLarge
	}
	s.recLen = s.consumed + int64(at) - s.recOff
	s.pos, s.tok0 = at, at
	s.open = s.open[:s.recAt]
	s.names = s.names[:top.from]
	s.rec, s.over, s.recAt, s.closeSelf, s.err, s.head = -1, false, -1, false, nil, nil
	return raw, err
}
