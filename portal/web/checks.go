package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Targeted checks (issue 12 item 5): a reviewer searches a patient's
// accesses or a staff member's, with the routine's checkpoints one click
// away; every search is recorded, can become cases and is completed as a
// control.
func init() { pageNames = append(pageNames, "check_new", "check") }

func (s *Server) checkRoutes() {
	reviewer := s.requireRole(portal.RoleReviewer)
	s.app.Get("/sok", s.requireStaff, reviewer, s.handleCheckForm)
	// A search is recorded (who, what, when): a POST, answered with the
	// check's own page.
	s.app.Post("/sok", s.requireStaff, reviewer, s.handleCheckRun)
	s.app.Get("/sok/:key", s.requireStaff, reviewer, s.handleCheck)
	s.app.Post("/sok/:key/arende", s.requireStaff, reviewer, s.handleCheckCases)
	s.app.Post("/sok/:key/avsluta", s.requireStaff, reviewer, s.handleCheckComplete)
}

// checkForm is the search form as typed.
type checkForm struct {
	Subject, Patient, Staff, From, To, Checkpoint, Provider string
	Checkpoints                                             []portal.Checkpoint
	Providers                                               []option
	Errs                                                    fieldErrs
}

// PeriodHint is the message under the period (the staff_form partial).
func (checkForm) PeriodHint() string { return "controls.page.field.check_period_hint" }

func (s *Server) newCheckForm(c *fiber.Ctx, a portal.Actor) (checkForm, error) {
	f := checkForm{Checkpoints: portal.Checkpoints, Subject: string(portal.CheckStaff)}
	var err error
	f.Providers, err = s.providerOptions(c, a.CaseProviders())
	return f, err
}

// providerOptions names the care providers a form lets a member of staff
// choose among; none when they act for one only, so the form asks nothing.
func (s *Server) providerOptions(c *fiber.Ctx, ps []portal.HSAID) ([]option, error) {
	if len(ps) < 2 {
		return nil, nil
	}
	names, err := s.cfg.Store.ReferenceNames(c.UserContext(), ps)
	if err != nil {
		return nil, err
	}
	opts := make([]option, 0, len(ps))
	for _, p := range ps {
		opts = append(opts, option{Key: string(p), Label: nameOr(names, p)})
	}
	return opts, nil
}

func (s *Server) handleCheckForm(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	f, err := s.newCheckForm(c, a)
	if err != nil {
		return err
	}
	n := s.now().In(portal.Stockholm)
	f.From, f.To = n.AddDate(0, -3, 0).Format(time.DateOnly), n.Format(time.DateOnly)
	return s.render(c, fiber.StatusOK, "check_new", "controls.page.check_new.title", f)
}

func (s *Server) handleCheckRun(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	f, err := s.newCheckForm(c, a)
	if err != nil {
		return err
	}
	f.Subject, f.Patient, f.Staff = clip(c.FormValue("subject")), clip(c.FormValue("patient")), clipText(c.FormValue("staff"), 200)
	f.From, f.To, f.Checkpoint, f.Provider = clip(c.FormValue("from")), clip(c.FormValue("to")), clip(c.FormValue("checkpoint")), clip(c.FormValue("provider"))
	provider, ok := chooseProvider(a.CaseProviders(), f.Provider)
	q, errs := portal.CheckForm{Subject: f.Subject, Patient: f.Patient, Staff: f.Staff, From: f.From, To: f.To,
		Checkpoint: f.Checkpoint}.Query(provider, s.now())
	f.Errs = fieldErrs{}
	for field, e := range errs {
		f.Errs[field] = msgOf(loc, e)
	}
	if !ok {
		f.Errs["provider"] = loc.T("controls.page.error.provider")
	}
	if len(f.Errs) > 0 {
		return s.renderTitled(c, fiber.StatusBadRequest, "check_new", loc.T("controls.page.check_new.title_error"), f)
	}
	key, err := s.cfg.Store.RunCheck(c.UserContext(), a, q)
	if err != nil {
		return err
	}
	return c.Redirect("/sok/"+key+langQuery(lang(c)), fiber.StatusSeeOther)
}

// checkRowView is one access of a check in words.
type checkRowView struct {
	ID                             int64
	When, Who, Unit, What, Purpose string
	Patient                        string
	Marks                          []string // the checkpoints and rules it meets, in words
	Explained, Alert               bool
}

type checkLink struct {
	Key     portal.Checkpoint
	Label   string
	N       int64
	Current bool
}

type checkPage struct {
	Key, Criteria, Period, Reviewer, Created string
	Hits                                     int
	Shown, Total                             int
	Links                                    []checkLink
	Current                                  string
	Rows                                     []checkRowView
	Cases                                    []store.CheckCase
	Completed                                bool
	Result, Actions                          string
	Errs                                     fieldErrs
	CaseNotice                               string
	Max                                      int64
}

func (s *Server) handleCheck(c *fiber.Ctx) error {
	return s.showCheck(c, fiber.StatusOK, nil, "")
}

