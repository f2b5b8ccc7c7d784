package web

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// The extract clerk's pages (issue 12 item 7): patients' requests for
// their log extract, registered, produced as PDF from the clerk's own care
// provider's events, and marked delivered; the list puts those past the
// one-month deadline (GDPR art. 12(3)) first.
func init() { pageNames = append(pageNames, "requests", "request_new", "request") }

const channelRequestPDF = "request_pdf"

// requestRoutes registers the clerk's pages behind requireStaff and the
// clerk role.
func (s *Server) requestRoutes() {
	clerk := s.requireRole(portal.RoleClerk)
	s.app.Get("/utdragsbegaran", s.requireStaff, clerk, s.handleRequests)
	s.app.Get("/utdragsbegaran/ny", s.requireStaff, clerk, s.handleRequestForm)
	s.app.Post("/utdragsbegaran/ny", s.requireStaff, clerk, s.handleRequestCreate)
	s.app.Get("/utdragsbegaran/:key", s.requireStaff, clerk, s.handleRequest)
	s.app.Post("/utdragsbegaran/:key/framstall", s.requireStaff, clerk, s.handleRequestProduce)
	s.app.Post("/utdragsbegaran/:key/levererad", s.requireStaff, clerk, s.handleRequestDeliver)
}

// requestLine is a request as the pages show it, in the reader's words.
type requestLine struct {
	Key, Patient, PersonalID, Period, Channel, Received, Deadline, Status, Provider string
	Lang                                                                            string // the extract's language, in words
	Due                                                                             string // "12 dagar kvar", "3 dagar försenad"
	Overdue, Delivered, Produced                                                    bool
	Registered, ProducedAt, DeliveredAt                                             string
}

func (s *Server) requestLine(loc *i18n.Localizer, v store.RequestView) requestLine {
	now := s.now()
	l := requestLine{Key: v.Key, Patient: v.PatientName, PersonalID: v.Patient.Formatted(),
		Channel: loc.T("controls.channel." + string(v.Channel)), Received: loc.Date(v.ReceivedAt),
		Deadline: loc.Date(v.Deadline().Add(-time.Hour)), Status: loc.T("controls.request.status." + string(v.Status)),
		Provider: v.ProviderName, Overdue: v.Overdue(now), Delivered: v.Status == portal.RequestDelivered,
		Produced: v.Status != portal.RequestRegistered, Registered: loc.DateTime(v.RegisteredAt),
		Lang: loc.T("controls.page.request.lang." + v.Lang)}
	if l.Patient == "" {
		l.Patient = loc.T("controls.page.request.unnamed")
	}
	if v.From.IsZero() {
		l.Period = loc.T("controls.page.request.period_all", map[string]any{"To": loc.Date(v.To)})
	} else {
		l.Period = loc.Date(v.From) + " – " + loc.Date(v.To)
	}
	switch left := v.DaysLeft(now); {
	case l.Delivered:
	case left < 0:
		l.Due = loc.N("controls.page.request.late", -left)
	default:
		l.Due = loc.N("controls.page.request.left", left)
	}
	if !v.ProducedAt.IsZero() {
		l.ProducedAt = loc.DateTime(v.ProducedAt)
	}
	if !v.DeliveredAt.IsZero() {
		l.DeliveredAt = loc.DateTime(v.DeliveredAt)
	}
	return l
}

func (s *Server) handleRequests(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.ListRequests(c.UserContext(), a, 0)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	var d struct{ Open, Done []requestLine }
	for _, v := range list {
		if l := s.requestLine(loc, v); l.Delivered {
			d.Done = append(d.Done, l)
		} else {
			d.Open = append(d.Open, l)
		}
	}
	return s.render(c, fiber.StatusOK, "requests", "controls.page.requests.title", d)
}

// formField is the form's name for a field of an extract request: the
// extract's language is "pdflang" beside the page's own "lang".
func formField(field string) string {
	if field == "lang" {
		return "pdflang"
	}
	return field
}

// requestForm is the registration form as typed, with its errors.
type requestForm struct {
	Patient, From, To, Channel, Received, PDFLang, Provider string
	Channels                                                []portal.RequestChannel
	Providers                                               []option
	Errs                                                    fieldErrs
}

// PeriodHint is the message under the period (the staff_form partial).
func (requestForm) PeriodHint() string { return "controls.page.field.period_hint" }

func (s *Server) newRequestForm(c *fiber.Ctx, a portal.Actor) (requestForm, error) {
	f := requestForm{Channels: portal.RequestChannels, PDFLang: lang(c)}
	var err error
	f.Providers, err = s.providerOptions(c, a.RequestProviders())
	return f, err
}

func (s *Server) handleRequestForm(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	f, err := s.newRequestForm(c, a)
	if err != nil {
		return err
	}
	f.Received = s.now().In(portal.Stockholm).Format(time.DateOnly)
	return s.render(c, fiber.StatusOK, "request_new", "controls.page.request_new.title", f)
}

