package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/templates"
)

// handleHealthz answers while the process runs (liveness).
func (s *Server) handleHealthz(c *fiber.Ctx) error { return c.SendString("ok") }

// handleReadyz answers 200 only when the database answers and its schema is
// the one this binary was built for (readiness).
func (s *Server) handleReadyz(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	current, latest, err := s.cfg.Store.MigrationState(ctx)
	if err != nil || current != latest {
		return c.Status(fiber.StatusServiceUnavailable).SendString("migrations not current")
	}
	return c.SendString("ready")
}

var appCSS = mustRead("static/app.css")

func mustRead(name string) []byte {
	b, err := templates.FS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

func (s *Server) handleCSS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(appCSS)
}
