package web_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web/webtest"
)

// browserLogin signs in through the demo provider's form with subject
// (a personal id or an HSA-id), after signing out whoever was signed in.
func browserLogin(t *testing.T, ctx context.Context, base, subject string) {
	t.Helper()
	webtest.Do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS("body")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#logout').length`)); err == nil && n > 0 {
		webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login")))
	}
	webtest.Do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), subject),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

// TestWorkplaceLoopInBrowser closes the loop in headless Chromium: a
// patient flags an entry; a reviewer signs in with an HSA-id through the
// demo provider and finds the case at the top of the queue (above the rule
// cases the review run opened), asks the head of unit for a statement; the
// head answers on their page; the reviewer decides with a message; the
// patient reads the outcome under my flags. With -screenshots it writes
// the queue and the case page to docs/screenshots/.
func TestWorkplaceLoopInBrowser(t *testing.T) {
	e := startPortal(t)
	seedWorkplace(t, e.st)
	ctx0 := context.Background()
	if _, err := e.st.RunReview(ctx0, store.ReviewRunOptions{}, review.Rules); err != nil {
		t.Fatal(err)
	}
	// The head answers for every unit of the region, wherever the flagged
	// access was made.
	var units []portal.HSAID
	if err := e.st.DB().Select(&units, `SELECT hsa_id FROM units WHERE provider_hsa_id = $1 AND hsa_id <> $2`, wpRegion, wpUnit); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if err := e.st.GrantRole(ctx0, portal.SystemActor("test"), store.RoleGrant{Staff: wpHead,
			Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleHeadOfUnit, Unit: u}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := webtest.BrowserFor(t, 4*time.Minute) // four logins
	shots := map[string][]byte{}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		shots[name] = b
	}
	webtest.Do(t, ctx, chromedp.EmulateViewport(1000, 1150))

	// The patient flags the first entry of the history made by the
	// region's staff (whose reviewer signs in below).
	browserLogin(t, ctx, e.base, tolvanLogin)
	webtest.Do(t, ctx, chromedp.Navigate(e.base+"/historik?period=all"), chromedp.WaitVisible(chromedp.CSS("#h-results")))
	entry, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('li.entry')]
	  .find(li => li.textContent.includes('Vårdcentralen Ängsbacken') && li.querySelector('a[href^="/historik/"]'))
	  .querySelector('a[href^="/historik/"]').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+entry),
		chromedp.WaitVisible(chromedp.CSS("#e-flag")),
		chromedp.Click(chromedp.CSS("#e-flag")),
		chromedp.WaitVisible(chromedp.CSS("#text-field")),
		chromedp.Click(chromedp.CSS("#reason-unknown_person")),
		chromedp.SendKeys(chromedp.CSS("#text-field"), "Jag känner inte personen."),
		chromedp.Click(chromedp.CSS("#send-flag")),
		chromedp.WaitVisible(chromedp.CSS(".case-number")),
	)
	number := webtest.Text(t, ctx, ".case-number")

	// The reviewer: the flag's case at the top of the queue.
	browserLogin(t, ctx, e.base, wpReviewer)
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/granskning"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.cases")),
	)
	if top := webtest.Text(t, ctx, "ol.cases li:first-child h2"); !strings.Contains(top, number) {
		var rows []struct {
			Number   string `db:"number"`
			Source   string `db:"source"`
			Priority int    `db:"priority"`
			Status   string `db:"status"`
		}
		e.st.DB().Select(&rows, `SELECT number, source, priority, status FROM cases ORDER BY priority DESC`)
		t.Fatalf("top of the queue is %q, want case %s; cases %+v", top, number, rows)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.cases li').length`)); n < 2 {
		t.Errorf("%d cases in the queue: the review run's rule cases are missing, so the top proves nothing", n)
	}
	shot("queue")
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("ol.cases li:first-child h2 a")),
		chromedp.WaitVisible(chromedp.CSS("#start")),
	)
	var here string
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); err == nil {
		here = v
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#start")),
		chromedp.WaitNotPresent(chromedp.CSS("#start")),
		chromedp.WaitVisible(chromedp.CSS("#question-field")),
		chromedp.SendKeys(chromedp.CSS("#question-field"), "Hade personen ett uppdrag för patienten?"),
		chromedp.Click(chromedp.CSS("#ask-statement")),
		chromedp.WaitVisible(chromedp.CSS("#resume, #refused, .field-error")),
	)
	if s := webtest.Text(t, ctx, "#case-status"); s != "Väntar på yttrande" {
		t.Fatalf("status after asking %q: %q", s, webtest.Text(t, ctx, "main"))
	}

	// The head of unit answers on their page.
	browserLogin(t, ctx, e.base, wpHead)
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/chef"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.statement textarea")),
		chromedp.SendKeys(chromedp.CSS("section.statement textarea"), "Personen hade inget uppdrag den dagen."),
		chromedp.Click(chromedp.CSS(".send-answer")),
		chromedp.WaitVisible(chromedp.CSS("#no-statements")),
	)

	// The reviewer reads the answer and decides with a message.
	browserLogin(t, ctx, e.base, wpReviewer)
	webtest.Do(t, ctx, chromedp.Navigate(e.base+here), chromedp.WaitVisible(chromedp.CSS("#decide")))
	if tl := webtest.Text(t, ctx, "ol.timeline"); !strings.Contains(tl, "Personen hade inget uppdrag den dagen.") {
		t.Errorf("the answer is not in the timeline: %q", tl)
	}
	shot("case")
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS("#outcome-unjustified")),
		chromedp.SendKeys(chromedp.CSS("#reason-field"), "Inget uppdrag enligt enhetschefen."),
		chromedp.SendKeys(chromedp.CSS("#message-field"), "Åtkomsten saknade skäl i din vård. Vårdgivaren har vidtagit åtgärder."),
		chromedp.Click(chromedp.CSS("#decide")),
		chromedp.WaitVisible(chromedp.CSS("#case-outcome")),
	)

	// The patient reads the outcome.
	browserLogin(t, ctx, e.base, tolvanLogin)
	webtest.Do(t, ctx, chromedp.Navigate(e.base+"/flaggor"), chromedp.WaitVisible(chromedp.CSS(".outcome")))
	if m := webtest.Text(t, ctx, ".message"); m != "Åtkomsten saknade skäl i din vård. Vårdgivaren har vidtagit åtgärder." {
		t.Errorf("patient's message %q", m)
	}
	if st := webtest.Text(t, ctx, ".status"); st == "Mottagen" {
		t.Errorf("status still %q after the decision", st)
	}
	if *screenshots {
		out := filepath.Join("..", "..", "docs", "screenshots")
		for name, b := range shots {
			if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// staffPages are the staff pages axe checks, per signed-in member of staff;
// {case} is the key of a case of the region. Other helpers' pages join the
// table.
var staffPages = []struct{ Login, Kind, Path string }{
	{wpReviewer, "staff start", "/personal"},
	{wpReviewer, "review queue", "/granskning"},
	{wpReviewer, "review queue", "/granskning?kalla=flag&status=new&allvar=high&mina=1"},
	{wpReviewer, "review case", "/granskning/arende/{case}"},
	{wpReviewer, "not found", "/granskning/arende/{case}x"},
	{wpHead, "statements", "/chef"},
	{wpHead, "forbidden", "/granskning"},
	{wpNobody, "no role", "/personal"},
	{wpAdmin, "admin roles", "/admin/roller"},
	{wpAdmin, "admin rules", "/admin/regler"},
	{wpAdmin, "admin quality", "/admin/kvalitet"},
	{wpAdmin, "admin reads", "/admin/lasningar"},
	{wpAdmin, "admin reads", "/admin/lasningar?reader=Rita"},
}

// TestWorkplaceAccessibility runs the accessibility checks of
// TestAccessibility over the staff pages in both languages at 320 px,
// including a case page with a field error and one with a refused action.
func TestWorkplaceAccessibility(t *testing.T) {
	e, key, _ := caseWorld(t)
	if _, err := e.st.RequestStatement(context.Background(), portal.StaffActor(wpReviewer, "", portal.Grant{Provider: wpRegion, Role: portal.RoleReviewer}),
		key, wpUnit, "Fråga"); err == nil {
		t.Fatal("a new case took a statement request") // refused: the investigation has not started
	}
	ctx := webtest.BrowserFor(t, 5*time.Minute) // every staff page twice, three logins per language
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900))
	titles := map[string]string{}
	// One login per member of staff, both languages under it.
	var logins []string
	for _, p := range staffPages {
		if !slices.Contains(logins, p.Login) {
			logins = append(logins, p.Login)
		}
	}
	for _, who := range logins {
		browserLogin(t, ctx, e.base, who)
		for _, l := range []string{"sv", "en"} {
			for _, p := range staffPages {
				if p.Login != who {
					continue
				}
				path := strings.ReplaceAll(p.Path, "{case}", key)
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				webtest.Do(t, ctx, chromedp.Navigate(e.base+path+sep+"lang="+l), chromedp.WaitReady(chromedp.CSS("body")))
				checkPage(t, ctx, p.Kind+" "+l, path+" ("+l+")", titles)
			}
		}
	}
	// Errors beside their fields, and a refused action, in both languages.
	browserLogin(t, ctx, e.base, wpReviewer)
	for _, l := range []string{"sv", "en"} {
		webtest.Do(t, ctx,
			chromedp.Navigate(e.base+"/granskning/arende/"+key+"?lang="+l),
			chromedp.WaitVisible(chromedp.CSS("#add-note")),
			chromedp.Click(chromedp.CSS("#add-note")),
			chromedp.WaitVisible(chromedp.CSS("#note-error")),
		)
		checkPage(t, ctx, "review case "+l, "case with a note error ("+l+")", titles)
		// A new case offers no decision; one posted anyway (from a page
		// kept open elsewhere, say) is refused and the form shown again.
		webtest.Do(t, ctx,
			chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.querySelector('form[action*="/anteckning"]');
				f.action = f.action.replace('/anteckning', '/beslut');
				for (const [k, v] of [['outcome', 'justified'], ['reason', 'Vård.'], ['message', 'Åtkomsten var befogad.']]) {
					const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
				}
			})()`),
			chromedp.Click(chromedp.CSS("#add-note")),
			chromedp.WaitVisible(chromedp.CSS("#refused")),
			chromedp.WaitVisible(chromedp.CSS("#decide")),
		)
		checkPage(t, ctx, "review case "+l, "case with a refused decision ("+l+")", titles)
	}
	// A saved action: the case page with its notice, in both languages.
	for _, l := range []string{"sv", "en"} {
		webtest.Do(t, ctx,
			chromedp.Navigate(e.base+"/granskning/arende/"+key+"?lang="+l),
			chromedp.WaitVisible(chromedp.CSS("#note-field")),
			chromedp.SendKeys(chromedp.CSS("#note-field"), "Kollar schemat."),
			chromedp.Click(chromedp.CSS("#add-note")),
			chromedp.WaitVisible(chromedp.CSS("#saved")),
		)
		checkPage(t, ctx, "review case "+l, "case with a saved notice ("+l+")", titles)
	}
}