// handleRequestCreate registers the request: the patient and period are
// checked as every extract request is (extract.Form), how and when it came
// in by the domain; every error stands beside its field, what was typed is
// kept.
func (s *Server) handleRequestCreate(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	f, err := s.newRequestForm(c, a)
	if err != nil {
		return err
	}
	f.Patient, f.From, f.To = clip(c.FormValue("patient")), clip(c.FormValue("from")), clip(c.FormValue("to"))
	f.Channel, f.Received, f.PDFLang = clip(c.FormValue("channel")), clip(c.FormValue("received")), clip(c.FormValue("pdflang"))
	f.Provider = clip(c.FormValue("provider"))
	f.Errs = fieldErrs{}
	provider, ok := chooseProvider(a.RequestProviders(), f.Provider)
	if !ok {
		f.Errs["provider"] = loc.T("controls.page.error.provider")
	}
	now := s.now()
	req, err := extract.Form{Patient: f.Patient, From: f.From, To: f.To, Lang: f.PDFLang}.Request(a, lang(c), now)
	if err != nil {
		fes := extract.FieldErrors(err)
		if len(fes) == 0 {
			return err
		}
		for _, fe := range fes {
			f.Errs[formField(fe.Field)] = loc.T(portal.ErrorMsgID(fe.Err))
		}
	}
	channel, err := portal.ParseRequestChannel(f.Channel)
	if err != nil {
		f.Errs["channel"] = msgOf(loc, err)
	}
	received, err := portal.ParseReceived(f.Received, now)
	if err != nil {
		f.Errs["received"] = msgOf(loc, err)
	}
	if len(f.Errs) > 0 {
		return s.renderTitled(c, fiber.StatusBadRequest, "request_new", loc.T("controls.page.request_new.title_error"), f)
	}
	key, err := s.cfg.Store.RegisterRequest(c.UserContext(), a, store.RequestInput{Provider: provider, Patient: req.Patient,
		From: req.From, To: req.To.AddDate(0, 0, -1), Channel: channel, ReceivedAt: received, Lang: req.Lang})
	if err != nil {
		return err
	}
	return c.Redirect("/utdragsbegaran/"+key+langQuery(lang(c)), fiber.StatusSeeOther)
}

// chooseProvider is the provider a form names, when it is one of the
// actor's; the only one when the form names none.
func chooseProvider(ps []portal.HSAID, asked string) (portal.HSAID, bool) {
	if asked == "" && len(ps) == 1 {
		return ps[0], true
	}
	for _, p := range ps {
		if string(p) == asked {
			return p, true
		}
	}
	return "", false
}

// msgOf is an error's message in the reader's language.
func msgOf(loc *i18n.Localizer, err error) string {
	id, data := portal.ErrorMsgID(err)
	return loc.T(id, data)
}

type requestPage struct {
	R      requestLine
	Notice string // why an action was refused
}

func (s *Server) handleRequest(c *fiber.Ctx) error {
	return s.showRequest(c, fiber.StatusOK, "")
}

func (s *Server) showRequest(c *fiber.Ctx, status int, notice string) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.Request(c.UserContext(), a, c.Params("key"))
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	return s.render(c, status, "request", "controls.page.request.title", requestPage{R: s.requestLine(loc, v), Notice: notice})
}

// handleRequestProduce makes the PDF extract of the request from the
// clerk's own provider's events (the read is recorded in log_reads by the
// store), records that it was produced and sends it. A POST: it changes
// the request's status.
func (s *Server) handleRequestProduce(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	key := c.Params("key")
	v, err := s.cfg.Store.Request(c.UserContext(), a, key)
	if err != nil {
		return err
	}
	now := s.now()
	probe := v.ExtractRequest // the domain says whether it may be produced before the log is read
	if err := probe.Produce(a, now); err != nil {
		return s.refuseRequest(c, err)
	}
	req := extract.Request{Patient: v.Patient, From: v.From, To: v.To.AddDate(0, 0, 1), Provider: v.Provider, Lang: v.Lang,
		Actor: a, Channel: channelRequestPDF, ProducedAt: now}
	var buf bytes.Buffer
	if _, err := extract.Build(c.UserContext(), s.cfg.Store, s.cfg.Texts, req, extract.NewPDFWriter(&buf, now)); err != nil {
		return err
	}
	if _, err := s.cfg.Store.ProduceRequest(c.UserContext(), a, key); err != nil {
		return s.refuseRequest(c, err)
	}
	name := map[string]string{"sv": "loggutdrag", "en": "log-extract"}[req.Lang] + "-" + now.In(portal.Stockholm).Format("2006-01-02") + ".pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

func (s *Server) handleRequestDeliver(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Store.DeliverRequest(c.UserContext(), a, c.Params("key")); err != nil {
		return s.refuseRequest(c, err)
	}
	return c.Redirect("/utdragsbegaran"+langQuery(lang(c)), fiber.StatusSeeOther)
}

// refuseRequest shows the request again saying why the action was refused
// (a transition the domain does not allow); other errors go to the error
// page.
func (s *Server) refuseRequest(c *fiber.Ctx, err error) error {
	if portal.ErrorCode(err) != portal.Conflict {
		return err
	}
	return s.showRequest(c, fiber.StatusConflict, msgOf(s.cfg.Texts.For(lang(c)), err))
}
