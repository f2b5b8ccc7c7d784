package web

import (
	"errors"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
)

// The notification pages (DESIGN.md section 9): the patient's settings,
// the confirmation link's page and the unsubscribe link's page (where the
// link's token, not a session, is the authority), and in the demo only a
// local inbox of what the demo's SMTP server received.
func init() {
	pageNames = append(pageNames, "settings", "settings_confirm", "settings_confirmed", "settings_unsubscribe",
		"settings_unsubscribed", "settings_inbox", "settings_child")
}

// notifyRoutes registers the pages. The token pages take POST without a
// session or form token (csrfExempt): a mail program's one-click
// unsubscribe (RFC 8058) has neither, and the token itself is the
// authority; their GET only shows a button.
func (s *Server) notifyRoutes() {
	s.app.Get(notify.SettingsPath, s.requireSession, s.handleSettings)
	s.app.Post(notify.SettingsPath, s.requireSession, s.handleSettingsSave)
	s.app.Post(notify.SettingsPath+"/bekraftelse", s.requireSession, s.handleResendConfirmation)
	s.app.Get(notify.ConfirmPath+":token", s.handleConfirmPage)
	s.app.Post(notify.ConfirmPath+":token", s.handleConfirm)
	s.app.Get("/avisering/bekraftad", s.handleConfirmed)
	s.app.Get(notify.UnsubscribePath+":token", s.handleUnsubscribePage)
	s.app.Post(notify.UnsubscribePath+":token", s.handleUnsubscribe)
	if s.cfg.DemoInbox != nil { // `insyn demo` only; `insyn serve` never sets it
		s.app.Get("/demo/inkorg", s.handleDemoInbox)
	}
}

// csrfExempt are the paths whose POST carries its own authority (a token
// from a mail) and changes nothing else.
func csrfExempt(path string) bool {
	path = strings.ToLower(path) // routes match regardless of case
	return strings.HasPrefix(path, notify.ConfirmPath) || strings.HasPrefix(path, notify.UnsubscribePath)
}

