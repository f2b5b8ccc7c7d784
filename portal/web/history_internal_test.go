package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// FuzzHistoryQuery: whatever the query string, the history's filters parse
// without panicking, an error names one of the form's fields, and a
// period without errors is a real span ending no later than tomorrow.
func FuzzHistoryQuery(f *testing.F) {
	for _, s := range []string{"", "period=all", "period=3y&page=2", "from=2026-03-01&to=2026-03-31", "from=2026-13-45",
		"to=1900-01-01", "from=9999-12-31", "page=-1&period=%00", "unit=zz&person=%3Cscript%3E&emergency=1&other=1&unexplained=1"} {
		f.Add(s)
	}
	cat := i18n.MustLoad(portal.Stockholm)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, portal.Stockholm)
	fields := map[string]bool{"period": true, "from": true, "to": true}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		h := parseHistoryQuery(q)
		if h.Page < 1 || len(h.From) > 40 || len(h.To) > 40 {
			t.Fatalf("query %q parsed to %+v", raw, h)
		}
		for _, lang := range []string{"sv", "en"} {
			from, to, errs := h.span(cat.For(lang), now)
			for f, msg := range errs {
				if !fields[f] || msg == "" {
					t.Fatalf("error on %q: %q", f, msg)
				}
			}
			if len(errs) == 0 && (!from.IsZero() && !to.After(from)) {
				t.Fatalf("%q: empty span %s..%s", raw, from, to)
			}
		}
	})
}
