package atna

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// Parse reads every AuditMessage element in r, at any depth (a bare
// message, several under a wrapper root, or inside a SOAP or syslog
// envelope), and emits one record for each patient a message names.
// Parse returns an error only when reading r fails or emit returns one;
// unreadable input is quarantined instead: a broken message whole, and the
// parse goes on after its end tag.
func Parse(r io.Reader, emit portal.Emit) error {
	head := &xmlstream.Head{R: r, Max: portal.MaxRecordBytes}
	p := &parser{sc: xmlstream.NewScanner(head, portal.MaxRecordBytes), emit: emit}
	for {
		err := p.step()
		if err == errStop {
			break
		}
		if err != nil {
			return err
		}
	}
	if p.index == 0 && (p.sawElement || len(bytes.TrimSpace(head.Bytes)) > 0) {
		// Nothing else of the document is a record: it is kept, as far
		// as the bound, in the one quarantined record saying so.
		return p.quarantine(head.Bytes, 1, portal.ReasonNotAccessLog, "document holds no AuditMessage")
	}
	return nil
}

type parser struct {
	sc         *xmlstream.Scanner
	emit       portal.Emit
	index      int
	sawElement bool
}

// errStop ends the parse without an error: at the end of the input, or
// after a syntax error outside any message has been emitted.
var errStop = errors.New("atna: stop")

// want picks AuditMessage elements and a SOAP Header, which is skipped
// whatever it holds.
func (p *parser) want(local []byte) bool {
	p.sawElement = true
	return string(local) == "AuditMessage" || p.sc.IsSOAPHeader(local)
}

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
	e, err := p.sc.Element()
	switch {
	case errors.Is(err, xmlstream.ErrTooLarge):
		return p.quarantine(e.Raw, line, portal.ReasonTooLarge, xmlstream.TooLargeDetail)
	case err != nil:
		return p.brokenRecord(err, line)
	}
	raw := e.Raw
	var m auditMessage
	if err := xmlstream.Decode(raw, &m); err != nil {
		return p.quarantine(raw, line, portal.ReasonMalformed, "audit message cannot be decoded")
	}
	for _, r := range adapt(&m, raw) {
		p.index++
		rec := r
		rec.Raw, rec.Line, rec.Index = raw, line, p.index
		if err := p.emit(rec); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) quarantine(raw []byte, line int, reason portal.Reason, detail string) error {
	p.index++
	rec := portal.LogRecord{Raw: raw, Line: line, Index: p.index}
	if reason == portal.ReasonTooLarge {
		rec.RawLength = p.sc.RecordLength()
	}
	rec.Quarantine(reason, detail)
	return p.emit(rec)
}

// broken handles a scanner error outside any message: a failed read is the
// caller's problem; a syntax error quarantines what was read of the current
// element and ends the parse, since nothing after it can be located
// reliably.
func (p *parser) broken(err error, line int) error {
	var se *xmlstream.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("atna: read: %w", err)
	}
	if err := p.quarantine(p.sc.Raw(), line, portal.ReasonMalformed, "document is not well-formed XML: "+se.Msg); err != nil {
		return err
	}
	return errStop
}

// brokenRecord handles a syntax error inside the message that began on
// line: the scanner skips to the message's end tag, the message is
// quarantined whole and the parse goes on. When the end tag never comes
// the message is quarantined as far as it was read and the parse ends.
func (p *parser) brokenRecord(err error, line int) error {
	b, err := p.sc.SkipBroken(err, func(se *xmlstream.SyntaxError) string { return "audit message is not well-formed XML: " + se.Msg })
	if err != nil {
		return fmt.Errorf("atna: read: %w", err)
	}
	if err := p.quarantine(b.Raw, line, b.Reason, b.Detail); err != nil {
		return err
	}
	switch {
	case b.ReadErr != nil:
		return fmt.Errorf("atna: read: %w", b.ReadErr)
	case b.Stop:
		return errStop
	}
	return nil
}
