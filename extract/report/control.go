// Package report words the caregiver's documents that are not a patient's
// extract: the monthly control report of a care unit for its head of unit
// (DESIGN.md section 5, issue 12 item 6). It reads through the store's
// scoped reads, puts every code into words in the reader's language and
// hands the document to extract.WriteReportPDF, which gives it the
// extract's look.
package report

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Source is what the report reads: *store.Store.
type Source interface {
	Unit(ctx context.Context, actor portal.Actor, unit portal.HSAID) (store.UnitInfo, error)
	ListControls(ctx context.Context, actor portal.Actor, f store.ControlFilter) ([]store.ControlView, error)
	AuthorisationList(ctx context.Context, actor portal.Actor, unit portal.HSAID) ([]store.AuthorisationRow, error)
}

// ControlQuery asks for one unit's report of one month.
type ControlQuery struct {
	Unit       portal.HSAID
	Month      time.Time // any moment in the month (Stockholm)
	Lang       string
	Actor      portal.Actor // whose scope the report is read in
	ProducedAt time.Time
}

// ParseMonth reads YYYY-MM as the first moment of that month in Stockholm.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", strings.TrimSpace(s), portal.Stockholm)
	if err != nil {
		return time.Time{}, portal.Errorf(portal.Invalid, "controls.error.month", "month must be YYYY-MM")
	}
	return t, nil
}

// Control builds the unit's control report for the month: the checks
// completed for the unit in it (Stockholm time), with their selection,
// reviewer, result and actions, and the unit's authorisation list as it
// stands. A unit outside the reader's providers is not found. It returns
// the report and how many controls it lists.
func Control(ctx context.Context, src Source, texts *i18n.Catalog, q ControlQuery) (extract.Report, int, error) {
	loc := texts.For(q.Lang)
	unit, err := src.Unit(ctx, q.Actor, q.Unit)
	if err != nil {
		return extract.Report{}, 0, err
	}
	from := store.MonthStart(q.Month)
	controls, err := src.ListControls(ctx, q.Actor, store.ControlFilter{Unit: q.Unit, From: from, To: from.AddDate(0, 1, 0)})
	if err != nil {
		return extract.Report{}, 0, err
	}
	auth, err := src.AuthorisationList(ctx, q.Actor, q.Unit)
	if err != nil {
		return extract.Report{}, 0, err
	}
	month := MonthWords(loc, from)
	by := strings.TrimSpace(q.Actor.Name)
	r := extract.Report{
		Lang:     loc.Lang,
		Title:    loc.T("controls.report.title"),
		Subtitle: loc.T("controls.report.subtitle", map[string]any{"Month": month}),
		Ref:      unit.Name + ", " + month,
		Fields: []extract.Field{
			{Label: loc.T("controls.report.unit"), Value: unit.Name},
			{Label: loc.T("controls.report.provider"), Value: unit.ProviderName},
			{Label: loc.T("controls.report.month"), Value: month},
			{Label: loc.T("controls.report.to"), Value: loc.T("controls.report.to_head")},
			{Label: loc.T("controls.report.produced"), Value: loc.T("controls.report.produced_by",
				map[string]any{"When": loc.DateTime(q.ProducedAt), "Who": by})},
		},
		Footer:    loc.T("controls.report.footer"),
		PageLabel: loc.T("controls.report.page"),
	}
	r.Sections = append(r.Sections, summary(loc, controls), controlTable(loc, controls), authTable(loc, auth),
		extract.ReportSection{Title: loc.T("controls.report.about.title"), Text: loc.T("controls.report.about.text")})
	return r, len(controls), nil
}

// WriteControlPDF builds the report and writes it as PDF.
func WriteControlPDF(ctx context.Context, w io.Writer, src Source, texts *i18n.Catalog, q ControlQuery) (int, error) {
	r, n, err := Control(ctx, src, texts, q)
	if err != nil {
		return 0, err
	}
	return n, extract.WriteReportPDF(w, r, q.ProducedAt)
}

// MonthWords is a month as a person says it: "mars 2026", "March 2026".
func MonthWords(loc *i18n.Localizer, t time.Time) string {
	t = t.In(portal.Stockholm)
	return loc.T("controls.month."+strconv.Itoa(int(t.Month())), map[string]any{"Year": strconv.Itoa(t.Year())})
}

