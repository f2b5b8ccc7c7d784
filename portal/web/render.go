package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/templates"
)

// pageNames are the pages; each is parsed with the layout and partials.
var pageNames = []string{"index", "error", "me", "overview", "history", "entry", "extract"}

// pages holds every page per language: the functions a template calls
// depend on the language only, so each is bound once and html/template
// escapes each page once, not on every request.
type pages struct {
	byName map[string]*template.Template
	mu     sync.Mutex
	bound  map[string]*template.Template // lang + "/" + page
}

// placeholderFuncs lets templates parse at startup; render binds the
// reader's language by replacing them.
var placeholderFuncs = template.FuncMap{
	"t":   func(string, ...any) string { return "" },
	"tw":  func(string, string, ...any) string { return "" },
	"n":   func(string, int, ...any) string { return "" },
	"num": func(int64) string { return "" },
	"u":   func(string, ...string) string { return "" },
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}, bound: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(placeholderFuncs).ParseFS(templates.FS, "layout.html", "partials/*.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Lang     string
	Title    string
	Data     any
	CanLogin bool      // a login is configured
	SignedIn bool      // the request has a session
	CSRF     string    // the session's form token, for the csrf partial
	Patient  bool      // a patient is signed in: the portal's menu
	StaffIn  bool      // a member of staff is signed in (with roles or not): the staff footer
	Staff    *staffNav // a member of staff with roles is signed in: the staff menu
	Page     string    // the page's name, to mark the menu's current item
	// Switch is this very page (path and query) in the other language.
	Switch     string
	SwitchLang string
	// Acting is whose log a guardian sees ("Kims", guardian.go), ActingEnded
	// whose switch ended (the child turned 13) until the guardian
	// acknowledges it; Guardian offers the switch in the menu.
	Acting, ActingEnded string
	Guardian            bool
}

// render executes a page into a buffer first, so a failing template never
// sends half a page.
func (s *Server) render(c *fiber.Ctx, status int, page, titleID string, data any) error {
	return s.renderTitled(c, status, page, titleFor(c, s.cfg.Texts.For(lang(c)), titleID, nil), data)
}

// renderTitled renders a page whose title is already in the reader's
// language (a title that names the page's content, such as a date).
func (s *Server) renderTitled(c *fiber.Ctx, status int, page, title string, data any) error {
	loc := s.cfg.Texts.For(lang(c))
	t, err := s.pages.forLang(page, loc)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	v := view{Lang: loc.Lang, Title: title, Data: data, CanLogin: s.cfg.Auth != nil, Page: page}
	v.SwitchLang = "en"
	if loc.Lang == "en" {
		v.SwitchLang = "sv"
	}
	v.Switch = switchURL(c, v.SwitchLang)
	if sess, ok := session(c); ok {
		v.SignedIn, v.CSRF = true, sess.CSRFToken
		v.Patient = sess.Subject.Kind == auth.PatientSubject
		v.StaffIn = sess.Subject.Kind == auth.StaffSubject
		v.Acting, v.ActingEnded, v.Guardian = actingView(c, loc.Lang)
	}
	if a, err := staff(c); err == nil && len(a.Grants) > 0 {
		v.Staff = navFor(a)
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, loc.Lang)
	return c.Status(status).Send(buf.Bytes())
}

// forLang is page with the functions of loc's language bound.
func (p *pages) forLang(page string, loc *i18n.Localizer) (*template.Template, error) {
	key := loc.Lang + "/" + page
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.bound[key]; ok {
		return t, nil
	}
	base, ok := p.byName[page]
	if !ok {
		return nil, fmt.Errorf("web: no page %s", page)
	}
	t, err := base.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(template.FuncMap{"t": translate(loc), "tw": translateWhose(loc), "n": plural(loc), "num": loc.Number, "u": link(loc.Lang)})
	p.bound[key] = t
	return t, nil
}

// switchURL is the request's own path and query with lang set to l: the
// language switch keeps the reader where they are, filters and page
// included.
func switchURL(c *fiber.Ctx, l string) string {
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	if q == nil {
		q = url.Values{}
	}
	q.Set("lang", l)
	// A page that merely echoes an unknown path must not send the
	// reader elsewhere.
	p := c.Path()
	if !sitePath(p) {
		p = "/"
	}
	return p + "?" + q.Encode()
}

// sitePath reports whether p is a path of this site: "//host" or "/\host"
// would send the browser to another.
func sitePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\\x00")
}

// link gives templates {{u "/historik"}} and {{u "/historik" "page" "2"}}:
// an internal link in the reader's language.
func link(l string) func(string, ...string) string {
	return func(path string, kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		q.Set("lang", l)
		return path + "?" + q.Encode()
	}
}

// plural gives templates {{n "id" count "Key" value ...}}.
func plural(loc *i18n.Localizer) func(string, int, ...any) string {
	return func(id string, n int, kv ...any) string {
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return loc.N(id, n, data)
	}
}

// translateWhose gives templates {{tw .Acting "id"}}: while a guardian
// acts for a child (whose is "Kims"), a text that speaks of the reader's
// own record has a variant (id + "_child") naming the child's, and that
// is the one used; otherwise, or for a text without one, id itself.
func translateWhose(loc *i18n.Localizer) func(string, string, ...any) string {
	t := translate(loc)
	return func(whose, id string, kv ...any) string {
		if whose == "" || !loc.Has(id+"_child") {
			return t(id, kv...)
		}
		return t(id+"_child", append([]any{"Whose", whose}, kv...)...)
	}
}

// translate gives templates {{t "id"}} and {{t "id" "Key" value ...}}.
func translate(loc *i18n.Localizer) func(string, ...any) string {
	return func(id string, kv ...any) string {
		if len(kv) == 0 {
			return loc.T(id)
		}
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return loc.T(id, data)
	}
}
