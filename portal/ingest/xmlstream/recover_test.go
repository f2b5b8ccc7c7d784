package xmlstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every record of doc as a caller that recovers does: a record
// that fails with a syntax error is skipped with SkipRecord. It describes each
// record as "line ok raw", "line skipped raw" or "line lost raw: error", and
// ends with the error that stopped it, if any.
func readAll(r io.Reader, maxBytes int, want func([]byte) bool) (got []string, err error) {
	s := NewScanner(r, maxBytes)
	for {
		_, line, err := s.Next(want)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		e, err := s.Element()
		var se *SyntaxError
		switch {
		case err == nil:
			got = append(got, fmt.Sprintf("%d ok %s", line, e.Raw))
			continue
		case errors.Is(err, ErrTooLarge):
			if len(e.Raw) != maxBytes || e.Raw[0] != '<' {
				return got, fmt.Errorf("record too large with raw %q, want its first %d bytes", e.Raw, maxBytes)
			}
			got = append(got, fmt.Sprintf("%d too large %q", line, e.Raw))
			continue
		case !errors.As(err, &se):
			return got, err
		}
		raw, err := s.SkipRecord()
		switch {
		case err == nil:
			got = append(got, fmt.Sprintf("%d skipped %s", line, raw))
		case errors.Is(err, ErrTooLarge):
			got = append(got, fmt.Sprintf("%d skipped, too large %q", line, raw))
		default:
			got = append(got, fmt.Sprintf("%d lost %s: %v", line, raw, err))
			if _, _, err2 := s.Next(want); err2 != err {
				return got, fmt.Errorf("error not sticky after a failed SkipRecord: %v, then %v", err, err2)
			}
			return got, nil
		}
	}
}

func TestSkipRecord(t *testing.T) {
	// The end tag straddles the scanner's first read of 64 KiB.
	pad := strings.Repeat("x", minBuffer-len("<r><log>&bad;")-3)
	tests := []struct {
		name, doc string
		max       int
		want      []string
	}{
		{"prefix", "<r xmlns:p='urn:p'>\n<p:log><a>&nbsp;</a></p:log>\n<p:log><a>ok</a></p:log></r>", 0, []string{
			"2 skipped <p:log><a>&nbsp;</a></p:log>",
			"3 ok <p:log><a>ok</a></p:log>",
		}},
		{"no prefix, mismatched tag inside", "<r>\n<log>\n<user><a>x</b></user>\n</log>\n<log>ok</log>\n</r>", 0, []string{
			"2 skipped <log>\n<user><a>x</b></user>\n</log>",
			"5 ok <log>ok</log>",
		}},
		{"the record's end tag is the mismatch", "<r><log><a>x</log><log>ok</log></r>", 0, []string{
			"1 skipped <log><a>x</log>",
			"1 ok <log>ok</log>",
		}},
		{"whitespace in the end tag", "<r>\n<log>&bad;\n</log \n\t>\n<log>ok</log></r>", 0, []string{
			"2 skipped <log>&bad;\n</log \n\t>",
			"5 ok <log>ok</log>",
		}},
		{"near misses", "<r xmlns:p='urn:p' xmlns:q='urn:q'><p:log>\x01 </p:logX> </p:log x='1'> </q:log> </log> <</p:lo </p:log></p:log><p:log/></r>", 0, []string{
			"1 skipped <p:log>\x01 </p:logX> </p:log x='1'> </q:log> </log> <</p:lo </p:log>",
			// The stray end tag after the record is an error outside
			// any record.
		}},
		{"depth restored", "<r><a><log><b><c>&bad;</c></b></log></a>\n<a><log>ok</log></a></r>", 0, []string{
			"1 skipped <log><b><c>&bad;</c></b></log>",
			"2 ok <log>ok</log>",
		}},
		{"self-closing and comment before the error", "<r><log><x/><!-- c --><y a='&lt;'/>&bad;</log><log/></r>", 0, []string{
			"1 skipped <log><x/><!-- c --><y a='&lt;'/>&bad;</log>",
			"1 ok <log/>",
		}},
		// The comment's error is found on line 3, past the end tag the
		// skip stops at: lines are counted back to where reading resumes.
		{"error found past the end tag", "<r><log><!-- </log>\n<log>ok</log>\n-- x --></r>", 0, []string{
			"1 skipped <log><!-- </log>",
			"2 ok <log>ok</log>",
		}},
		{"two broken in a row", "<r><log>&a;</log><log>&b;</log>\n<log>ok</log></r>", 0, []string{
			"1 skipped <log>&a;</log>",
			"1 skipped <log>&b;</log>",
			"2 ok <log>ok</log>",
		}},
		{"no end tag", "<r><log>ok</log>\n<log>\n&bad;</Log></r>", 0, []string{
			"1 ok <log>ok</log>",
			"2 lost <log>\n&b: xmlstream: invalid character entity (line 3)",
		}},
		{"truncated", "<r><log>ok</log>\n<log><a>x", 0, []string{
			"1 ok <log>ok</log>",
			"2 lost <log><a>x: xmlstream: unexpected end of file (line 2)",
		}},
		{"larger than the bound", "<r>\n<log>&bad;" + strings.Repeat("x", 300) + "</log>\n<log>ok</log></r>", 64, []string{
			`2 skipped, too large "<log>&bad;` + strings.Repeat("x", 54) + `"`,
			"3 ok <log>ok</log>",
		}},
		{"over the bound before the error", "<r>\n<log>" + strings.Repeat("x", 300) + "&bad;</log>\n<log>ok</log></r>", 64, []string{
			`2 skipped, too large "<log>` + strings.Repeat("x", 59) + `"`,
			"3 ok <log>ok</log>",
		}},
		{"at the bound", "<r><log>&bad;</log><log>ok</log></r>", len("<log>&bad;</log>"), []string{
			"1 skipped <log>&bad;</log>",
			"1 ok <log>ok</log>",
		}},
		// Scanning for the end of the entity name runs past the bound
		// (and past where the record ends), but the error is found at its
		// start: the record up to the error is within the bound, whatever
		// the reads. Found by FuzzScanVsEncodingXML.
		{"lookahead past the bound", "<r><log>&nbjp" + strings.Repeat("\xbb", 100) + ";</Log></r>", 64, []string{
			"1 lost <log>&n: xmlstream: invalid character entity (line 1)",
		}},
		// The comment's error is found past the bound, its end tag within.
		{"comment error past the bound", "<r><log><!-- </log>" + strings.Repeat("x", 100) + "-- x --><log>ok</log></r>", 64, []string{
			"1 skipped <log><!-- </log>",
			"1 ok <log>ok</log>",
		}},
		// Records over the bound, by the token with the error or by the
		// tokens before it, keep their first maxBytes when the end tag
		// never comes either.
		{"lost, error past the bound", "<r><log>" + strings.Repeat("x", 100) + "&bad;</Log></r>", 64, []string{
			"1 lost <log>" + strings.Repeat("x", 59) + ": xmlstream: invalid character entity (line 1)",
		}},
		{"lost, over the bound before the error", "<r><log>" + strings.Repeat("<a>x</a>", 10) + "&bad;</Log></r>", 64, []string{
			"1 lost <log>" + strings.Repeat("<a>x</a>", 7) + "<a>: xmlstream: invalid character entity (line 1)",
		}},
		{"across the first read", "<r><log>&bad;" + pad + "</log>\n<log>ok</log></r>", 0, []string{
			"1 skipped <log>&bad;" + pad + "</log>",
			"2 ok <log>ok</log>",
		}},
	}
	readers := []struct {
		name string
		r    func(string) io.Reader
	}{
		{"whole", func(s string) io.Reader { return strings.NewReader(s) }},
		{"half", func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) }},
		{"bytewise", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				max := tt.max
				if max == 0 {
					max = 1 << 20
				}
				got, err := readAll(rd.r(tt.doc), max, isLog)
				if tt.name == "near misses" {
					var se *SyntaxError
					if !errors.As(err, &se) || se.Msg != msgEndTag {
						t.Errorf("err %v, want a mismatched end tag", err)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			})
		}
	}
}

