package web_test

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal/web/webtest"
)

var screenshots = flag.Bool("screenshots", false, "write the Swedish screenshots to docs/screenshots/")

// keepScreenshot writes the page in the browser to docs/screenshots/NAME.png
// when the tests run with -screenshots.
func keepScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*screenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	keepImage(t, name, png)
}

// keepImage writes an image to docs/screenshots/NAME.png.
func keepImage(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPatientFlowInBrowser is a patient's visit in headless Chromium: log
// in through the demo provider, read the history (the unexplained first),
// filter, open an entry, switch language, download the PDF, log out. It
// captures the overview, history and entry detail in Swedish; with
// -screenshots it writes them to docs/screenshots/.
func TestPatientFlowInBrowser(t *testing.T) {
	e := startPortal(t)
	ctx := webtest.Browser(t)
	shots := map[string][]byte{}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil || len(b) > 150_000 {
			t.Errorf("screenshot %s: %d bytes, %v", name, len(b), err)
		}
		shots[name] = b
	}
	evalBool := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	evalInt := func(js string) int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	webtest.Do(t, ctx,
		chromedp.EmulateViewport(1000, 1150),
		chromedp.Navigate(e.base+"/"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), tolvanLogin),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ov-accesses")),
	)
	shot("overview")

	// The history, everything kept: what Insyn cannot link to care first.
	// The last 12 months at first sight, the filters folded away.
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/historik"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-results")),
	)
	if evalBool(`document.querySelector('#filters').open`) {
		t.Error("the filters are open on the default view")
	}
	shot("history")
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#filters summary")),
		chromedp.WaitVisible(chromedp.CSS("#f-period")),
		chromedp.SetValue(chromedp.CSS("#f-period"), "all"),
		chromedp.Click(chromedp.CSS("#f-submit")),
	)
	waitFor(t, ctx, `location.search.includes('period=all') && document.readyState === 'complete'`)
	if n := evalInt(`document.querySelectorAll('ol.rows li.entry').length`); n != 9 {
		t.Errorf("%d rows in the history, want 9", n)
	}
	if !evalBool(`document.querySelector('ol.rows li.entry').classList.contains('unexplained')`) {
		t.Error("the first row is not one Insyn could not link to care")
	}

	// Only emergency accesses: one.
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#f-emergency")),
		chromedp.Click(chromedp.CSS("#f-submit")),
	)
	waitFor(t, ctx, `location.search.includes('emergency=1') && document.readyState === 'complete'`)
	if n := evalInt(`document.querySelectorAll('ol.rows li.entry').length`); n != 1 ||
		!evalBool(`location.search.includes('emergency=1') && document.querySelector('#f-emergency').checked`) {
		t.Errorf("emergency filter: %d rows", n)
	}

	// The entry, with the way to say "I don't recognise this".
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("ol.rows li.entry h3 a")),
		chromedp.WaitVisible(chromedp.CSS("#e-flag")),
	)
	if txt := webtest.Text(t, ctx, "#e-flag"); txt != "Jag känner inte igen detta" {
		t.Errorf("flag link %q", txt)
	}
	if href := webtest.Attr(t, ctx, "#e-flag", "href"); !strings.HasPrefix(href, "/flaggor/ny?") || !strings.Contains(href, "post=") {
		t.Errorf("flag link to %q", href)
	}
	if b := webtest.Text(t, ctx, "#e-basis"); !strings.HasPrefix(b, "nödåtkomst") {
		t.Errorf("basis %q", b)
	}
	shot("entry")

	// English, on the same entry.
	path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && document.readyState === 'complete'`)
	if p, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); p != path {
		t.Errorf("language switch moved from %s to %s", path, p)
	}
	if txt := webtest.Text(t, ctx, "#e-flag"); txt != "I don't recognise this" {
		t.Errorf("English flag link %q", txt)
	}

	// The PDF, in Swedish, through the form.
	dir := t.TempDir()
	webtest.AllowDownloads(t, ctx, dir)
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/utdrag"]`)),
		chromedp.WaitVisible(chromedp.CSS("#x-from")),
		chromedp.SendKeys(chromedp.CSS("#x-from"), "2026-03-01"),
		chromedp.SendKeys(chromedp.CSS("#x-to"), "2026-03-31"),
		chromedp.Click(chromedp.CSS("#x-sv")),
		chromedp.Click(chromedp.CSS("#x-submit")),
	)
	pdf, err := os.ReadFile(webtest.WaitFile(t, dir, ".pdf", 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Loggutdrag", "Tolvan Tolvansson", "Nils Nordin", "2026-03-01"} {
		if !strings.Contains(text, s) {
			t.Errorf("downloaded PDF lacks %q", s)
		}
	}

	// Log out.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login")))
	if n := e.sessions(t); n != 0 {
		t.Errorf("%d sessions after logout", n)
	}

	if *screenshots {
		out := filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range shots {
			if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// waitFor waits until a JavaScript condition holds on the current page
// (a new page after a click: a selector could still match the old one).
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		// An evaluation may fail while the page navigates: try again.
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waiting for %s: %v", cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
