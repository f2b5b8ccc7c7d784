package fhir

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// want is what one record must hold; every field is compared, so a zero
// value asserts that the parser found nothing there.
type want struct {
	reason     portal.Reason
	detail     string
	line       int
	logID      string // "sha256:" means the hash of the raw record
	system     string
	actor      portal.HSAID
	actorName  string
	title      string
	unit       portal.Party
	provider   portal.Party
	patient    string // digits
	kind       portal.IDKind
	activity   portal.Activity
	actCode    string
	purpose    portal.Purpose
	purposeCod string
	emergency  bool
	resource   string
	at         string // RFC 3339, empty for no time
}

const uriRef = portal.KindReservnummer // a literal reference kept as the id the source gave

var (
	sos      = portal.Party{HSAID: "SE2321000016-15CQ", Name: "Akutmottagningen Södersjukhuset"}
	regionSt = portal.Party{HSAID: "SE2321000016-0001", Name: "Region Stockholm"}
	rinkeby  = portal.Party{Name: "Vårdcentralen Rinkeby"}
)

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file string
		// why documents the decision for the file.
		why  string
		want []want
	}{
		// The four IHE BALP examples (FHIR R4). Ids are kept as the log
		// gives them, but a display name ("John Smith") is not an id, and
		// a host name in source.site is not a site. None is stored: the
		// two REST examples name their user only by name and no
		// organisation or site; the two SAML examples identify the user
		// but name no patient, and no unit (QDI-Comp's organisation agent
		// is typed PROV, a care provider, which is not the acting unit).
		{"AuditEvent-ex-auditBasicReadClient.json", "read of a List for Patient/ex-patient; user only a display name; no organisation or site", []want{{
			reason: portal.ReasonMissingField, detail: "user id, acting care unit", line: 1, logID: "ex-auditBasicReadClient",
			system: "myMachine.example.org", actorName: "John Smith",
			patient: "Patient/ex-patient", kind: uriRef, activity: portal.ActivityRead, actCode: "read",
			resource: "List", at: "2020-04-29T09:49:00Z",
		}}},
		{"AuditEvent-ex-auditBasicQueryGetServer.json", "search (a read) for Patient/ex-patient; user only a display name; site is a host name; observer only a reference", []want{{
			reason: portal.ReasonMissingField, detail: "user id, acting care unit", line: 1, logID: "ex-auditBasicQueryGetServer",
			actorName: "John Smith", patient: "Patient/ex-patient", kind: uriRef,
			activity: portal.ActivityRead, actCode: "search", at: "2020-04-29T09:49:00Z",
		}}},
		{"AuditEvent-ex-auditPoke-SAML-Min2.json", "SAML token use: user JoeL (carequality id as given), no organisation, no patient; ETREAT among the permitted purposes", []want{{
			reason: portal.ReasonMissingField, detail: "acting care unit, patient id", line: 1, logID: "ex-auditPoke-SAML-Min2",
			actor:    "JoeL",
			activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeCare, purposeCod: "ETREAT",
			emergency: true, at: "2021-12-03T09:49:00Z",
		}}},
		{"AuditEvent-ex-auditPoke-SAML-QDI-Comp.json", "SAML token use: user by LDAP id, name from the SAML subject-id; organisation agent (PROV) is a provider, not a unit; no patient (the Consent is the data)", []want{{
			reason: portal.ReasonMissingField, detail: "acting care unit, patient id", line: 1, logID: "ex-auditPoke-SAML-QDI-Comp",
			actor: "UID=kskagerb", actorName: "Karl S Skagerberg", title: "Public health officier",
			provider: portal.Party{HSAID: "urn:oid:2.16.840.1.113883.3.333", Name: "connectred5.fedsconnect.org"},
			activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, purposeCod: "PUBLICHEALTH",
			resource: "Consent", at: "2021-12-03T09:49:00Z",
		}}},
		// The two FHIR core R5 XML examples. The break-glass start is an
		// emergency access (subtype 110127 and authorization ETREAT) whose
		// user and location are literal references, kept as their ids:
		// stored. In the disclosure the only requesting agent is typed as a
		// DICOM Source Role (a system, whatever its display says) and the
		// other agent is the destination: there is no user.
		{"auditevent-example-breakglass-start.xml", "emergency access; user Practitioner/f001 and unit Location/1 as literal references", []want{{
			line: 1, logID: "example-breakglass-start",
			system: "Watchers Accounting of Disclosures Application", actor: "Practitioner/f001",
			unit: portal.Party{HSAID: "Location/1"}, patient: "Patient/example", kind: uriRef,
			activity: portal.ActivityEmergency, actCode: "110127", purpose: portal.PurposeCare, purposeCod: "ETREAT",
			emergency: true, at: "2013-09-22T00:08:00Z",
		}}},
		{"auditevent-example-disclosure.xml", "disclosure for marketing; requesting agent is a DICOM source role, the other a destination: no user", []want{{
			reason: portal.ReasonMissingField, detail: "user id", line: 1, logID: "example-disclosure",
			system: "Watchers Accounting of Disclosures Application", unit: portal.Party{HSAID: "Location/1"},
			patient: "Patient/example", kind: uriRef, activity: portal.ActivityRead, actCode: "R",
			purpose: portal.PurposeOther, purposeCod: "HMARKT", at: "2013-09-22T00:08:00Z",
		}}},
		{"se-read-r4.json", "complete R4 read: unit from agent.location, provider from a PROV agent", []want{{
			line: 1, logID: "sos-journal-4711", system: "TakeCare",
			actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist", title: "Sjuksköterska",
			unit: sos, provider: regionSt, patient: "191212121212", kind: portal.KindPersonnummer,
			activity: portal.ActivityRead, actCode: "read", purpose: portal.PurposeCare, purposeCod: "TREAT",
			resource: "DocumentReference", at: "2024-03-14T09:12:31+01:00",
		}}},
		{"se-etreat-r4.json", "emergency treatment; unit and provider from extensions; samordningsnummer", []want{{
			line: 1, logID: "sos-nodoppning-9001", system: "Cosmic",
			actor: "SE2321000016-B7K9", actorName: "Johan Ek", unit: sos,
			provider: portal.Party{HSAID: "SE2321000016-0001"}, patient: "191212721219", kind: portal.KindSamordningsnummer,
			activity: portal.ActivityRead, actCode: "search", purpose: portal.PurposeCare, purposeCod: "ETREAT",
			emergency: true, at: "2024-03-15T02:47:05Z",
		}}},
		{"se-bundle.json", "streamed Bundle with an Observation among AuditEvents", []want{
			{
				line: 7, logID: "bundle-ae-1", actor: "SE2321000016-C3D4", actorName: "Sara Holm",
				unit: rinkeby, patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityWrite, actCode: "create", purpose: portal.PurposeOther, at: "2024-04-02T13:05:00+02:00",
			},
			{reason: portal.ReasonNotAccessLog, detail: "resource is not an AuditEvent", line: 23},
			{ // no id: the hash of the resource's bytes
				line: 31, logID: "sha256:", actor: "SE2321000016-C3D4", unit: rinkeby,
				patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityDelete, actCode: "D", purpose: portal.PurposeOther, at: "2024-04-02T13:09:00+02:00",
			},
			{
				reason: portal.ReasonMissingField, detail: "acting care unit", line: 44, logID: "bundle-ae-no-unit",
				actor: "SE2321000016-C3D4", patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", at: "2024-04-02T13:10:00+02:00",
			},
		}},
		{"se-lines.ndjson", "NDJSON: a broken line is quarantined and reading goes on", []want{
			{
				line: 1, logID: "nd-1", actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist", unit: sos,
				patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-05-06T08:00:00+02:00",
			},
			{reason: portal.ReasonMalformed, detail: "line is not well-formed JSON", line: 2},
			{ // R5 shape in JSON: patient, code, authorization, source.site as a Reference
				line: 3, logID: "nd-3", system: "Millennium", actor: "SE2321000016-E5F6", actorName: "Per Nyström",
				unit:    portal.Party{HSAID: "SE2321000016-9KLM", Name: "Kvalitetsenheten Karolinska"},
				patient: "198503152384", kind: portal.KindPersonnummer, activity: portal.ActivityRead, actCode: "read",
				purpose: portal.PurposeQualityAssurance, purposeCod: "HQUALIMP", at: "2024-05-06T08:02:01+02:00",
			},
			{
				reason: portal.ReasonPlaceholder, detail: "log id", line: 5, logID: "?",
				activity: portal.ActivityRead, actCode: "R", at: "2024-05-06T08:03:00+02:00",
			},
			{
				reason: portal.ReasonInvalidField, detail: "patient id", line: 6, logID: "nd-5",
				actor: "SE2321000016-A1B2", unit: portal.Party{Name: sos.Name},
				activity: portal.ActivityRead, actCode: "R", at: "2024-05-06T08:04:00+02:00",
			},
			{ // a regional reserve number is kept with its OID
				line: 7, logID: "nd-6", actor: "SE2321000016-A1B2", unit: portal.Party{Name: sos.Name},
				patient: "RES-2024-0042", kind: portal.KindReservnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-05-06T08:05:00+02:00",
			},
		}},
		{"se-patients.ndjson", "one event per patient; users and units in their own ids; systems are not users", []want{
			{ // GLN user and a unit in a local scheme, kept as given; the third entity repeats the first patient
				line: 1, logID: "multi-1#1", actor: "7601000000001", actorName: "Eva Berg",
				unit:    portal.Party{HSAID: "U-42", Name: "Ortopedkliniken"},
				patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:00:00+02:00",
			},
			{
				line: 1, logID: "multi-1#2", actor: "7601000000001", actorName: "Eva Berg",
				unit:    portal.Party{HSAID: "U-42", Name: "Ortopedkliniken"},
				patient: "RES-2024-0042", kind: portal.KindReservnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:00:00+02:00",
			},
			{ // R5 patient and the patient entity are one patient; a Device and a DICOM source role are not the user
				line: 2, logID: "multi-2", actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist",
				unit: portal.Party{Name: sos.Name}, patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:01:00+02:00",
			},
			{ // no agent marked requestor: the person among all agents
				line: 3, logID: "multi-3", actor: "SE2321000016-A1B2",
				unit: portal.Party{Name: sos.Name}, patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:02:00+02:00",
			},
			{
				line: 4, logID: "multi-4#1", actor: "SE2321000016-A1B2",
				unit: portal.Party{Name: sos.Name}, patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:03:00+02:00",
			},
			{ // a wrong check digit spoils only that patient's event
				reason: portal.ReasonInvalidField, detail: "patient id", line: 4, logID: "multi-4#2", actor: "SE2321000016-A1B2",
				unit:     portal.Party{Name: sos.Name},
				activity: portal.ActivityRead, actCode: "R", at: "2024-10-01T09:03:00+02:00",
			},
			{ // only a system requested: no user, though the place is known
				reason: portal.ReasonMissingField, detail: "user id", line: 5, logID: "multi-5",
				unit: portal.Party{Name: sos.Name}, patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", at: "2024-10-01T09:04:00+02:00",
			},
			{ // a patient reading their own record through a portal is the user
				line: 6, logID: "multi-6", actor: "Patient/p9", actorName: "Tolvan Tolvansson", title: "Patient",
				unit: portal.Party{Name: "1177 Vårdguiden"}, patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:05:00+02:00",
			},
		}},
		{"se-contained.json", "user, unit and patient in contained resources; period.start as time", []want{{
			line: 1, logID: "contained-1", actor: "SE2321000016-G7H8", actorName: "Lena Berg",
			unit:    portal.Party{HSAID: "SE2321000016-2XYZ", Name: "Hjärtavdelning 52 Danderyds sjukhus"},
			patient: "197306124566", kind: portal.KindPersonnummer,
			activity: portal.ActivityWrite, actCode: "update", purpose: portal.PurposeAdministration, purposeCod: "HOPERAT",
			at: "2024-06-01T10:00:00+02:00",
		}}},
		{"se-truncated.json", "a single document cut short", []want{
			{reason: portal.ReasonMalformed, detail: "document is truncated JSON", line: 1},
		}},
		{"se-r5.xml", "R5 XML with ETREAT authorization", []want{{
			line: 2, logID: "r5-sos-1", system: "TakeCare", actor: "SE2321000016-J9K0", actorName: "Erik Sandberg",
			title: "Läkare", unit: sos, patient: "191212121212", kind: portal.KindPersonnummer,
			activity: portal.ActivityRead, actCode: "read", purpose: portal.PurposeCare, purposeCod: "ETREAT",
			emergency: true, at: "2024-07-01T14:30:02+02:00",
		}}},
		{"se-bundle.xml", "XML Bundle: a Patient entry is not an access log; unit from an SDLOC agent, its reference as the id", []want{
			{reason: portal.ReasonNotAccessLog, detail: "resource is not an AuditEvent", line: 5},
			{
				line: 12, logID: "xml-bundle-ae", actor: "SE2321000016-L1M2",
				unit: portal.Party{HSAID: "Organization/fou", Name: "FoU-enheten Region Skåne"}, patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "vread", purpose: portal.PurposeStatistics, purposeCod: "HRESCH",
				at: "2024-07-02T09:00:00Z",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := parseFile(t, tt.file)
			if len(recs) != len(tt.want) {
				t.Fatalf("%d records %v, want %d (%s)", len(recs), reasons(recs), len(tt.want), tt.why)
			}
			for i, w := range tt.want {
				checkRecord(t, i, recs[i], w)
			}
		})
	}
}

