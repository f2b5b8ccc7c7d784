package xmlstream

import (
	"bytes"
	"encoding/xml"
	"io"
)

// Decode fills v from raw, a record's bytes as Element returned them, with
// encoding/xml's reflection: for formats whose wire structs read attributes
// or are too many to fill by hand (riv1, ATNA, FHIR XML). The scanner has
// found the record's bounds, checked it and transcoded it, so the slow
// decoder only ever sees one record of at most maxBytes, and a failure
// costs that record only. Prefixes declared on the record's ancestors are
// not in raw, so v must match local names, as every wire struct here does.
func Decode(raw []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false // undeclared prefixes; raw is well-formed already
	return d.Decode(v)
}

// Head passes a reader through and keeps the first bytes read, at most
// Max: a document in which no record is found is quarantined with what it
// holds, never without raw bytes.
type Head struct {
	R     io.Reader
	Max   int
	Bytes []byte
}

func (h *Head) Read(p []byte) (int, error) {
	n, err := h.R.Read(p)
	if keep := min(n, h.Max-len(h.Bytes)); keep > 0 {
		h.Bytes = append(h.Bytes, p[:keep]...)
	}
	return n, err
}
