package web

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
)

// A guardian acting for a child under 13 (DESIGN.md section 6): /barn
// lists the guardian's children and switches to one; while the session
// acts for a child, every patient page reads the child's log (the store
// checks in SQL on each read that the guardian still may), the layout says
// whose log it is, and each read is recorded as the guardian's.
func init() { pageNames = append(pageNames, "children") }

// Locals keys of the guardian middleware.
const (
	localActing      = "acting"       // store.Acting: the child the session acts for
	localActingEnded = "acting_ended" // string: the name of a child the switch just ended for
	localGuardian    = "guardian"     // bool: the signed-in patient is someone's guardian
)

// guardianRoutes installs the middleware that finds the child a session
// acts for (it must run before the patient pages, so routes.go calls this
// before registering them) and the pages of the switch, then the
// watchlist's.
func (s *Server) guardianRoutes() {
	s.app.Use(s.loadActing)
	s.app.Get("/barn", s.requireSession, s.handleChildren)
	s.app.Post("/barn/valj", s.requireSession, s.handleActFor)
	s.app.Post("/barn/tillbaka", s.requireSession, s.handleStopActing)
	s.watchRoutes()
}

// sessionKey names the session to guardian_sessions: a hash of its form
// token, which is secret, per session and never stored.
func sessionKey(sess auth.Session) []byte {
	sum := sha256.Sum256([]byte("guardian:" + sess.CSRFToken))
	return sum[:]
}

// opaqueKey is a per-session key for something a form names (a child, a
// search result): it says nothing, and another session's key means
// nothing here.
func opaqueKey(sess auth.Session, kind, id string) string {
	sum := sha256.Sum256([]byte(kind + ":" + sess.CSRFToken + ":" + id))
	return hex.EncodeToString(sum[:12])
}

// loadActing finds, for a signed-in patient, the child their session acts
// for; a switch that no longer holds (the child turned 13 today) grants
// nothing, and every page says why until the guardian acknowledges it.
func (s *Server) loadActing(c *fiber.Ctx) error {
	sess, ok := session(c)
	if !ok || sess.Subject.Kind != auth.PatientSubject || sess.Subject.PersonalID.IsZero() {
		return c.Next()
	}
	// Whether they are anyone's guardian came with the session; the child
	// their session acts for, if any, is one more read for guardians only.
	c.Locals(localGuardian, sess.Guardian)
	if !sess.Guardian {
		return c.Next()
	}
	a, ok, err := s.cfg.Store.ActingFor(c.UserContext(), sess.Subject.PersonalID, sessionKey(sess))
	if err != nil {
		return err
	}
	if ok {
		if a.Ended {
			c.Locals(localActingEnded, a.Name)
		} else {
			c.Locals(localActing, a)
		}
	}
	return c.Next()
}

// actingFor is the child the request acts for; zero when none.
func actingFor(c *fiber.Ctx) portal.PersonalID {
	if a, ok := c.Locals(localActing).(store.Acting); ok {
		return a.Child
	}
	return portal.PersonalID{}
}

// guardianOf is the signed-in patient acting for themselves: the switch
// lists their own children whoever the session acts for now.
func guardianOf(c *fiber.Ctx) (portal.Actor, auth.Session, error) {
	sess, ok := session(c)
	if !ok || sess.Subject.Kind != auth.PatientSubject || sess.Subject.PersonalID.IsZero() {
		return portal.Actor{}, auth.Session{}, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found",
			Detail: "no patient signed in", Err: portal.ErrNotFound}
	}
	return portal.PatientActor(sess.Subject.PersonalID, ""), sess, nil
}

// childItem is one child as /barn shows them.
type childItem struct {
	Key     string
	Name    string
	Whose   string // the name in the genitive: "Kims logg"
	MayAct  bool
	Current bool   // the session acts for this child now
	Turns13 string // the day access ends (or ended), in the reader's words
}

type childrenData struct {
	Children []childItem
	Acting   string // whose log the session shows, if a child's ("Kims")
	Error    string
}

func (s *Server) handleChildren(c *fiber.Ctx) error {
	return s.renderChildren(c, fiber.StatusOK, "")
}

