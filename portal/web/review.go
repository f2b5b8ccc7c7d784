package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// The reviewer's queue and case page (issue 12 items 2 and 3) and the head
// of unit's statements (/chef). Cases are named in URLs by their opaque
// key; statements by theirs.
func init() { pageNames = append(pageNames, "review_queue", "review_case", "chef") }

// Channels recorded in log_reads for the reviewer's reads.
const (
	channelCase         = "web_case"
	channelCaseIdentity = "web_case_identity"
	channelCaseDay      = "web_case_day"
)

// queuePageSize is how many cases a queue page lists.
const queuePageSize = 25

func (s *Server) reviewRoutes() {
	reviewer := []fiber.Handler{s.requireStaff, s.requireRole(portal.RoleReviewer)}
	s.app.Get("/granskning", append(reviewer, s.handleQueue)...)
	s.app.Get("/granskning/arende/:key", append(reviewer, s.handleCase)...)
	s.app.Post("/granskning/arende/:key/:action", append(reviewer, s.handleCaseAction)...)
	head := []fiber.Handler{s.requireStaff, s.requireRole(portal.RoleHeadOfUnit)}
	s.app.Get("/chef", append(head, s.handleChef)...)
	s.app.Post("/chef/yttrande/:key", append(head, s.handleAnswer)...)
}

// queueFilter is the queue's GET form as typed: values outside the known
// ones filter nothing, so a stale link still lists cases.
type queueFilter struct {
	Source, Status, Unit, Severity string
	Mine                           bool
	Page                           int
}

func readQueueFilter(c *fiber.Ctx) queueFilter {
	f := queueFilter{Source: c.Query("kalla"), Status: c.Query("status"), Unit: c.Query("enhet"),
		Severity: c.Query("allvar"), Mine: c.Query("mina") == "1"}
	if !portal.CaseSource(f.Source).Valid() {
		f.Source = ""
	}
	if !portal.CaseStatus(f.Status).Valid() {
		f.Status = ""
	}
	if f.Severity != "low" && f.Severity != "medium" && f.Severity != "high" {
		f.Severity = ""
	}
	if _, err := portal.ParseHSAID(f.Unit); err != nil {
		f.Unit = ""
	}
	f.Page, _ = strconv.Atoi(c.Query("sida"))
	if f.Page < 1 || f.Page > 10000 {
		f.Page = 1
	}
	return f
}

// query is the filter as URL parameters, with page p.
func (f queueFilter) query(lang string, p int) string {
	q := url.Values{}
	for k, v := range map[string]string{"kalla": f.Source, "status": f.Status, "enhet": f.Unit, "allvar": f.Severity} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Mine {
		q.Set("mina", "1")
	}
	if p > 1 {
		q.Set("sida", strconv.Itoa(p))
	}
	q.Set("lang", lang)
	return "/granskning?" + q.Encode()
}

type queueRow struct {
	store.CaseSummary
	Narrative string
	Created   string
}

type statusCount struct {
	Status  portal.CaseStatus
	Count   int
	Link    string
	Current bool
}

type queueData struct {
	Filter     queueFilter
	Rows       []queueRow
	Counts     []statusCount
	Total      int
	Units      []store.CaseUnit
	Sources    []portal.CaseSource
	Statuses   []portal.CaseStatus
	Severities []string
	Prev, Next string
	Page       int
}

var caseStatuses = []portal.CaseStatus{portal.StatusNew, portal.StatusInvestigating, portal.StatusAwaitingStatement,
	portal.StatusDecided, portal.StatusClosed}

