package riv2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// want is what one emitted record must hold. For a quarantined record only
// line, reason and detail (a prefix) are compared.
type want struct {
	line          int
	logID         string
	reason        portal.Reason
	detail        string
	actor         portal.HSAID
	unit          portal.HSAID
	provider      portal.HSAID
	owner         portal.HSAID
	ownerProvider portal.HSAID
	patient       string
	activity      portal.Activity
	purpose       portal.Purpose
	emergency     bool
}

const (
	sthlm   = portal.HSAID("SE2321000016-0001")
	uppsala = portal.HSAID("SE2321000024-0001")
	kungsh  = portal.HSAID("SE2321000016-K7Q1")
	kirurg  = portal.HSAID("SE2321000016-KIR4")
)

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file string
		want []want
	}{
		{"StoreLogRequest.xml", []want{{line: 8, reason: portal.ReasonPlaceholder, detail: "template message"}}},
		{"StoreLogResponse.xml", nil},
		{"GetAccessLogsForPatientResponse.xml", []want{{line: 25, reason: portal.ReasonPlaceholder, detail: "template message"}}},
		{"soap_several.xml", []want{
			{line: 8, logID: "5f0c2a4e-1b7d-4c39-9a61-0d2f8e3b7a11", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 60, logID: "5f0c2a4e-1b7d-4c39-9a61-0d2f8e3b7a12", actor: "SE2321000016-C3D4", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "195608022389", activity: portal.ActivityWrite, purpose: portal.PurposeCare},
			// No careUnit on the resource, same provider: the acting unit owns it.
			{line: 106, logID: "5f0c2a4e-1b7d-4c39-9a61-0d2f8e3b7a13", actor: "SE2321000016-C3D4", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "197010632391", activity: portal.ActivitySign, purpose: portal.PurposeQualityAssurance},
		}},
		{"bare_request.xml", []want{
			{line: 3, logID: "c1d2e3f4-0001-4a5b-8c9d-112233445566", actor: "SE2321000016-E5F6", unit: "SE2321000016-B9S1", provider: sthlm,
				owner: "SE2321000016-B9S1", ownerProvider: sthlm, patient: "199001019802", activity: portal.ActivityPrint, purpose: portal.PurposeAdministration},
		}},
		{"emergency.xml", []want{
			{line: 3, logID: "e0000000-0000-4000-8000-000000000001", actor: "SE2321000016-G7H8", unit: "SE2321000016-AKS1", provider: sthlm,
				owner: "SE2321000024-UAS7", ownerProvider: uppsala, patient: "194107086995", activity: portal.ActivityEmergency,
				purpose: portal.PurposeCare, emergency: true},
			// Emergency declared in purpose and level, not in the activity.
			{line: 27, logID: "e0000000-0000-4000-8000-000000000002", actor: "SE2321000016-G7H8", unit: "SE2321000016-AKS1", provider: sthlm,
				owner: "", ownerProvider: uppsala, patient: "194107086995", activity: portal.ActivityRead,
				purpose: portal.PurposeOther, emergency: true},
		}},
		{"coherent.xml", []want{
			// Another provider's records without a careUnit: the owning unit is unknown.
			{line: 3, logID: "a7b8c9d0-2222-4e3f-9a0b-000000000031", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: "", ownerProvider: uppsala, patient: "196403172387", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 27, logID: "a7b8c9d0-2222-4e3f-9a0b-000000000032", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: "SE5567367183-VC12", ownerProvider: "SE5567367183-0001", patient: "196403172387", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"two_resources.xml", []want{
			{line: 3, logID: "b2c3d4e5-3333-4f40-8a1b-000000000041#1", actor: "SE2321000016-J1K2", unit: kirurg, provider: sthlm,
				owner: kirurg, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// Resource 2 names no patient and yields no event.
			{line: 3, logID: "b2c3d4e5-3333-4f40-8a1b-000000000041#3", actor: "SE2321000016-J1K2", unit: kirurg, provider: sthlm,
				owner: kirurg, ownerProvider: sthlm, patient: "198507142399", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"bad_patient.xml", []want{
			{line: 3, reason: portal.ReasonInvalidField, detail: "patient id"},
			// A broken staff personal id is dropped, the access is kept.
			{line: 27, logID: "d0000000-0000-4000-8000-000000000002", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 52, reason: portal.ReasonInvalidField, detail: "user id"},
			{line: 76, reason: portal.ReasonInvalidField, detail: "time of access"},
			{line: 100, reason: portal.ReasonInvalidField, detail: "patient id"},
			// A reserve number under a local OID is kept as given.
			{line: 124, logID: "d0000000-0000-4000-8000-000000000006", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "R-48213", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"missing_unit.xml", []want{
			{line: 3, reason: portal.ReasonMissingField, detail: "acting care unit"},
			{line: 26, reason: portal.ReasonMissingField, detail: "patient id"},
		}},
		{"local_time.xml", []want{
			{line: 3, logID: "d0000000-0000-4000-8000-000000000021", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 27, logID: "d0000000-0000-4000-8000-000000000022", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"malformed.xml", []want{
			{line: 3, logID: "d0000000-0000-4000-8000-000000000031", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 27, logID: "d0000000-0000-4000-8000-000000000032", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "195608022389", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// The broken log is skipped to its end tag, and the next is read.
			{line: 51, reason: portal.ReasonMalformed, detail: "not well-formed XML: invalid element name (line 68)"},
			{line: 75, logID: "d0000000-0000-4000-8000-000000000034", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"soap_recover.xml", []want{
			{line: 8, logID: "9a3e7c10-5b2d-4f61-8c0e-000000000071", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// &nbsp; in the user's name: not an XML entity.
			{line: 50, reason: portal.ReasonMalformed, detail: "not well-formed XML: invalid character entity (line 63)"},
			{line: 92, logID: "9a3e7c10-5b2d-4f61-8c0e-000000000073", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "197010632391", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// <title> closed by </titel> inside user.
			{line: 134, reason: portal.ReasonMalformed, detail: "not well-formed XML: mismatched end tag (line 148)"},
			{line: 176, logID: "9a3e7c10-5b2d-4f61-8c0e-000000000075", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "194107086995", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"getlogs_response.xml", []want{
			{line: 11, logID: "f1e2d3c4-4444-4a5b-9c8d-000000000051", actor: "SE2321000016-L3M4", unit: kirurg, provider: sthlm,
				owner: kirurg, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityDelete, purpose: portal.PurposeOtherLegalDocument},
		}},
		{"access_logs_response.xml", []want{{line: 7, reason: portal.ReasonMissingField, detail: "patient id"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := parseFile(t, tt.file)
			if len(recs) != len(tt.want) {
				t.Fatalf("got %d records, want %d: %s", len(recs), len(tt.want), summary(recs))
			}
			for i, w := range tt.want {
				checkRecord(t, i, recs[i], w)
			}
		})
	}
}

func checkRecord(t *testing.T, i int, rec portal.LogRecord, w want) {
	t.Helper()
	if rec.Index != i+1 || rec.Line != w.line {
		t.Errorf("record %d: index %d line %d, want index %d line %d", i, rec.Index, rec.Line, i+1, w.line)
	}
	if rec.Reason != w.reason || !strings.HasPrefix(rec.Detail, w.detail) {
		t.Errorf("record %d: quarantine %q %q, want %q %q", i, rec.Reason, rec.Detail, w.reason, w.detail)
	}
	if w.reason != "" {
		return
	}
	ev := rec.Event
	got := want{line: rec.Line, logID: ev.SourceLogID, actor: ev.ActorHSAID, unit: ev.ActorUnit.HSAID,
		provider: ev.ActorProvider.HSAID, owner: ev.Owner.HSAID, ownerProvider: ev.OwnerProvider.HSAID,
		patient: ev.Patient.Digits(), activity: ev.Activity, purpose: ev.Purpose, emergency: ev.Emergency()}
	if got != w {
		t.Errorf("record %d:\n got %+v\nwant %+v", i, got, w)
	}
	if len(rec.Raw) == 0 {
		t.Errorf("record %d: no raw bytes", i)
	}
}

func TestEventDetails(t *testing.T) {
	recs := parseFile(t, "soap_several.xml")
	ev := recs[0].Event
	checks := []struct{ name, got, want string }{
		{"source system", ev.SourceSystem, "SE2321000016-SYS1"},
		{"actor name", ev.ActorName, "Anna Lindqvist"},
		{"actor personal id", ev.ActorPersonalID.Digits(), "198112189876"},
		{"assignment", ev.ActorAssignment, "Distriktssköterska på Vårdcentralen Kungsholmen"},
		{"title", ev.ActorTitle, "Distriktssköterska"},
		{"provider name", ev.ActorProvider.Name, "Region Stockholm"},
		{"unit name", ev.ActorUnit.Name, "Vårdcentralen Kungsholmen"},
		{"owner name", ev.Owner.Name, "Vårdcentralen Kungsholmen"},
		{"activity code", ev.ActivityCode, "Läsa"},
		{"activity args", ev.ActivityArgs, "Öppnade journalöversikt"},
		{"purpose code", ev.PurposeCode, "Vård och behandling"},
		{"patient name", ev.PatientName, "Tolvan Tolvansson"},
		{"resource type", ev.ResourceType, "Journalanteckning"},
		{"raw", string(recs[0].Raw[:10]) + "…" + string(recs[0].Raw[len(recs[0].Raw)-11:]), "<urn1:log>…</urn1:log>"},
		{"third patient kind", string(recs[2].Event.Patient.Kind()), string(portal.KindSamordningsnummer)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	times := []struct {
		file string
		rec  int
		want string
	}{
		{"soap_several.xml", 0, "2024-03-05T13:23:11Z"},
		{"soap_several.xml", 1, "2024-03-05T13:31:02.418Z"},
		{"soap_several.xml", 2, "2024-03-05T13:45:00Z"},
		{"two_resources.xml", 1, "2024-02-29T22:59:59.999999Z"},
		// Without an offset the time is Stockholm's: summer and winter.
		{"local_time.xml", 0, "2024-07-15T06:30:00Z"},
		{"local_time.xml", 1, "2024-01-15T07:30:00.25Z"},
	}
	for _, tc := range times {
		got := parseFile(t, tc.file)[tc.rec].Event.OccurredAt.UTC().Format(time.RFC3339Nano)
		if got != tc.want {
			t.Errorf("%s record %d: time %s, want %s", tc.file, tc.rec, got, tc.want)
		}
	}
	if recs := parseFile(t, "two_resources.xml"); !bytes.Equal(recs[0].Raw, recs[1].Raw) || recs[1].Event.ActivityArgs != "Avdelningsöversikt, sal 4" {
		t.Error("both resources of one log must carry the log's raw bytes and facts")
	}
	em := parseFile(t, "emergency.xml")
	if em[0].Event.EmergencyClaimed || !em[1].Event.EmergencyClaimed || !em[0].Event.CoherentRecordKeeping() {
		t.Errorf("emergency claims %v %v, coherent %v", em[0].Event.EmergencyClaimed, em[1].Event.EmergencyClaimed, em[0].Event.CoherentRecordKeeping())
	}
	bad := parseFile(t, "bad_patient.xml")
	if !bad[1].Event.ActorPersonalID.IsZero() {
		t.Error("an invalid staff personal id must be dropped")
	}
	if bad[5].Event.Patient.Kind() != portal.KindReservnummer || bad[5].Event.Patient.Root() != "1.2.752.97.3.1.3" {
		t.Error("reserve number must keep its root and kind")
	}
	mal := parseFile(t, "malformed.xml")[2]
	if !bytes.HasPrefix(mal.Raw, []byte("<log>")) || !bytes.Contains(mal.Raw, []byte("Journal<<")) || !bytes.HasSuffix(mal.Raw, []byte("</log>")) {
		t.Errorf("malformed raw = %q", mal.Raw)
	}
}

// A log that is not well-formed is quarantined whole, and the logs after it
// in the same message are kept.
func TestRecoverMalformedLog(t *testing.T) {
	doc := readFile(t, "soap_recover.xml")
	recs := parse(t, doc)
	for i, mark := range map[int]string{1: "Anna&nbsp;Lindqvist", 3: "</urn2:titel>"} {
		raw := recs[i].Raw
		if !bytes.HasPrefix(raw, []byte("<urn1:log>")) || !bytes.HasSuffix(raw, []byte("</urn1:log>")) ||
			!bytes.Contains(raw, []byte(mark)) || bytes.Count(raw, []byte("<urn1:log>")) != 1 {
			t.Errorf("record %d: raw = %q", i, raw)
		}
	}
	for _, i := range []int{0, 2, 4} {
		if raw := recs[i].Raw; bytes.Count(raw, []byte("<urn1:log>")) != 1 || !bytes.Contains(raw, []byte(recs[i].Event.SourceLogID)) {
			t.Errorf("record %d: raw = %q", i, raw)
		}
	}

	// The end tag never comes: the record is quarantined as far as it
	// was read and the parse ends, as for any syntax error it cannot
	// recover from.
	cut := doc[:bytes.Index(doc, []byte("&nbsp;"))+len("&nbsp;Lind")]
	recs = parse(t, cut)
	if len(recs) != 2 || recs[0].Quarantined() || recs[1].Reason != portal.ReasonMalformed || recs[1].Line != 50 ||
		recs[1].Detail != "not well-formed XML: invalid character entity (line 63)" ||
		!bytes.HasPrefix(recs[1].Raw, []byte("<urn1:log>")) || !bytes.Contains(recs[1].Raw, []byte("Anna&n")) {
		t.Fatalf("truncated in a broken log: got %s", summary(recs))
	}
	// Every log has an &nbsp; and the last one's end tag is misspelt:
	// the first four are skipped to their end tags, but nothing after the
	// last closes it, so it is quarantined up to the error and the parse
	// ends.
	last := bytes.LastIndex(doc, []byte("</urn1:log>"))
	bad := bytes.Join([][]byte{doc[:last], []byte("</urn1:Log>"), doc[last+len("</urn1:log>"):]}, nil)
	bad = bytes.Replace(bad, []byte("<urn2:name>Anna Lindqvist"), []byte("<urn2:name>Anna&nbsp;Lindqvist"), -1)
	recs = parse(t, bad)
	if len(recs) != 5 || recs[4].Reason != portal.ReasonMalformed || recs[4].Line != 176 ||
		!strings.Contains(recs[4].Detail, "invalid character entity (line 189)") || bytes.Contains(recs[4].Raw, []byte("</urn1:Log>")) {
		t.Fatalf("misspelt end tag: got %s", summary(recs))
	}

	// An error in the envelope, before any log, ends the parse there.
	env := bytes.Replace(doc, []byte("SE165565594230-1000<"), []byte("SE165565594230-1000&nbsp;<"), 1)
	recs = parse(t, env)
	if len(recs) != 1 || recs[0].Reason != portal.ReasonMalformed || recs[0].Line != 4 ||
		recs[0].Detail != "not well-formed XML: invalid character entity (line 4)" {
		t.Fatalf("envelope error: got %s", summary(recs))
	}
}

// A read error while looking for a broken log's end tag is the caller's,
// after the broken log is quarantined.
func TestRecoverReadError(t *testing.T) {
	doc := readFile(t, "soap_recover.xml")
	errDisk := errors.New("disk on fire")
	cut := doc[:bytes.Index(doc, []byte("&nbsp;"))+100]
	var recs []portal.LogRecord
	err := Parse(&failingReader{bytes.NewReader(cut), errDisk}, func(rec portal.LogRecord) error { recs = append(recs, rec); return nil })
	if !errors.Is(err, errDisk) || len(recs) != 2 || recs[1].Reason != portal.ReasonMalformed {
		t.Fatalf("err = %v, records %s", err, summary(recs))
	}
}

func TestTooLarge(t *testing.T) {
	doc := readFile(t, "bare_request.xml")
	huge := bytes.Replace(doc, []byte("<log:activity>"),
		[]byte("<log:activity><log:activityArgs>"+strings.Repeat("x", portal.MaxRecordBytes)+"</log:activityArgs>"), 1)
	// Append a normal log after the huge one.
	log := doc[bytes.Index(doc, []byte("  <log>")):bytes.Index(doc, []byte("</StoreLog>"))]
	huge = bytes.Replace(huge, []byte("</StoreLog>"), append(append([]byte{}, log...), "</StoreLog>"...), 1)
	recs := parse(t, huge)
	if len(recs) != 2 || recs[0].Reason != portal.ReasonTooLarge || recs[0].Line != 3 || recs[1].Quarantined() {
		t.Fatalf("got %s", summary(recs))
	}
}

func TestTruncated(t *testing.T) {
	doc := readFile(t, "soap_several.xml")
	recs := parse(t, doc[:bytes.Index(doc, []byte("<urn2:logId>5f0c2a4e-1b7d-4c39-9a61-0d2f8e3b7a12"))])
	if len(recs) != 2 || recs[0].Quarantined() || recs[1].Reason != portal.ReasonMalformed ||
		!strings.Contains(recs[1].Detail, "unexpected end of file") || recs[1].Line != 60 {
		t.Fatalf("got %s", summary(recs))
	}
}

func TestNotXML(t *testing.T) {
	recs := parse(t, []byte("logId;user;patient\n1;<2;3\n"))
	if len(recs) != 1 || recs[0].Reason != portal.ReasonMalformed {
		t.Fatalf("got %s", summary(recs))
	}
	if recs := parse(t, nil); len(recs) != 0 {
		t.Fatalf("empty input: got %s", summary(recs))
	}
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadError(t *testing.T) {
	doc := readFile(t, "soap_several.xml")
	errDisk := errors.New("disk on fire")
	n := 0
	err := Parse(&failingReader{bytes.NewReader(doc[:len(doc)/2]), errDisk}, func(portal.LogRecord) error { n++; return nil })
	if !errors.Is(err, errDisk) || n != 1 {
		t.Fatalf("err = %v after %d records, want the read error after 1", err, n)
	}
}

func TestEmitError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Parse(bytes.NewReader(readFile(t, "soap_several.xml")), func(portal.LogRecord) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("err = %v after %d records, want stop after 1", err, n)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		index := 0
		err := Parse(bytes.NewReader(data), func(rec portal.LogRecord) error {
			index++
			checkInvariants(t, rec, index)
			return nil
		})
		if err != nil {
			t.Fatalf("Parse of an in-memory document failed: %v", err)
		}
	})
}

var longDigits = regexp.MustCompile(`[0-9]{6,}`)

// checkInvariants holds for every record of every input: it is a valid
// event or says why not, in words that quote nothing from the record.
func checkInvariants(t *testing.T, rec portal.LogRecord, index int) {
	t.Helper()
	if rec.Index != index {
		t.Fatalf("index %d, want %d", rec.Index, index)
	}
	if rec.Quarantined() {
		if rec.Detail == "" || longDigits.MatchString(rec.Detail) {
			t.Fatalf("quarantine detail %q", rec.Detail)
		}
		return
	}
	ev := rec.Event
	if reason, detail := ev.Validate(); reason != "" {
		t.Fatalf("emitted invalid event: %s %s", reason, detail)
	}
	if ev.Activity == "" || ev.Purpose == "" || ev.Patient.IsZero() || rec.Line < 1 {
		t.Fatalf("incomplete event %+v", ev)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFile(t *testing.T, name string) []portal.LogRecord {
	t.Helper()
	return parse(t, readFile(t, name))
}

func parse(t *testing.T, doc []byte) []portal.LogRecord {
	t.Helper()
	var recs []portal.LogRecord
	err := Parse(bytes.NewReader(doc), func(rec portal.LogRecord) error {
		checkInvariants(t, rec, len(recs)+1)
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return recs
}

func summary(recs []portal.LogRecord) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString("\n  line " + strconv.Itoa(r.Line) + " " + r.Event.SourceLogID + " " + string(r.Reason) + " " + r.Detail)
	}
	return b.String()
}

// benchLogs builds n realistic logs as SOAP StoreLog messages of 500 logs
// each, concatenated as a log shipper writes them.
func benchLogs(n int) []byte {
	var b bytes.Buffer
	units := []string{"Vårdcentralen Kungsholmen", "Akutmottagningen Södersjukhuset", "Kirurgkliniken Karolinska", "Barnmottagningen Solna"}
	acts := []string{"Läsa", "Läsa", "Läsa", "Skriva", "Signera", "Utskrift"}
	patients := []string{"191212121212", "195608022389", "198112189876", "194107086995"}
	for i := 0; i < n; i++ {
		if i%500 == 0 {
			if i > 0 {
				b.WriteString("</lr:StoreLog></soapenv:Body></soapenv:Envelope>\n")
			}
			b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:lr="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2" xmlns:log="urn:riv:informationsecurity:auditing:log:2">
<soapenv:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">SE165565594230-1000</LogicalAddress></soapenv:Header>
<soapenv:Body><lr:StoreLog>
`)
		}
		u := i % len(units)
		fmt.Fprintf(&b, `<lr:log>
  <log:logId>0b6c6f5e-8c1d-4a8e-9f3a-%012d</log:logId>
  <log:system><log:systemId>SE2321000016-SYS1</log:systemId><log:systemName>TakeCare</log:systemName></log:system>
  <log:activity>
    <log:activityType>%s</log:activityType>
    <log:startDate>2024-03-%02dT%02d:%02d:17.%03d+01:00</log:startDate>
    <log:purpose>Vård och behandling</log:purpose>
  </log:activity>
  <log:user>
    <log:userId>SE2321000016-P%04d</log:userId>
    <log:name>Anna Lindqvist</log:name>
    <log:assignment>Sjuksköterska på %s</log:assignment>
    <log:title>Sjuksköterska</log:title>
    <log:careProvider><log:careProviderId>SE2321000016-0001</log:careProviderId><log:careProviderName>Region Stockholm</log:careProviderName></log:careProvider>
    <log:careUnit><log:careUnitId>SE2321000016-U%03d</log:careUnitId><log:careUnitName>%s</log:careUnitName></log:careUnit>
  </log:user>
  <log:resources>
    <log:resource>
      <log:resourceType>Journalanteckning</log:resourceType>
      <log:patient><log:patientId><log:root>1.2.752.129.2.1.3.1</log:root><log:extension>%s</log:extension></log:patientId><log:patientName>Tolvan Tolvansson</log:patientName></log:patient>
      <log:careProvider><log:careProviderId>SE2321000016-0001</log:careProviderId><log:careProviderName>Region Stockholm</log:careProviderName></log:careProvider>
      <log:careUnit><log:careUnitId>SE2321000016-U%03d</log:careUnitId><log:careUnitName>%s</log:careUnitName></log:careUnit>
    </log:resource>
  </log:resources>
</lr:log>
`, i, acts[i%len(acts)], 1+i%28, 7+i%12, i%60, i%1000, i%9000, units[u], u, units[u],
			patients[i%len(patients)], u, units[u])
	}
	b.WriteString("</lr:StoreLog></soapenv:Body></soapenv:Envelope>\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	const n = 20000
	doc := benchLogs(n)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for b.Loop() {
		got := 0
		err := Parse(bytes.NewReader(doc), func(rec portal.LogRecord) error {
			if rec.Quarantined() {
				return fmt.Errorf("quarantined: %s %s", rec.Reason, rec.Detail)
			}
			got++
			return nil
		})
		if err != nil || got != n {
			b.Fatalf("got %d events, err %v", got, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
