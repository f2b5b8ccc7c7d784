// Package riv1 reads access logs in the older RIV format urn:riv:ehr:log:1:
// StoreLogRequest messages, bare or inside a SOAP envelope.
package riv1

import (
	"errors"
	"fmt"
	"io"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// Parse streams r and emits one record per (Log, Resource with a Patient),
// and one quarantined record for each Log that cannot become an event. It
// returns an error only when reading r fails or emit fails. A syntax error
// inside a Log quarantines that Log, whole, and the parse goes on after its
// end tag; a syntax error outside any Log, or one after which the Log's end
// tag never comes, ends the parse with a quarantined record instead.
func Parse(r io.Reader, emit portal.Emit) error {
	p := parser{
		sc:   xmlstream.NewScanner(r, portal.MaxRecordBytes),
		emit: emit,
	}
	return p.run()
}

type parser struct {
	sc    *xmlstream.Scanner
	emit  portal.Emit
	index int
	log   wireLog // reused: decoding allocates only the strings
}

// want picks the Log elements at any depth, so that the bare request and
// the SOAP envelope need no separate paths, and a SOAP Header, to be
// skipped whatever it holds (WS-Security, addressing).
func (p *parser) want(local []byte) bool {
	return string(local) == "Log" || p.sc.IsSOAPHeader(local)
}

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
	tok, line, err := p.sc.Next(p.want)
	switch {
	case err == io.EOF:
		return errStop
	case err != nil:
		return p.broken(err, p.sc.Line())
	}
	if string(tok.Local) == "Header" {
		if err := p.sc.Skip(); err != nil {
			return p.broken(err, p.sc.Line())
		}
		return nil
	}
	return p.logElement(line)
}

// errStop ends the parse without an error: at the end of the input, or
// after a syntax error has been emitted.
var errStop = errors.New("riv1: stop")

func (p *parser) logElement(line int) error {
	e, err := p.sc.Element()
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return p.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlstream.TooLargeDetail)
	case err != nil:
		return p.brokenRecord(err, line)
	}
	raw := e.Raw
	w := &p.log
	clear(w.Resources[:cap(w.Resources)])
	*w = wireLog{Resources: w.Resources[:0]}
	if err := xmlstream.Decode(raw, w); err != nil {
		return p.quarantine(raw, line, portal.ReasonMalformed, "Log element cannot be decoded")
	}
	if w.hasPlaceholder() {
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
	if reason == portal.ReasonTooLarge {
		rec.RawLength = p.sc.RecordLength()
	}
	rec.Quarantine(reason, detail)
	return p.send(rec)
}

func (p *parser) send(rec portal.LogRecord) error {
	p.index++
	rec.Index = p.index
	return p.emit(rec)
}

// broken handles a scanner error outside any record: a failed read is the
// caller's problem; a syntax error quarantines what was read of the current
// element and ends the parse, since nothing after it can be located
// reliably.
func (p *parser) broken(err error, line int) error {
	var se *xmlstream.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("riv1: read: %w", err)
	}
	if err := p.quarantine(p.sc.Raw(), line, portal.ReasonMalformed, malformedDetail(se)); err != nil {
		return err
	}
	return errStop
}

// brokenRecord handles a scanner error inside the Log that began on line:
// the scanner skips to the Log's end tag, the Log is quarantined whole and
// the parse goes on. When the end tag never comes the Log is quarantined
// as far as it was read and the parse ends.
func (p *parser) brokenRecord(err error, line int) error {
	b, err := p.sc.SkipBroken(err, malformedDetail)
	if err != nil {
		return fmt.Errorf("riv1: read: %w", err)
	}
	if err := p.quarantine(b.Raw, line, b.Reason, b.Detail); err != nil {
		return err
	}
	switch {
	case b.ReadErr != nil:
		return fmt.Errorf("riv1: read: %w", b.ReadErr)
	case b.Stop:
		return errStop
	}
	return nil
}

// malformedDetail is the quarantine detail for a syntax error: the
// scanner's messages are fixed phrases that never quote the document.
func malformedDetail(se *xmlstream.SyntaxError) string {
	return fmt.Sprintf("not well-formed XML: %s (line %d)", se.Msg, se.Line)
}
