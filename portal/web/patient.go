package web

import (
	"bytes"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
)

// Channels recorded in log_reads for the patient's pages.
const (
	channelOverview = "web_overview"
	channelHistory  = "web_history"
	channelEntry    = "web_entry"
	channelPDF      = "web_extract_pdf"
)

// patient is the signed-in patient as the reader of their own log. Staff
// have no patient pages: for them these pages do not exist.
func patient(c *fiber.Ctx) (portal.Actor, error) {
	sub, ok := c.Locals(LocalSubject).(auth.Subject)
	if !ok || sub.Kind != auth.PatientSubject || sub.PersonalID.IsZero() {
		return portal.Actor{}, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no patient signed in", Err: portal.ErrNotFound}
	}
	return portal.PatientActor(sub.PersonalID, "").ActingFor(actingFor(c)), nil // a guardian reads the child's
}

func (s *Server) now() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock.Now()
	}
	return time.Now()
}

// request is an extract request for the signed-in patient's own log.
func (s *Server) request(c *fiber.Ctx, a portal.Actor, channel string) extract.Request {
	return extract.Request{Patient: a.Subject(), Lang: lang(c), Actor: a, Channel: channel, ProducedAt: s.now()}
}

// collect builds the days and summary of the patient's log for [from, to)
// (extract.Rows: the history shows no extract frame) in memory: a
// patient's log is hundreds of rows, not the tens of thousands a clerk's
// bulk extract may hold.
func (s *Server) collect(c *fiber.Ctx, req extract.Request) (*extract.Extract, error) {
	var col extract.Collect
	if _, err := extract.Rows(c.UserContext(), s.cfg.Store, s.cfg.Texts, req, &col); err != nil {
		return nil, err
	}
	return &col.Extract, nil
}

// handleRoot sends a signed-in patient to their overview; everyone else
// sees the start page.
func (s *Server) handleRoot(c *fiber.Ctx) error {
	if sess, ok := session(c); ok {
		to := "/personal"
		if sess.Subject.Kind == auth.PatientSubject {
			to = "/oversikt"
		}
		return c.Redirect(to+"?lang="+lang(c), fiber.StatusSeeOther)
	}
	return s.handleIndex(c)
}

// overviewData is the last 12 months in a few numbers.
type overviewData struct {
	From, To        string
	Accesses        int64
	Sittings        int64
	People          int64
	UnitCount       int64
	Units           []option
	Providers       []string
	Unexplained     int64
	UnexplainedRows int64
	UnexplainedText string
}

func (s *Server) handleOverview(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	req := s.request(c, a, channelOverview)
	from, to, _ := historyQuery{Period: period12m}.span(loc, req.ProducedAt)
	req.From, req.To = from, to
	v, err := s.historyView(c, req) // the same period the history opens with
	if err != nil {
		return err
	}
	x := v.x
	units := slices.Clone(v.units) // the view is shared: sort a copy
	slices.SortStableFunc(units, func(a, b option) int { return b.N - a.N })
	d := overviewData{From: loc.Date(from), To: loc.Date(to.AddDate(0, 0, -1)), Accesses: int64(x.Summary.Events),
		Sittings: int64(x.Summary.Rows), People: int64(len(v.people)), UnitCount: int64(len(units)), Units: units,
		Unexplained: int64(x.Summary.Unexplained), UnexplainedRows: int64(x.Summary.UnexplainedRows),
		UnexplainedText: extract.UnexplainedSentence(loc, x.Summary, true)}
	for _, r := range v.rows {
		if r.Provider != "" && !slices.Contains(d.Providers, r.Provider) {
			d.Providers = append(d.Providers, r.Provider)
		}
	}
	slices.Sort(d.Providers)
	return s.render(c, fiber.StatusOK, "overview", "web.overview.title", d)
}

// historyData is one page of the history with its filter form.
type historyData struct {
	Q               historyQuery
	Errs            fieldErrs
	Periods         []option
	Units, People   []option
	Rows            []template.HTML // rowsHTML
	Total           int             // rows after filtering
	First, Last     int
	Page, Pages     int
	PrevURL         string
	NextURL         string
	Summary         string
	UnexplainedText string
	AllExplained    bool // nothing comes first: the order says only newest first
	Filtered        bool
}

