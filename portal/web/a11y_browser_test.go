package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/insyn/insyn/portal/web/webtest"
)

// TestAccessibility runs axe-core (WCAG 2.1 A and AA, and axe's best
// practices) over every page in both languages in a 320 px wide viewport,
// signed out and signed in through the demo provider: zero violations, no
// horizontal scrolling, a unique title per page, form errors linked to
// their fields, and a keyboard path through the skip link with visible
// focus.
func TestAccessibility(t *testing.T) {
	e := startPortal(t)
	ctx := webtest.BrowserFor(t, 3*time.Minute) // many pages; a minute is too short on a busy machine
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900))
	// axe itself finds what it should: a page without language, title,
	// image text or field label.
	webtest.Do(t, ctx, chromedp.Navigate(`data:text/html,<!doctype html><html><body><img src="x.png"><input></body></html>`))
	found := map[string]bool{}
	for _, v := range webtest.Axe(t, ctx) {
		found[v.ID] = true
	}
	for _, id := range []string{"html-has-lang", "document-title", "image-alt", "label"} {
		if !found[id] {
			t.Fatalf("axe missed %s on a broken page: %v", id, found)
		}
	}
	// Each kind of page has its own title; the same page with other
	// filters or another page number may share it.
	titles := map[string]string{} // title → kind of page
	check := func(kind, path string) {
		t.Helper()
		webtest.Do(t, ctx, chromedp.Navigate(e.base+path), chromedp.WaitReady(chromedp.CSS("body")))
		checkPage(t, ctx, kind, path, titles)
	}
	for _, l := range []string{"sv", "en"} {
		check("start "+l, "/?lang="+l)
		check("not found "+l, "/finns-inte?lang="+l)
	}
	// The demo provider's login page, reached as a person reaches it.
	webtest.Do(t, ctx, chromedp.Navigate(e.base+"/"), chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)))
	checkPage(t, ctx, "demo provider login", "the demo provider's login page", titles)
	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), tolvanLogin),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ov-accesses")))

	// Keyboard only: the first Tab reaches the skip link, visibly; Enter
	// moves focus to the content, and the next Tab lands inside it.
	webtest.Do(t, ctx, chromedp.KeyEvent(kb.Tab))
	focus := func() (string, string) {
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const a = document.activeElement, s = getComputedStyle(a), r = a.getBoundingClientRect();
		  return [a.className || a.id || a.tagName, (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && r.top >= 0 && r.bottom <= innerHeight) ? 'visible' : 'hidden'] })()`))
		if err != nil {
			t.Fatal(err)
		}
		return r[0], r[1]
	}
	if el, vis := focus(); el != "skip" || vis != "visible" {
		t.Errorf("first Tab focuses %q (%s), want the visible skip link", el, vis)
	}
	webtest.Do(t, ctx, chromedp.KeyEvent(kb.Enter))
	if el, _ := focus(); el != "main" {
		t.Errorf("skip link moves focus to %q", el)
	}
	webtest.Do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if inMain, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('main').contains(document.activeElement)`)); err != nil || !inMain {
		t.Errorf("Tab after the skip link leaves the content (%v)", err)
	}
	if _, vis := focus(); vis != "visible" {
		t.Error("focus is not visible on the content's first link")
	}

	_, body := page(t, e.signIn(t, tolvanLogin), e.base+"/historik?period=all")
	key := entryKeys(body)[0]
	unit := regexp.MustCompile(`name="unit"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="([0-9a-z]+)">`).FindStringSubmatch(body)[1]
	for _, l := range []string{"sv", "en"} {
		for _, p := range [][2]string{
			{"overview", "/oversikt"}, {"history", "/historik"}, {"history", "/historik?period=all"},
			{"history", "/historik?period=all&emergency=1&other=1&unit=" + unit},
			{"history with errors", "/historik?period=all&person=nobody&from=1%20mars"}, {"entry", "/historik/" + key},
			{"not found", "/historik/0"}, {"extract", "/utdrag"}, {"extract with errors", "/utdrag/pdf?from=2026-13-01&to=igår"},
			{"signed in", "/me"},
		} {
			sep := "?"
			if strings.Contains(p[1], "?") {
				sep = "&"
			}
			check(p[0]+" "+l, p[1]+sep+"lang="+l)
		}
	}

	// The pages other files add (a11yPages) run in a browser of their
	// own, signed in afresh, so they do not eat into the time the pages
	// above have (webtest.Browser gives each browser a minute).
	if len(a11yPages) == 0 {
		return
	}
	ctx = webtest.Browser(t)
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900), chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), tolvanLogin),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ov-accesses")))
	for _, l := range []string{"sv", "en"} {
		for _, p := range a11yPages {
			sep := "?"
			if strings.Contains(p[1], "?") {
				sep = "&"
			}
			check(p[0]+" "+l, p[1]+sep+"lang="+l)
		}
	}
}

// a11yPages are more pages Tolvan (startPortal) reaches, as {kind, path}:
// files of other areas add theirs in an init, and TestAccessibility checks
// each in both languages.
var a11yPages [][2]string

// checkPage runs the checks every page must pass.
func checkPage(t *testing.T, ctx context.Context, kind, path string, titles map[string]string) {
	t.Helper()
	for _, v := range webtest.Axe(t, ctx) {
		t.Errorf("%s: axe: %s", path, v)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](`(() => {
	  const bad = [];
	  for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
	    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
	    if (!ids.some(id => { const d = document.getElementById(id); return d && d.classList.contains('field-error'); })) bad.push(el.id || el.name);
	  }
	  return {title: document.title, width: document.scrollingElement.scrollWidth, unlinked: bad,
	          errors: document.querySelectorAll('.field-error').length, invalid: document.querySelectorAll('[aria-invalid="true"]').length};
	})()`))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r.Width > 320 {
		t.Errorf("%s: scrolls sideways at 320 px (%d px wide)", path, r.Width)
	}
	if len(r.Unlinked) > 0 || r.Errors != r.Invalid {
		t.Errorf("%s: form errors not linked to their fields: %v (%d messages, %d invalid fields)", path, r.Unlinked, r.Errors, r.Invalid)
	}
	if other, ok := titles[r.Title]; ok && other != kind {
		t.Errorf("%s: title %q is also the title of %s", path, r.Title, other)
	}
	titles[r.Title] = kind
}

type pageFacts struct {
	Title    string   `json:"title"`
	Width    int      `json:"width"`
	Unlinked []string `json:"unlinked"`
	Errors   int      `json:"errors"`
	Invalid  int      `json:"invalid"`
}