func summary(loc *i18n.Localizer, cs []store.ControlView) extract.ReportSection {
	s := extract.ReportSection{Title: loc.T("controls.report.summary.title")}
	if len(cs) == 0 {
		s.Text = loc.T("controls.report.summary.none")
		return s
	}
	n := map[portal.ControlResult]int{}
	act := false
	for _, c := range cs {
		n[c.Result]++
		act = act || c.Result.Alarming()
	}
	// Each count agrees with its own number ("1 obefogad", "2 obefogade").
	count := func(id string, r portal.ControlResult) string { return loc.N("controls.report.summary."+id, n[r]) }
	s.Text = loc.N("controls.report.summary.counts", len(cs), map[string]any{
		"Justified": count("justified", portal.ResultJustified), "Unjustified": count("unjustified", portal.ResultUnjustified),
		"Unclear": count("unclear", portal.ResultUnclear), "Nothing": count("nothing", portal.ResultNoFindings),
		"Findings": count("findings", portal.ResultFindings)})
	if act {
		s.Text += " " + loc.T("controls.report.summary.act")
	}
	return s
}

func controlTable(loc *i18n.Localizer, cs []store.ControlView) extract.ReportSection {
	s := extract.ReportSection{Title: loc.T("controls.report.controls.title"), Empty: loc.T("controls.report.summary.none"),
		Columns: []string{loc.T("controls.report.col.kind"), loc.T("controls.report.col.period"),
			loc.T("controls.report.col.criteria"), loc.T("controls.report.col.reviewer"), loc.T("controls.report.col.date"),
			loc.T("controls.report.col.result"), loc.T("controls.report.col.actions")},
		Widths: []float64{26, 28, 62, 30, 22, 22, 60}}
	for _, c := range cs {
		actions := c.Actions
		if actions == "" {
			actions = loc.T("controls.report.no_actions")
		}
		s.Rows = append(s.Rows, extract.ReportRow{Alert: c.Result.Alarming(), Cells: []string{
			KindWords(loc, c), PeriodWords(loc, c), CriteriaWords(loc, c), ReviewerWords(loc, c),
			loc.Date(c.CompletedAt), ResultWords(loc, c.Result), actions}})
	}
	return s
}

func authTable(loc *i18n.Localizer, rows []store.AuthorisationRow) extract.ReportSection {
	s := extract.ReportSection{Title: loc.T("controls.report.auth.title"), Text: loc.T("controls.report.auth.text"),
		Empty: loc.T("controls.report.auth.none"),
		Columns: []string{loc.T("controls.report.auth.col.person"), loc.T("controls.report.auth.col.ended"),
			loc.T("controls.report.auth.col.accesses"), loc.T("controls.report.auth.col.last")},
		Widths: []float64{40, 40, 20, 20}}
	for _, r := range rows {
		s.Rows = append(s.Rows, extract.ReportRow{Alert: true, Cells: []string{
			PersonWords(loc, r.StaffName, r.Protected, r.Title), EndedWords(loc, r),
			loc.N("controls.report.items", r.Accesses), loc.DateTime(r.LastAccess)}})
	}
	return s
}

// KindWords names the kind of check, with its case number when it has one.
func KindWords(loc *i18n.Localizer, c store.ControlView) string {
	s := loc.T("controls.kind." + string(c.Kind))
	if c.CaseNumber != "" {
		s += ", " + loc.T("controls.criteria.case", map[string]any{"Number": c.CaseNumber})
	}
	return s
}

// PeriodWords is the period a control covered, in days.
func PeriodWords(loc *i18n.Localizer, c store.ControlView) string {
	first, last := loc.Date(c.From), loc.Date(c.To)
	if c.Kind == portal.ControlSample || c.Kind == portal.ControlTargeted {
		last = loc.Date(c.To.Add(-time.Nanosecond)) // [from, to): the day before to is the last
	}
	if first == last {
		return first
	}
	return first + " – " + last
}

