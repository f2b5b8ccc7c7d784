package extract_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
)

func TestFormRequest(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, portal.Stockholm) // 23:30 UTC the day before
	by := portal.SystemActor("Kim")
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, portal.Stockholm) }

	// Defaults: everything logged up to and including today in Stockholm,
	// in the reader's language.
	req, err := extract.Form{Patient: "19121212-1212"}.Request(by, "en", now)
	if err != nil || !req.From.IsZero() || !req.To.Equal(day(11, 24)) || req.Lang != "en" ||
		req.Patient.Digits() != "191212121212" || req.Actor.Name != "Kim" || !req.ProducedAt.Equal(now) {
		t.Fatalf("defaults: %+v %v", req, err)
	}
	// A one-day period covers that whole day.
	req, err = extract.Form{Patient: "191212121212", From: "2026-03-05", To: "2026-03-05", Lang: "sv",
		Provider: "SE2321000016-0001"}.Request(by, "en", now)
	if err != nil || !req.From.Equal(day(3, 5)) || !req.To.Equal(day(3, 6)) || req.Lang != "sv" || req.Provider != "SE2321000016-0001" {
		t.Fatalf("one day: %+v %v", req, err)
	}
	if err := req.Validate(); err != nil {
		t.Errorf("a parsed request does not validate: %v", err)
	}

	for _, c := range []struct {
		form         extract.Form
		by           portal.Actor
		field, msgID string
		sv, en       string
	}{
		{extract.Form{Patient: "191212121212", Lang: "de"}, by, "lang", "extract.error.lang",
			"Språket ska vara sv eller en.", "The language must be sv or en."},
		{extract.Form{Patient: " "}, by, "patient", "extract.error.patient_missing", "Ange patientens personnummer.", ""},
		{extract.Form{Patient: "191212121213"}, by, "patient", "error.personal_id.luhn",
			"Personnumret är felaktigt: kontrollsiffran stämmer inte.", ""},
		{extract.Form{Patient: "191212121212", Provider: "1234"}, by, "provider", "error.hsa_id.format", "", ""},
		{extract.Form{Patient: "191212121212", From: "1 mars"}, by, "from", "extract.error.date",
			"Datumet 1 mars ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-03-05.", ""},
		// A day written right that does not exist says so.
		{extract.Form{Patient: "191212121212", To: "2026-02-30"}, by, "to", "extract.error.date_impossible",
			"Datumet 2026-02-30 finns inte. Skriv ett datum som finns, till exempel 2026-02-28.",
			"The date 2026-02-30 does not exist. Write a date that exists, for example 2026-02-28."},
		{extract.Form{Patient: "191212121212", From: "2026-04-01", To: "2026-03-31"}, by, "to", "extract.error.period",
			"Perioden slutar innan den börjar.", "The period ends before it begins."},
		// The patient is checked before who asks.
		{extract.Form{Patient: "191212121213"}, portal.SystemActor(""), "patient", "error.personal_id.luhn", "", ""},
		{extract.Form{Patient: "191212121212"}, portal.SystemActor(" "), "by", "error.actor", "", ""},
		{extract.Form{Patient: "191212121212"}, portal.Actor{Kind: portal.ActorStaff}, "by", "error.actor", "", ""},
	} {
		_, err := c.form.Request(c.by, "sv", now)
		var fe *extract.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Err.MsgID != c.msgID || portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("%+v: %v, want field %s message %s", c.form, err, c.field, c.msgID)
			continue
		}
		for lang, want := range map[string]string{"sv": c.sv, "en": c.en} {
			id, data := portal.ErrorMsgID(err)
			if got := catalog.For(lang).T(id, data); want != "" && got != want {
				t.Errorf("%+v in %s: %q, want %q", c.form, lang, got, want)
			}
		}
	}
	// Both days of a period are refused at once, each with its own field.
	_, err = extract.Form{Patient: "191212121212", From: "1 mars", To: "2026-02-30"}.Request(by, "sv", now)
	fes := extract.FieldErrors(err)
	if len(fes) != 2 || fes[0].Field != "from" || fes[0].Err.MsgID != "extract.error.date" ||
		fes[1].Field != "to" || fes[1].Err.MsgID != "extract.error.date_impossible" {
		t.Errorf("two bad days: %v", err)
	}
	// Every field at once: a wrong personal id does not hide that the
	// period ends before it starts (the clerk heard of it only after
	// correcting the id).
	_, err = extract.Form{Patient: "19121212121", Lang: "de", From: "2026-03-10", To: "2026-03-01"}.Request(by, "sv", now)
	var fields []string
	for _, fe := range extract.FieldErrors(err) {
		fields = append(fields, fe.Field+":"+fe.Err.MsgID)
	}
	if got := strings.Join(fields, " "); !strings.HasPrefix(got, "lang:extract.error.lang patient:") || !strings.HasSuffix(got, " to:extract.error.period") {
		t.Errorf("every bad field at once: %s", got)
	}
}
