package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
)

// The flag pages: the form behind an entry's "Jag känner inte igen
// detta", its confirmation with the case number, and "my flags".
func init() { pageNames = append(pageNames, "flag_new", "flag_done", "flags") }

// flagRoutes registers the flag pages behind requireSession. Swedish paths,
// as the rest of the portal's; keys in them are opaque.
func (s *Server) flagRoutes() {
	s.app.Get("/flaggor", s.requireSession, s.handleFlags)
	s.app.Get("/flaggor/ny", s.requireSession, s.handleFlagForm)
	s.app.Post("/flaggor/ny", s.requireSession, s.flagLimiter(), s.handleFlagSubmit)
	s.app.Get("/flaggor/mottagen", s.requireSession, s.handleFlagDone)
}

// flagLimiter bounds flag submissions per session (default 10 an hour):
// each files cases a reviewer must read.
func (s *Server) flagLimiter() fiber.Handler {
	max := s.cfg.FlagLimit
	if max <= 0 {
		max = 10
	}
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Hour,
		KeyGenerator: func(c *fiber.Ctx) string {
			sess, _ := session(c)
			sum := sha256.Sum256([]byte(sess.CSRFToken)) // per session, never the token itself
			return "flag:" + hex.EncodeToString(sum[:])
		},
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "3600")
			return &portal.Error{Code: codeRateLimited, MsgID: "web.flag.error.rate_limited", Detail: "flag rate limit"}
		},
	})
}

// flagPatient is the signed-in patient as an actor; staff have no flags,
// so for them the flag pages do not exist.
func flagPatient(c *fiber.Ctx) (portal.Actor, error) {
	subj, _ := c.Locals(LocalSubject).(auth.Subject)
	if subj.Kind != auth.PatientSubject || subj.PersonalID.IsZero() {
		return portal.Actor{}, portal.ErrNotFound
	}
	return portal.PatientActor(subj.PersonalID, "").ActingFor(actingFor(c)), nil // a guardian flags for the child
}

// flagChoice is an entry the form offers to flag along with the first.
type flagChoice struct {
	Key     string
	Row     extract.Row
	Checked bool
}

// flagForm is what the form page shows and keeps of what was typed.
type flagForm struct {
	Key     string
	Date    string
	Row     extract.Row
	More    []flagChoice
	Reason  string
	Text    string
	Reasons []string
	Max     int64
	Errors  map[string]string // field → message in the reader's language
}

// entryForFlag resolves the entry key to its day and row for the patient;
// another's key, a malformed or a gone one is not found.
func (s *Server) entryForFlag(c *fiber.Ctx, a portal.Actor, key string) (extract.Day, extract.Row, error) {
	req := extract.Request{Patient: a.Subject(), Lang: lang(c), Actor: a, Channel: "web_flag", ProducedAt: s.cfg.Clock.Now()}
	return extract.Entry(c.UserContext(), s.cfg.Store, s.cfg.Texts, req, key)
}