func checkRecord(t *testing.T, i int, rec portal.LogRecord, w want) {
	t.Helper()
	e := rec.Event
	got := want{
		reason: rec.Reason, detail: rec.Detail, line: rec.Line, logID: e.SourceLogID, system: e.SourceSystem,
		actor: e.ActorHSAID, actorName: e.ActorName, title: e.ActorTitle,
		unit: e.ActorUnit, provider: e.ActorProvider, patient: e.Patient.Digits(), kind: e.Patient.Kind(),
		activity: e.Activity, actCode: e.ActivityCode, purpose: e.Purpose, purposeCod: e.PurposeCode,
		emergency: e.Emergency(), resource: e.ResourceType,
	}
	if w.logID == "sha256:" {
		sum := sha256.Sum256(rec.Raw)
		if e.SourceLogID != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("record %d: log id %q is not the hash of the raw record", i+1, e.SourceLogID)
		}
		got.logID = w.logID
	}
	if !e.OccurredAt.IsZero() {
		got.at = e.OccurredAt.Format(time.RFC3339Nano)
		if wt, err := time.Parse(time.RFC3339Nano, w.at); err == nil && wt.Equal(e.OccurredAt) {
			got.at = w.at
		}
	}
	if got != w {
		t.Errorf("record %d:\n got %+v\nwant %+v", i+1, got, w)
	}
	if rec.Index != i+1 {
		t.Errorf("record %d: index %d", i+1, rec.Index)
	}
	raw := bytes.TrimSpace(rec.Raw)
	switch {
	case rec.Reason == portal.ReasonMalformed || rec.Reason == portal.ReasonTooLarge:
	case bytes.HasPrefix(raw, []byte("<")):
		if !bytes.HasSuffix(raw, []byte(">")) {
			t.Errorf("record %d: raw is not a whole element", i+1)
		}
	case !json.Valid(raw) || raw[0] != '{':
		t.Errorf("record %d: raw is not one JSON resource", i+1)
	}
}

