package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web/webtest"
)

// controlPages are this area's pages as each role reaches them, for the
// accessibility test: [kind, path]. Other areas may keep tables of their own.
func controlPages(reviewerCheck, request, month string) map[string][][2]string {
	return map[string][][2]string{
		"reviewer": {{"targeted check form", "/sok"}, {"targeted check", "/sok/" + reviewerCheck + "?punkt=colleague"},
			{"controls", "/kontroller?month=mars"}, {"authorisations", "/behorighet"}},
		"head":  {{"controls", "/kontroller?month=" + month}, {"authorisations", "/behorighet"}},
		"clerk": {{"requests", "/utdragsbegaran"}, {"request form", "/utdragsbegaran/ny"}, {"request", "/utdragsbegaran/" + request}},
	}
}

// TestControlsAccessibility runs checkPage (axe-core at 320 px, titles,
// errors linked to fields) over the targeted check, controls, authorisation
// and extract request pages, in both languages, and over their forms with
// errors.
func TestControlsAccessibility(t *testing.T) {
	e, w := startControls(t)
	w.CompleteControls(t, e.st)
	ctx0 := context.Background()
	check, err := e.st.RunCheck(ctx0, w.Reviewer, portal.CheckQuery{Provider: w.Provider, Subject: portal.CheckStaff, Staff: w.Nurse,
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm), To: time.Date(2026, 4, 1, 0, 0, 0, 0, portal.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.st.RegisterRequest(ctx0, w.Clerk, store.RequestInput{Provider: w.Provider, Patient: w.Patient,
		To: time.Date(2026, 3, 31, 0, 0, 0, 0, portal.Stockholm), Channel: portal.ChannelPhone,
		ReceivedAt: time.Date(2026, 3, 2, 0, 0, 0, 0, portal.Stockholm), Lang: "sv"})
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	pages := controlPages(check, req, e.clock.Now().Format("2006-01"))
	// One browser per person, both languages in it: a longer walk than a
	// minute holds on a busy machine (webtest.BrowserFor).
	for _, who := range []struct {
		role string
		id   portal.HSAID
	}{{"reviewer", w.Reviewer.HSAID}, {"head", w.Head.HSAID}, {"clerk", w.Clerk.HSAID}} {
		t.Run(who.role, func(t *testing.T) {
			ctx := webtest.BrowserFor(t, 5*time.Minute)
			webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900))
			browserLogin(t, ctx, e.base, string(who.id))
			for _, l := range []string{"sv", "en"} {
				for _, p := range pages[who.role] {
					sep := "?"
					if strings.Contains(p[1], "?") {
						sep = "&"
					}
					path := p[1] + sep + "lang=" + l
					webtest.Do(t, ctx, chromedp.Navigate(e.base+path), chromedp.WaitReady(chromedp.CSS("body")))
					checkPage(t, ctx, p[0]+" "+l, path, titles)
				}
				controlForms(t, ctx, e, who.role, check, l, titles)
			}
		})
	}
}

