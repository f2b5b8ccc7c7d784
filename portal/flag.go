package portal

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FlagReason is what the patient says is wrong with an access.
type FlagReason string

const (
	ReasonUnknownPerson  FlagReason = "unknown_person"  // "Jag känner inte personen"
	ReasonNoCareThen     FlagReason = "no_care_then"    // "Jag hade ingen vård på enheten då"
	ReasonKnowsPrivately FlagReason = "knows_privately" // "Jag känner personen privat"
	ReasonOther          FlagReason = "other"
)

// FlagReasons are the reasons in the order the form offers them.
var FlagReasons = []FlagReason{ReasonUnknownPerson, ReasonNoCareThen, ReasonKnowsPrivately, ReasonOther}

// Valid tells whether r is a known reason.
func (r FlagReason) Valid() bool {
	for _, x := range FlagReasons {
		if r == x {
			return true
		}
	}
	return false
}

// MaxFlagText is the most a flag's free text may hold, in characters (runes).
const MaxFlagText = 1000

// MaxFlagEvents bounds the events of one flag: a form lists one person's
// sittings of a period, never thousands.
const MaxFlagEvents = 2000

// Flag is a patient's "I don't recognise this" on one or more accesses.
type Flag struct {
	Reason FlagReason
	Text   string  // optional, trimmed; required for ReasonOther
	Events []int64 // the access events flagged (a sitting's, or several)
}

// FieldErrors are a form's errors by field name, each a message the page
// shows next to its field.
type FieldErrors map[string]*Error

func (f FieldErrors) Error() string {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+": "+f[n].Detail)
	}
	return "invalid fields: " + strings.Join(parts, "; ")
}

// Validate trims the text and checks the flag. It returns FieldErrors (by
// form field: "reason", "text", "events") or nil.
func (f *Flag) Validate() error {
	f.Text = strings.TrimSpace(f.Text)
	errs := FieldErrors{}
	if !f.Reason.Valid() {
		errs["reason"] = Errorf(Invalid, "flag.error.reason", "choose a reason")
	}
	switch {
	case !utf8.ValidString(f.Text) || hasControl(f.Text):
		errs["text"] = Errorf(Invalid, "flag.error.text_chars", "text has characters that are not text")
	case utf8.RuneCountInString(f.Text) > MaxFlagText:
		errs["text"] = Errorf(Invalid, "flag.error.text_long", "text too long").
			With("Max", MaxFlagText).With("Count", utf8.RuneCountInString(f.Text))
	case f.Reason == ReasonOther && f.Text == "":
		errs["text"] = Errorf(Invalid, "flag.error.text_other", "reason other needs a text")
	}
	switch {
	case len(f.Events) == 0:
		errs["events"] = Errorf(Invalid, "flag.error.events", "no entry flagged")
	case len(f.Events) > MaxFlagEvents:
		errs["events"] = Errorf(Invalid, "flag.error.events_many", "too many events in one flag")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// validText is text a person wrote: valid UTF-8, no control characters
// but line breaks and tabs, at most max characters.
func validText(s string, max int) bool {
	return utf8.ValidString(s) && !hasControl(s) && utf8.RuneCountInString(s) <= max
}

func hasControl(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// CanFlag tells whether the actor may flag accesses to patient's record:
// the patient themselves, or a guardian acting for their child (the store
// checks the relation and the child's age in SQL).
func CanFlag(a Actor, patient PersonalID) bool {
	return a.Kind == ActorPatient && a.Validate() == nil && !patient.IsZero() && a.Subject() == patient
}
