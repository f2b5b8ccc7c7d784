package portal

import (
	"strings"
	"testing"
	"time"
)

func TestCheckStorable(t *testing.T) {
	pat, _ := ParsePersonalID("191212121212")
	base := Event{SourceSystem: "SYS", SourceLogID: "L1", OccurredAt: time.Date(2026, 3, 1, 8, 0, 0, 0, Stockholm),
		ActorHSAID: "SE2321000016-A1", Patient: pat, Activity: ActivityRead, Purpose: PurposeCare}
	long := strings.Repeat("x", MaxIndexedBytes+1)
	cases := []struct {
		name   string
		mutate func(*Event)
		detail string // "" when storable
	}{
		{"clean", func(*Event) {}, ""},
		{"offset +15:59:59", func(e *Event) {
			e.OccurredAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("", maxOffsetSeconds))
		}, ""},
		{"offset +24:00", func(e *Event) {
			e.OccurredAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("", 24*3600))
		}, "time of access has a UTC offset beyond 15:59"},
		{"offset -16:00", func(e *Event) {
			e.OccurredAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("", -16*3600))
		}, "time of access has a UTC offset beyond 15:59"},
		{"last storable instant", func(e *Event) { e.OccurredAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) }, ""},
		{"year 10000", func(e *Event) { e.OccurredAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time of access is after the year 9999"},
		{"year 9999 local, 10000 in UTC", func(e *Event) {
			e.OccurredAt = time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("", -3600))
		}, "time of access is after the year 9999"},
		{"log id of an index row", func(e *Event) { e.SourceLogID = long }, "source system and log id are longer than 1024 bytes"},
		{"system and log id together", func(e *Event) {
			e.SourceSystem, e.SourceLogID = long[:600], long[:600]
		}, "source system and log id are longer than 1024 bytes"},
		{"user id", func(e *Event) { e.ActorHSAID = HSAID(long) }, "user id is longer than 1024 bytes"},
		{"patient id", func(e *Event) { e.Patient, _ = ReserveID("1.2.3", "1"); e.Patient.digits = long }, "patient id is longer than 1024 bytes"},
		{"unknown activity", func(e *Event) { e.Activity = "peek" }, "activity is not one Insyn knows"},
		{"unknown purpose", func(e *Event) { e.Purpose = "" }, "purpose is not one Insyn knows"},
	}
	for _, c := range cases {
		r := LogRecord{Event: base}
		c.mutate(&r.Event)
		r.CheckStorable()
		if r.Detail != c.detail || (c.detail != "") != r.Quarantined() {
			t.Errorf("%s: reason %q detail %q, want %q", c.name, r.Reason, r.Detail, c.detail)
		}
		if c.detail != "" && r.Reason != ReasonInvalidField {
			t.Errorf("%s: reason %q", c.name, r.Reason)
		}
	}
	// A record already quarantined keeps its first reason.
	r := LogRecord{Event: base, Reason: ReasonPlaceholder, Detail: "template"}
	r.Event.SourceLogID = long
	r.CheckStorable()
	if r.Reason != ReasonPlaceholder || r.Detail != "template" {
		t.Errorf("first reason replaced: %q %q", r.Reason, r.Detail)
	}
}
