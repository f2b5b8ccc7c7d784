package xmlstream

import (
	"bytes"
	"errors"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// ErrCharset is returned by Charset for a label no decoder is known for.
var ErrCharset = errors.New("xmlstream: unsupported encoding")

// Charset finds the decoder for the encoding an XML declaration names, by
// its WHATWG label (what browsers and golang.org/x/net/html/charset accept:
// windows-1252, iso-8859-1, latin1, ...) or else its IANA name. It returns
// nil, and no error, when the input can be read as it is: UTF-8 under
// another spelling, or an encoding that is not ASCII-compatible (UTF-16)
// named in a declaration that was itself read as ASCII, where the label is
// evidently wrong.
func Charset(label string) (encoding.Encoding, error) {
	e, err := htmlindex.Get(label)
	if err != nil {
		e, err = ianaindex.IANA.Encoding(label)
	}
	if err != nil || e == nil {
		return nil, ErrCharset
	}
	if e == unicode.UTF8 {
		return nil, nil
	}
	const probe = "<?xml version='1.0'?>"
	if out, err := e.NewEncoder().Bytes([]byte(probe)); err != nil || string(out) != probe {
		return nil, nil
	}
	return e, nil
}

// utf16Of recognises UTF-16 at the start of a document, as XML 1.0
// appendix F does: by its byte-order mark, or by "<?" as two 16-bit units.
// The decoder drops the mark.
func utf16Of(b []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{'<', 0, '?', 0}):
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0, '<', 0, '?'}):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	}
	return nil
}

// IsUTF16 tells whether a document starts as UTF-16 does.
func IsUTF16(head []byte) bool { return utf16Of(head) != nil }

// DecodeHead turns the first bytes of a document into UTF-8 when they are
// UTF-16, for format detection; other input is returned as it is. A unit
// cut off at the end becomes U+FFFD.
func DecodeHead(head []byte) []byte {
	enc := utf16Of(head)
	if enc == nil {
		return head
	}
	out, err := enc.NewDecoder().Bytes(head)
	if err != nil {
		return head
	}
	return out
}
