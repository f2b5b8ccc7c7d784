package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
)

// The watchlist (DESIGN.md section 9): /bevakning lists the people a
// patient watches and finds more in the staff directory by name; adding
// and removing are POST forms, rate-limited per session. Search results
// and list entries are named by opaque keys: no HSA-id reaches the page.
func init() { pageNames = append(pageNames, "watch") }

// Limits per session: a search a few times a minute is a person typing,
// more is someone listing the directory; edits are fewer still.
const (
	watchSearchLimit = 30 // per minute
	watchEditLimit   = 20 // per hour
)

func (s *Server) watchRoutes() {
	s.app.Get("/bevakning", s.requireSession, s.sessionLimiter("watch-search", watchSearchLimit, time.Minute), s.handleWatch)
	s.app.Post("/bevakning/lagg-till", s.requireSession, s.sessionLimiter("watch-edit", watchEditLimit, time.Hour), s.handleWatchAdd)
	s.app.Post("/bevakning/ta-bort", s.requireSession, s.sessionLimiter("watch-edit", watchEditLimit, time.Hour), s.handleWatchRemove)
}

// sessionLimiter allows max requests per session in every period; name
// keeps the counters of different limits apart. Limiters with the same
// name share nothing: each route's count is its own.
func (s *Server) sessionLimiter(name string, max int, period time.Duration) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: period,
		KeyGenerator: func(c *fiber.Ctx) string {
			sess, _ := session(c)
			sum := sha256.Sum256([]byte(sess.CSRFToken)) // per session, never the token itself
			return name + ":" + hex.EncodeToString(sum[:])
		},
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return &portal.Error{Code: codeRateLimited, MsgID: "watch.error.rate_limited", Detail: name + " rate limit"}
		},
	})
}

// watchItem is one person on the list.
type watchItem struct {
	Key     string
	Name    string
	Title   string
	Units   string
	Added   string
	Removed string
}

// matchItem is one search result.
type matchItem struct {
	Key     string
	Name    string
	Title   string
	Units   string
	Watched bool
}

type watchData struct {
	Query    string
	Searched bool
	Matches  []matchItem
	Watched  []watchItem
	Earlier  []watchItem
	Errors   map[string]string // "q" beside the search field, "add" beside the results
	Done     string            // "added", "removed": what the last change did
	Min, Max int
}

func (s *Server) handleWatch(c *fiber.Ctx) error {
	d := watchData{Query: clipQuery(c.Query("q")), Done: c.Query("klart")}
	return s.renderWatch(c, fiber.StatusOK, d)
}

// renderWatch fills the list and, when a query was typed, its results.
func (s *Server) renderWatch(c *fiber.Ctx, status int, d watchData) error {
	a, err := patient(c) // the child's list while acting for one
	if err != nil {
		return err
	}
	sess, _ := session(c)
	loc := s.cfg.Texts.For(lang(c))
	d.Min, d.Max = portal.MinWatchQuery, portal.MaxWatchResults
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Done != "added" && d.Done != "removed" {
		d.Done = ""
	}
	list, err := s.cfg.Store.Watchlist(c.UserContext(), a)
	if err != nil {
		return err
	}
	watched := map[portal.HSAID]bool{}
	for _, w := range list {
		it := watchItem{Key: w.Key, Name: w.Name, Title: extract.TitleWords(loc, w.Title), Units: strings.Join(w.Units, ", "), Added: loc.DateTime(w.Added)}
		if it.Name == "" {
			it.Name = loc.T("watch.protected")
		}
		if w.Removed.IsZero() {
			watched[w.Staff] = true
			d.Watched = append(d.Watched, it)
		} else {
			it.Removed = loc.DateTime(w.Removed)
			d.Earlier = append(d.Earlier, it)
		}
	}
	if strings.TrimSpace(d.Query) != "" && d.Errors["q"] == "" {
		d.Searched = true
		matches, err := s.cfg.Store.SearchStaff(c.UserContext(), a, d.Query)
		var pe *portal.Error
		switch {
		case errors.As(err, &pe) && pe.Code == portal.Invalid:
			d.Errors["q"], d.Searched = loc.T(pe.MsgID, pe.Data), false
			if status == fiber.StatusOK {
				status = fiber.StatusBadRequest
			}
		case err != nil:
			return err
		}
		for _, m := range matches {
			d.Matches = append(d.Matches, matchItem{Key: opaqueKey(sess, "staff", string(m.Staff)), Name: m.Name,
				Title: extract.TitleWords(loc, m.Title), Units: strings.Join(m.Units, ", "), Watched: watched[m.Staff]})
		}
	}
	title := titleFor(c, loc, "watch.title", nil)
	if len(d.Errors) > 0 {
		title = titleFor(c, loc, "watch.title_error", nil)
	}
	return s.renderTitled(c, status, "watch", title, d)
}

func clipQuery(q string) string {
	if len(q) > 4*portal.MaxWatchQuery {
		return q[:4*portal.MaxWatchQuery]
	}
	return q
}

// handleWatchAdd watches the search result the form names. The search is
// run again with the query the form carries: only someone it finds can be
// added, so no key of anyone else (or of staff with protected identity)
// can be made up.
func (s *Server) handleWatchAdd(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	sess, _ := session(c)
	q, key := clipQuery(c.FormValue("q")), c.FormValue("person")
	matches, err := s.cfg.Store.SearchStaff(c.UserContext(), a, q)
	if portal.ErrorCode(err) == portal.Invalid {
		return s.renderWatch(c, fiber.StatusBadRequest, watchData{Query: q})
	}
	if err != nil {
		return err
	}
	for _, m := range matches {
		if opaqueKey(sess, "staff", string(m.Staff)) != key {
			continue
		}
		err := s.cfg.Store.AddWatch(c.UserContext(), a, m.Staff)
		var pe *portal.Error
		if errors.As(err, &pe) && (pe.Code == portal.Conflict || pe.Code == portal.Invalid) {
			loc := s.cfg.Texts.For(lang(c))
			status := fiber.StatusConflict
			if pe.Code == portal.Invalid {
				status = fiber.StatusUnprocessableEntity
			}
			return s.renderWatch(c, status, watchData{Query: q, Errors: map[string]string{"add": titleFor(c, loc, pe.MsgID, pe.Data)}})
		}
		if err != nil {
			return err
		}
		s.cfg.Log.Info("watchlist changed", "request_id", c.Locals("requestid"), "change", "added")
		return c.Redirect(link(lang(c))("/bevakning", "klart", "added"), fiber.StatusSeeOther)
	}
	return &portal.Error{Code: portal.NotFound, MsgID: "watch.error.gone", Detail: "no such search result", Err: portal.ErrNotFound}
}

// handleWatchRemove stops watching the entry the form names; another
// patient's key is not found.
func (s *Server) handleWatchRemove(c *fiber.Ctx) error {
	a, err := patient(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RemoveWatch(c.UserContext(), a, c.FormValue("watch")); err != nil {
		return err
	}
	s.cfg.Log.Info("watchlist changed", "request_id", c.Locals("requestid"), "change", "removed")
	return c.Redirect(link(lang(c))("/bevakning", "klart", "removed"), fiber.StatusSeeOther)
}