// CriteriaWords says how the control chose what it looked at.
func CriteriaWords(loc *i18n.Localizer, c store.ControlView) string {
	cr := c.Criteria
	var s string
	switch c.Kind {
	case portal.ControlSample:
		s = loc.T("controls.criteria.sample", map[string]any{"Drawn": cr.Drawn, "Candidates": cr.Candidates, "Seed": cr.Seed})
		return s + "; " + loc.N("controls.report.items_cases", c.Items)
	case portal.ControlFlag:
		var reasons []string
		for _, r := range cr.FlagReasons {
			if id := "web.flag.reason." + r; loc.Has(id) {
				reasons = append(reasons, loc.T(id))
			}
		}
		s = loc.T("controls.criteria.flag", map[string]any{"Reasons": strings.Join(reasons, "; ")})
	case portal.ControlWatchlist:
		s = loc.T("controls.criteria.watchlist")
	case portal.ControlRule:
		var rules []string
		for _, r := range cr.Rules {
			if id := "controls.rule." + r; loc.Has(id) {
				rules = append(rules, loc.T(id))
			}
		}
		s = loc.T("controls.criteria.rule_none")
		if len(rules) > 0 {
			s = loc.T("controls.criteria.rule", map[string]any{"Rules": strings.Join(rules, ", ")})
		}
		if cr.Targeted {
			s += ", " + loc.T("controls.criteria.from_check")
		}
	case portal.ControlTargeted:
		switch {
		case cr.Subject == string(portal.CheckPatient):
			s = loc.T("controls.criteria.check_patient")
		case cr.Staff != "":
			s = loc.T("controls.criteria.check_staff", map[string]any{"Name": PersonWords(loc, c.StaffName, c.StaffProtected, "")})
		default:
			s = loc.T("controls.criteria.check_staff_name", map[string]any{"Name": cr.StaffName})
		}
		if cp := portal.Checkpoint(cr.Checkpoint); cp != portal.CheckAll && cp.Valid() {
			s += "; " + loc.T("controls.criteria.checkpoint", map[string]any{"Checkpoint": strings.ToLower(loc.T("controls.checkpoint." + cr.Checkpoint))})
		}
	}
	if cr.Staff != "" && c.Kind != portal.ControlTargeted {
		s += " " + loc.T("controls.criteria.about", map[string]any{"Name": PersonWords(loc, c.StaffName, c.StaffProtected, "")})
	}
	if c.Kind != portal.ControlSample {
		s += "; " + loc.N("controls.report.items", c.Items)
	}
	return s
}

// ReviewerWords names who completed the check.
func ReviewerWords(loc *i18n.Localizer, c store.ControlView) string {
	if c.ReviewerKind == "system" {
		return loc.T("controls.reviewer.system", map[string]any{"Name": strings.TrimPrefix(c.ReviewerID, "system:")})
	}
	return PersonWords(loc, c.ReviewerName, c.ReviewerName == "", "")
}

// PersonWords names a member of staff; a protected identity (or a person
// the reference data does not name) by their title only, never an HSA-id.
func PersonWords(loc *i18n.Localizer, name string, protected bool, title string) string {
	switch {
	case protected:
		name = loc.T("controls.person.protected")
	case strings.TrimSpace(name) == "" || extract.IsCodeLike(name):
		name = loc.T("controls.person.unknown")
	}
	if title != "" {
		return name + ", " + strings.ToLower(extract.TitleWords(loc, title))
	}
	return name
}

// ResultWords is a result in words.
func ResultWords(loc *i18n.Localizer, r portal.ControlResult) string {
	return loc.T("controls.result." + string(r))
}

// EndedWords says what ended when: the assignment, the employment, or both.
func EndedWords(loc *i18n.Localizer, r store.AuthorisationRow) string {
	var parts []string
	if r.AssignmentEnded.Valid {
		parts = append(parts, loc.T("controls.report.auth.assignment", map[string]any{"Date": loc.Date(dateOf(r.AssignmentEnded.Time))}))
	}
	if r.EmploymentEnded.Valid {
		parts = append(parts, loc.T("controls.report.auth.employment", map[string]any{"Date": loc.Date(dateOf(r.EmploymentEnded.Time))}))
	}
	// The messages are lower case, as the second part reads after "; ";
	// the first is the start of the cell.
	s := strings.Join(parts, "; ")
	if r, n := utf8.DecodeRuneInString(s); n > 0 {
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	return s
}

// dateOf reads a DATE (midnight UTC from lib/pq) as that day in Stockholm.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, portal.Stockholm)
}
