// Package xmlstream walks a large XML document element by element and hands
// out each wanted element together with its original bytes, so that XML log
// formats can stream (memory bounded by one element, not the document) and
// still keep the raw record for provenance.
package xmlstream

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
)

// Decoder wraps encoding/xml with raw-byte capture.
type Decoder struct {
	dec  *xml.Decoder
	rec  *recorder
	mark int64 // input offset where the current element starts
}

// recorder is an io.ByteReader, so xml.Decoder reads through it without
// buffering of its own and its InputOffset matches what we recorded.
type recorder struct {
	r    *bufio.Reader
	buf  []byte
	base int64 // input offset of buf[0]
	max  int   // bytes kept before dropping (bounded memory)
	over bool  // the current element outgrew max

	latin1  bool // decode ISO-8859-1 into UTF-8
	pending int  // second byte of a decoded character, or -1
}

func (r *recorder) Read(p []byte) (int, error) { panic("xmlstream: Read must not be called") }

func (r *recorder) ReadByte() (byte, error) {
	var b byte
	var err error
	switch {
	case r.pending >= 0:
		b, r.pending = byte(r.pending), -1
	default:
		b, err = r.r.ReadByte()
		if err == nil && r.latin1 && b >= 0x80 {
			b, r.pending = 0xC0|b>>6, int(0x80|b&0x3F)
		}
	}
	if err == nil {
		if len(r.buf) < r.max {
			r.buf = append(r.buf, b)
		} else {
			r.over = true
		}
	}
	return b, err
}

// dropBefore forgets recorded bytes before offset.
func (r *recorder) dropBefore(off int64) {
	n := off - r.base
	if n <= 0 {
		return
	}
	if n >= int64(len(r.buf)) {
		// Every byte up to off has been read (the decoder reads through
		// us one byte at a time), including any not kept after overflow.
		r.base = off
		r.buf = r.buf[:0]
		r.over = false
		return
	}
	r.buf = append(r.buf[:0], r.buf[n:]...)
	r.base = off
	r.over = false
}

func (r *recorder) slice(from, to int64) []byte {
	a, b := from-r.base, to-r.base
	if a < 0 || b > int64(len(r.buf)) || a > b {
		return nil
	}
	return append([]byte(nil), r.buf[a:b]...)
}

// New reads XML from r; one element may hold at most maxBytes.
func New(r io.Reader, maxBytes int) *Decoder {
	rec := &recorder{r: bufio.NewReaderSize(r, 64<<10), max: maxBytes, pending: -1}
	dec := xml.NewDecoder(rec)
	dec.Strict = false // real-world logs are not always well-formed (entities, case)
	d := &Decoder{dec: dec, rec: rec}
	dec.CharsetReader = d.charsetReader
	return d
}

// Next advances to the next start element for which want returns true, at
// any depth, and returns it with its line number. It returns io.EOF at the
// end of the document.
func (d *Decoder) Next(want func(xml.StartElement) bool) (xml.StartElement, int, error) {
	for {
		d.rec.dropBefore(d.dec.InputOffset())
		d.mark = d.dec.InputOffset()
		line, _ := d.dec.InputPos()
		tok, err := d.dec.Token()
		if err != nil {
			return xml.StartElement{}, line, err
		}
		if se, ok := tok.(xml.StartElement); ok && want(se) {
			// The line reported is where the start tag begins.
			return se.Copy(), line, nil
		}
	}
}

// DecodeElement decodes the element started by start into v (as
// xml.Decoder.DecodeElement) and returns its original bytes.
func (d *Decoder) DecodeElement(v any, start *xml.StartElement) ([]byte, error) {
	err := d.dec.DecodeElement(v, start)
	if d.rec.over {
		return nil, ErrTooLarge
	}
	return d.rec.slice(d.mark, d.dec.InputOffset()), err
}

// Raw returns the bytes read since the current element began, bounded by
// maxBytes; it is what a parser quarantines after a syntax error.
func (d *Decoder) Raw() []byte { return d.rec.slice(d.mark, d.rec.base+int64(len(d.rec.buf))) }

// Line is the current line of the input.
func (d *Decoder) Line() int {
	l, _ := d.dec.InputPos()
	return l
}

// charsetReader accepts ISO-8859-1 declarations, common in older systems.
// The recorder itself transcodes, byte by byte: a reader of its own would
// read ahead of the decoder (through bufio), and the offsets the decoder
// reports would no longer match the recorded bytes. Raw then holds UTF-8.
func (d *Decoder) charsetReader(label string, input io.Reader) (io.Reader, error) {
	if !isLatin1(label) || input != io.Reader(d.rec) {
		return nil, errors.New("xmlstream: unsupported charset " + label)
	}
	d.rec.latin1 = true
	return d.rec, nil
}

func isLatin1(label string) bool {
	switch label {
	case "ISO-8859-1", "iso-8859-1", "latin1", "Latin-1", "latin-1":
		return true
	}
	return false
}
