package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/portal/auth"
)

// handleLoginStart sends the browser to the provider. It writes nothing at
// our side: state, nonce and the PKCE verifier travel in a sealed cookie.
func (s *Server) handleLoginStart(c *fiber.Ctx) error {
	to, flow, err := s.cfg.Auth.Begin(c.UserContext(), lang(c), c.Query("next"))
	if err != nil {
		return err
	}
	s.setCookie(c, flowCookie, flow, 10*time.Minute)
	return c.Redirect(to, fiber.StatusSeeOther)
}

// handleLoginCallback finishes the login and starts a fresh session; any
// session the browser had ends (the id is rotated).
func (s *Server) handleLoginCallback(c *fiber.Ctx) error {
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	flow := c.Cookies(s.cookieName(flowCookie))
	s.clearCookie(c, flowCookie) // one attempt per flow
	login, err := s.cfg.Auth.Finish(c.UserContext(), flow, q)
	if err != nil {
		s.cfg.Log.Warn("login refused", "request_id", c.Locals("requestid"), "route", c.Route().Path, "error", err.Error())
		return err
	}
	id, _, err := s.cfg.Sessions.Start(c.UserContext(), login, c.Cookies(s.cookieName(sessionCookie)))
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, id, 0)
	s.cfg.Log.Info("login", "request_id", c.Locals("requestid"), "route", c.Route().Path)
	patient := login.Subject.Kind == auth.PatientSubject
	to := "/personal"
	if patient {
		to = "/oversikt"
	}
	if n := nextPage(login.Next, patient); n != "" {
		to = n
	}
	l := langQuery(login.Lang)
	if l != "" && strings.Contains(to, "?") {
		l = "&" + l[1:]
	}
	return c.Redirect(to+l, fiber.StatusSeeOther)
}

// handleLogout ends the session at our side, then at the provider when it
// offers an end-session endpoint.
func (s *Server) handleLogout(c *fiber.Ctx) error {
	sess, _ := session(c)
	if err := s.cfg.Sessions.End(c.UserContext(), sess); err != nil {
		return err
	}
	s.history.dropSession(sess.Key())
	s.clearCookie(c, sessionCookie)
	to := "/" + langQuery(lang(c))
	if s.cfg.Auth != nil {
		if u := s.cfg.Auth.LogoutURL(c.UserContext(), lang(c)); u != "" {
			to = u
		}
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// handleMe is the signed-in start page; the portal's pages come later.
func (s *Server) handleMe(c *fiber.Ctx) error {
	sess, _ := session(c)
	return s.render(c, fiber.StatusOK, "me", "web.me.title", map[string]any{"Staff": sess.Subject.Kind == auth.StaffSubject})
}

// patientPages and staffPages are the first path segments of each kind of
// pages: a login sent from one of them (a link in a notice, a bookmark)
// comes back there, if it is the person's kind.
var (
	patientPages = map[string]bool{"oversikt": true, "historik": true, "flaggor": true, "utdrag": true,
		"installningar": true, "bevakning": true, "barn": true}
	staffPages = map[string]bool{"personal": true, "granskning": true, "chef": true, "sok": true, "kontroller": true,
		"behorighet": true, "utdragsbegaran": true, "admin": true}
)

// nextPage is where a finished login goes: p if it is a page of this site
// (path and query, never another host) among the person's kind of pages,
// else "".
func nextPage(p string, patient bool) string {
	if len(p) > 500 || !sitePath(p) || strings.ContainsAny(p, "#\r\n") {
		return ""
	}
	seg, _, _ := strings.Cut(p[1:], "?")
	seg, _, _ = strings.Cut(seg, "/")
	if (patient && patientPages[seg]) || (!patient && staffPages[seg]) {
		return p
	}
	return ""
}

// loginNext is the page a GET without a session asked for, for the login
// to come back to: its path and query without the language, which the
// login carries itself; "" for a page no login comes back to.
func loginNext(c *fiber.Ctx) string {
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q.Del("lang")
	p := c.Path()
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	if nextPage(p, true) == "" && nextPage(p, false) == "" {
		return ""
	}
	return p
}
