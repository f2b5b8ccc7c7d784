package extract

import (
	"errors"
	"strings"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// Request asks for one extract. Form.Request builds one from what a person
// typed (the command line's flags, the web's form), so both check it alike.
type Request struct {
	Patient    portal.PersonalID
	From, To   time.Time    // [From, To); a zero From means everything logged before To
	Provider   portal.HSAID // optional: only events this care provider acted in or owns
	Lang       string       // "sv" (default) or "en"
	Actor      portal.Actor // who reads the log: scopes the events and is recorded in log_reads
	Channel    string       // recorded in log_reads, e.g. "extract_pdf"
	ProducedAt time.Time
	WebURL     string // where the patient reads the same extract as an accessible web page; "" names it in words only
}

// Validate checks what Build needs before it reads anything.
func (r Request) Validate() error {
	if r.Patient.IsZero() {
		return fieldErr("patient", "extract.error.patient_missing", "patient is required")
	}
	if r.Lang != "" && !supported(r.Lang) {
		return fieldErr("lang", "extract.error.lang", "unsupported language")
	}
	if r.To.IsZero() || (!r.From.IsZero() && !r.To.After(r.From)) {
		return fieldErr("to", "extract.error.period", "period ends before it starts")
	}
	if err := r.Actor.Validate(); err != nil {
		return fieldErr("by", "error.actor", "no reader")
	}
	return nil
}

// Form is an extract request as typed: dates as YYYY-MM-DD, both days
// included; empty fields take their defaults.
type Form struct {
	Patient  string // personal id, required
	From     string // first day; empty: everything logged
	To       string // last day; empty: today
	Provider string // HSA-id; empty: every provider the actor may read
	Lang     string // "sv" or "en"; empty: the reader's language
}

// FieldError is an invalid request value, naming the field it came from so a
// form can show the message beside it and the command line can tell a
// misused flag from a wrong value.
type FieldError struct {
	Field string // patient, from, to, provider, lang, by
	Err   *portal.Error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, msgID, detail string) error {
	return &FieldError{Field: field, Err: portal.Errorf(portal.Invalid, msgID, "%s", detail)}
}

// Request checks the form in the order a person fixes it (language, whom
// the extract is for, which provider, which period, who asks) and fills in
// the defaults: the extract in lang when the form names none, up to and
// including today (in Stockholm) at now. Errors are *FieldError wrapping a
// portal.Error whose message the caller shows in the reader's language.
func (f Form) Request(by portal.Actor, lang string, now time.Time) (Request, error) {
	req := Request{Lang: Lang(lang), Actor: by, ProducedAt: now}
	// Every field is read before any is refused, in the form's order: a
	// form marks every bad one at once, and the command line, which says
	// one thing, says the first.
	var errs []error
	if l := strings.TrimSpace(f.Lang); l != "" {
		if supported(l) {
			req.Lang = l
		} else {
			errs = append(errs, fieldErr("lang", "extract.error.lang", "unsupported language"))
		}
	}
	var err error
	if strings.TrimSpace(f.Patient) == "" {
		errs = append(errs, fieldErr("patient", "extract.error.patient_missing", "patient is required"))
	} else if req.Patient, err = portal.ParsePersonalID(f.Patient); err != nil {
		errs = append(errs, asField("patient", err))
	}
	if strings.TrimSpace(f.Provider) != "" {
		if req.Provider, err = portal.ParseHSAID(f.Provider); err != nil {
			errs = append(errs, asField("provider", err))
		}
	}
	days := true
	if strings.TrimSpace(f.From) != "" {
		if req.From, err = ParseDay(f.From); err != nil {
			errs, days = append(errs, asField("from", err)), false
		}
	}
	last := now.In(portal.Stockholm)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, portal.Stockholm)
	if strings.TrimSpace(f.To) != "" {
		if last, err = ParseDay(f.To); err != nil {
			errs, days = append(errs, asField("to", err)), false
		}
	}
	req.To = last.AddDate(0, 0, 1)
	if days && !req.From.IsZero() && req.From.After(last) {
		errs = append(errs, fieldErr("to", "extract.error.period", "period ends before it starts"))
	}
	if len(errs) > 0 {
		return req, errors.Join(errs...)
	}
	if err := by.Validate(); err != nil {
		return req, fieldErr("by", "error.actor", "no reader")
	}
	return req, nil
}

// ParseDay reads YYYY-MM-DD as the start of that day in Stockholm. A day
// written that way that does not exist (2026-02-30) is refused as such,
// not as written wrongly.
func ParseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), portal.Stockholm)
	switch {
	case err != nil && portal.DayShaped(s):
		return time.Time{}, portal.Errorf(portal.Invalid, "extract.error.date_impossible", "no such day").With("Date", s)
	case err != nil:
		return time.Time{}, portal.Errorf(portal.Invalid, "extract.error.date", "date must be YYYY-MM-DD").With("Date", s)
	}
	return t, nil
}

// FieldErrors is every *FieldError in err, in the order of the form's
// fields: Form.Request refuses both days of a period at once.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// Lang is the supported language nearest to lang, Swedish by default.
func Lang(lang string) string { return i18n.Lang(lang) }

func supported(lang string) bool {
	for _, l := range i18n.Languages {
		if lang == l {
			return true
		}
	}
	return false
}

func asField(field string, err error) error {
	if pe, ok := err.(*portal.Error); ok {
		return &FieldError{Field: field, Err: pe}
	}
	return err
}