func parseFile(t *testing.T, name string) []portal.LogRecord {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parse(t, f)
}

func parse(t testing.TB, r io.Reader) []portal.LogRecord {
	t.Helper()
	var recs []portal.LogRecord
	if err := Parse(r, func(rec portal.LogRecord) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return recs
}

func reasons(recs []portal.LogRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Reason)+":"+r.Detail)
	}
	return out
}

// swedishEvent is a complete compact AuditEvent with the given id.
func swedishEvent(id string) string {
	return `{"resourceType":"AuditEvent","id":"` + id + `","action":"R","recorded":"2024-05-06T08:00:00+02:00",` +
		`"agent":[{"who":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.4.1","value":"SE2321000016-A1B2"}},"requestor":true,` +
		`"location":{"display":"Akutmottagningen Södersjukhuset"}}],` +
		`"entity":[{"what":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},"role":{"code":"1"}}]}`
}

// A Bundle far larger than what the streaming reader may hold for one
// record parses entry by entry, with the right line for each.
func TestLargeBundleStreams(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\n")
	n := 0
	for b.Len() < 5*portal.MaxRecordBytes {
		if n > 0 {
			b.WriteString(",\n")
		}
		n++
		fmt.Fprintf(&b, `{"resource":%s}`, swedishEvent(fmt.Sprint("e", n)))
	}
	b.WriteString("\n]}\n")
	got := 0
	err := Parse(strings.NewReader(b.String()), func(rec portal.LogRecord) error {
		got++
		if rec.Quarantined() || rec.Line != got+1 || rec.Event.SourceLogID != fmt.Sprint("e", got) {
			return fmt.Errorf("record %d: %s %s line %d", got, rec.Reason, rec.Detail, rec.Line)
		}
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("got %d of %d records, err %v", got, n, err)
	}
}

func TestOneLineBundleAndArray(t *testing.T) {
	doc := `{"resourceType":"Bundle","entry":[{"resource":` + swedishEvent("a") + `},{"resource":` + swedishEvent("b") + `}]}`
	if recs := parse(t, strings.NewReader(doc)); len(recs) != 2 || recs[1].Event.SourceLogID != "b" || recs[1].Quarantined() {
		t.Errorf("one-line bundle: %v", reasons(recs))
	}
	doc = "[" + swedishEvent("a") + "," + swedishEvent("b") + "]\n"
	if recs := parse(t, strings.NewReader(doc)); len(recs) != 2 || recs[1].Event.SourceLogID != "b" || recs[1].Quarantined() {
		t.Errorf("one-line array: %v", reasons(recs))
	}
	doc = "[\n" + swedishEvent("a") + ",\n" + swedishEvent("b") + "\n]"
	recs := parse(t, strings.NewReader(doc))
	if len(recs) != 2 || recs[1].Line != 3 || recs[0].Quarantined() || recs[1].Quarantined() {
		t.Errorf("array: %v", reasons(recs))
	}
}

func TestTooLarge(t *testing.T) {
	big := strings.Replace(swedishEvent("big"), `"action"`, `"text":{"div":"`+strings.Repeat("x", portal.MaxRecordBytes)+`"},"action"`, 1)
	// NDJSON: the long line is quarantined and the next read.
	recs := parse(t, strings.NewReader(swedishEvent("a")+"\n"+big+"\n"+swedishEvent("c")+"\n"))
	if len(recs) != 3 || recs[1].Reason != portal.ReasonTooLarge || recs[1].Line != 2 || recs[2].Quarantined() {
		t.Errorf("ndjson: %v", reasons(recs))
	}
	// Inside a bundle the entry is skipped and the next one read.
	doc := `{"resourceType":"Bundle","entry":[{"resource":` + big + `},{"resource":` + swedishEvent("c") + `}]}`
	recs = parse(t, strings.NewReader(doc))
	if len(recs) != 2 || recs[0].Reason != portal.ReasonTooLarge || recs[1].Quarantined() {
		t.Errorf("bundle: %v", reasons(recs))
	}
}

func TestNotAuditEvent(t *testing.T) {
	for _, doc := range []string{
		`{"resourceType":"Patient","id":"p"}`,
		"{\n  \"resourceType\": \"Observation\"\n}",
		`<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>`,
		`<Envelope><Body/></Envelope>`,
		`42`,
	} {
		recs := parse(t, strings.NewReader(doc))
		if len(recs) != 1 || recs[0].Reason != portal.ReasonNotAccessLog {
			t.Errorf("%q: %v", doc, reasons(recs))
		}
	}
	if recs := parse(t, strings.NewReader("\xef\xbb\xbf \n")); len(recs) != 0 {
		t.Errorf("empty input: %v", reasons(recs))
	}
}

// An XML document without any AuditEvent (an empty search result, a
// Bundle of other resources' entries only) is quarantined with its bytes:
// the store refuses a quarantine row without them.
func TestXMLWithoutAuditEvent(t *testing.T) {
	for _, doc := range []string{
		`<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><total value="0"/></Bundle>`,
		"<?xml version=\"1.0\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\">\n  <type value=\"collection\"/>\n</Bundle>\n",
		`<Envelope><Body/></Envelope>`,
	} {
		recs := parse(t, strings.NewReader(doc))
		if len(recs) != 1 || recs[0].Reason != portal.ReasonNotAccessLog || string(recs[0].Raw) != doc {
			t.Errorf("%q: %v, raw %q", doc, reasons(recs), recs[0].Raw)
		}
	}
}

func TestLongPatientReference(t *testing.T) {
	ref := "https://fhir.sodersjukhuset.example.se/api/fhir/r4/Patient/0b3e8f5c-6a1d-4c2e-9f7a-2d4b6c8e0a1f"
	doc := strings.Replace(swedishEvent("a"), `{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}}`, `{"reference":"`+ref+`"}`, 1)
	recs := parse(t, strings.NewReader(doc))
	if len(recs) != 1 || recs[0].Quarantined() || recs[0].Event.Patient.Digits() != "Patient/0b3e8f5c-6a1d-4c2e-9f7a-2d4b6c8e0a1f" {
		t.Fatalf("%v %q", reasons(recs), recs[0].Event.Patient.Digits())
	}
}

func TestIsNDJSON(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{swedishEvent("a") + "\n" + swedishEvent("b"), true},
		{swedishEvent("a"), true},
		{`{"resourceType":"AuditEvent","id":"x",` + "\n" + swedishEvent("b"), true}, // broken first line
		{"{\n  \"resourceType\": \"AuditEvent\"\n}", false},
		{`{"resourceType":"AuditEvent","agent":[` + "\n" + `{"who":{"display":"x"}}` + "\n]}", false},
	}
	for _, tt := range tests {
		if got := isNDJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("isNDJSON(%.40q) = %v", tt.in, got)
		}
	}
}

