package atna

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	reason      portal.Reason
	detail      string
	line        int
	suffix      string // after the hash in the log id: "#1" for a message's first patient of several
	system      string
	actor       portal.HSAID
	actorName   string
	title       string
	unit        portal.Party
	provider    portal.Party
	patient     string // digits
	kind        portal.IDKind
	patientName string
	activity    portal.Activity
	actCode     string
	purpose     portal.Purpose
	purposeCod  string
	emergency   bool
	resource    string
	at          string // RFC 3339, empty for no time
}

var (
	sos      = portal.Party{HSAID: "SE2321000016-15CQ", Name: "Akutmottagningen Södersjukhuset"}
	sosID    = portal.Party{HSAID: "SE2321000016-15CQ"}
	regionSt = portal.Party{HSAID: "SE2321000016-0001", Name: "Region Stockholm"}
)

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file string
		// why documents the decision for the file.
		why  string
		want []want
	}{
		// The six Swiss EPR messages (SOURCES.md section 3). Users and
		// sites are identified in Swiss ids, kept as given: the user is the
		// requesting person (never a system), and the acting unit is an
		// organisation participant or, as the last resort, the
		// AuditEnterpriseSiteID. Three are access events with every fact;
		// the other three have no user, or no unit, and are quarantined
		// naming exactly what is missing.
		{"iti-18-log.xml", "patient portal: the only requesting person is the patient (role PAT, EPR-SPID as given); unit is the enterprise site OID; PurposeOfUse NORM kept though the XSD lacks it", []want{{
			line: 1, system: "1.3.6.1.4.1.12559.11.20.1",
			actor: "761337610410035724", actorName: "Andreas Friederich TANNER-WELTI", title: "Patient",
			unit:    portal.Party{HSAID: "1.3.6.1.4.1.21367.2017.2.6.19"},
			patient: "d5e42fed-5962-4bb9-b8b6-5d9e8afb0f2a", kind: portal.KindReservnummer,
			activity: portal.ActivityOther, actCode: "E", purpose: portal.PurposeOther, purposeCod: "NORM",
			resource: "Registry Stored Query", at: "2023-09-11T14:18:27.579+02:00",
		}}},
		{"iti-41-log.xml", "healthcare professional identified by a GLN, but no organisation participant and no AuditEnterpriseSiteID (AuditSourceID is the logging system, not a site)", []want{{
			reason: portal.ReasonMissingField, detail: "acting care unit", line: 2, system: "connectathon",
			actor: "2000000090108", actorName: "Dr. med. John Doe", title: "Healthcare professional",
			patient: "752343", kind: portal.KindReservnummer,
			activity: portal.ActivityRead, actCode: "R",
			resource: "submission set classificationNode", at: "2020-11-17T18:39:39+01:00",
		}}},
		{"iti-43-log.xml", "as iti-41, with the enterprise site OID as the unit; retrieve logged as C (import); PurposeOfUse NORM", []want{{
			line: 2, system: "LE-Portal",
			actor: "2000000090108", actorName: "Dr. med. John Doe", title: "Healthcare professional",
			unit:    portal.Party{HSAID: "2.16.756.5.30.1.194"},
			patient: "761337615343338300", kind: portal.KindReservnummer,
			activity: portal.ActivityWrite, actCode: "C", purpose: portal.PurposeOther, purposeCod: "NORM",
			resource: "Report Number", at: "2020-06-04T10:54:39.571Z",
		}}},
		{"iti-44-log.xml", "system-to-system patient identity feed: source and destination roles with network access points, no person", []want{{
			reason: portal.ReasonMissingField, detail: "user id", line: 2, system: "primary.system.alt.ID",
			unit:    portal.Party{HSAID: "2.16.756.5.30.1.174.1.5.1"},
			patient: "11234", kind: portal.KindReservnummer,
			activity: portal.ActivityWrite, actCode: "C",
			resource: "Patient Identity Feed", at: "2020-09-21T15:25:53.616+02:00",
		}}},
		{"iti-45-log.xml", "PIX query by systems only (_SYSTEM has a network access point and no name)", []want{{
			reason: portal.ReasonMissingField, detail: "user id", line: 2, system: "my.primary.system.ID",
			unit:    portal.Party{HSAID: "2.16.756.5.30.1.109.6.1.3.1.1"},
			patient: "CHFACILITY22332", kind: portal.KindReservnummer,
			activity: portal.ActivityOther, actCode: "E",
			resource: "PIX Query", at: "2020-09-30T19:32:55.368Z",
		}}},
		{"iti-47-log.xml", "PDQ query by systems only", []want{{
			reason: portal.ReasonMissingField, detail: "user id", line: 2, system: "my.primary.system.ID",
			unit:    portal.Party{HSAID: "2.16.756.5.30.1.109.6.1.3.1.1"},
			patient: "CHPAM34", kind: portal.KindReservnummer, patientName: "Neil Mellisa",
			activity: portal.ActivityOther, actCode: "E",
			resource: "Patient Demographics Query", at: "2020-09-30T19:27:29.386Z",
		}}},
		{"se-several.xml", "four messages under a wrapper root", []want{
			{ // XUA user "alias<user@issuer>", unit as a participant with role SDLOC, provider as an organisation object
				line: 3, system: "TakeCare", actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist", title: "Sjuksköterska",
				unit: sos, provider: regionSt, patient: "191212121212", kind: portal.KindPersonnummer, patientName: "Tolvan Tolvansson",
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeCare, purposeCod: "TREAT",
				resource: "Journalanteckning", at: "2024-03-14T09:12:31+01:00",
			},
			{ // emergency override, unit from AuditEnterpriseSiteID, time without zone read as Stockholm
				line: 33, system: "Cosmic", actor: "SE2321000016-B7K9", actorName: "Johan Ek",
				unit: sosID, patient: "191212721219", kind: portal.KindSamordningsnummer,
				activity: portal.ActivityEmergency, actCode: "110127", purpose: portal.PurposeCare, purposeCod: "ETREAT",
				emergency: true, at: "2024-03-15T02:47:05+01:00",
			},
			{ // an enterprise site id that is an OID is the unit as given, as the last resort
				line: 45, system: "Cosmic", actor: "SE2321000016-C3D4", actorName: "Sara Holm",
				unit: portal.Party{HSAID: "1.2.752.129.2.1.4.1.1"}, patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityWrite, actCode: "U", purpose: portal.PurposeOther, at: "2024-03-15T08:00:00Z",
			},
			{ // no organisation and no site at all
				reason: portal.ReasonMissingField, detail: "acting care unit", line: 53, system: "Cosmic",
				actor: "SE2321000016-C3D4", actorName: "Sara Holm", patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", at: "2024-03-15T08:05:00Z",
			},
		}},
		{"se-patients.xml", "one event per patient; the user's own ids as given; systems are not users", []want{
			{ // the third object names the first patient again in another form
				line: 3, suffix: "#1", system: "TakeCare", actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist",
				unit: sosID, patient: "191212121212", kind: portal.KindPersonnummer, patientName: "Tolvan Tolvansson",
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeCare, purposeCod: "TREAT",
				at: "2024-10-01T09:00:00+02:00",
			},
			{
				line: 3, suffix: "#2", system: "TakeCare", actor: "SE2321000016-A1B2", actorName: "Karin Lindqvist",
				unit: sosID, patient: "RES-2024-0042", kind: portal.KindReservnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeCare, purposeCod: "TREAT",
				at: "2024-10-01T09:00:00+02:00",
			},
			{
				line: 18, suffix: "#1", system: "TakeCare", actor: "SE2321000016-A1B2", unit: sosID,
				patient: "195001011237", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:05:00+02:00",
			},
			{ // a wrong check digit spoils only that patient's event
				reason: portal.ReasonInvalidField, detail: "patient id", line: 18, suffix: "#2", system: "TakeCare",
				actor: "SE2321000016-A1B2", unit: sosID,
				activity: portal.ActivityRead, actCode: "R", at: "2024-10-01T09:05:00+02:00",
			},
			{
				line: 18, suffix: "#3", system: "TakeCare", actor: "SE2321000016-A1B2", unit: sosID,
				patient: "191212721219", kind: portal.KindSamordningsnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:05:00+02:00",
			},
			{ // a person at a network access point is still a person; an organisation object outranks the site
				line: 28, system: "OrtoSys", actor: "evab@region.example", actorName: "Eva Berg", title: "Läkare",
				unit: portal.Party{HSAID: "4711", Name: "Ortopedkliniken"}, patient: "P-889", kind: portal.KindReservnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-10-01T09:10:00+02:00",
			},
		}},
		{"se-soap.xml", "messages at different depths inside a SOAP envelope; RFC 3881 attribute names", []want{
			{ // nobody marked requestor: the person, not the application; unit from a participant without network access point
				line: 5, system: "Pascal", actor: "SE2321000016-E5F6", actorName: "Per Nyström", title: "Läkare",
				unit:    portal.Party{HSAID: "SE2321000016-9KLM", Name: "Kvalitetsenheten Karolinska"},
				patient: "198503152384", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeQualityAssurance, purposeCod: "HQUALIMP",
				at: "2024-08-20T10:15:00+02:00",
			},
			{ // regional reserve number kept with its OID
				line: 22, system: "Pascal", actor: "SE2321000016-E5F6", unit: portal.Party{HSAID: "SE2321000016-9KLM"},
				patient: "RES-2024-0042", kind: portal.KindReservnummer,
				activity: portal.ActivityDelete, actCode: "D", purpose: portal.PurposeOther, at: "2024-08-20T10:20:00+02:00",
			},
			{ // personnummer with a wrong check digit
				reason: portal.ReasonInvalidField, detail: "patient id", line: 30, system: "Pascal",
				actor: "SE2321000016-E5F6", unit: portal.Party{HSAID: "SE2321000016-9KLM"},
				activity: portal.ActivityRead, actCode: "R", at: "2024-08-20T10:25:00+02:00",
			},
		}},
		{"se-placeholder.xml", "SoapUI-style skeleton", []want{{
			reason: portal.ReasonPlaceholder, detail: "time of access", line: 1, system: "?",
			activity: portal.ActivityRead, actCode: "R",
		}}},
		{"se-truncated.xml", "the first message is kept, the broken second quarantined", []want{
			{
				line: 2, system: "TakeCare", actor: "SE2321000016-A1B2", unit: sosID,
				patient: "191212121212", kind: portal.KindPersonnummer,
				activity: portal.ActivityRead, actCode: "R", purpose: portal.PurposeOther, at: "2024-09-01T12:00:00+02:00",
			},
			{reason: portal.ReasonMalformed, detail: "audit message is not well-formed XML: unexpected end of file", line: 10},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := parseFile(t, tt.file)
			if len(recs) != len(tt.want) {
				t.Fatalf("%d records, want %d (%s)", len(recs), len(tt.want), tt.why)
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
		reason: rec.Reason, detail: rec.Detail, line: rec.Line, system: e.SourceSystem,
		actor: e.ActorHSAID, actorName: e.ActorName, title: e.ActorTitle,
		unit: e.ActorUnit, provider: e.ActorProvider, patient: e.Patient.Digits(), kind: e.Patient.Kind(),
		patientName: e.PatientName, activity: e.Activity, actCode: e.ActivityCode, purpose: e.Purpose, purposeCod: e.PurposeCode,
		emergency: e.Emergency(), resource: e.ResourceType,
	}
	if !e.OccurredAt.IsZero() {
		got.at = e.OccurredAt.Format(time.RFC3339Nano)
		if wt, err := time.Parse(time.RFC3339Nano, w.at); err == nil && wt.Equal(e.OccurredAt) {
			got.at = w.at
		}
	}
	got.suffix = w.suffix // checked against the hash below
	if got != w {
		t.Errorf("record %d:\n got %+v\nwant %+v", i+1, got, w)
	}
	if rec.Index != i+1 {
		t.Errorf("record %d: index %d", i+1, rec.Index)
	}
	if rec.Reason != portal.ReasonMalformed && rec.Reason != portal.ReasonTooLarge {
		if !bytes.HasPrefix(rec.Raw, []byte("<AuditMessage")) || !bytes.HasSuffix(rec.Raw, []byte("</AuditMessage>")) {
			t.Errorf("record %d: raw is not the AuditMessage element", i+1)
		}
		sum := sha256.Sum256(rec.Raw)
		if e.SourceLogID != "sha256:"+hex.EncodeToString(sum[:])+w.suffix {
			t.Errorf("record %d: log id %q is not the hash of the raw message", i+1, e.SourceLogID)
		}
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

func TestIdentifiers(t *testing.T) {
	tests := []struct {
		in  string
		hsa portal.HSAID
		pid string
	}{
		{"SE2321000016-A1B2", "SE2321000016-A1B2", ""},
		{"SE2321000016-A1B2@inera.se", "SE2321000016-A1B2", ""},
		{"kali01<SE2321000016-A1B2@idp.sll.se>", "SE2321000016-A1B2", ""},
		{"SE2321000016-A1B2^^^&1.2.752.129.2.1.4.1&ISO", "SE2321000016-A1B2", ""},
		{"191212121212^^^&1.2.752.129.2.1.3.1&ISO", "", "191212121212"},
		{"19121212-1212", "", "191212121212"},
		{"2000000090108", "", ""},      // a Swiss GLN
		{"761337610410035724", "", ""}, // a Swiss EPR-SPID
		{"https://primarySystem.com", "", ""},
		{"pma@gnt.com", "", ""},
	}
	for _, tt := range tests {
		hsa, pid, _ := idOf(tt.in)
		if hsa != tt.hsa || pid.Digits() != tt.pid {
			t.Errorf("idOf(%q) = %q, %q; want %q, %q", tt.in, hsa, pid.Digits(), tt.hsa, tt.pid)
		}
	}
}

// ident keeps a Swedish id when there is one and otherwise the id the
// source gives; a display name alone is no id.
func TestIdent(t *testing.T) {
	tests := []struct {
		p       activeParticipant
		id      portal.HSAID
		pid     string
		swedish bool
		invalid bool
	}{
		{activeParticipant{UserID: "kali01<SE2321000016-A1B2@idp.sll.se>"}, "SE2321000016-A1B2", "", true, false},
		{activeParticipant{UserID: "x", AlternativeUserID: "19121212-1212"}, "", "191212121212", true, false},
		{activeParticipant{UserID: "2000000090108", UserName: "Dr. med. John Doe"}, "2000000090108", "", false, false},
		{activeParticipant{UserID: "pma@gnt.com", UserName: "JD<pma@gnt.com>"}, "pma@gnt.com", "", false, false},
		{activeParticipant{UserID: "JD<pma@gnt.com>"}, "pma@gnt.com", "", false, false},
		{activeParticipant{UserID: "4711^^^&1.2.3.4&ISO"}, "4711", "", false, false},
		{activeParticipant{UserName: "<761337610410035724@http://sts.example>"}, "761337610410035724@http://sts.example", "", false, false},
		{activeParticipant{UserName: "John Smith"}, "", "", false, false},
		{activeParticipant{UserID: "?"}, "", "", false, false},
		{activeParticipant{UserID: "191212121213"}, "", "", false, true}, // wrong check digit: not replaced by another id
		{activeParticipant{UserID: "se12^^^&1.2.752.129.2.1.4.1&ISO", AlternativeUserID: "abc"}, "", "", false, true},
	}
	for _, tt := range tests {
		u := ident(&tt.p)
		if u.id != tt.id || u.pid.Digits() != tt.pid || u.swedish != tt.swedish || u.invalid != tt.invalid {
			t.Errorf("ident(%+v) = %q %q %v %v; want %q %q %v %v", tt.p, u.id, u.pid.Digits(), u.swedish, u.invalid,
				tt.id, tt.pid, tt.swedish, tt.invalid)
		}
	}
}

func TestCX(t *testing.T) {
	id, root, ns := cx("752343^^^&2.16.840.1.113883.3.37.4.1.1.2.1.1&ISO")
	if id != "752343" || root != "2.16.840.1.113883.3.37.4.1.1.2.1.1" || ns != "" {
		t.Errorf("cx = %q %q %q", id, root, ns)
	}
	id, root, ns = cx("4711^^^SLL&urn:oid:1.2.752.97.3.1.3&ISO")
	if id != "4711" || root != "1.2.752.97.3.1.3" || ns != "SLL" {
		t.Errorf("cx = %q %q %q", id, root, ns)
	}
	if got := xpnName("Tolvansson^Tolvan"); got != "Tolvan Tolvansson" {
		t.Errorf("xpnName = %q", got)
	}
}

const oneMessage = `<AuditMessage>
  <EventIdentification EventActionCode="R" EventDateTime="2024-09-01T12:00:00+02:00" EventOutcomeIndicator="0"><EventID csd-code="110110"/></EventIdentification>
  <ActiveParticipant UserID="SE2321000016-A1B2" UserIsRequestor="true"/>
  <AuditSourceIdentification AuditSourceID="TakeCare" AuditEnterpriseSiteID="SE2321000016-15CQ"/>
  <ParticipantObjectIdentification ParticipantObjectID="191212121212^^^&amp;1.2.752.129.2.1.3.1&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"/>
</AuditMessage>`

func TestConcatenatedAndDeep(t *testing.T) {
	// Two messages back to back inside a syslog-style wrapper, a third
	// nested deeper: every AuditMessage counts, whatever its depth.
	doc := "<syslog>\n" + oneMessage + oneMessage + "\n<batch><inner>" + oneMessage + "</inner></batch></syslog>"
	recs := parse(t, strings.NewReader(doc))
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Quarantined() {
			t.Errorf("record %d quarantined: %s %s", i+1, r.Reason, r.Detail)
		}
		if r.Index != i+1 {
			t.Errorf("record %d index %d", i+1, r.Index)
		}
	}
	if recs[0].Line != 2 || recs[1].Line != 7 || recs[2].Line != 13 {
		t.Errorf("lines %d %d %d", recs[0].Line, recs[1].Line, recs[2].Line)
	}
	// Identical messages hash alike: re-ingest of the same message is a no-op.
	if recs[0].Event.SourceLogID != recs[1].Event.SourceLogID {
		t.Error("identical messages have different log ids")
	}
}

func TestTooLarge(t *testing.T) {
	big := strings.Replace(oneMessage, "<EventID", "<EventOutcomeDescription>"+strings.Repeat("x", portal.MaxRecordBytes)+"</EventOutcomeDescription><EventID", 1)
	recs := parse(t, strings.NewReader("<r>"+big+oneMessage+"</r>"))
	if len(recs) != 2 || recs[0].Reason != portal.ReasonTooLarge || len(recs[0].Raw) != portal.MaxRecordBytes || recs[1].Quarantined() {
		t.Fatalf("got %d records: %+v", len(recs), reasons(recs))
	}
}

func TestNotAuditMessage(t *testing.T) {
	for _, doc := range []string{`<Envelope><Body><other/></Body></Envelope>`, `{"resourceType":"AuditEvent"}`} {
		recs := parse(t, strings.NewReader(doc))
		// Kept with its bytes: the store refuses a row without them.
		if len(recs) != 1 || recs[0].Reason != portal.ReasonNotAccessLog || string(recs[0].Raw) != doc {
			t.Errorf("%q: %v", doc, reasons(recs))
		}
	}
	if recs := parse(t, strings.NewReader(" \n ")); len(recs) != 0 {
		t.Errorf("empty input gave %v", reasons(recs))
	}
}

func TestEmitErrorIsReturned(t *testing.T) {
	stop := errors.New("store full")
	err := Parse(strings.NewReader(oneMessage+oneMessage), func(portal.LogRecord) error { return stop })
	if err != stop {
		t.Fatalf("err = %v, want the emit error unchanged", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		n := copy(p, oneMessage[:min(len(oneMessage), f.n)])
		f.n = 0
		return n, nil
	}
	return 0, errors.New("disk gone")
}

func TestReadErrorIsReturned(t *testing.T) {
	err := Parse(&failingReader{n: 50}, func(portal.LogRecord) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("err = %v", err)
	}
}

func reasons(recs []portal.LogRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Reason)+":"+r.Detail)
	}
	return out
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
	f.Add([]byte(oneMessage))
	f.Fuzz(func(t *testing.T, b []byte) {
		next := 1
		err := Parse(bytes.NewReader(b), func(rec portal.LogRecord) error {
			if rec.Index != next {
				t.Fatalf("index %d, want %d", rec.Index, next)
			}
			next++
			if rec.Quarantined() {
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
