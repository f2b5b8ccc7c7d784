package extract

import (
	"bufio"
	"encoding/json"
	"io"
)

// JSONWriter is a Sink that streams the extract as JSON in the shape of
// Extract, one day at a time.
type JSONWriter struct {
	w    *bufio.Writer
	days int
}

// NewJSONWriter writes to w; call Flush (done by End) before closing w.
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{w: bufio.NewWriter(w)} }

func (j *JSONWriter) field(name string, v any, last bool) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	j.w.WriteString("  \"" + name + "\": ")
	j.w.Write(b)
	if !last {
		j.w.WriteString(",\n")
	}
	return nil
}

func (j *JSONWriter) Begin(x *Extract) error {
	j.w.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{{"lang", x.Lang}, {"title", x.Title}, {"header", x.Header}, {"legend", x.Legend},
		{"labels", x.Labels}, {"footer", x.Footer}} {
		if err := j.field(f.name, f.v, false); err != nil {
			return err
		}
	}
	_, err := j.w.WriteString("  \"days\": [")
	return err
}

func (j *JSONWriter) Day(d *Day) error {
	b, err := json.MarshalIndent(d, "    ", "  ")
	if err != nil {
		return err
	}
	if j.days > 0 {
		j.w.WriteString(",")
	}
	j.days++
	j.w.WriteString("\n    ")
	_, err = j.w.Write(b)
	return err
}

func (j *JSONWriter) End(s *Summary) error {
	if j.days > 0 {
		j.w.WriteString("\n  ")
	}
	j.w.WriteString("],\n")
	if err := j.field("summary", s, true); err != nil {
		return err
	}
	j.w.WriteString("\n}\n")
	return j.w.Flush()
}