// A broken record far larger than the bound is skipped in bounded memory.
func TestSkipRecordMemory(t *testing.T) {
	doc := "<r><log>&bad;" + strings.Repeat("y", 8<<20) + "</log><log>ok</log></r>"
	s := NewScanner(iotest.HalfReader(strings.NewReader(doc)), 50)
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Element(); err == nil {
		t.Fatal("no syntax error")
	}
	if raw, err := s.SkipRecord(); string(raw) != "<log>&bad;"+strings.Repeat("y", 40) || err != ErrTooLarge {
		t.Fatalf("SkipRecord: %q %v", raw, err)
	}
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Element(); err != nil || string(e.Raw) != "<log>ok</log>" {
		t.Fatalf("after the skip: %v", err)
	}
	if len(s.buf) > 1<<20 {
		t.Errorf("buffer grew to %d bytes for a 50-byte limit", len(s.buf))
	}
}

func TestSkipRecordMisuse(t *testing.T) {
	s := NewScanner(strings.NewReader("<r><log>ok</log></r>"), 1<<20)
	if _, err := s.SkipRecord(); err == nil {
		t.Error("SkipRecord without an error succeeded")
	}
	// An error outside any record is not recovered from.
	s = NewScanner(strings.NewReader("<r>&bad;<log>ok</log></r>"), 1<<20)
	_, _, err := s.Next(isLog)
	if _, err2 := s.SkipRecord(); err == nil || err2 != err {
		t.Errorf("Next: %v, SkipRecord: %v", err, err2)
	}
	if _, _, err3 := s.Next(isLog); err3 != err {
		t.Errorf("Next after SkipRecord: %v", err3)
	}
	// A read error while looking for the end tag is reported as such.
	errDisk := errors.New("disk on fire")
	s = NewScanner(io.MultiReader(strings.NewReader("<r><log>&bad;xxx"), iotest.ErrReader(errDisk)), 1<<20)
	if _, _, err := s.Next(isLog); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Element(); err == nil {
		t.Fatal("no syntax error")
	}
	if raw, err := s.SkipRecord(); !errors.Is(err, errDisk) || !bytes.HasPrefix(raw, []byte("<log>&")) {
		t.Errorf("SkipRecord: %q %v, want the read error", raw, err)
	}
}
