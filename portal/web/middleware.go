package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
)

// Locals keys.
const (
	localSession = "session"
	// LocalSubject holds the signed-in auth.Subject for handlers behind
	// requireSession.
	LocalSubject = "subject"
)

// securityHeaders sets the headers of every response. The CSP allows no
// inline script or style (the CSS is a file under /static); form-action
// names the provider because logout's redirect goes there.
func (s *Server) securityHeaders() fiber.Handler {
	formAction := "'self'"
	hsts := false
	if s.cfg.Auth != nil {
		if o := origin(s.cfg.Auth.Config().Issuer); o != "" {
			formAction += " " + o
		}
		hsts = s.cfg.Auth.Config().SecureCookies() // HSTS outside loopback
	}
	csp := "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set(fiber.HeaderContentSecurityPolicy, csp)
		h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		h.Set(fiber.HeaderXFrameOptions, "DENY")
		h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if hsts {
			h.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
		}
		return c.Next()
	}
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// loadSession finds the request's session, if any, and records activity. An
// expired or unknown cookie is cleared.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if s.cfg.Sessions == nil {
		return c.Next()
	}
	id := c.Cookies(s.cookieName(sessionCookie))
	if id == "" {
		return c.Next()
	}
	sess, err := s.cfg.Sessions.Load(c.UserContext(), id)
	switch {
	case auth.IsNoSession(err):
		s.clearCookie(c, sessionCookie)
	case err != nil:
		return err
	default:
		c.Locals(localSession, sess)
		// Pages of a signed-in person are theirs alone.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// session is the request's session, if any.
func session(c *fiber.Ctx) (auth.Session, bool) {
	sess, ok := c.Locals(localSession).(auth.Session)
	return sess, ok
}

// requireSession lets only signed-in people through and hands the subject
// to the handler; others are sent to log in.
func (s *Server) requireSession(c *fiber.Ctx) error {
	sess, ok := session(c)
	if !ok {
		if c.Method() != fiber.MethodGet || s.cfg.Auth == nil {
			return c.Redirect("/", fiber.StatusSeeOther)
		}
		to := "/login?lang=" + lang(c)
		if n := loginNext(c); n != "" {
			to += "&next=" + url.QueryEscape(n)
		}
		return c.Redirect(to, fiber.StatusSeeOther)
	}
	c.Locals(LocalSubject, sess.Subject)
	return c.Next()
}

// csrf refuses every state-changing request whose form lacks the session's
// token. Without a session there is nothing to change: the request goes
// back to the start page untouched.
func (s *Server) csrf(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if csrfExempt(c.Path()) { // settings.go: a mail's token is the authority
		return c.Next()
	}
	sess, ok := session(c)
	if !ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	if !sess.CheckCSRF(c.FormValue(csrfField)) {
		s.cfg.Log.Warn("csrf token missing or wrong", "request_id", c.Locals("requestid"), "route", c.Path())
		return &portal.Error{Code: portal.Forbidden, MsgID: "auth.error.csrf", Detail: "csrf token missing or wrong"}
	}
	return c.Next()
}

// Cookies: the session id and the login flow. With Secure cookies they
// carry the __Host- prefix, which pins them to this host and path /.
const (
	sessionCookie = "insyn_session"
	flowCookie    = "insyn_login"
	csrfField     = "_csrf"
)

func (s *Server) secure() bool {
	return s.cfg.Auth == nil || s.cfg.Auth.Config().SecureCookies()
}

func (s *Server) cookieName(base string) string {
	if s.secure() {
		return "__Host-" + base
	}
	return base
}

// setCookie sets an HttpOnly, SameSite=Lax cookie; maxAge 0 lasts the
// browser session (the server enforces the real expiry).
func (s *Server) setCookie(c *fiber.Ctx, base, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{Name: s.cookieName(base), Value: value, Path: "/", HTTPOnly: true,
		Secure: s.secure(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

func (s *Server) clearCookie(c *fiber.Ctx, base string) {
	c.Cookie(&fiber.Cookie{Name: s.cookieName(base), Value: "", Path: "/", HTTPOnly: true,
		Secure: s.secure(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// langQuery keeps the reader in the language they chose across redirects.
// Swedish is named too: without it the page after the redirect would follow
// the browser's Accept-Language, and a reader who chose Swedish in an
// English browser would land in English after every form.
func langQuery(l string) string {
	switch l = strings.TrimSpace(l); l {
	case "sv", "en":
		return "?lang=" + l
	}
	return ""
}