// handleQueue lists the reviewer's providers' cases in the order they are
// worked, with counts per status. The narrative names staff and unit,
// never the patient, so the list is no read of anyone's log.
func (s *Server) handleQueue(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	f := readQueueFilter(c)
	sf := store.CaseFilter{Source: portal.CaseSource(f.Source), Status: portal.CaseStatus(f.Status), Unit: portal.HSAID(f.Unit),
		Severity: f.Severity, Limit: queuePageSize + 1, Offset: (f.Page - 1) * queuePageSize}
	if f.Mine {
		sf.AssignedTo = a.HSAID
	}
	ctx := c.UserContext()
	cases, err := s.cfg.Store.ListCases(ctx, a, sf)
	if err != nil {
		return err
	}
	counts, err := s.cfg.Store.CaseCounts(ctx, a, sf)
	if err != nil {
		return err
	}
	units, err := s.cfg.Store.ProviderUnits(ctx, a)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := queueData{Filter: f, Units: units, Page: f.Page, Statuses: caseStatuses, Severities: review.Severities,
		Sources: []portal.CaseSource{portal.SourceFlag, portal.SourceWatchlist, portal.SourceRule, portal.SourceSample}}
	if len(cases) > queuePageSize {
		cases = cases[:queuePageSize]
		d.Next = f.query(loc.Lang, f.Page+1)
	}
	if f.Page > 1 {
		d.Prev = f.query(loc.Lang, f.Page-1)
	}
	for _, cs := range cases {
		d.Rows = append(d.Rows, queueRow{CaseSummary: cs, Narrative: cs.Narrative(loc.Lang), Created: loc.Date(cs.CreatedAt)})
	}
	for _, st := range caseStatuses {
		g := f
		g.Status, g.Page = string(st), 1
		d.Counts = append(d.Counts, statusCount{Status: st, Count: counts[st], Link: g.query(loc.Lang, 1), Current: f.Status == string(st)})
		d.Total += counts[st]
	}
	return s.render(c, fiber.StatusOK, "review_queue", "workplace.queue.title", d)
}

// caseView is the case page: what the reviewer reads and the forms.
type caseView struct {
	Key, Number     string
	Source          portal.CaseSource
	SourceKey       string // the label's: CaseSummary.SourceKey
	Status          portal.CaseStatus
	Outcome         portal.Outcome
	Severity        string
	Narrative       string
	StaffName       string
	Staff           string
	Assigned        string
	AssignedToMe    bool
	Signals         []string
	Rules           []string
	Flags           []caseFlagLine
	Events          []caseEventLine
	Day             []dayLine
	DayMore         bool
	Timeline        []timelineLine
	GuardianFlag    bool // a guardian flagged accesses: they read the message for the patient
	Statements      []store.Statement
	Earlier         []queueRow
	Reviewers       []store.StaffOption
	Units           []store.CaseUnit
	DecisionReason  string
	PatientMessage  string
	Identity        *store.PatientIdentity
	IdentityText    string
	Outcomes        []portal.Outcome
	Form            caseForm
	CanStart        bool
	CanResume       bool
	CanClose        bool
	CanDecide       bool
	CanAskStatement bool
	Open            bool
	Closed          bool
	Refused         string // a refused action, in words
	Saved           string // what the last action saved, in words (savedNotices)
}

// caseForm keeps what was typed in the case page's forms and the errors
// beside each field.
type caseForm struct {
	Note, Question, Unit, Outcome, Reason, Message, Assignee string
	Errors                                                   map[string]string
}

type caseFlagLine struct {
	Reason, Text, Filed string
	Events              int
	ByGuardian          bool
}

type caseEventLine struct {
	When, What, Unit, Explanation string
	Explained, Emergency          bool
}

type dayLine struct {
	When, What, Unit string
	Patient          int
	SamePatient      bool
	Explained        bool
	Emergency        bool
}

type timelineLine struct {
	When, What, Who, Text string
}

// caseKey reads the key from the path; anything but a key's shape is not
// found without asking the database.
func caseKey(c *fiber.Ctx) (string, error) {
	k := c.Params("key")
	if len(k) != 26 || strings.Trim(k, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return "", &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "malformed case key", Err: portal.ErrNotFound}
	}
	return k, nil
}

