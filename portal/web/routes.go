package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/insyn/insyn/portal"
)

// routes is every route, grouped by who may use it. GET never changes
// state; the one exception the protocol forces is /auth/callback, where the
// provider sends the browser back with a code (bound to this browser by
// state, nonce and PKCE), which starts a session.
func (s *Server) routes() {
	// Public.
	s.app.Get("/", s.handleRoot) // the start page; a signed-in patient's overview
	s.app.Get("/healthz", s.handleHealthz)
	s.app.Get("/readyz", s.handleReadyz)
	s.app.Get("/static/app.css", s.handleCSS)
	if s.cfg.Auth != nil {
		limit := s.loginLimiter()
		s.app.Get("/login", limit, s.handleLoginStart)
		s.app.Get("/auth/callback", limit, s.handleLoginCallback)
	}

	// Signed in: each of the portal's pages goes here behind requireSession,
	// which hands the handler the session's subject (c.Locals(LocalSubject)).
	// A fiber Group would run it for unknown paths too, hiding the 404.
	s.guardianRoutes() // first: the child a guardian acts for, for every page after it
	s.app.Get("/me", s.requireSession, s.handleMe)
	// The patient's own log (DESIGN.md section 9): every one of these
	// reads it through the store's scoped reads, recorded in log_reads.
	s.app.Get("/oversikt", s.requireSession, s.handleOverview)
	s.app.Get("/historik", s.requireSession, s.handleHistory)
	s.app.Get("/historik/:key", s.requireSession, s.handleEntry)
	s.app.Get("/utdrag", s.requireSession, s.handleExtractForm)
	s.app.Get("/utdrag/pdf", s.requireSession, s.handleExtractPDF)
	s.app.Post("/logout", s.requireSession, s.handleLogout)
	s.flagRoutes()
	s.workplaceRoutes()
	s.controlsRoutes()
	s.notifyRoutes()
	s.adminRoutes()
}

// codeRateLimited answers 429.
const codeRateLimited portal.Code = "rate_limited"

// loginLimiter bounds login starts and callbacks per address: each start
// costs the provider a request and each callback a token exchange.
func (s *Server) loginLimiter() fiber.Handler {
	max := s.cfg.LoginLimit
	if max <= 0 {
		max = 20
	}
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return &portal.Error{Code: codeRateLimited, MsgID: "web.error.rate_limited", Detail: "login rate limit"}
		},
	})
}
