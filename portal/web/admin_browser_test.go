package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal/web/webtest"
)

// TestAdminTurnsRuleOffInBrowser: the admin unticks a rule and saves; the
// page and the rule table say it is off.
func TestAdminTurnsRuleOffInBrowser(t *testing.T) {
	e := startAuthEnv(t)
	seedWorkplace(t, e.st)
	ctx := webtest.BrowserFor(t, 2*time.Minute)
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900))
	browserLogin(t, ctx, e.base, wpAdmin)
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/admin/regler"),
		chromedp.WaitVisible(chromedp.CSS("#on-vip")),
		chromedp.Click(chromedp.CSS("#on-vip")),
		chromedp.Click(chromedp.CSS("#save-vip")),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#rule-vip .rule-state").textContent`))
	if err != nil || state != "Regeln är av." {
		t.Errorf("the page says %q (%v)", state, err)
	}
	rules, err := e.st.Rules(context.Background(), string(wpRegion))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Rule == "vip" && r.Enabled {
			t.Error("vip is still on in the rule table")
		}
	}
}
