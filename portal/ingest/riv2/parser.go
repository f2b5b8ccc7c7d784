// Package riv2 reads access logs in the RIV format
// urn:riv:informationsecurity:auditing:log:2: StoreLog requests (bare or in a
// SOAP envelope) and GetLogs/GetAccessLogsForPatient responses.
package riv2

import (
	"errors"
	"fmt"
	"io"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// Parse streams r and emits one record per (log, resource with a patient),
// and one quarantined record for each log or accessLog that cannot become an
// event. It returns an error only when reading r fails or emit fails. A
// syntax error inside a record quarantines that record and the parse goes
// on after its end tag; a syntax error outside any record, or one after
// which the record's end tag never comes, ends the parse with a quarantined
// record instead.
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
	log   wireLog // reused: filling it allocates only the strings
	roles []role
}

// isRecord picks the elements that hold one access each, at any depth, so
// that the bare request, the SOAP envelope and the responses need no
// separate paths.
func isRecord(local []byte) bool {
	return string(local) == "log" || string(local) == "accessLog"
}

// want picks the records, and a SOAP Header so that it can be skipped: a
// header (WS-Security, addressing) is no record, whatever it holds.
func (p *parser) want(local []byte) bool {
	return isRecord(local) || p.sc.IsSOAPHeader(local)
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
	switch string(tok.Local) {
	case "Header":
		if err := p.sc.Skip(); err != nil {
			return p.broken(err, p.sc.Line())
		}
		return nil
	case "accessLog":
		return p.accessLog(line)
	}
	return p.logElement(line)
}

// errStop ends the parse without an error: at the end of the input, or
// after a syntax error has been emitted.
var errStop = errors.New("riv2: stop")

func (p *parser) logElement(line int) error {
	e, err := p.sc.Element()
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return p.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlstream.TooLargeDetail)
	case err != nil:
		return p.brokenRecord(err, line)
	}
	w := &p.log
	clear(w.Resources[:cap(w.Resources)])
	*w = wireLog{Resources: w.Resources[:0]}
	p.roles = w.fill(e, p.roles)
	raw := e.Raw
	if w.hasPlaceholder() {
		return p.quarantine(raw, line, portal.ReasonPlaceholder, placeholderDetail)
	}

	base, prob := adaptLog(w)
	n := 0
	for i := range w.Resources {
		if !w.Resources[i].Patient.Present {
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

func (p *parser) accessLog(line int) error {
	e, err := p.sc.Element()
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return p.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlstream.TooLargeDetail)
	case err != nil:
		return p.brokenRecord(err, line)
	}
	var a wireAccessLog
	a.fill(e)
	prob := adaptAccessLog(&a)
	return p.quarantine(e.Raw, line, prob.reason, prob.detail)
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
		return fmt.Errorf("riv2: read: %w", err)
	}
	if err := p.quarantine(p.sc.Raw(), line, portal.ReasonMalformed, malformedDetail(se)); err != nil {
		return err
	}
	return errStop
}

// brokenRecord handles a scanner error inside the record that began on
// line. A syntax error there need not cost the rest of the batch: a StoreLog
// message carries hundreds of logs, and one writer's stray &nbsp; in a name
// is a common fault. The scanner skips to the record's end tag; the record
// is quarantined, whole, and the parse goes on. When the end tag never
// comes the record is quarantined as far as it was read, as broken does,
// and the parse ends.
func (p *parser) brokenRecord(err error, line int) error {
	b, err := p.sc.SkipBroken(err, malformedDetail)
	if err != nil {
		return fmt.Errorf("riv2: read: %w", err)
	}
	if err := p.quarantine(b.Raw, line, b.Reason, b.Detail); err != nil {
		return err
	}
	switch {
	case b.ReadErr != nil:
		return fmt.Errorf("riv2: read: %w", b.ReadErr)
	case b.Stop:
		return errStop
	}
	return nil
}

// malformedDetail is the quarantine detail for a syntax error. The
// scanner's messages are fixed phrases that never quote the document, so
// they can go into the quarantine as they are.
func malformedDetail(se *xmlstream.SyntaxError) string {
	return fmt.Sprintf("not well-formed XML: %s (line %d)", se.Msg, se.Line)
}
