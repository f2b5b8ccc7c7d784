package review

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// Subject is who a case is about as the reference data names them.
type Subject struct {
	StaffHSAID string
	StaffName  string // "" when the reference data has no name: the HSA-id stands in
	Title      string // "Sjuksköterska", as the reference data writes it
	Unit       string // the unit most of the case's accesses were made for
	Month      time.Time
}

// Narrative is one sentence in the localizer's language saying why the
// case was raised and what explains or fails to explain it: "Anna Berg,
// sjuksköterska på Kirurgkliniken, läste journalen för en granne på samma
// gata; ingen vårdkontakt finns." It names staff and units, never the
// patient: the sentence is read in lists.
func Narrative(l *i18n.Localizer, s Subject, e Evidence) string {
	who := whoText(l, s)
	if e.Source == portal.SourceSample {
		return sentence(l.T("review.narrative.sample", map[string]any{"Who": who,
			"Month": s.Month.Format("2006-01"), "Accesses": l.N("review.count.accesses", e.Events),
			"Patients": l.N("review.count.patients", e.Patients)}) + "; " + explainText(l, e))
	}
	parts := []string{who + " " + l.T(whatID(e)), explainText(l, e)}
	if e.NeverDocumented {
		parts = append(parts, l.T("review.narrative.never_documented"))
	}
	switch {
	case e.Flags > 0 && e.GuardianFlags == e.Flags:
		parts = append(parts, l.T("review.narrative.flagged_guardian"))
	case e.Flags > 0 || e.Source == portal.SourceFlag:
		parts = append(parts, l.T("review.narrative.flagged"))
	case e.Watchlist || e.Source == portal.SourceWatchlist || e.HasRule("watchlist"):
		parts = append(parts, l.T("review.narrative.watchlist"))
	}
	if e.EarlierCases > 0 {
		parts = append(parts, l.N("review.narrative.earlier", e.EarlierCases))
	}
	return sentence(strings.Join(parts, "; "))
}

// NarrativeVersion names the wording narratives are written in. A case
// keeps the version its sentences were written in, and a review run
// rewrites those of an older one: raise it whenever Narrative words a case
// differently, so stored sentences follow.
const NarrativeVersion = 2

// whoText is "Anna Berg, sjuksköterska på Kirurgkliniken" ("Anna Berg,
// nurse at Kirurgkliniken"): a known title in the reader's language.
func whoText(l *i18n.Localizer, s Subject) string {
	name := strings.TrimSpace(s.StaffName)
	if name == "" {
		name = s.StaffHSAID
	}
	if name == "" {
		return l.T("review.who.unknown")
	}
	title := strings.TrimSpace(s.Title)
	if id, ok := portal.StaffTitleMessage(title); ok {
		title = l.T(id)
	}
	title = lowerFirst(title)
	switch {
	case s.Unit != "" && title != "":
		return l.T("review.who.title_unit", map[string]any{"Name": name, "Title": title, "Unit": s.Unit})
	case s.Unit != "":
		return l.T("review.who.unit", map[string]any{"Name": name, "Unit": s.Unit})
	case title != "":
		return name + ", " + title + ","
	}
	return name
}

// whatID picks the strongest fact: a person's own record before a
// relative's, an address before a workplace, a workplace before a postal
// code, then what the rules say about the patient or the access.
func whatID(e Evidence) string {
	switch {
	case e.Self || e.HasRule("self"):
		return "review.what.self"
	case e.Relative || e.HasRule("relative"):
		return "review.what.relative"
	case e.SameStreet || e.HasRule("household"):
		return "review.what.street"
	case e.Colleague && e.SameUnit:
		return "review.what.colleague_unit"
	case e.Colleague || e.HasRule("colleague"):
		return "review.what.colleague"
	case e.SamePostalCode || e.HasRule("neighbourhood"):
		return "review.what.postal"
	case e.HasRule("protected_identity"):
		return "review.what.protected"
	case e.HasRule("vip"):
		return "review.what.vip"
	case e.HasRule("deceased"):
		return "review.what.deceased"
	case e.HasRule("after_employment"):
		return "review.what.after_employment"
	case e.HasRule("volume"):
		return "review.what.volume"
	case e.Emergencies > 0 || e.HasRule("emergency"):
		return "review.what.emergency"
	}
	return "review.what.patient"
}

// explainText says how much care explains.
func explainText(l *i18n.Localizer, e Evidence) string {
	switch {
	case e.Events == 0:
		return l.T("review.explain.no_events")
	case e.Unexplained == e.Events:
		return l.T("review.explain.none")
	case e.Unexplained == 0:
		return l.T("review.explain.all")
	}
	return l.T("review.explain.some", map[string]any{"Explained": e.Events - e.Unexplained, "Events": e.Events})
}

// lowerFirst writes a title as a common noun ("Sjuksköterska" →
// "sjuksköterska") but leaves an acronym ("ST-läkare", "AT") as it is.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	next, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// sentence capitalises the first letter and ends with a full stop.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
