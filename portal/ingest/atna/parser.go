package atna

import (
	"bytes"
	"encoding/xml"
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
// unreadable input is quarantined instead.
func Parse(r io.Reader, emit portal.Emit) error {
	src := &errReader{r: r}
	d := xmlstream.New(src, portal.MaxRecordBytes)
	index := 0
	quarantine := func(raw []byte, line int, reason portal.Reason, detail string) error {
		index++
		rec := portal.LogRecord{Raw: raw, Line: line, Index: index}
		rec.Quarantine(reason, detail)
		return emit(rec)
	}
	sawElement := false
	want := func(se xml.StartElement) bool {
		sawElement = true
		return se.Name.Local == "AuditMessage"
	}
	for {
		se, line, err := d.Next(want)
		if err == io.EOF {
			break
		}
		if err != nil {
			if src.err != nil {
				return fmt.Errorf("atna: read: %w", src.err)
			}
			return quarantine(d.Raw(), line, portal.ReasonMalformed, "document is not well-formed XML")
		}
		var m auditMessage
		raw, err := d.DecodeElement(&m, &se)
		if src.err != nil {
			return fmt.Errorf("atna: read: %w", src.err)
		}
		if errors.Is(err, xmlstream.ErrTooLarge) {
			if err := quarantine(nil, line, portal.ReasonTooLarge, "record exceeds the size limit"); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			// The decoder cannot go on after a syntax error.
			return quarantine(raw, line, portal.ReasonMalformed, "audit message is not well-formed XML")
		}
		for _, r := range adapt(&m, raw) {
			index++
			rec := r
			rec.Raw, rec.Line, rec.Index = raw, line, index
			if err := emit(rec); err != nil {
				return err
			}
		}
	}
	if src.err != nil {
		return fmt.Errorf("atna: read: %w", src.err)
	}
	if index == 0 && (sawElement || src.content) {
		return quarantine(nil, 1, portal.ReasonNotAccessLog, "document holds no AuditMessage")
	}
	return nil
}

// errReader remembers a failure of the underlying reader, so that a read
// error is returned as such and not mistaken for malformed input. It also
// notes whether the input held anything but white space: text without any
// element is not an empty file.
type errReader struct {
	r       io.Reader
	err     error
	content bool
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	if !e.content && len(bytes.TrimSpace(p[:n])) > 0 {
		e.content = true
	}
	return n, err
}