var (
	confirmToken = regexp.MustCompile(`^[a-z2-7]{32}$`)
	unsubToken   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// linkInvalid answers a link that does not work (any more): not found.
func linkInvalid() error {
	return &portal.Error{Code: portal.NotFound, MsgID: "notify.web.link_invalid", Detail: "notification link invalid"}
}

// kindChoice is one checkbox of the settings form.
type kindChoice struct {
	Kind    string
	Checked bool
}

// settingsPage is what the settings page shows and keeps of what was typed.
type settingsPage struct {
	Kinds     []kindChoice
	Lang      string
	Address   string // as typed, or as stored
	Stored    string // the address stored now
	Confirmed bool
	Errors    map[string]string
	Saved     bool // ?sparat=1
	Sent      bool // ?skickat=1: a confirmation went out
	Notices   []noticeItem
}

type noticeItem struct {
	Kind, Status, Created string
}

func (s *Server) settingsPage(c *fiber.Ctx, a portal.Actor, typed *notify.Settings) (settingsPage, error) {
	loc := s.cfg.Texts.For(lang(c))
	cur, err := s.cfg.Store.NotifySettings(c.UserContext(), a, loc.Lang)
	if err != nil {
		return settingsPage{}, err
	}
	p := settingsPage{Lang: cur.Lang, Address: cur.Address, Stored: cur.Address, Confirmed: cur.Confirmed}
	shown := cur
	if typed != nil {
		shown, p.Lang, p.Address = *typed, typed.Lang, typed.Address
	}
	for _, k := range notify.Kinds {
		p.Kinds = append(p.Kinds, kindChoice{Kind: string(k), Checked: shown.Has(k)})
	}
	ns, err := s.cfg.Store.PatientNotices(c.UserContext(), a, 10)
	if err != nil {
		return settingsPage{}, err
	}
	for _, n := range ns {
		p.Notices = append(p.Notices, noticeItem{Kind: string(n.Kind), Status: n.Status, Created: loc.DateTime(n.CreatedAt)})
	}
	return p, nil
}

func (s *Server) handleSettings(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	if a.ActsFor() {
		return s.childSettings(c, a, nil, nil)
	}
	p, err := s.settingsPage(c, a, nil)
	if err != nil {
		return err
	}
	p.Saved, p.Sent = c.Query("sparat") == "1", c.Query("skickat") == "1"
	return s.render(c, fiber.StatusOK, "settings", "notify.web.settings.title", p)
}

// handleSettingsSave saves the choices; errors come back beside their
// fields with what was typed.
func (s *Server) handleSettingsSave(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	form, err := postedForm(c)
	if err != nil {
		return err
	}
	if a.ActsFor() {
		return s.saveChildSettings(c, a, form["kind"])
	}
	set := notify.Settings{Lang: form.Get("lang"), Address: form.Get("address")}
	for _, k := range form["kind"] {
		set.Kinds = append(set.Kinds, notify.Kind(k))
	}
	typed := set
	sent, err := s.cfg.Store.SaveNotifySettings(c.UserContext(), a, set)
	var fe portal.FieldErrors
	if errors.As(err, &fe) {
		return s.settingsErrors(c, a, &typed, fe)
	}
	if err != nil {
		return err
	}
	s.cfg.Log.Info("notification settings saved", "request_id", c.Locals("requestid"), "count", len(set.Kinds))
	q := "?sparat=1"
	if sent {
		q += "&skickat=1"
	}
	return c.Redirect(notify.SettingsPath+q+"&lang="+lang(c), fiber.StatusSeeOther)
}

// settingsErrors renders the form again with each error beside its field;
// a refusal for going too fast answers 429.
func (s *Server) settingsErrors(c *fiber.Ctx, a portal.Actor, typed *notify.Settings, fe portal.FieldErrors) error {
	p, err := s.settingsPage(c, a, typed)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	p.Errors = map[string]string{}
	status := fiber.StatusUnprocessableEntity
	for field, e := range fe {
		p.Errors[field] = loc.T(e.MsgID, numbersFor(loc, e.Data))
		if e.Code == codeRateLimited {
			status = fiber.StatusTooManyRequests
			c.Set(fiber.HeaderRetryAfter, "3600")
		}
	}
	return s.render(c, status, "settings", "notify.web.settings.title_error", p)
}

func (s *Server) handleResendConfirmation(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	err = s.cfg.Store.ResendConfirmation(c.UserContext(), a)
	var fe portal.FieldErrors
	if errors.As(err, &fe) {
		return s.settingsErrors(c, a, nil, fe)
	}
	if err != nil {
		return err
	}
	return c.Redirect(notify.SettingsPath+"?skickat=1&lang="+lang(c), fiber.StatusSeeOther)
}

// tokenPage is what the confirmation and unsubscribe pages show.
type tokenPage struct {
	Action string // the form's path
	Kind   string // the kind an unsubscribe stops
}

func (s *Server) handleConfirmPage(c *fiber.Ctx) error {
	token := c.Params("token")
	if !confirmToken.MatchString(token) {
		return linkInvalid()
	}
	if _, err := s.cfg.Store.ConfirmLang(c.UserContext(), token); err != nil {
		if portal.ErrorCode(err) == portal.NotFound {
			return linkInvalid()
		}
		return err
	}
	return s.render(c, fiber.StatusOK, "settings_confirm", "notify.web.confirm.title",
		tokenPage{Action: notify.ConfirmPath + token})
}

func (s *Server) handleConfirm(c *fiber.Ctx) error {
	token := c.Params("token")
	if !confirmToken.MatchString(token) {
		return linkInvalid()
	}
	if _, err := s.cfg.Store.ConfirmAddress(c.UserContext(), token); err != nil {
		if portal.ErrorCode(err) == portal.NotFound {
			return linkInvalid()
		}
		return err
	}
	s.cfg.Log.Info("notification address confirmed", "request_id", c.Locals("requestid"))
	return c.Redirect("/avisering/bekraftad?lang="+lang(c), fiber.StatusSeeOther)
}

func (s *Server) handleConfirmed(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "settings_confirmed", "notify.web.confirmed.title", nil)
}

func (s *Server) handleUnsubscribePage(c *fiber.Ctx) error {
	token := c.Params("token")
	if !unsubToken.MatchString(token) {
		return linkInvalid()
	}
	kind, _, err := s.cfg.Store.Unsubscribable(c.UserContext(), token)
	if portal.ErrorCode(err) == portal.NotFound {
		return linkInvalid()
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "settings_unsubscribe", "notify.web.unsubscribe.title",
		tokenPage{Action: notify.UnsubscribePath + token, Kind: string(kind)})
}