func (s *Server) handleCase(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	key, err := caseKey(c)
	if err != nil {
		return err
	}
	v, err := s.caseView(c, a, key)
	if err != nil {
		return err
	}
	if id, ok := savedNotices[c.Query("sparat")]; ok {
		v.Saved = s.cfg.Texts.For(lang(c)).T(id)
	}
	return s.renderCase(c, fiber.StatusOK, v)
}

// savedNotices are the case page's "saved" notices after an action: the
// redirect names one of these words (?sparat=beslut), never what was
// typed, so nothing personal reaches the URL or the access log.
var savedNotices = map[string]string{
	"tilldela":   "workplace.case.saved.assigned",
	"anteckning": "workplace.case.saved.note",
	"yttrande":   "workplace.case.saved.statement",
	"beslut":     "workplace.case.saved.decided",
	"utreds":     "workplace.case.saved.investigating",
	"avslutat":   "workplace.case.saved.closed",
}

func (s *Server) renderCase(c *fiber.Ctx, status int, v *caseView) error {
	title := s.cfg.Texts.For(lang(c)).T("workplace.case.title", map[string]any{"Number": v.Number})
	return s.renderTitled(c, status, "review_case", title, v)
}

// caseView reads the case for the reviewer: CaseDetail records the read of
// its accesses in log_reads, StaffDayActivity that of the other patients'.
func (s *Server) caseView(c *fiber.Ctx, a portal.Actor, key string) (*caseView, error) {
	ctx := c.UserContext()
	d, err := s.cfg.Store.CaseDetail(ctx, a, key, channelCase)
	if err != nil {
		return nil, err
	}
	loc := s.cfg.Texts.For(lang(c))
	cs := d.Case
	v := &caseView{Key: cs.Key, Number: cs.Number, Source: cs.Source, SourceKey: d.Summary.SourceKey(), Status: cs.Status, Outcome: cs.Outcome,
		Severity: d.Summary.Severity, Narrative: d.Summary.Narrative(loc.Lang), StaffName: d.Summary.StaffName,
		Staff: string(cs.Staff), DecisionReason: cs.DecisionReason, PatientMessage: cs.PatientMessage,
		AssignedToMe: cs.AssignedTo == a.HSAID, Open: cs.Status.Open(), Closed: cs.Status == portal.StatusClosed,
		CanStart: cs.Status == portal.StatusNew, CanResume: cs.Status == portal.StatusAwaitingStatement,
		CanClose: cs.Status == portal.StatusDecided, Outcomes: []portal.Outcome{portal.OutcomeJustified, portal.OutcomeUnjustified, portal.OutcomeUnclear},
		CanDecide:       portal.CanTransition(cs.Status, portal.StatusDecided),
		CanAskStatement: cs.Status == portal.StatusAwaitingStatement || portal.CanTransition(cs.Status, portal.StatusAwaitingStatement)}
	for _, sig := range d.Signals {
		v.Signals = append(v.Signals, loc.T("cases.signal."+string(sig)))
	}
	for _, r := range d.Evidence.RuleCounts() {
		v.Rules = append(v.Rules, loc.T("workplace.rule."+r.Rule))
	}
	for _, f := range d.Flags {
		v.Flags = append(v.Flags, caseFlagLine{Reason: extract.FlagReasonWords(loc, f.Reason, f.ByGuardian), Text: f.Text,
			Filed: loc.DateTime(f.CreatedAt), Events: f.Events, ByGuardian: f.ByGuardian})
		v.GuardianFlag = v.GuardianFlag || f.ByGuardian
	}
	for _, e := range d.Events {
		l := caseEventLine{When: loc.DateTime(e.OccurredAt), What: extract.AccessWords(loc, e.Activity, e.ResourceType),
			Unit: e.UnitName, Explained: e.Explained(), Emergency: e.Emergency, Explanation: loc.T("cases.show.unexplained")}
		if e.Explained() {
			l.Explanation = loc.T("cases.show.explained", map[string]any{"Kind": loc.T("cases.relation." + e.RelationKind),
				"Unit": e.RelationUnit, "Date": loc.Date(e.RelationStartsAt.Time),
				"Apart": extract.CareApart(loc, e.RelationKind, e.OccurredAt, e.RelationStartsAt.Time, e.RelationEndsAt)})
		}
		v.Events = append(v.Events, l)
	}
	for _, o := range d.Earlier {
		v.Earlier = append(v.Earlier, queueRow{CaseSummary: o, Narrative: o.Narrative(loc.Lang), Created: loc.Date(o.CreatedAt)})
	}
	day, err := s.cfg.Store.StaffDayActivity(ctx, a, cs, channelCaseDay)
	if err != nil {
		return nil, err
	}
	v.DayMore = len(day) >= store.MaxDayAccesses
	for _, e := range day {
		v.Day = append(v.Day, dayLine{When: loc.DateTime(e.OccurredAt), What: extract.AccessWords(loc, e.Activity, e.ResourceType),
			Unit: e.UnitName, Patient: e.Patient, SamePatient: e.Patient == 0, Explained: e.Explained, Emergency: e.Emergency})
	}
	if v.Statements, err = s.cfg.Store.CaseStatements(ctx, a, cs); err != nil {
		return nil, err
	}
	if v.Reviewers, err = s.cfg.Store.Reviewers(ctx, a, cs.Provider); err != nil {
		return nil, err
	}
	if v.Units, err = s.cfg.Store.CaseUnits(ctx, a, cs); err != nil {
		return nil, err
	}
	if err := s.timeline(c, loc, cs, v); err != nil {
		return nil, err
	}
	return v, nil
}

