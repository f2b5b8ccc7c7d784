package ingest

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/insyn/insyn/portal/ingest/ingesttest"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Format
	}{
		{"riv2 soap", `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><urn:LogicalAddress xmlns:urn="urn:riv:itintegration:registry:1">?</urn:LogicalAddress></soapenv:Header><soapenv:Body><StoreLog xmlns="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2">`, FormatRIV2},
		{"riv2 bare", `<StoreLog xmlns="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2"><log>`, FormatRIV2},
		{"riv1", "\n  <ns:StoreLogRequest xmlns:ns=\"urn:riv:ehr:log:store:StoreLogResponder:1\">", FormatRIV1},
		{"atna", `<?xml version="1.0" encoding="UTF-8"?><AuditMessage><EventIdentification`, FormatATNA},
		{"atna wrapped", `<messages><AuditMessage>`, FormatATNA},
		{"fhir json", "\ufeff  {\"resourceType\":\"AuditEvent\"", FormatFHIR},
		{"fhir xml", `<AuditEvent xmlns="http://hl7.org/fhir"><id value="x"/>`, FormatFHIR},
		{"csv", "source_system,source_log_id,occurred_at,patient_id\n", FormatCSV},
	}
	for _, c := range cases {
		got, err := Detect([]byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "hello", "a,b,c\n1,2,3", `<html><body>`, `<foo xmlns="urn:other">`, "[1,2]",
		`<p191212121212 xmlns="urn:pnr:191212121212"/>`} {
		var unknown *ErrUnknownFormat
		_, err := Detect([]byte(bad))
		if !errors.As(err, &unknown) {
			t.Errorf("Detect(%q) = %v, want ErrUnknownFormat", bad, err)
			continue
		}
		// The detail names the problem and never quotes the input.
		if strings.ContainsAny(err.Error(), "0123456789") || strings.Contains(err.Error(), "urn:") {
			t.Errorf("Detect(%q): detail %q quotes the input", bad, err)
		}
	}
}

// Real messages: SOAP headers of any kind, and XML in the encodings real
// systems write.
func TestDetectRealMessages(t *testing.T) {
	const body = `<soapenv:Body><StoreLog xmlns="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2"><log>`
	wsse := `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>` +
		`<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
		`<wsse:BinarySecurityToken>` + strings.Repeat("MIIC", 2000) + `</wsse:BinarySecurityToken></wsse:Security>` +
		`<urn:LogicalAddress xmlns:urn="urn:riv:itintegration:registry:1">SE1</urn:LogicalAddress></soapenv:Header>` + body
	decl := func(enc string) string {
		return `<?xml version="1.0" encoding="` + enc + `"?>` + "\n<tjsr:StoreLogRequest xmlns:tjsr=\"urn:riv:ehr:log:store:StoreLogResponder:1\"><Log><Name>\xc5sa</Name>"
	}
	enc16 := func(order binary.AppendByteOrder, s string) string {
		b := order.AppendUint16(nil, 0xFEFF)
		for _, u := range utf16.Encode([]rune(s)) {
			b = order.AppendUint16(b, u)
		}
		return string(b)
	}
	cases := []struct {
		name, in string
		want     Format
	}{
		{"soap with ws-security", wsse, FormatRIV2},
		{"windows-1252", decl("windows-1252"), FormatRIV1},
		{"iso-8859-1", decl("ISO-8859-1"), FormatRIV1},
		{"utf-16le with bom", enc16(binary.LittleEndian, `<?xml version="1.0" encoding="UTF-16"?><AuditMessage><Event>`), FormatATNA},
		{"utf-16be with bom", enc16(binary.BigEndian, `<?xml version="1.0" encoding="UTF-16"?><AuditEvent xmlns="http://hl7.org/fhir">`), FormatFHIR},
		{"json array", "[\n {\"resourceType\":\"AuditEvent\"}]", FormatFHIR},
	}
	for _, c := range cases {
		in := []byte(c.in)
		if len(in) > HeadSize {
			in = in[:HeadSize]
		}
		if got, err := Detect(in); err != nil || got != c.want {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// Every public example in ../shared/formats that is a log message is
// detected as its format.
func TestDetectPublicExamples(t *testing.T) {
	root := ingesttest.SharedFormats(t)
	cases := map[string]Format{
		"riv-informationsecurity-auditing-log-v2/examples/StoreLogRequest.xml":                 FormatRIV2,
		"riv-informationsecurity-auditing-log-v2/examples/GetAccessLogsForPatientResponse.xml": FormatRIV2,
		"ihe-balp/AuditEvent-ex-auditBasicReadClient.json":                                     FormatFHIR,
		"fhir-auditevent/r5-build-source-xml/auditevent-example-breakglass-start.xml":          FormatFHIR,
		"dicom-atna/examples-ehealthsuisse/iti-18-log.xml":                                     FormatATNA,
	}
	for rel, want := range cases {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > HeadSize {
			b = b[:HeadSize]
		}
		if got, err := Detect(b); got != want {
			t.Errorf("%s: %q %v, want %q", rel, got, err, want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte(`<StoreLog xmlns="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2">`))
	f.Add([]byte(`{"resourceType":"Bundle"}`))
	f.Add([]byte("source_log_id,occurred_at,patient_id\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Detect(b)
		if (err == nil) == (got == "") {
			t.Fatalf("Detect returned %q with err %v", got, err)
		}
	})
}
