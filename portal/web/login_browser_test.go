package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal/web/webtest"
)

// TestLoginAndLogoutInBrowser logs in through the demo provider's plain
// form as a person would, lands on the signed-in page, logs out, and finds
// the session gone at our side.
func TestLoginAndLogoutInBrowser(t *testing.T) {
	e := startAuthEnv(t)
	ctx := webtest.Browser(t)
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), unknownPID),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ov-accesses")), // a patient lands on their overview
	)
	if h := webtest.Text(t, ctx, "h1"); h != "Din journal det senaste året" {
		t.Fatalf("signed-in heading %q", h)
	}
	if n := e.sessions(t); n != 1 {
		t.Fatalf("%d sessions after login", n)
	}
	// The stylesheet loads under the CSP (no inline styles are left).
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header")).backgroundColor`))
	if err != nil || bg != "rgb(31, 78, 95)" {
		t.Errorf("header background %q (%v): the stylesheet did not apply", bg, err)
	}
	// English keeps the reader signed in, on the same page.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`a[hreflang="sv"]`)))
	if h := webtest.Text(t, ctx, "h1"); h != "Your record in the last year" {
		t.Errorf("English heading %q", h)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")), // back on Insyn's start page
	)
	if n := e.sessions(t); n != 0 {
		t.Errorf("%d sessions after logout", n)
	}
	// Logged out in English, the start page is in English too.
	if l := webtest.Attr(t, ctx, "html", "lang"); l != "en" {
		t.Errorf("start page after logout has lang %q", l)
	}
}
