package xmlstream

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestRawBytesOfNestedElements(t *testing.T) {
	doc := `<?xml version="1.0"?>
<Envelope><Body><req>
  <log><id>1</id></log>
  <log><id>2</id><x a="b"/></log>
</req></Body></Envelope>`
	d := New(strings.NewReader(doc), 1<<20)
	var got []string
	var lines []int
	for {
		se, line, err := d.Next(func(se xml.StartElement) bool { return se.Name.Local == "log" })
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			ID string `xml:"id"`
		}
		raw, err := d.DecodeElement(&v, &se)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.ID+"="+string(raw))
		lines = append(lines, line)
	}
	want := []string{"1=<log><id>1</id></log>", `2=<log><id>2</id><x a="b"/></log>`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", got)
	}
	if lines[0] != 3 || lines[1] != 4 {
		t.Fatalf("lines %v", lines)
	}
}

func TestTooLargeElement(t *testing.T) {
	doc := `<r><log>` + strings.Repeat("x", 100) + `</log><log>ok</log></r>`
	d := New(strings.NewReader(doc), 50)
	want := func(se xml.StartElement) bool { return se.Name.Local == "log" }
	se, _, _ := d.Next(want)
	var s string
	if _, err := d.DecodeElement(&s, &se); err != ErrTooLarge {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	se, _, _ = d.Next(want)
	raw, err := d.DecodeElement(&s, &se)
	if err != nil || string(raw) != "<log>ok</log>" {
		t.Fatalf("after too large: %q %v", raw, err)
	}
}

func TestLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><log>V\xe5rdcentralen</log></r>"
	d := New(strings.NewReader(doc), 1<<20)
	se, _, err := d.Next(func(se xml.StartElement) bool { return se.Name.Local == "log" })
	if err != nil {
		t.Fatal(err)
	}
	var s string
	raw, err := d.DecodeElement(&s, &se)
	if err != nil || s != "Vårdcentralen" || string(raw) != "<log>Vårdcentralen</log>" {
		t.Fatalf("got %q, raw %q, err %v", s, raw, err)
	}
}
