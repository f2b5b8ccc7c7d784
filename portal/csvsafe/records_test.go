package csvsafe

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

type framed struct {
	line   int
	raw    string
	fields []string
	bad    bool // Err or Unclosed
}

func frameAll(t *testing.T, in string) []framed {
	t.Helper()
	rs := NewRecords(strings.NewReader(in))
	var out []framed
	for {
		r, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, framed{r.Line, string(r.Raw), slices.Clone(r.Fields), r.Err != nil || r.Unclosed})
	}
}

func TestRecordsFraming(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []framed
	}{
		{"plain and CRLF", "a,b\r\nc,d\n", []framed{{1, "a,b", []string{"a", "b"}, false}, {2, "c,d", []string{"c", "d"}, false}}},
		{"blank lines are skipped", "a\n\n\r\nb", []framed{{1, "a", []string{"a"}, false}, {4, "b", []string{"b"}, false}}},
		{"quoted line break and quote", "\"x\ny\"\"z\",w\nn\n", []framed{{1, "\"x\ny\"\"z\",w", []string{"x\ny\"z", "w"}, false}, {3, "n", []string{"n"}, false}}},
		{"stray quote costs its line only", "a\"b,c\nd\n", []framed{{1, "a\"b,c", nil, true}, {2, "d", []string{"d"}, false}}},
		{"text after a closing quote", "\"a\"b\nd\n", []framed{{1, "\"a\"b", nil, true}, {2, "d", []string{"d"}, false}}},
		{"unclosed quote runs to the end", "a\n\"b\nc\n", []framed{{1, "a", []string{"a"}, false}, {2, "\"b\nc", nil, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := frameAll(t, tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.line != w.line || g.raw != w.raw || !slices.Equal(g.fields, w.fields) || g.bad != w.bad {
					t.Errorf("record %d: %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// Records and encoding/csv agree on every input encoding/csv reads
// without error: the same records, with the same fields.
func FuzzRecordsAgreeWithEncodingCSV(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", "\"x\ny\",z\r\n\n1,2", "\"\"\"\",\n,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		want, err := cr.ReadAll()
		if err != nil {
			t.Skip("encoding/csv refuses it")
		}
		got := frameAll(t, in)
		if len(got) != len(want) {
			t.Fatalf("%d records, encoding/csv %d", len(got), len(want))
		}
		for i := range got {
			if !slices.Equal(got[i].fields, want[i]) {
				t.Fatalf("record %d: %q, encoding/csv %q", i, got[i].fields, want[i])
			}
		}
	})
}