// samePerson offers the other sittings of the day by the same person (as
// the patient reads them: name or pseudonym, and title).
func samePerson(d extract.Day, r extract.Row, checked []string) []flagChoice {
	var out []flagChoice
	first := extract.EntryKey(r)
	for _, o := range d.Rows {
		k := extract.EntryKey(o)
		if k == first || o.Who != r.Who || o.Title != r.Title {
			continue
		}
		out = append(out, flagChoice{Key: k, Row: o, Checked: contains(checked, k)})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) handleFlagForm(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	key := c.Query("post")
	d, r, err := s.entryForFlag(c, a, key)
	if err != nil {
		return err
	}
	f := flagForm{Key: key, Date: d.Date, Row: r, More: samePerson(d, r, nil), Reasons: flagReasons(), Max: portal.MaxFlagText}
	return s.render(c, fiber.StatusOK, "flag_new", "web.flag.new.title", f)
}

// handleFlagSubmit files the flag. The form's keys are resolved again for
// this patient (a key of someone else's is not found), the extra entries
// must be the same person's that day, and the store checks the events
// once more in SQL.
func (s *Server) handleFlagSubmit(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	form, err := postedForm(c)
	if err != nil {
		return err
	}
	key := form.Get("post")
	d, r, err := s.entryForFlag(c, a, key)
	if err != nil {
		return err
	}
	more := form["more"]
	choices := samePerson(d, r, more)
	flag := portal.Flag{Reason: portal.FlagReason(form.Get("reason")), Text: form.Get("text"), Events: r.Events}
	for _, k := range more {
		found := false
		for _, ch := range choices {
			if ch.Key == k {
				flag.Events, found = append(flag.Events, ch.Row.Events...), true
			}
		}
		if !found {
			return portal.ErrNotFound
		}
	}
	cases, err := s.cfg.Store.FileFlag(c.UserContext(), a, flag)
	var fe portal.FieldErrors
	if errors.As(err, &fe) {
		loc := s.cfg.Texts.For(lang(c))
		f := flagForm{Key: key, Date: d.Date, Row: r, More: choices, Reason: form.Get("reason"), Text: form.Get("text"),
			Reasons: flagReasons(), Max: portal.MaxFlagText, Errors: map[string]string{}}
		for field, e := range fe {
			f.Errors[field] = loc.T(e.MsgID, numbersFor(loc, e.Data))
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "flag_new", "web.flag.new.title_error", f)
	}
	if err != nil {
		return err
	}
	// No personal id, flag text or key in the log: that a flag was filed.
	s.cfg.Log.Info("flag filed", "request_id", c.Locals("requestid"), "cases", len(cases))
	q := url.Values{}
	for _, cs := range cases {
		q.Add("a", cs.Key)
	}
	q.Set("lang", lang(c)) // Swedish too: the browser may ask for English
	return c.Redirect("/flaggor/mottagen?"+q.Encode(), fiber.StatusSeeOther)
}

// postedForm reads the urlencoded body with repeated fields (fiber's
// FormValue keeps only the first "more").
func postedForm(c *fiber.Ctx) (url.Values, error) {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		return nil, portal.Errorf(portal.Invalid, "web.flag.error.form", "flag form must be urlencoded")
	}
	v, err := url.ParseQuery(string(c.Body()))
	if err != nil || !utf8.ValidString(v.Get("post")) {
		return nil, portal.Errorf(portal.Invalid, "web.flag.error.form", "flag form unreadable")
	}
	return v, nil
}

// handleFlagDone confirms a filed flag with its case numbers; it reads the
// cases scoped to the patient, so another's keys show nothing.
func (s *Server) handleFlagDone(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	keys := q["a"]
	if len(keys) == 0 || len(keys) > 20 {
		return portal.ErrNotFound
	}
	var cases []portal.Case
	for _, k := range keys {
		cs, err := s.cfg.Store.Case(c.UserContext(), a, k)
		if err != nil {
			return err
		}
		cases = append(cases, cs)
	}
	return s.render(c, fiber.StatusOK, "flag_done", "web.flag.done.title", cases)
}

// flagItem is one row of "my flags".
type flagItem struct {
	store.PatientFlag
	Access  string // the first flagged access's date, in the reader's words
	Created string
}

func (s *Server) handleFlags(c *fiber.Ctx) error {
	a, err := flagPatient(c)
	if err != nil {
		return err
	}
	flags, err := s.cfg.Store.FlagsForPatient(c.UserContext(), a)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	items := make([]flagItem, len(flags))
	for i, f := range flags {
		items[i] = flagItem{PatientFlag: f, Created: loc.Date(f.CreatedAt)}
		if f.FirstAccess.Valid {
			items[i].Access = loc.DateTime(f.FirstAccess.Time) // the time too: two flags the same day are told apart
		}
	}
	return s.render(c, fiber.StatusOK, "flags", "web.flags.title", items)
}

func flagReasons() []string {
	out := make([]string, len(portal.FlagReasons))
	for i, r := range portal.FlagReasons {
		out[i] = string(r)
	}
	return out
}

// numbersFor writes a message's counts the reader's way ("1 001").
func numbersFor(loc *i18n.Localizer, data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if n, ok := v.(int); ok {
			v = loc.Number(int64(n))
		}
		out[k] = v
	}
	return out
}
