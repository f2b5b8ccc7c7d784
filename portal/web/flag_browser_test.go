package web_test

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal/web/webtest"
)

// TestFlagInBrowser flags an entry as a person would: the form refuses
// without a reason and keeps the text, then files the flag with a second
// sitting of the same person, shows the case number and finds the flag
// under my flags. With -screenshots it keeps the pages in docs/screenshots/.
func TestFlagInBrowser(t *testing.T) {
	e := startAuthEnv(t)
	keys := flagWorld(t, e)
	ctx := webtest.Browser(t)
	shot := func(name string) { keepScreenshot(t, ctx, name) }
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), "19121212-1212"),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")), // signed in, back at Insyn (the provider's page has a main too)
		chromedp.Navigate(e.base+"/flaggor/ny?post="+keys["anna1"]),
		chromedp.WaitVisible(chromedp.CSS("#text-field")),
	)
	shot("flag-form")
	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#text-field"), "Hon är min granne"),
		chromedp.Click(chromedp.CSS("#send-flag")),
		chromedp.WaitVisible(chromedp.CSS("#reason-error")),
	)
	shot("flag-form-error")
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#text-field").value`)); err != nil || got != "Hon är min granne" {
		t.Errorf("text after the error %q (%v)", got, err)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#reason-knows_privately")),
		chromedp.Click(chromedp.CSS("#more-0")),
		chromedp.Click(chromedp.CSS("#send-flag")),
		chromedp.WaitVisible(chromedp.CSS(".case-number")),
	)
	shot("flag-done")
	number := webtest.Text(t, ctx, ".case-number")
	if !regexp.MustCompile(`^\d{4}-\d{6}$`).MatchString(number) {
		t.Fatalf("case number %q", number)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#my-flags")), chromedp.WaitVisible(chromedp.CSS(".status")))
	shot("my-flags")
	if s := webtest.Text(t, ctx, ".status"); s != "Mottagen" {
		t.Errorf("status %q", s)
	}
	if e.count(t, "case_events") != 2 {
		t.Errorf("%d events flagged, want the two sittings", e.count(t, "case_events"))
	}
}