// controlForms sends the role's forms empty: the errors stand beside their
// fields, and the pages still pass.
func controlForms(t *testing.T, ctx context.Context, e *authEnv, role, check, l string, titles map[string]string) {
	t.Helper()
	switch role {
	case "reviewer":
		webtest.Do(t, ctx, chromedp.Navigate(e.base+"/sok?lang="+l), chromedp.WaitVisible(chromedp.CSS("#run-check")),
			chromedp.Click(chromedp.CSS("#subject-patient")), chromedp.Click(chromedp.CSS("#run-check")),
			chromedp.WaitVisible(chromedp.CSS("#err-patient")))
		checkPage(t, ctx, "targeted check form with errors "+l, "/sok (errors)", titles)
		webtest.Do(t, ctx, chromedp.Navigate(e.base+"/sok/"+check+"?lang="+l), chromedp.WaitVisible(chromedp.CSS("#complete")),
			chromedp.Click(chromedp.CSS("#result-findings")), chromedp.Click(chromedp.CSS("#complete")),
			chromedp.WaitVisible(chromedp.CSS("#err-actions")))
		checkPage(t, ctx, "targeted check "+l, "/sok/KEY (errors)", titles)
		webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#open-cases")), chromedp.WaitVisible(chromedp.CSS("#err-event")))
		checkPage(t, ctx, "targeted check "+l, "/sok/KEY (no access ticked)", titles)
	case "clerk":
		webtest.Do(t, ctx, chromedp.Navigate(e.base+"/utdragsbegaran/ny?lang="+l), chromedp.WaitVisible(chromedp.CSS("#register")))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('#f-received').value = '') === ''`)); err != nil {
			t.Fatal(err)
		}
		webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#register")), chromedp.WaitVisible(chromedp.CSS("#err-patient")))
		checkPage(t, ctx, "request form with errors "+l, "/utdragsbegaran/ny (errors)", titles)
	}
}

// TestClerkRequestInBrowser is the clerk's whole errand as a person does
// it: register a request (a mistake first, kept and said beside its
// field), download the extract, mark it delivered.
func TestClerkRequestInBrowser(t *testing.T) {
	e, w := startControls(t)
	ctx := webtest.Browser(t)
	browserLogin(t, ctx, e.base, string(w.Clerk.HSAID))
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/utdragsbegaran"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-request")),
		chromedp.Click(chromedp.CSS("#new-request")),
		chromedp.WaitVisible(chromedp.CSS("#f-patient")),
		chromedp.SendKeys(chromedp.CSS("#f-patient"), w.Patient.Formatted()),
		chromedp.SendKeys(chromedp.CSS("#f-from"), "2026-03-01"),
		chromedp.SendKeys(chromedp.CSS("#f-to"), "2026-03-31"),
		chromedp.Click(chromedp.CSS("#register")),
		chromedp.WaitVisible(chromedp.CSS("#err-channel")),
	)
	if got := webtest.Attr(t, ctx, "#f-patient", "value"); got != w.Patient.Formatted() {
		t.Errorf("personal id after the error: %q", got)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#channel-desk")),
		chromedp.Click(chromedp.CSS("#register")),
		chromedp.WaitVisible(chromedp.CSS("#produce")),
	)
	if s := webtest.Text(t, ctx, "#status"); s != "Registrerad" {
		t.Errorf("status %q", s)
	}
	dir := t.TempDir()
	webtest.AllowDownloads(t, ctx, dir)
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#produce")))
	pdf, err := os.ReadFile(webtest.WaitFile(t, dir, ".pdf", 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Per Patient", "Anna Berg", "Kirurgkliniken"} {
		if !strings.Contains(text, s) {
			t.Errorf("extract lacks %q", s)
		}
	}
	if strings.Contains(text, "Cia Ek") {
		t.Error("the extract holds another provider's access")
	}
	if n := e.count(t, "extract_requests WHERE status = 'produced'"); n != 1 {
		t.Fatalf("%d produced", n)
	}
	// The download leaves the page where it was: reload it, deliver.
	webtest.Do(t, ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#deliver")),
		chromedp.Click(chromedp.CSS("#deliver")),
		chromedp.WaitVisible(chromedp.CSS("#new-request")),
	)
	if n := e.count(t, "extract_requests WHERE status = 'delivered'"); n != 1 {
		t.Errorf("%d delivered", n)
	}
	if body := webtest.Text(t, ctx, "main"); !strings.Contains(body, "Inga begäranden väntar på svar.") || !strings.Contains(body, "Per Patient") {
		t.Errorf("list after delivery:\n%s", body)
	}
	keepScreenshot(t, ctx, "requests")
}

// TestTargetedCheckInBrowser is a reviewer's targeted check on a member of
// staff as a person runs it: search by HSA-id and period, follow the
// deceased-patients checkpoint, open a case from the access found there,
// and complete the check with findings and actions, which the controls
// registry then shows.
func TestTargetedCheckInBrowser(t *testing.T) {
	e, w := startControls(t)
	ctx := webtest.Browser(t)
	browserLogin(t, ctx, e.base, string(w.Reviewer.HSAID))
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/sok"]`)),
		chromedp.WaitVisible(chromedp.CSS("#run-check")),
		chromedp.Click(chromedp.CSS("#subject-staff")),
		chromedp.SendKeys(chromedp.CSS("#f-staff"), string(w.Nurse)),
		chromedp.SetValue(chromedp.CSS("#f-from"), "2026-03-01"),
		chromedp.SetValue(chromedp.CSS("#f-to"), "2026-03-31"),
		chromedp.Click(chromedp.CSS("#run-check")),
		chromedp.WaitVisible(chromedp.CSS("#checkpoints")),
	)
	if s := webtest.Text(t, ctx, "#row-count"); !strings.HasPrefix(s, "5 åtkomster") {
		t.Errorf("row count %q", s)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`#checkpoints a[href*="punkt=deceased"]`)),
		chromedp.WaitVisible(chromedp.CSS("#event-0")),
	)
	if s := webtest.Text(t, ctx, "main"); !strings.Contains(s, "Eva Avliden") || strings.Contains(s, "Dan Ström") {
		t.Errorf("deceased checkpoint:\n%s", s)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#event-0")),
		chromedp.Click(chromedp.CSS("#open-cases")),
		chromedp.WaitVisible(chromedp.CSS("#check-cases")),
	)
	if n := e.count(t, "cases WHERE source = 'rule'"); n != 1 {
		t.Fatalf("%d cases", n)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#result-findings")),
		chromedp.SendKeys(chromedp.CSS("#f-actions"), "Samtal med medarbetaren"),
		chromedp.Click(chromedp.CSS("#complete")),
		chromedp.WaitVisible(chromedp.CSS("#f-month")), // the completed check is shown in the controls registry
	)
	if n := e.count(t, "controls WHERE kind = 'targeted'"); n != 1 {
		t.Errorf("%d controls of the check", n)
	}
	if s := webtest.Text(t, ctx, "main"); !strings.Contains(s, "Avvikelser funna") || !strings.Contains(s, "Samtal med medarbetaren") {
		t.Errorf("registry after completing:\n%s", s)
	}
}
