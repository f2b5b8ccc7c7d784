package web

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/templates"
)

// pageNames are the pages; each is parsed with the layout and partials.
var pageNames = []string{"index", "error", "me"}

type pages struct{ byName map[string]*template.Template }

// placeholderFuncs lets templates parse at startup; render binds the
// reader's language by replacing them.
var placeholderFuncs = template.FuncMap{
	"t":   func(string, ...any) string { return "" },
	"num": func(int64) string { return "" },
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
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
	CanLogin bool   // a login is configured
	SignedIn bool   // the request has a session
	CSRF     string // the session's form token, for the csrf partial
}

// render executes a page into a buffer first, so a failing template never
// sends half a page.
func (s *Server) render(c *fiber.Ctx, status int, page, titleID string, data any) error {
	loc := s.cfg.Texts.For(lang(c))
	t, err := s.pages.byName[page].Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{"t": translate(loc), "num": loc.Number})
	var buf bytes.Buffer
	v := view{Lang: loc.Lang, Title: loc.T(titleID), Data: data, CanLogin: s.cfg.Auth != nil}
	if sess, ok := session(c); ok {
		v.SignedIn, v.CSRF = true, sess.CSRFToken
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, loc.Lang)
	return c.Status(status).Send(buf.Bytes())
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
