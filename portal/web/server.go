// Package web serves Insyn's pages with fiber: thin handlers that parse
// input, call the store or extract, and render an embedded template in the
// reader's language.
//
// Every request passes, in order: recover, request id, security headers
// (CSP without inline code), the access log (route pattern, never the
// URI's data), admission (admit.go: at most GOMAXPROCS requests at work,
// the others in turn), the session (auth.Sessions) and the CSRF check of every
// POST, then per route requireSession (a patient), requireStaff (the staff
// member's roles, read per request) and requireRole. The language is the
// request's (?lang=, else Accept-Language, else Swedish). Errors go to one
// ErrorHandler that words them in the reader's language.
//
// The pages, one file each: patient.go and history.go (/oversikt,
// /historik, /historik/{key}, /utdrag, built from the extract model through
// the store's scoped reads), flag.go (/flaggor), watch.go (/bevakning),
// guardian.go (/barn and the banner while acting for a child),
// settings.go (/installningar and the mail's /avisering links, where the
// mailed token is the authority), workplace.go (/personal and the staff
// menu), review.go (/granskning, the case page and its actions, /chef),
// checks.go (/sok), controls.go (/kontroller, /behorighet), requests.go
// (/utdragsbegaran) and admin.go (/admin/...). webtest drives headless
// Chromium and runs axe-core over the pages in both languages.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
)

// Config is what the server needs from main.
type Config struct {
	Store *store.Store
	Texts *i18n.Catalog
	Log   *slog.Logger
	Clock portal.Clock
	// Auth and Sessions sign people in; without them the server has no
	// login (the public pages only).
	Auth     *auth.Client
	Sessions *auth.Sessions
	// LoginLimit is how many login starts and callbacks one address may
	// make per minute (default 20).
	LoginLimit int
	// FlagLimit is how many flags one session may submit per hour
	// (default 10).
	FlagLimit int
	// DemoInbox, set by `insyn demo` only, adds the local inbox page.
	DemoInbox DemoInbox
	// MaxInFlight is how many requests work at once (default: as many
	// as the process may run threads, GOMAXPROCS); the rest wait in turn.
	MaxInFlight int
}

func (c Config) maxInFlight() int {
	if c.MaxInFlight > 0 {
		return c.MaxInFlight
	}
	return runtime.GOMAXPROCS(0)
}

// Server is the web application.
type Server struct {
	app     *fiber.App
	cfg     Config
	pages   *pages
	history *historyCache
}

// New builds the server; it refuses to start when a template is broken.
func New(cfg Config) (*Server, error) {
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, pages: pg, history: newHistoryCache(historyCacheRows, historyCacheTTL)}
	s.app = fiber.New(fiber.Config{
		Immutable:             true, // fiber reuses buffers after a handler returns
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          5 * time.Minute, // large PDF extracts
	})
	s.app.Use(recover.New())
	s.app.Use(requestid.New())
	s.app.Use(s.securityHeaders())
	s.app.Use(s.accessLog)
	s.app.Use(admit(s.cfg.maxInFlight(), admitWait))
	s.app.Use(s.loadSession)
	s.app.Use(s.csrf)
	s.routes()
	return s, nil
}

// Handler exposes the app for tests (fiber's app.Test).
func (s *Server) Handler() *fiber.App { return s.app }

// Listen serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) Listen(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	if s.cfg.Sessions != nil {
		go s.sweepSessions(ctx)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return s.app.ShutdownWithTimeout(10 * time.Second)
	}
}

// sweepSessions deletes expired sessions now and then; Load refuses them
// anyway, this only keeps the table small.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.cfg.Sessions.Sweep(ctx); err != nil {
				s.cfg.Log.Error("sweep sessions", "error", err.Error())
			} else if n > 0 {
				s.cfg.Log.Info("swept sessions", "count", n)
			}
		}
	}
}

// accessLog logs the route pattern, never the URI: URIs may carry queries.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		}
	}
	s.cfg.Log.Info("request", "request_id", c.Locals("requestid"), "route", c.Route().Path,
		"status", status, "duration", time.Since(start))
	return err
}

// lang picks the reader's language: ?lang=, then Accept-Language, then sv.
func lang(c *fiber.Ctx) string {
	if l := c.Query("lang"); l == "sv" || l == "en" {
		return l
	}
	return i18n.Lang(c.Get(fiber.HeaderAcceptLanguage))
}

func (s *Server) handleIndex(c *fiber.Ctx) error {
	// Back from the provider's logout, the language the reader had comes
	// as state (auth.Client.LogoutURL): the start page stays in it.
	if st := c.Query("state"); c.Query("lang") == "" && (st == "sv" || st == "en") {
		return c.Redirect("/?lang="+st, fiber.StatusSeeOther)
	}
	st, err := s.cfg.Store.Stats(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "index", "web.index.title", st)
}

// handleError renders every error in the reader's language: the message of
// an application error, or "internal error" plus the request id.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	var fe *fiber.Error
	msgID, data := portal.ErrorMsgID(err)
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		msgID, data = "error.not_found", nil
		if status != fiber.StatusNotFound {
			msgID = "error.internal"
		}
	default:
		status = statusOf(portal.ErrorCode(err))
	}
	if status >= 500 {
		s.cfg.Log.Error("request failed", "request_id", c.Locals("requestid"), "route", c.Route().Path, "error", err.Error())
	}
	loc := s.cfg.Texts.For(lang(c))
	body := map[string]any{"Message": loc.T(msgID, data)}
	if status >= 500 {
		body["RequestID"] = c.Locals("requestid")
	}
	title := "web.error.title"
	if status == fiber.StatusNotFound {
		title = "web.error.not_found_title"
	}
	return s.render(c, status, "error", title, body)
}

func statusOf(code portal.Code) int {
	switch code {
	case portal.Invalid:
		return fiber.StatusBadRequest
	case portal.NotFound:
		return fiber.StatusNotFound
	case portal.Forbidden:
		return fiber.StatusForbidden
	case portal.Conflict:
		return fiber.StatusConflict
	case codeRateLimited:
		return fiber.StatusTooManyRequests
	case codeBusy:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}