// timeline words the case's history; staff are named, the patient is
// "the patient", the command line "Insyn".
func (s *Server) timeline(c *fiber.Ctx, loc *i18n.Localizer, cs portal.Case, v *caseView) error {
	ids := []string{string(cs.AssignedTo)}
	for _, e := range cs.Timeline {
		ids = append(ids, e.ActorID)
		if e.Kind == portal.TimelineAssigned {
			ids = append(ids, e.Text)
		}
	}
	names, err := s.cfg.Store.StaffNames(c.UserContext(), ids)
	if err != nil {
		return err
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	if cs.AssignedTo != "" {
		v.Assigned = name(string(cs.AssignedTo))
	}
	for _, e := range cs.Timeline {
		l := timelineLine{When: loc.DateTime(e.At), Text: e.Text}
		switch e.ActorKind {
		case portal.ActorPatient:
			l.Who = loc.T("workplace.case.who_patient")
			if e.ActorID != cs.Patient.Digits() { // a guardian for their child
				l.Who = loc.T("workplace.case.who_guardian")
			}
		case portal.ActorSystem:
			l.Who = loc.T("workplace.case.who_system")
		default:
			l.Who = name(e.ActorID)
		}
		switch e.Kind {
		case portal.TimelineStatus, portal.TimelineClosed:
			l.What = loc.T("workplace.timeline.status", map[string]any{"To": loc.T("cases.status." + string(e.To))})
		case portal.TimelineAssigned:
			l.What, l.Text = loc.T("workplace.timeline.assigned", map[string]any{"Name": name(e.Text)}), ""
		default:
			l.What = loc.T("workplace.timeline." + string(e.Kind))
		}
		v.Timeline = append(v.Timeline, l)
	}
	return nil
}

// Case actions: one POST path per action, each with the session's CSRF
// token (checked by the csrf middleware before this runs).
func (s *Server) handleCaseAction(c *fiber.Ctx) error {
	a, key, form, err := caseRequest(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := caseForm{Note: form.Get("note"), Question: form.Get("question"), Unit: form.Get("unit"), Outcome: form.Get("outcome"),
		Reason: form.Get("reason"), Message: form.Get("message"), Assignee: form.Get("assignee")}
	var identity *store.PatientIdentity
	saved := c.Params("action") // the savedNotices word on success
	switch c.Params("action") {
	case "tilldela":
		to := a.HSAID
		if f.Assignee != "" && f.Assignee != "me" {
			id, perr := portal.ParseHSAID(f.Assignee)
			if perr != nil {
				err = portal.Errorf(portal.Invalid, "case.error.assignee", "assignee is no HSA-id")
				break
			}
			to = id
		}
		_, err = s.cfg.Store.AssignCase(ctx, a, key, to)
	case "anteckning":
		_, err = s.cfg.Store.AddNote(ctx, a, key, f.Note)
	case "yttrande":
		var unit portal.HSAID
		if u, perr := portal.ParseHSAID(f.Unit); perr == nil {
			unit = u
		}
		_, err = s.cfg.Store.RequestStatement(ctx, a, key, unit, f.Question)
	case "beslut":
		_, err = s.cfg.Store.DecideCase(ctx, a, key, portal.Decision{Outcome: portal.Outcome(f.Outcome), Reason: f.Reason, PatientMessage: f.Message})
	case "status":
		to := portal.CaseStatus(form.Get("to"))
		if to != portal.StatusInvestigating && to != portal.StatusClosed {
			err = portal.Errorf(portal.Invalid, "case.error.transition", "unknown status change")
			break
		}
		_, err = s.cfg.Store.TransitionCase(ctx, a, key, to)
		saved = map[portal.CaseStatus]string{portal.StatusInvestigating: "utreds", portal.StatusClosed: "avslutat"}[to]
	case "identitet":
		id, ierr := s.cfg.Store.CasePatient(ctx, a, key, channelCaseIdentity)
		if ierr != nil {
			return ierr
		}
		identity = &id
	default:
		return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "unknown case action", Err: portal.ErrNotFound}
	}
	if err == nil && identity == nil {
		return c.Redirect("/granskning/arende/"+key+"?sparat="+saved+langQueryAmp(lang(c)), fiber.StatusSeeOther)
	}
	// Not found and internal errors go to the error page; what the domain
	// refused is shown on the case page, beside the field it concerns,
	// keeping what was typed.
	code := portal.ErrorCode(err)
	if err != nil && code != portal.Invalid && code != portal.Conflict && code != portal.Forbidden {
		return err
	}
	v, verr := s.caseView(c, a, key)
	if verr != nil {
		return verr
	}
	status := fiber.StatusOK
	if identity != nil {
		v.Identity = identity
		v.IdentityText = identity.PersonalID.Formatted()
	}
	v.Form = f
	// A form the case's status does not offer (a stale page, say) is shown
	// again when it was refused, so that what was typed is not lost.
	switch c.Params("action") {
	case "yttrande":
		v.CanAskStatement = v.CanAskStatement || v.Open
	case "beslut":
		v.CanDecide = v.CanDecide || v.Open
	}
	if err != nil {
		status = statusOf(code)
		msgID, data := portal.ErrorMsgID(err)
		msg := s.cfg.Texts.For(lang(c)).T(msgID, data)
		if field := errorField(c.Params("action"), msgID); field != "" && code == portal.Invalid {
			v.Form.Errors = map[string]string{field: msg}
		} else {
			v.Refused = msg
		}
	}
	return s.renderCase(c, status, v)
}

// errorField is the form field a refused action's message belongs beside.
func errorField(action, msgID string) string {
	switch msgID {
	case "case.error.reason":
		return "reason"
	case "case.error.patient_message":
		return "message"
	case "case.error.outcome":
		return "outcome"
	case "case.error.question":
		return "question"
	case "case.error.no_head":
		return "unit"
	case "case.error.assignee":
		return "assignee"
	case "case.error.text":
		if action == "anteckning" {
			return "note"
		}
		return "reason"
	}
	return ""
}

// caseRequest is what a POST on a case or a statement starts from: the
// member of staff, the key in the path (anything but a key's shape is not
// found) and the form.
func caseRequest(c *fiber.Ctx) (a portal.Actor, key string, form url.Values, err error) {
	if a, err = staff(c); err != nil {
		return
	}
	if key, err = caseKey(c); err != nil {
		return
	}
	form, err = caseFormValues(c)
	return
}

// caseFormValues reads a urlencoded form of valid UTF-8.
func caseFormValues(c *fiber.Ctx) (url.Values, error) {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		return nil, portal.Errorf(portal.Invalid, "workplace.error.form", "case form must be urlencoded")
	}
	v, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return nil, portal.Errorf(portal.Invalid, "workplace.error.form", "case form unreadable")
	}
	for _, vals := range v {
		for _, x := range vals {
			if !utf8.ValidString(x) {
				return nil, portal.Errorf(portal.Invalid, "workplace.error.form", "case form not UTF-8")
			}
		}
	}
	return v, nil
}

