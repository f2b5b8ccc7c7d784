package csvlog

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

func parseFile(t testing.TB, path string) []portal.LogRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []portal.LogRecord
	if err := Parse(bytes.NewReader(b), func(r portal.LogRecord) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestParseEvents(t *testing.T) {
	recs := parseFile(t, "testdata/events.csv")
	want := []struct {
		line      int
		reason    portal.Reason
		detail    string
		activity  portal.Activity
		emergency bool
	}{
		{2, "", "", portal.ActivityRead, false},
		{3, "", "", portal.ActivityEmergency, true},
		{4, portal.ReasonInvalidField, "patient id", "", false},
		{5, portal.ReasonMissingField, "acting care unit", "", false},
		{6, portal.ReasonMalformed, "row has 4 fields, header has 22", "", false},
		{7, portal.ReasonPlaceholder, "template row: fields contain ? placeholders", "", false},
		{8, portal.ReasonInvalidField, "time of access", "", false},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Line != w.line || r.Reason != w.reason || r.Detail != w.detail || r.Index != i+1 {
			t.Errorf("record %d: line %d reason %q detail %q index %d; want line %d %q %q", i+1, r.Line, r.Reason, r.Detail, r.Index, w.line, w.reason, w.detail)
		}
		if w.reason == "" && (r.Event.Activity != w.activity || r.Event.Emergency() != w.emergency) {
			t.Errorf("record %d: activity %q emergency %v", i+1, r.Event.Activity, r.Event.Emergency())
		}
	}
	e := recs[0].Event
	if e.ActorHSAID != "SE2321000016-A1B2" || e.ActorUnit.Name != "Medicinkliniken" || e.Patient.Digits() != "191212121212" ||
		e.Purpose != portal.PurposeCare || e.ActorAssignment != "Läkare, medicinkliniken" || e.CoherentRecordKeeping() {
		t.Errorf("first event: %+v", e)
	}
	if !e.OccurredAt.Equal(time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)) {
		t.Errorf("time %v", e.OccurredAt)
	}
	second := recs[1].Event
	if !second.CoherentRecordKeeping() || second.Owner.Name != `Vårdcentralen "Norr"` {
		t.Errorf("second event owner %+v", second.Owner)
	}
	if !second.OccurredAt.Equal(time.Date(2026, 3, 5, 13, 10, 0, 0, time.UTC)) {
		t.Errorf("local time not read as Stockholm: %v", second.OccurredAt)
	}
}

func TestMissingColumnQuarantinesHeader(t *testing.T) {
	var recs []portal.LogRecord
	Parse(strings.NewReader("source_system,occurred_at,patient_id\na,b,c\n"), func(r portal.LogRecord) error { recs = append(recs, r); return nil })
	if len(recs) != 1 || recs[0].Reason != portal.ReasonMissingField || recs[0].Detail != "CSV column source_log_id" {
		t.Fatalf("got %+v", recs)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("testdata/events.csv")
	f.Add(b)
	f.Add([]byte("source_log_id,occurred_at,patient_id\n\"unterminated"))
	f.Fuzz(func(t *testing.T, in []byte) {
		Parse(bytes.NewReader(in), func(r portal.LogRecord) error {
			if !r.Quarantined() {
				if reason, _ := r.Event.Validate(); reason != "" {
					t.Fatalf("emitted an invalid event as valid: %s", reason)
				}
			}
			return nil
		})
	})
}
