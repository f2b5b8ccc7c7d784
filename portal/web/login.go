package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/portal/auth"
)

// handleLoginStart sends the browser to the provider. It writes nothing at
// our side: state, nonce and the PKCE verifier travel in a sealed cookie.
func (s *Server) handleLoginStart(c *fiber.Ctx) error {
	to, flow, err := s.cfg.Auth.Begin(c.UserContext(), lang(c))
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
	to := "/personal"
	if login.Subject.Kind == auth.PatientSubject {
		to = "/oversikt"
	}
	return c.Redirect(to+langQuery(login.Lang), fiber.StatusSeeOther)
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
