package riv1

import (
	"bytes"
	"errors"
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
		{"StoreLogRequest_template.xml", []want{{line: 8, reason: portal.ReasonPlaceholder, detail: "template message"}}},
		{"StoreLogResponse.xml", nil},
		{"soap_request.xml", []want{
			{line: 8, logID: "6a1f0c3e-7d2b-4e59-8f10-0000000000a1", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 54, logID: "6a1f0c3e-7d2b-4e59-8f10-0000000000a2", actor: "SE2321000016-C3D4", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "195608022389", activity: portal.ActivityWrite, purpose: portal.PurposeCare},
			// No CareUnit on the resource, same provider: the acting unit owns it.
			{line: 97, logID: "6a1f0c3e-7d2b-4e59-8f10-0000000000a3", actor: "SE2321000016-C3D4", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "197010632391", activity: portal.ActivityVerify, purpose: portal.PurposeQualityAssurance},
		}},
		{"bare_request.xml", []want{
			{line: 3, logID: "7b2e1d4f-0001-4a5b-8c9d-112233445566", actor: "SE2321000016-E5F6", unit: "SE2321000016-B9S1", provider: sthlm,
				owner: "SE2321000016-B9S1", ownerProvider: sthlm, patient: "199001019802", activity: portal.ActivityPrint, purpose: portal.PurposeAdministration},
		}},
		{"emergency.xml", []want{
			{line: 3, logID: "8c3f2e5a-0000-4000-8000-000000000001", actor: "SE2321000016-G7H8", unit: "SE2321000016-AKS1", provider: sthlm,
				owner: "SE2321000024-UAS7", ownerProvider: uppsala, patient: "194107086995", activity: portal.ActivityEmergency,
				purpose: portal.PurposeCare, emergency: true},
			// Emergency declared in ActivityLevel, not in the activity.
			{line: 45, logID: "8c3f2e5a-0000-4000-8000-000000000002", actor: "SE2321000016-G7H8", unit: "SE2321000016-AKS1", provider: sthlm,
				owner: "", ownerProvider: uppsala, patient: "194107086995", activity: portal.ActivityRead,
				purpose: portal.PurposeCare, emergency: true},
		}},
		{"coherent.xml", []want{
			// Another provider's records without a CareUnit: the owning unit is unknown.
			{line: 3, logID: "9d4a3f6b-2222-4e3f-9a0b-000000000031", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: "", ownerProvider: uppsala, patient: "196403172387", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 42, logID: "9d4a3f6b-2222-4e3f-9a0b-000000000032", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: "SE5567367183-VC12", ownerProvider: "SE5567367183-0001", patient: "196403172387", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"two_resources.xml", []want{
			{line: 3, logID: "ae5b4a7c-3333-4f40-8a1b-000000000041#1", actor: "SE2321000016-J1K2", unit: kirurg, provider: sthlm,
				owner: kirurg, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// Resource 2 names no patient and yields no event.
			{line: 3, logID: "ae5b4a7c-3333-4f40-8a1b-000000000041#3", actor: "SE2321000016-J1K2", unit: kirurg, provider: sthlm,
				owner: kirurg, ownerProvider: sthlm, patient: "198507142399", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"bad_patient.xml", []want{
			{line: 3, reason: portal.ReasonInvalidField, detail: "patient id"},
			// A broken staff personal id is dropped, the access is kept.
			{line: 46, logID: "bf6c5b8d-0000-4000-8000-000000000002", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 90, reason: portal.ReasonInvalidField, detail: "user id"},
			{line: 133, reason: portal.ReasonInvalidField, detail: "time of access"},
			// Without an OID root a reserve number cannot be recognised.
			{line: 176, reason: portal.ReasonInvalidField, detail: "patient id"},
		}},
		{"missing_unit.xml", []want{
			{line: 3, reason: portal.ReasonMissingField, detail: "acting care unit"},
			{line: 42, reason: portal.ReasonMissingField, detail: "patient id"},
		}},
		{"local_time.xml", []want{
			{line: 3, logID: "d18e7daf-0000-4000-8000-000000000021", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 46, logID: "d18e7daf-0000-4000-8000-000000000022", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
		{"malformed.xml", []want{
			{line: 3, logID: "e29f8eb0-0000-4000-8000-000000000031", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			{line: 46, logID: "e29f8eb0-0000-4000-8000-000000000032", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "195608022389", activity: portal.ActivityRead, purpose: portal.PurposeCare},
			// The broken Log is quarantined whole and the next one read.
			{line: 89, reason: portal.ReasonMalformed, detail: "not well-formed XML: invalid element name (line 116)"},
			{line: 132, logID: "e29f8eb0-0000-4000-8000-000000000034", actor: "SE2321000016-A1B2", unit: kungsh, provider: sthlm,
				owner: kungsh, ownerProvider: sthlm, patient: "191212121212", activity: portal.ActivityRead, purpose: portal.PurposeCare},
		}},
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
	recs := parseFile(t, "soap_request.xml")
	ev := recs[0].Event
	checks := []struct{ name, got, want string }{
		{"source system", ev.SourceSystem, "SE2321000016-SYS9"},
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
		{"raw", string(recs[0].Raw[:10]) + "…" + string(recs[0].Raw[len(recs[0].Raw)-11:]), "<tjsr:Log>…</tjsr:Log>"},
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
		{"soap_request.xml", 0, "2013-05-14T08:12:33Z"},
		{"soap_request.xml", 1, "2013-05-14T08:20:02.418Z"},
		{"soap_request.xml", 2, "2013-05-14T08:45:00Z"},
		{"two_resources.xml", 1, "2012-02-29T22:59:59.999999Z"},
		// Without an offset the time is Stockholm's: summer and winter.
		{"local_time.xml", 0, "2013-07-15T06:30:00Z"},
		{"local_time.xml", 1, "2013-01-15T07:30:00.25Z"},
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
	if bad := parseFile(t, "bad_patient.xml"); !bad[1].Event.ActorPersonalID.IsZero() {
		t.Error("an invalid staff personal id must be dropped")
	}
	mal := parseFile(t, "malformed.xml")[2]
	if !bytes.HasPrefix(mal.Raw, []byte("<tjsr:Log>")) || !bytes.Contains(mal.Raw, []byte("Journal<<")) {
		t.Errorf("malformed raw = %q", mal.Raw)
	}
}

func TestTooLarge(t *testing.T) {
	doc := readFile(t, "bare_request.xml")
	huge := bytes.Replace(doc, []byte("<log:Activity>"),
		[]byte("<log:Activity><log:ActivityArgs>"+strings.Repeat("x", portal.MaxRecordBytes)+"</log:ActivityArgs>"), 1)
	// Append a normal log after the huge one.
	log := doc[bytes.Index(doc, []byte("  <tjsr:Log>")):bytes.Index(doc, []byte("</tjsr:StoreLogRequest>"))]
	huge = bytes.Replace(huge, []byte("</tjsr:StoreLogRequest>"), append(append([]byte{}, log...), "</tjsr:StoreLogRequest>"...), 1)
	recs := parse(t, huge)
	if len(recs) != 2 || recs[0].Reason != portal.ReasonTooLarge || recs[0].Line != 3 || recs[1].Quarantined() {
		t.Fatalf("got %s", summary(recs))
	}
}

func TestTruncated(t *testing.T) {
	doc := readFile(t, "soap_request.xml")
	recs := parse(t, doc[:bytes.Index(doc, []byte("<log:LogId>6a1f0c3e-7d2b-4e59-8f10-0000000000a2"))])
	if len(recs) != 2 || recs[0].Quarantined() || recs[1].Reason != portal.ReasonMalformed ||
		!strings.Contains(recs[1].Detail, "unexpected end of file") || recs[1].Line != 54 {
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
	doc := readFile(t, "soap_request.xml")
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
	err := Parse(bytes.NewReader(readFile(t, "soap_request.xml")), func(portal.LogRecord) error { n++; return stop })
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