// showCheck renders the check with its rows (narrowed by ?punkt=), the
// completion form keeping what was typed and any errors beside it.
func (s *Server) showCheck(c *fiber.Ctx, status int, errs fieldErrs, notice string) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	cp := portal.Checkpoint(clip(c.Query("punkt")))
	if !cp.Valid() {
		cp = portal.CheckAll
	}
	v, err := s.cfg.Store.CheckResult(c.UserContext(), a, c.Params("key"), cp)
	if err != nil {
		return err
	}
	if cp == portal.CheckAll {
		cp = v.Query.Checkpoint
	}
	d := checkPage{Key: v.Key, Criteria: checkCriteria(loc, v), Period: loc.Date(v.Query.From) + " – " + loc.Date(v.Query.To.Add(-time.Hour)),
		Reviewer: v.Reviewer, Created: loc.DateTime(v.CreatedAt), Hits: v.Hits, Shown: len(v.Rows), Total: v.Counts.Of(cp),
		Cases: v.Cases, Completed: v.ControlKey != "", Errs: errs, CaseNotice: notice, Max: portal.MaxActions,
		Result: clip(c.FormValue("result")), Actions: clipText(c.FormValue("actions"), 4*portal.MaxActions)}
	d.Links = append(d.Links, checkLink{Key: portal.CheckAll, Label: loc.T("controls.page.check.all"), N: int64(v.Counts.All), Current: cp == portal.CheckAll})
	for _, k := range portal.Checkpoints {
		d.Links = append(d.Links, checkLink{Key: k, Label: loc.T("controls.checkpoint." + string(k)), N: int64(v.Counts.Of(k)), Current: k == cp})
	}
	if cp != portal.CheckAll {
		d.Current = loc.T("controls.checkpoint." + string(cp))
	}
	for _, r := range v.Rows {
		d.Rows = append(d.Rows, checkRowWords(loc, r))
	}
	return s.render(c, status, "check", "controls.page.check.title", d)
}

// checkCriteria says what the check searched, in words.
func checkCriteria(loc *i18n.Localizer, v store.CheckView) string {
	q := v.Query
	switch {
	case q.Subject == portal.CheckPatient:
		return loc.T("controls.page.check.of_patient", map[string]any{"ID": q.Patient.Formatted()})
	case q.Staff != "":
		return loc.T("controls.page.check.of_staff", map[string]any{"ID": string(q.Staff)})
	}
	return loc.T("controls.criteria.check_staff_name", map[string]any{"Name": q.StaffName})
}

func checkRowWords(loc *i18n.Localizer, r store.CheckRow) checkRowView {
	v := checkRowView{ID: r.ID, When: loc.DateTime(r.OccurredAt), Unit: r.UnitName, Explained: r.Explained,
		What:    extract.ActivityWords(loc, portal.Activity(r.Activity)),
		Purpose: extract.PurposeWords(loc, portal.Purpose(r.Purpose), r.PurposeCode)}
	// The reviewer reads HSA-ids: the person's id beside their name.
	v.Who = r.Staff
	if r.StaffName != "" {
		v.Who = r.StaffName + " (" + r.Staff + ")"
	} else if r.StaffProtected {
		v.Who = loc.T("controls.person.protected") + " (" + r.Staff + ")"
	}
	if r.StaffTitle != "" {
		v.Who += ", " + strings.ToLower(extract.TitleWords(loc, r.StaffTitle))
	}
	v.Patient = r.PatientName
	if v.Patient == "" {
		v.Patient = loc.T("controls.page.request.unnamed")
	}
	mark := func(on bool, id string) {
		if on {
			v.Marks = append(v.Marks, loc.T(id))
			v.Alert = true
		}
	}
	mark(r.Self, "controls.checkpoint.self")
	mark(r.Colleague && !r.FormerColleague, "controls.checkpoint.colleague")
	mark(r.FormerColleague, "controls.page.check.former_colleague")
	mark(r.Deceased, "controls.checkpoint.deceased")
	mark(r.Emergency, "controls.checkpoint.emergency")
	mark(r.NonCarePurpose, "controls.checkpoint.non_care_purpose")
	for _, rule := range r.Rules {
		if id := "controls.rule." + rule; loc.Has(id) {
			v.Marks = append(v.Marks, loc.T("controls.page.check.rule", map[string]any{"Rule": loc.T(id)}))
			v.Alert = true
		}
	}
	return v
}

// handleCheckCases turns the ticked accesses into cases and sends the
// reviewer to the first.
func (s *Server) handleCheckCases(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	var raw []string
	for _, v := range c.Request().PostArgs().PeekMulti("event") {
		raw = append(raw, string(v))
	}
	var ids []int64
	for _, r := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(r), 10, 64)
		if err != nil {
			return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "bad event id", Err: portal.ErrNotFound}
		}
		ids = append(ids, id)
	}
	keys, err := s.cfg.Store.OpenCheckCases(c.UserContext(), a, c.Params("key"), ids)
	if portal.ErrorCode(err) == portal.Invalid {
		return s.showCheck(c, fiber.StatusBadRequest, fieldErrs{"event": msgOf(loc, err)}, "")
	}
	if err != nil {
		return err
	}
	return s.showCheck(c, fiber.StatusOK, nil, loc.N("controls.page.check.cases_opened", len(keys)))
}

// handleCheckComplete records the check as a completed control.
func (s *Server) handleCheckComplete(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	comp := portal.CheckCompletion{Result: portal.ControlResult(clip(c.FormValue("result"))),
		Actions: clipText(c.FormValue("actions"), 4*portal.MaxActions)}
	if errs := comp.Validate(); errs != nil {
		fe := fieldErrs{}
		for f, e := range errs {
			fe[f] = msgOf(loc, e)
		}
		return s.showCheck(c, fiber.StatusBadRequest, fe, "")
	}
	if _, err := s.cfg.Store.CompleteCheck(c.UserContext(), a, c.Params("key"), comp); err != nil {
		if portal.ErrorCode(err) == portal.Conflict {
			return s.showCheck(c, fiber.StatusConflict, fieldErrs{"result": msgOf(loc, err)}, "")
		}
		return err
	}
	return c.Redirect("/kontroller"+langQuery(lang(c)), fiber.StatusSeeOther)
}
