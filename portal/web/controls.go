package web

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract/report"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// The controls registry, the monthly control report and the authorisation
// list (issue 12 items 5 and 6), for a provider's reviewers and a unit's
// head of unit; and, registered from here, the targeted checks and the
// clerk's extract requests.
func init() { pageNames = append(pageNames, "controls", "authorisation") }

// controlsRoutes registers every page of this area.
func (s *Server) controlsRoutes() {
	s.app.Get("/kontroller", s.requireStaff, s.requireControls, s.handleControls)
	s.app.Get("/kontroller/rapport", s.requireStaff, s.requireControls, s.handleControlReport)
	s.app.Post("/kontroller/:key/atgarder", s.requireStaff, s.requireRole(portal.RoleReviewer), s.handleControlActions)
	s.app.Get("/behorighet", s.requireStaff, s.requireControls, s.handleAuthorisation)
	s.checkRoutes()
	s.requestRoutes()
}

// requireControls lets through reviewers and heads of unit; the store
// scopes what each sees.
func (s *Server) requireControls(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	if !a.HasRole(portal.RoleReviewer) && !a.HasRole(portal.RoleHeadOfUnit) {
		return portal.Errorf(portal.Forbidden, "controls.error.forbidden", "controls need reviewer or head of unit")
	}
	return c.Next()
}

// controlLine is a control in words.
type controlLine struct {
	Key, Kind, Unit, Period, Criteria, Reviewer, Completed, Result, Actions string
	Alert                                                                   bool
}

type controlsPage struct {
	Month, MonthWords, Unit string
	Units                   []option
	Controls                []controlLine
	CanAct                  bool // a reviewer records actions
	Errs                    fieldErrs
	Max                     int64
}

// monthOf reads ?month=YYYY-MM, this month when empty.
func (s *Server) monthOf(c *fiber.Ctx) (string, time.Time, error) {
	m := clip(c.Query("month"))
	if m == "" {
		t := store.MonthStart(s.now())
		return t.Format("2006-01"), t, nil
	}
	t, err := report.ParseMonth(m)
	return m, t, err
}

func (s *Server) handleControls(c *fiber.Ctx) error {
	return s.showControls(c, fiber.StatusOK, nil)
}

func (s *Server) showControls(c *fiber.Ctx, status int, errs fieldErrs) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := controlsPage{Errs: fieldErrs{}, CanAct: a.HasRole(portal.RoleReviewer), Max: portal.MaxActions}
	for k, v := range errs {
		d.Errs[k] = v
	}
	var month time.Time
	if d.Month, month, err = s.monthOf(c); err != nil {
		d.Errs["month"] = msgOf(loc, err)
		month = store.MonthStart(s.now())
	}
	d.MonthWords = report.MonthWords(loc, month)
	units, err := s.controlUnits(c, a)
	if err != nil {
		return err
	}
	d.Units = units
	d.Unit = clip(c.Query("unit"))
	if d.Unit != "" && !hasOption(units, d.Unit) {
		d.Errs["unit"] = loc.T("controls.error.unknown_unit")
		d.Unit = ""
	}
	list, err := s.cfg.Store.ListControls(c.UserContext(), a, store.ControlFilter{Unit: portal.HSAID(d.Unit),
		From: month, To: month.AddDate(0, 1, 0)})
	if err != nil {
		return err
	}
	for _, k := range list {
		d.Controls = append(d.Controls, controlWords(loc, k))
	}
	if len(d.Errs) > 0 && status == fiber.StatusOK {
		status = fiber.StatusBadRequest
	}
	return s.render(c, status, "controls", "controls.page.controls.title", d)
}

func hasOption(os []option, key string) bool {
	for _, o := range os {
		if o.Key == key {
			return true
		}
	}
	return false
}

func controlWords(loc *i18n.Localizer, k store.ControlView) controlLine {
	unit := k.UnitName
	if unit == "" {
		unit = loc.T("controls.page.controls.no_unit")
	}
	return controlLine{Key: k.Key, Kind: report.KindWords(loc, k), Unit: unit, Period: report.PeriodWords(loc, k),
		Criteria: report.CriteriaWords(loc, k), Reviewer: report.ReviewerWords(loc, k), Completed: loc.Date(k.CompletedAt),
		Result: report.ResultWords(loc, k.Result), Actions: k.Actions, Alert: k.Result.Alarming()}
}

// controlUnits are the units the reader may pick: a reviewer's providers'
// units, a head of unit's own.
func (s *Server) controlUnits(c *fiber.Ctx, a portal.Actor) ([]option, error) {
	units, err := s.cfg.Store.ControlUnits(c.UserContext(), a)
	if err != nil {
		return nil, err
	}
	out := make([]option, len(units))
	for i, u := range units {
		out[i] = option{Key: string(u.HSAID), Label: u.Name}
	}
	return out, nil
}

// handleControlActions records what was done after a control.
func (s *Server) handleControlActions(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	text := clipText(c.FormValue("actions"), 4*portal.MaxActions)
	if err := s.cfg.Store.SetControlActions(c.UserContext(), a, c.Params("key"), text); err != nil {
		if portal.ErrorCode(err) == portal.Invalid {
			return s.showControls(c, fiber.StatusBadRequest, fieldErrs{"actions-" + c.Params("key"): msgOf(s.cfg.Texts.For(lang(c)), err)})
		}
		return err
	}
	q := "?month=" + clip(c.Query("month"))
	if u := clip(c.Query("unit")); u != "" {
		q += "&unit=" + u
	}
	if lang(c) == "en" {
		q += "&lang=en"
	}
	return c.Redirect("/kontroller"+q, fiber.StatusSeeOther)
}

// handleControlReport sends the unit's monthly control report as PDF. A
// GET: it reads controls, which are no patient's log, and changes nothing.
func (s *Server) handleControlReport(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	_, month, err := s.monthOf(c)
	if err != nil {
		return err
	}
	unit := portal.HSAID(clip(c.Query("unit")))
	if unit == "" {
		return portal.Errorf(portal.Invalid, "controls.page.error.report_unit", "report without unit")
	}
	pdfLang := clip(c.Query("pdflang"))
	if pdfLang != "en" {
		pdfLang = "sv"
	}
	var buf bytes.Buffer
	now := s.now()
	if _, err := report.WriteControlPDF(c.UserContext(), &buf, s.cfg.Store, s.cfg.Texts, report.ControlQuery{
		Unit: unit, Month: month, Lang: pdfLang, Actor: a, ProducedAt: now}); err != nil {
		return err
	}
	name := map[string]string{"sv": "kontrollrapport", "en": "control-report"}[pdfLang] + "-" + month.Format("2006-01") + ".pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

type authLine struct {
	Person, Unit, Ended, Accesses, Last string
}

func (s *Server) handleAuthorisation(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	rows, err := s.cfg.Store.AuthorisationList(c.UserContext(), a, "")
	if err != nil {
		return err
	}
	var d struct{ Rows []authLine }
	for _, r := range rows {
		who := report.PersonWords(loc, r.StaffName, r.Protected, r.Title) + " (" + r.Staff + ")"
		d.Rows = append(d.Rows, authLine{Person: who, Unit: r.UnitName, Ended: report.EndedWords(loc, r),
			Accesses: loc.N("controls.report.items", r.Accesses), Last: loc.DateTime(r.LastAccess)})
	}
	return s.render(c, fiber.StatusOK, "authorisation", "controls.page.auth.title", d)
}

// clipText keeps at most max bytes of a typed text, whole characters only:
// the domain then says whether it is too long.
func clipText(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
