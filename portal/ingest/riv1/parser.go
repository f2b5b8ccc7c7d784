// Package riv1 reads access logs in the older RIV format urn:riv:ehr:log:1:
// StoreLogRequest messages, bare or inside a SOAP envelope.
package riv1

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// Parse streams r and emits one record per (Log, Resource with a Patient),
// and one quarantined record for each Log that cannot become an event. It
// returns an error only when reading r fails or emit fails; a syntax error
// ends the parse with a quarantined record instead.
func Parse(r io.Reader, emit portal.Emit) error {
	src := &source{r: r}
	p := parser{
		dec:  xmlstream.New(src, portal.MaxRecordBytes),
		src:  src,
		emit: emit,
	}
	return p.run()
}

type parser struct {
	dec   *xmlstream.Decoder
	src   *source
	emit  portal.Emit
	index int
	log   wireLog // reused: DecodeElement allocates only the strings
}

// isRecord picks the Log elements at any depth, so that the bare request
// and the SOAP envelope need no separate paths.
func isRecord(se xml.StartElement) bool { return se.Name.Local == "Log" }

func (p *parser) run() error {
	for {
		if err := p.step(); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
	}
}

// step handles the next record element.
func (p *parser) step() error {
	se, line, err := p.dec.Next(isRecord)
	switch {
	case err == io.EOF:
		return errStop
	case err != nil:
		return p.broken(err, p.dec.Line())
	}
	return p.logElement(&se, line)
}

// errStop ends the parse without an error: at the end of the input, or
// after a syntax error has been emitted.
var errStop = errors.New("riv1: stop")

func (p *parser) logElement(se *xml.StartElement, line int) error {
	w := &p.log
	clear(w.Resources[:cap(w.Resources)])
	*w = wireLog{Resources: w.Resources[:0]}
	raw, err := p.dec.DecodeElement(w, se)
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return p.quarantine(nil, line, portal.ReasonTooLarge, "Log element exceeds the record size limit")
	case err != nil:
		return p.broken(err, line)
	case w.hasPlaceholder():
		return p.quarantine(raw, line, portal.ReasonPlaceholder, placeholderDetail)
	}

	base, prob := adaptLog(w)
	n := 0
	for i := range w.Resources {
		if w.Resources[i].Patient.XMLName.Local == "" {
			continue // not patient information, e.g. a worklist
		}
		rec := portal.LogRecord{Event: base, Raw: raw, Line: line}
		rp := adaptResource(&rec.Event, w, i)
		switch {
		case prob.reason != "":
			rec.Quarantine(prob.reason, prob.detail)
		case rp.reason != "":
			rec.Quarantine(rp.reason, rp.detail)
		default:
			if reason, detail := rec.Event.Validate(); reason != "" {
				rec.Quarantine(reason, detail)
			}
		}
		if err := p.send(rec); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		// A log without any patient would otherwise vanish silently.
		rec := portal.LogRecord{Event: base, Raw: raw, Line: line}
		rec.Quarantine(portal.ReasonMissingField, "patient id")
		return p.send(rec)
	}
	return nil
}

func (p *parser) quarantine(raw []byte, line int, reason portal.Reason, detail string) error {
	rec := portal.LogRecord{Raw: raw, Line: line}
	rec.Quarantine(reason, detail)
	return p.send(rec)
}

func (p *parser) send(rec portal.LogRecord) error {
	p.index++
	rec.Index = p.index
	return p.emit(rec)
}

// broken handles a decoder error: a failed read is the caller's problem; a
// syntax error quarantines what was read of the current element and ends
// the parse, since nothing after it can be located reliably.
func (p *parser) broken(err error, line int) error {
	if p.src.err != nil {
		return fmt.Errorf("riv1: read: %w", p.src.err)
	}
	if err := p.quarantine(p.dec.Raw(), line, portal.ReasonMalformed, syntaxDetail(err)); err != nil {
		return err
	}
	return errStop
}

// syntaxDetail describes a syntax error in fixed words: encoding/xml's own
// messages can quote names and text from the document.
func syntaxDetail(err error) string {
	var se *xml.SyntaxError
	if !errors.As(err, &se) {
		return "not well-formed XML"
	}
	m := se.Msg
	var what string
	switch {
	case m == "unexpected EOF":
		what = "unexpected end of file"
	case strings.Contains(m, "element name"), strings.Contains(m, "invalid XML name"):
		what = "invalid element name"
	case strings.Contains(m, "end element"), strings.Contains(m, "closed by"):
		what = "mismatched end tag"
	case strings.Contains(m, "attribute"):
		what = "malformed attribute"
	case strings.Contains(m, "UTF-8"), strings.Contains(m, "illegal character"):
		what = "invalid character"
	case strings.Contains(m, "entity"):
		what = "invalid character entity"
	case strings.Contains(m, "comment"):
		what = "malformed comment"
	case strings.Contains(m, "CDATA"):
		what = "malformed CDATA section"
	default:
		what = "syntax error"
	}
	return fmt.Sprintf("not well-formed XML: %s (line %d)", what, se.Line)
}

// source remembers a failed read, which the XML decoder would otherwise
// report like any syntax error.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
