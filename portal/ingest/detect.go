package ingest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// Format names a log format; it is also the name of its package.
type Format string

const (
	FormatRIV2 Format = "riv2"
	FormatRIV1 Format = "riv1"
	FormatFHIR Format = "fhir"
	FormatATNA Format = "atna"
	FormatCSV  Format = "csv"
)

// Formats lists every format in the order --format documents them.
var Formats = []Format{FormatRIV2, FormatRIV1, FormatFHIR, FormatATNA, FormatCSV}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (use auto, riv2, riv1, fhir, atna or csv)", s)
}

// HeadSize is how much of the input Detect needs: enough to get past a SOAP
// header with a WS-Security signature and certificate.
const HeadSize = 64 << 10

// ErrUnknownFormat says what Detect saw instead of a known format, in words
// of its own: never a name, namespace or value from the input, which can
// hold a personal id.
type ErrUnknownFormat struct{ Saw string }

func (e *ErrUnknownFormat) Error() string { return "unknown log format: " + e.Saw }

// Detect names the format of a log from its first bytes: JSON is FHIR; in
// XML the first element decides (looking inside a SOAP Envelope/Body, past
// any Header); a CSV header with our columns is csv. XML in UTF-16 is
// decoded first; in other encodings the names that decide are ASCII.
func Detect(head []byte) (Format, error) {
	head = xmlstream.DecodeHead(head)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return "", &ErrUnknownFormat{Saw: "empty input"}
	case trimmed[0] == '{', isJSONArray(trimmed):
		return FormatFHIR, nil
	case trimmed[0] == '<':
		return detectXML(trimmed)
	case isCSVHeader(trimmed):
		return FormatCSV, nil
	}
	return "", &ErrUnknownFormat{Saw: "neither JSON, XML nor a CSV header with Insyn's columns"}
}

func detectXML(head []byte) (Format, error) {
	dec := xml.NewDecoder(bytes.NewReader(head))
	dec.Strict = false
	// The names we look at are ASCII in every charset we accept.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	inEnvelope := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", &ErrUnknownFormat{Saw: "XML without a recognised log element"}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		ns, local := se.Name.Space, se.Name.Local
		switch {
		case local == "Envelope":
			inEnvelope = true
			continue
		case local == "Header" && inEnvelope:
			// SOAP headers of any kind (an RIV logical address,
			// WS-Security, WS-Addressing) say nothing of the body.
			if dec.Skip() != nil {
				return "", &ErrUnknownFormat{Saw: "XML without a recognised log element"}
			}
			continue
		case local == "Body":
			continue // SOAP: the Body's child decides
		case strings.HasPrefix(ns, "urn:riv:informationsecurity:auditing:log"):
			return FormatRIV2, nil
		case strings.HasPrefix(ns, "urn:riv:ehr:log"):
			return FormatRIV1, nil
		case local == "AuditMessage":
			return FormatATNA, nil
		case ns == "http://hl7.org/fhir":
			return FormatFHIR, nil
		}
		if ns == "" {
			continue // an unqualified wrapper, e.g. around several AuditMessages
		}
		return "", &ErrUnknownFormat{Saw: "XML whose first element is in no known log namespace"}
	}
}

// isJSONArray accepts a JSON array of objects, as some exporters write
// FHIR resources.
func isJSONArray(b []byte) bool {
	if b[0] != '[' {
		return false
	}
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '{' || rest[0] == ']')
}

// isCSVHeader accepts a first line naming at least the key columns.
func isCSVHeader(b []byte) bool {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	cols := map[string]bool{}
	for _, c := range strings.Split(strings.TrimSpace(string(line)), ",") {
		cols[strings.Trim(strings.TrimSpace(c), `"`)] = true
	}
	return cols["source_log_id"] && cols["occurred_at"] && cols["patient_id"]
}