func TestEmitErrorIsReturned(t *testing.T) {
	stop := errors.New("store full")
	for _, doc := range []string{
		swedishEvent("a") + "\n" + swedishEvent("b"),
		`{"resourceType":"Bundle","entry":[{"resource":` + swedishEvent("a") + `}]}`,
		"{\n" + swedishEvent("a")[1:],
		`<AuditEvent xmlns="http://hl7.org/fhir"><id value="x"/></AuditEvent>`,
		`{"resourceType":`,
	} {
		err := Parse(strings.NewReader(doc), func(portal.LogRecord) error { return stop })
		if err != stop {
			t.Errorf("%.30q: err = %v, want the emit error unchanged", doc, err)
		}
	}
}

type failingReader struct{ data string }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data != "" {
		n := copy(p, f.data)
		f.data = f.data[n:]
		return n, nil
	}
	return 0, errors.New("disk gone")
}

func TestReadErrorIsReturned(t *testing.T) {
	for _, data := range []string{"", "{\n\"resourceType\": \"Bundle\", \"entry\": [", swedishEvent("a") + "\n", "<AuditEvent>"} {
		err := Parse(&failingReader{data: data}, func(portal.LogRecord) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Errorf("%.30q: err = %v", data, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(swedishEvent("a") + "\n{\n" + swedishEvent("b")))
	f.Add([]byte("[\n" + swedishEvent("a") + ",\n" + deep("b", 30) + ",42]"))
	f.Add([]byte("{\"resourceType\": \"Bundle\",\n\"entry\": [{\"resource\": " + deep("a", 20) + "}, 7, {\"resource\": \"x\"}]}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		next := 1
		err := Parse(bytes.NewReader(b), func(rec portal.LogRecord) error {
			if rec.Index != next {
				t.Fatalf("index %d, want %d", rec.Index, next)
			}
			next++
			if rec.Line < 1 {
				t.Fatalf("line %d", rec.Line)
			}
			if rec.Quarantined() {
				if rec.Raw == nil {
					t.Fatalf("quarantined without raw bytes")
				}
				if rec.Detail == "" || strings.ContainsAny(rec.Detail, "0123456789") {
					t.Fatalf("detail %q must name a field, not quote a value", rec.Detail)
				}
				return nil
			}
			ev := rec.Event
			if r, d := ev.Validate(); r != "" {
				t.Fatalf("unquarantined record fails validation: %s %s", r, d)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
	})
}