func (s *Server) handleHistory(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	raw, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q := parseHistoryQuery(raw)
	d := historyData{Q: q, Periods: periodOptions(loc)}
	req := s.request(c, a, channelHistory)
	from, to, errs := q.span(loc, req.ProducedAt)
	if len(errs) > 0 {
		// A date or period to correct shows no rows, but keeps the unit and
		// person chosen: their lists are those of every access kept, where
		// any period's choice is found (a read like any other view).
		req.From, req.To, _ = historyQuery{Period: periodAll}.span(loc, req.ProducedAt)
		v, err := s.historyView(c, req)
		if err != nil {
			return err
		}
		d.Units, d.People, d.Errs = v.units, v.people, errs
		return s.renderTitled(c, fiber.StatusBadRequest, "history", titleFor(c, loc, "web.history.title_error", nil), d)
	}
	req.From, req.To = from, to
	v, err := s.historyView(c, req)
	if err != nil {
		return err
	}
	d.Units, d.People = v.units, v.people
	whose, _, _ := actingView(c, loc.Lang)
	d.Summary, d.UnexplainedText = historySummary(loc, whose, v.x.Summary), extract.UnexplainedSentence(loc, v.x.Summary, true)
	rows, errs := q.filter(loc, v.rows, d.Units, d.People)
	if len(errs) > 0 {
		d.Errs = errs
		return s.renderTitled(c, fiber.StatusBadRequest, "history", titleFor(c, loc, "web.history.title_error", nil), d)
	}
	d.AllExplained = v.x.Summary.Unexplained == 0
	d.Filtered = q.Unit != "" || q.Person != "" || q.Emergency || q.Other || q.Unexplained
	d.Total = len(rows)
	lo, hi, page, pages := pageOf(len(rows), q.Page)
	back := q
	back.Page = page
	d.Rows = s.rowsHTML(loc, v, rows[lo:hi], back.values().Encode())
	d.Page, d.Pages, d.First, d.Last = page, pages, lo+1, hi
	pageURL := func(p int) string {
		v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		v.Set("page", strconv.Itoa(p))
		v.Set("lang", loc.Lang)
		return "/historik?" + v.Encode()
	}
	if page > 1 {
		d.PrevURL = pageURL(page - 1)
	}
	if page < pages {
		d.NextURL = pageURL(page + 1)
	}
	title := titleFor(c, loc, "web.history.title", nil)
	if pages > 1 {
		title = titleFor(c, loc, "web.history.title_page", map[string]any{"Page": page, "Pages": pages})
	}
	return s.renderTitled(c, fiber.StatusOK, "history", title, d)
}

func periodOptions(loc *i18n.Localizer) []option {
	return []option{
		{Key: period12m, Label: loc.T("web.period.12m")},
		{Key: period3y, Label: loc.T("web.period.3y")},
		{Key: periodAll, Label: loc.T("web.period.all")},
	}
}

// entryData is one sitting in full.
type entryData struct {
	Date  string
	Row   extract.Row
	Key   string
	Basis extract.Basis
	Back  string // the history's page the entry was opened from
}

func (s *Server) handleEntry(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	key := c.Params("key")
	day, row, err := extract.Entry(c.UserContext(), s.cfg.Store, s.cfg.Texts, s.request(c, a, channelEntry), key)
	if err != nil {
		return err
	}
	title := loc.T("web.entry.title", map[string]any{"Date": day.Date, "Time": row.Time})
	// The history's filters and page come along in the entry's link (only
	// its own fields, parsed and encoded again: never a way elsewhere).
	raw, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	back := parseHistoryQuery(raw).values()
	back.Set("lang", loc.Lang)
	return s.renderTitled(c, fiber.StatusOK, "entry", title,
		entryData{Date: day.Date, Row: row, Key: extract.EntryKey(row), Basis: extract.BasisOf(row),
			Back: "/historik?" + back.Encode()})
}

// extractForm is the PDF form as typed.
type extractForm struct {
	From, To, PDFLang string
	Errs              fieldErrs
}

func (s *Server) handleExtractForm(c *fiber.Ctx) error {
	if _, err := patient(c); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "extract", "web.extract.title", extractForm{PDFLang: lang(c)})
}

// handleExtractPDF streams the patient's own extract. It is a GET: it
// changes nothing the patient could undo (the read is recorded in
// log_reads, as every read of a log is).
func (s *Server) handleExtractPDF(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	f := extractForm{From: clip(c.Query("from")), To: clip(c.Query("to")), PDFLang: clip(c.Query("pdflang"))}
	req, err := extract.Form{Patient: a.Subject().Digits(), From: f.From, To: f.To, Lang: f.PDFLang}.Request(a, lang(c), s.now())
	if err != nil {
		fes := extract.FieldErrors(err)
		if len(fes) == 0 {
			return err
		}
		f.Errs = fieldErrs{}
		for _, fe := range fes {
			f.Errs[formField(fe.Field)] = loc.T(portal.ErrorMsgID(fe.Err))
		}
		return s.renderTitled(c, fiber.StatusBadRequest, "extract", titleFor(c, loc, "web.extract.title_error", nil), f)
	}
	req.Patient, req.Channel = a.Subject(), channelPDF
	if s.cfg.Auth != nil {
		req.WebURL = s.cfg.Auth.Config().BaseURL + "/historik"
	}
	var buf bytes.Buffer
	if _, err := extract.Build(c.UserContext(), s.cfg.Store, s.cfg.Texts, req, extract.NewPDFWriter(&buf, req.ProducedAt)); err != nil {
		return err
	}
	name := "insyn-" + map[string]string{"sv": "utdrag", "en": "extract"}[req.Lang] + "-" + req.ProducedAt.In(portal.Stockholm).Format("2006-01-02") + ".pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return strings.TrimSpace(s)
}

// historySummary counts the period's accesses in the history page's own
// words: the extract's say "the extract shows ... your record", which is
// neither this page nor, while a guardian acts for a child (whose is
// "Kims"), the record shown. Nothing to count says nothing: the page says
// there are no accesses.
func historySummary(loc *i18n.Localizer, whose string, s extract.Summary) string {
	if s.Events == 0 {
		return ""
	}
	id, data := "web.history.summary", map[string]any{"Rows": loc.N("extract.summary.sittings", s.Rows)}
	if whose != "" {
		id, data["Whose"] = id+"_child", whose
	}
	return loc.N(id, s.Events, data)
}