// handleUnsubscribe serves both our page's button and a mail program's
// one-click POST (body List-Unsubscribe=One-Click, RFC 8058): the same
// idempotent change, answered with a page.
func (s *Server) handleUnsubscribe(c *fiber.Ctx) error {
	token := c.Params("token")
	if !unsubToken.MatchString(token) {
		return linkInvalid()
	}
	kind, _, err := s.cfg.Store.Unsubscribe(c.UserContext(), token)
	if portal.ErrorCode(err) == portal.NotFound {
		return linkInvalid()
	}
	if err != nil {
		return err
	}
	s.cfg.Log.Info("notification unsubscribed", "request_id", c.Locals("requestid"))
	return s.render(c, fiber.StatusOK, "settings_unsubscribed", "notify.web.unsubscribed.title", tokenPage{Kind: string(kind)})
}

// inboxMail is one received mail as the demo's inbox shows it.
type inboxMail struct {
	Subject, To, Date, MessageID, Unsubscribe, Text string
	Links                                           []string
}

var mailLink = regexp.MustCompile(`https?://[^\s<>"()]*[^\s<>"().,;:!?]`)

// handleDemoInbox shows what the demo's SMTP server received, newest
// first, with the mails' links made clickable (the demo's own pages).
func (s *Server) handleDemoInbox(c *fiber.Ctx) error {
	msgs := s.cfg.DemoInbox.Messages()
	out := make([]inboxMail, 0, len(msgs))
	loc := s.cfg.Texts.For(lang(c))
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		out = append(out, inboxMail{Subject: m.Subject, To: m.To, Date: loc.DateTime(m.ReceivedAt), MessageID: m.MessageID(),
			Unsubscribe: m.Header.Get("List-Unsubscribe"), Text: m.Text, Links: mailLink.FindAllString(m.Text, -1)})
	}
	return s.render(c, fiber.StatusOK, "settings_inbox", "notify.web.inbox.title", out)
}

// DemoInbox is what the demo's inbox page reads.
type DemoInbox interface{ Messages() []inbox.Message }

var _ DemoInbox = (*inbox.Server)(nil)

// childSettingsPage is the settings page of a guardian acting for a child:
// which of the child's notices go to the guardian's own address.
type childSettingsPage struct {
	Kinds     []kindChoice
	Address   string
	Confirmed bool
	Errors    map[string]string
	Saved     bool
}

// childSettings shows the guardian's choices for the child; typed keeps
// what was ticked when the form comes back with an error.
func (s *Server) childSettings(c *fiber.Ctx, a portal.Actor, typed []string, fe portal.FieldErrors) error {
	cur, err := s.cfg.Store.ChildNotifySettings(c.UserContext(), a)
	if err != nil {
		return err
	}
	p := childSettingsPage{Address: cur.Address, Confirmed: cur.Confirmed, Saved: c.Query("sparat") == "1" && fe == nil}
	for _, k := range notify.ChildKinds {
		checked := cur.Has(k)
		if fe != nil {
			checked = false
			for _, x := range typed {
				checked = checked || x == string(k)
			}
		}
		p.Kinds = append(p.Kinds, kindChoice{Kind: string(k), Checked: checked})
	}
	if fe == nil {
		return s.render(c, fiber.StatusOK, "settings_child", "notify.web.child.heading", p)
	}
	loc := s.cfg.Texts.For(lang(c))
	p.Errors = map[string]string{}
	for field, e := range fe {
		p.Errors[field] = loc.T(e.MsgID, numbersFor(loc, e.Data))
	}
	return s.render(c, fiber.StatusUnprocessableEntity, "settings_child", "notify.web.child.heading", p)
}

// saveChildSettings saves the guardian's choices for the child; the store
// checks in SQL that the guardian may still act for the child.
func (s *Server) saveChildSettings(c *fiber.Ctx, a portal.Actor, kinds []string) error {
	var ks []notify.Kind
	for _, k := range kinds {
		ks = append(ks, notify.Kind(k))
	}
	err := s.cfg.Store.SaveChildNotify(c.UserContext(), a, ks)
	var fe portal.FieldErrors
	if errors.As(err, &fe) {
		return s.childSettings(c, a, kinds, fe)
	}
	if err != nil {
		return err
	}
	s.cfg.Log.Info("guardian's notification choices saved", "request_id", c.Locals("requestid"), "count", len(ks))
	return c.Redirect(notify.SettingsPath+"?sparat=1&lang="+lang(c), fiber.StatusSeeOther)
}