func (s *Server) renderChildren(c *fiber.Ctx, status int, errMsg string) error {
	g, sess, err := guardianOf(c)
	if err != nil {
		return err
	}
	kids, err := s.cfg.Store.Children(c.UserContext(), g)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := childrenData{Error: errMsg}
	current := actingFor(c)
	if a, ok := c.Locals(localActing).(store.Acting); ok {
		d.Acting = genitive(loc.Lang, childName(loc.Lang, a.Name))
	}
	for _, k := range kids {
		name := childName(loc.Lang, k.Name)
		d.Children = append(d.Children, childItem{Key: opaqueKey(sess, "child", k.ID.Digits()), Name: name,
			Whose: genitive(loc.Lang, name), MayAct: k.MayAct, Current: k.ID == current, Turns13: loc.Date(k.Turns13)})
	}
	return s.render(c, status, "children", "guardian.title", d)
}

// handleActFor switches the session to the child the form names, if the
// guardian may act for them today (the store checks in SQL).
func (s *Server) handleActFor(c *fiber.Ctx) error {
	g, sess, err := guardianOf(c)
	if err != nil {
		return err
	}
	kids, err := s.cfg.Store.Children(c.UserContext(), g)
	if err != nil {
		return err
	}
	key := c.FormValue("child")
	for _, k := range kids {
		if opaqueKey(sess, "child", k.ID.Digits()) != key {
			continue
		}
		if err := s.cfg.Store.StartActingFor(c.UserContext(), g, sessionKey(sess), k.ID); err != nil {
			if portal.ErrorCode(err) == portal.NotFound {
				loc := s.cfg.Texts.For(lang(c))
				return s.renderChildren(c, fiber.StatusConflict, loc.T("guardian.error.turned13",
					map[string]any{"Whose": genitive(loc.Lang, childName(loc.Lang, k.Name)), "Date": loc.Date(k.Turns13)}))
			}
			return err
		}
		s.cfg.Log.Info("guardian switched to a child", "request_id", c.Locals("requestid"))
		return c.Redirect("/oversikt"+langQuery(lang(c)), fiber.StatusSeeOther)
	}
	return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no such child", Err: portal.ErrNotFound}
}

// handleStopActing returns the session to the guardian's own log.
func (s *Server) handleStopActing(c *fiber.Ctx) error {
	_, sess, err := guardianOf(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.StopActingFor(c.UserContext(), sessionKey(sess)); err != nil {
		return err
	}
	return c.Redirect("/oversikt"+langQuery(lang(c)), fiber.StatusSeeOther)
}

// titleFor is a page's title (or a message on it) in the reader's
// language. While a guardian
// acts for a child, a title that would say "min journal" has a variant
// (id + "_child") naming whose record it is ("Vem har läst Elsas
// journal"), and that is the one used.
func titleFor(c *fiber.Ctx, loc *i18n.Localizer, id string, data map[string]any) string {
	a, ok := c.Locals(localActing).(store.Acting)
	if !ok || !loc.Has(id+"_child") {
		if data == nil {
			return loc.T(id)
		}
		return loc.T(id, data)
	}
	d := map[string]any{"Whose": genitive(loc.Lang, childName(loc.Lang, a.Name))}
	maps.Copy(d, data)
	return loc.T(id+"_child", d)
}

// childName is a child's name as the pages show it; someone missing from
// the population register is "ditt barn".
func childName(l, name string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	if l == "en" {
		return "your child"
	}
	return "ditt barn"
}

// genitive is "Kims", "Lars", "Kim's": whose log the banner names.
func genitive(l, name string) string {
	if l == "en" {
		return name + "'s"
	}
	switch strings.ToLower(name[len(name)-1:]) {
	case "s", "x", "z":
		return name
	}
	return name + "s"
}

// actingView is what the layout says about guardianship on every page.
func actingView(c *fiber.Ctx, l string) (acting, ended string, guardian bool) {
	if a, ok := c.Locals(localActing).(store.Acting); ok {
		acting = genitive(l, childName(l, a.Name))
	}
	if n, ok := c.Locals(localActingEnded).(string); ok {
		ended = genitive(l, childName(l, n))
	}
	guardian, _ = c.Locals(localGuardian).(bool)
	return acting, ended, guardian
}