// chefData is the head of unit's page: the statements asked of them.
type chefData struct {
	Open, Answered []chefLine
	Late           []chefLine // unanswered, but the case was decided: no form
	Answer         string     // what was typed, kept on an error
	ErrorKey       string     // the statement whose answer was refused
	Error          string
	ErrorAtField   bool // the refused answer's form is on the page: the message stands there, once
	Saved          bool // an answer was just sent (?sparat=1 after the redirect)
}

type chefLine struct {
	store.Statement
	Narrative, Asked, AnsweredOn string
}

func (s *Server) handleChef(c *fiber.Ctx) error {
	d, err := s.chefData(c)
	if err != nil {
		return err
	}
	d.Saved = c.Query("sparat") == "1"
	return s.render(c, fiber.StatusOK, "chef", "workplace.chef.title", d)
}

func (s *Server) chefData(c *fiber.Ctx) (*chefData, error) {
	a, err := staff(c)
	if err != nil {
		return nil, err
	}
	sts, err := s.cfg.Store.StatementsForHead(c.UserContext(), a)
	if err != nil {
		return nil, err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := &chefData{}
	for _, st := range sts {
		l := chefLine{Statement: st, Narrative: st.Narrative(loc.Lang), Asked: loc.DateTime(st.RequestedAt)}
		switch {
		case st.AnsweredAt.Valid:
			l.AnsweredOn = loc.DateTime(st.AnsweredAt.Time)
			d.Answered = append(d.Answered, l)
		case !st.CaseStatus.Open():
			// The domain refuses an answer once the case is decided
			// (case.error.answer_late): offer none, say why.
			d.Late = append(d.Late, l)
		default:
			d.Open = append(d.Open, l)
		}
	}
	return d, nil
}

// handleAnswer records the head of unit's answer; another unit's statement
// is not found.
func (s *Server) handleAnswer(c *fiber.Ctx) error {
	a, key, form, err := caseRequest(c)
	if err != nil {
		return err
	}
	answer := form.Get("answer")
	err = s.cfg.Store.AnswerStatement(c.UserContext(), a, key, answer)
	if err == nil {
		return c.Redirect("/chef?sparat=1"+langQueryAmp(lang(c)), fiber.StatusSeeOther)
	}
	code := portal.ErrorCode(err)
	if code != portal.Invalid && code != portal.Conflict {
		return err
	}
	d, derr := s.chefData(c)
	if derr != nil {
		return derr
	}
	msgID, data := portal.ErrorMsgID(err)
	d.Answer, d.ErrorKey, d.Error = answer, key, s.cfg.Texts.For(lang(c)).T(msgID, data)
	for _, l := range d.Open {
		d.ErrorAtField = d.ErrorAtField || l.Key == key
	}
	return s.render(c, statusOf(code), "chef", "workplace.chef.title", d)
}
