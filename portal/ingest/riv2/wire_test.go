package riv2

import (
	"bytes"
	"encoding/xml"
	"golang.org/x/text/transform"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
)

// stdRecords reads the record elements of doc with encoding/xml's Unmarshal,
// which fill replaced and must match: the struct tags in wire.go state the
// paths. It stops at the first error.
func stdRecords(doc []byte) (logs []wireLog, access []wireAccessLog, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	// The scanner reads any encoding xmlstream.Charset knows ("UTF8",
	// "latin1", ...); encoding/xml must be given the same, or the two
	// disagree on the declaration rather than on the records.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		e, err := xmlstream.Charset(label)
		if err != nil || e == nil {
			return r, err
		}
		return transform.NewReader(r, e.NewDecoder()), nil
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return logs, access, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "log":
			// Unmarshal has no field for presence: a second pass
			// with a pointer per patient finds it.
			var raw struct {
				Inner []byte `xml:",innerxml"`
			}
			if err := d.DecodeElement(&raw, &se); err != nil {
				return logs, access, err
			}
			inner := append(append([]byte("<log>"), raw.Inner...), "</log>"...)
			var w wireLog
			if err := xml.Unmarshal(inner, &w); err != nil {
				return logs, access, err
			}
			var presence struct {
				Resources []struct {
					Patient *struct{} `xml:"patient"`
				} `xml:"resources>resource"`
			}
			if err := xml.Unmarshal(inner, &presence); err != nil {
				return logs, access, err
			}
			for i, r := range presence.Resources {
				w.Resources[i].Patient.Present = r.Patient != nil
			}
			logs = append(logs, w)
		case "accessLog":
			var a wireAccessLog
			if err := d.DecodeElement(&a, &se); err != nil {
				return logs, access, err
			}
			access = append(access, a)
		}
	}
}

func scanRecords(doc []byte) (logs []wireLog, access []wireAccessLog, err error) {
	sc := xmlstream.NewScanner(bytes.NewReader(doc), portal.MaxRecordBytes)
	var roles []role
	for {
		tok, _, err := sc.Next(isRecord)
		if err != nil {
			return logs, access, err
		}
		isLog := string(tok.Local) == "log"
		e, err := sc.Element()
		if err != nil {
			return logs, access, err
		}
		if isLog {
			var w wireLog
			roles = w.fill(e, roles)
			logs = append(logs, w)
		} else {
			var a wireAccessLog
			a.fill(e)
			access = append(access, a)
		}
	}
}

// checkFill holds fill to Unmarshal on every record both read. Where one
// side fails first the records before the failure must still agree.
func checkFill(t *testing.T, doc []byte) {
	t.Helper()
	wl, wa, werr := stdRecords(doc)
	gl, ga, gerr := scanRecords(doc)
	if (werr == io.EOF) != (gerr == io.EOF) {
		t.Fatalf("encoding/xml: %v, scanner: %v\ndoc %q", werr, gerr, doc)
	}
	if werr != io.EOF {
		wl, gl = wl[:min(len(wl), len(gl))], gl[:min(len(wl), len(gl))]
		wa, ga = wa[:min(len(wa), len(ga))], ga[:min(len(wa), len(ga))]
	}
	if len(wl) != len(gl) || len(wa) != len(ga) {
		t.Fatalf("records: encoding/xml %d+%d, scanner %d+%d", len(wl), len(wa), len(gl), len(ga))
	}
	for i := range wl {
		if len(wl[i].Resources) == 0 {
			wl[i].Resources = nil
		}
		if len(gl[i].Resources) == 0 {
			gl[i].Resources = nil
		}
		if !reflect.DeepEqual(wl[i], gl[i]) {
			t.Fatalf("log %d:\nencoding/xml %+v\n     scanner %+v", i, wl[i], gl[i])
		}
	}
	if !reflect.DeepEqual(wa, ga) {
		t.Fatalf("accessLog:\nencoding/xml %+v\n     scanner %+v", wa, ga)
	}
}

// fillCases are the Unmarshal rules fill must keep; they seed the fuzz target.
var fillCases = []string{
	`<log><logId>a<x>b</x>c</logId><logId>d</logId></log>`,
	`<log><system><systemId>1</systemId></system><system><systemName>n</systemName></system></log>`,
	`<log><resources><resource><patient/></resource><resource/></resources><resources><resource><patient><patientId><extension>1</extension></patientId></patient></resource></resources></log>`,
	`<log><resource><resourceType>t</resourceType></resource><user><personId><root>r</root></personId><careUnit><careUnitId>u</careUnitId></careUnit></user></log>`,
	`<log><logId>1<![CDATA[<2>]]>&amp;<!-- c -->3</logId><activity><activityType/></activity></log>`,
	`<a:log xmlns:a="x"><a:logId>1</a:logId><log><logId>inner</logId></log></a:log>`,
	`<accessLog><userId>u</userId><nested><userId>v</userId></nested></accessLog>`,
}

func TestFillVsUnmarshal(t *testing.T) {
	for _, d := range fillCases {
		checkFill(t, []byte(d))
	}
	for _, name := range testFiles(t) {
		checkFill(t, readFile(t, name))
	}
	checkFill(t, benchLogs(3))
}

func FuzzFillVsUnmarshal(f *testing.F) {
	for _, d := range fillCases {
		f.Add([]byte(d))
	}
	for _, name := range testFiles(f) {
		b, err := readTestdata(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkFill(t, doc)
	})
}

func testFiles(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".xml") {
			names = append(names, e.Name())
		}
	}
	return names
}

func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}
