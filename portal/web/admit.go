package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/insyn/insyn/portal"
)

// codeBusy answers 503: the server had no room for the request in time.
const codeBusy portal.Code = "busy"

// admitWait is how long a request waits for room before it is told to
// come back.
const admitWait = 10 * time.Second

// admit lets at most n requests work at once and queues the rest in
// arrival order (a channel's blocked senders are served first come, first
// served). Measured on 2 cores: with twice as many requests at work as
// cores, the kernel's scheduler spread each across PostgreSQL's backends
// and ours so unevenly that one request in a hundred took ten times the
// median, and fewer were served; a request waiting its turn here costs
// only the wait.
func admit(n int, wait time.Duration) fiber.Handler {
	slots := make(chan struct{}, n)
	return func(c *fiber.Ctx) error {
		select {
		case slots <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			select {
			case slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				c.Set(fiber.HeaderRetryAfter, "5")
				return &portal.Error{Code: codeBusy, MsgID: "web.error.busy", Detail: "no room within the wait"}
			}
		}
		defer func() { <-slots }()
		return c.Next()
	}
}
