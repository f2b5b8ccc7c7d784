package web

import (
	"io"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestAdmitQueuesBeyondItsRoom: no more than n requests work at once, the
// others wait their turn, and one that finds no room in time is told so.
func TestAdmitQueuesBeyondItsRoom(t *testing.T) {
	app := fiber.New()
	var working, most atomic.Int32
	app.Use(admit(2, 5*time.Second))
	app.Get("/", func(c *fiber.Ctx) error {
		n := working.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		working.Add(-1)
		return c.SendString("ok")
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("a waiting request was not served: %v", err)
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("%d requests worked at once, want 2", m)
	}

	busy := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
	}})
	release := make(chan struct{})
	busy.Use(admit(1, 50*time.Millisecond))
	busy.Get("/", func(c *fiber.Ctx) error { <-release; return c.SendString("ok") })
	first := make(chan int)
	go func() {
		resp, _ := busy.Test(httptest.NewRequest("GET", "/", nil), -1)
		first <- resp.StatusCode
	}()
	time.Sleep(20 * time.Millisecond) // the first holds the only room
	resp, err := busy.Test(httptest.NewRequest("GET", "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != fiber.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("no room in time: %d %q, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	close(release)
	if s := <-first; s != 200 {
		t.Errorf("the first request: %d", s)
	}
}
