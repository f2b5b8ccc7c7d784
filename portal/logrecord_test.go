package portal

import (
	"testing"
	"time"
)

func TestSplitByPatient(t *testing.T) {
	pat, _ := ParsePersonalID("191212121212")
	base := Event{SourceLogID: "L1", OccurredAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), ActorHSAID: "SE2321000016-A1", ActorUnit: Party{Name: "Akuten"}, ActivityCode: "Läsa"}
	recs := SplitByPatient(base, "", "", []PatientRef{{ID: pat}, {Reason: ReasonInvalidField, Detail: "patient id"}})
	if len(recs) != 2 || recs[0].Event.SourceLogID != "L1#1" || recs[1].Event.SourceLogID != "L1#2" {
		t.Fatalf("%+v", recs)
	}
	if recs[0].Quarantined() || recs[0].Event.Activity != ActivityOther || recs[1].Reason != ReasonInvalidField {
		t.Fatalf("first %+v second %q", recs[0], recs[1].Reason)
	}
	one := SplitByPatient(base, "", "", nil)
	if len(one) != 1 || one[0].Event.SourceLogID != "L1" || one[0].Reason != ReasonMissingField || one[0].Detail != "patient id" {
		t.Fatalf("no patient: %+v", one)
	}
	if got := SplitByPatient(base, ReasonPlaceholder, "template", []PatientRef{{ID: pat}}); got[0].Reason != ReasonPlaceholder {
		t.Fatalf("entry reason lost: %+v", got[0])
	}
}

func TestCheckText(t *testing.T) {
	pat, _ := ParsePersonalID("191212121212")
	good := Event{SourceLogID: "L1", Patient: pat, ActorName: "Åsa Öberg"}
	cases := []struct {
		name   string
		mutate func(*LogRecord)
		detail string
	}{
		{"clean", func(*LogRecord) {}, ""},
		{"latin-1 name", func(r *LogRecord) { r.Event.ActorName = "J\xe5n" }, "text is not valid UTF-8"},
		{"latin-1 raw", func(r *LogRecord) { r.Raw = []byte("<log>\xe5</log>") }, "text is not valid UTF-8"},
		{"nul in unit", func(r *LogRecord) { r.Event.ActorUnit.Name = "Akut\x00en" }, "text contains a NUL character"},
		{"nul byte in raw", func(r *LogRecord) { r.Raw = []byte("<log>\x00</log>") }, "text contains a NUL character"},
		// jsonb refuses these escapes, but the store keeps such a raw as
		// text: the record is good.
		{"json nul escape", func(r *LogRecord) { r.Raw = []byte(`{"a":"\u0000"}`) }, ""},
		{"json escaped backslash before u0000", func(r *LogRecord) { r.Raw = []byte(`{"a":"\\u0000"}`) }, ""},
		{"lone surrogate outside the event", func(r *LogRecord) { r.Raw = []byte(`{"text":"\ud800"}`) }, ""},
		// A decoder made U+FFFD of an unpaired surrogate in an event field.
		{"lone surrogate in a field", func(r *LogRecord) {
			r.Raw, r.Event.ActorName = []byte(`{"name":"Anna\ud800"}`), "Anna\uFFFD"
		}, "text holds an unpaired surrogate escape"},
		{"lone low surrogate in a field", func(r *LogRecord) {
			r.Raw, r.Event.ActorName = []byte(`{"name":"\ud83d\ude00\udc00\\"}`), "\U0001F600\uFFFD\\"
		}, "text holds an unpaired surrogate escape"},
		{"high surrogate at the end", func(r *LogRecord) { r.Raw, r.Event.ActorName = []byte(`{"a":"\ud800`), "\uFFFD" }, "text holds an unpaired surrogate escape"},
		{"replacement character as written", func(r *LogRecord) {
			r.Raw, r.Event.ActorName = []byte(`{"name":"Anna\\ud800 \ufffd \ud83d\ude00"}`), "Anna\\ud800 \uFFFD \U0001F600"
		}, ""},
	}
	for _, c := range cases {
		r := LogRecord{Event: good, Raw: []byte("<log/>")}
		c.mutate(&r)
		r.CheckText()
		if r.Detail != c.detail || (c.detail != "") != r.Quarantined() {
			t.Errorf("%s: reason %q detail %q", c.name, r.Reason, r.Detail)
		}
	}
	q := LogRecord{Raw: []byte("\xff")}
	q.Quarantine(ReasonMalformed, "x")
	if q.CheckText(); q.Detail != "x" {
		t.Error("CheckText replaced an earlier reason")
	}
}

func TestValidateRefusesPlaceholderDates(t *testing.T) {
	pat, _ := ParsePersonalID("191212121212")
	for _, at := range []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()} {
		e := Event{SourceLogID: "L", OccurredAt: at, ActorHSAID: "SE2321000016-A1", ActorUnit: Party{Name: "Akuten"}, Patient: pat, ActivityCode: "Läsa"}
		if r, _ := e.Validate(); r == "" {
			t.Errorf("%v accepted as a time of access", at)
		}
	}
}
