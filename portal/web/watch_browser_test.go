package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web/webtest"
)

// The watchlist's and the guardian's pages in TestAccessibility: the
// list, a search with results (Åsa Öberg of the extract fixture), one
// refused as too short, and the switch (Tolvan has no children).
func init() {
	a11yPages = append(a11yPages, [2]string{"watchlist", "/bevakning"}, [2]string{"watchlist", "/bevakning?q=%C3%B6berg"},
		[2]string{"watchlist with errors", "/bevakning?q=%C3%A5s"}, [2]string{"children", "/barn"})
}

// TestWatchlistAndGuardianInBrowser: Greta adds a person she knows to her
// watchlist; an access by that person is ingested and the review run, and
// the watchlist case is at the top of the reviewers' queue. Then Greta
// switches to her son Kim, sees his history under a banner, and goes
// back to her own.
func TestWatchlistAndGuardianInBrowser(t *testing.T) {
	e := startAuthEnv(t)
	flagWorld(t, e)
	watchStaff(t, e)
	f := newGuardianFamily(t, e)
	ctx := webtest.Browser(t)
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900),
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), f.greta.Formatted()),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/bevakning"]`)),
		chromedp.WaitVisible(chromedp.CSS("#q-field")),
		chromedp.SendKeys(chromedp.CSS("#q-field"), "be"),
		chromedp.Click(chromedp.CSS("#watch-search")),
	)
	waitFor(t, ctx, `location.search.includes('q=be') && document.readyState === 'complete'`)
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerHTML`)); err == nil && !strings.Contains(html, "q-error") {
		t.Fatalf("page after a short query: %s", html)
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#q-field").value`)); err != nil || v != "be" {
		t.Errorf("the query after the error: %q %v", v, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('#q-field').value = '') === ''`)); err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#q-field"), "berg"),
		chromedp.Click(chromedp.CSS("#watch-search")),
		chromedp.WaitVisible(chromedp.CSS(".watch-add")),
	)
	if got := webtest.Text(t, ctx, "ul.matches"); !strings.Contains(got, "Anna Berg, sjuksköterska, Vårdcentralen Ängsbacken") || strings.Contains(got, "Pia") {
		t.Fatalf("results %q", got)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(".watch-add")), chromedp.WaitVisible(chromedp.CSS("#watch-done")))
	if got := webtest.Text(t, ctx, "ul.watched"); !strings.Contains(got, "Anna Berg") {
		t.Fatalf("list %q", got)
	}

	// Anna opens Greta's record a minute later; the review runs.
	if _, err := e.st.InsertEvents(t.Context(), []portal.Event{{SourceSystem: "G", SourceLogID: "watched",
		OccurredAt: e.clock.Now().Add(time.Minute), ActorHSAID: "SE2321000016-5001", ActorName: "Anna Berg",
		ActorProvider: portal.Party{HSAID: "SE2321000016-0001"}, ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: f.greta, ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RunReview(t.Context(), store.ReviewRunOptions{}, review.Rules); err != nil {
		t.Fatal(err)
	}
	rev := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: "SE2321000016-0001", Role: portal.RoleReviewer})
	queue, err := e.st.ListCases(t.Context(), rev, store.CaseFilter{})
	if err != nil || len(queue) < 2 {
		t.Fatalf("queue %+v %v", queue, err)
	}
	if queue[0].Source != portal.SourceWatchlist || queue[0].Staff != "SE2321000016-5001" {
		t.Fatalf("top of the queue: %+v", queue[0])
	}
	for _, c := range queue[1:] {
		if c.Source == portal.SourceWatchlist {
			t.Errorf("a second watchlist case: %+v", c)
		}
	}

	// The switch to Kim, his history, the banner in both languages.
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/barn"]`)),
		chromedp.WaitVisible(chromedp.CSS(".act-for")),
	)
	if got := webtest.Text(t, ctx, "main"); !strings.Contains(got, "Tess Ek fyllde 13 år") {
		t.Errorf("the children page does not say why Tess is not offered: %q", got)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(".act-for")), chromedp.WaitVisible(chromedp.CSS("#acting-banner")))
	if got := webtest.Text(t, ctx, "#acting-banner"); !strings.HasPrefix(got, "Du ser Kim Eks logg.") {
		t.Errorf("banner %q", got)
	}
	webtest.Do(t, ctx, chromedp.Navigate(e.base+"/historik?period=all"), chromedp.WaitVisible(chromedp.CSS("#h-results")))
	// Kim has one access; Greta has two of her own (one by Anna today).
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.rows li.entry').length`)); err != nil || n != 1 {
		t.Errorf("Kim's history has %d rows (%v), want his 1", n, err)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS("#acting-back")), chromedp.WaitVisible(chromedp.CSS("#ov-accesses")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#acting-banner').length`)); err != nil || n != 0 {
		t.Errorf("banner after going back: %d %v", n, err)
	}
}

// TestGuardianBannerAccessibility: the pages a guardian reads while acting
// for a child, banner included, pass axe in both languages at 320 px (in
// a browser of their own: webtest gives each a minute).
func TestGuardianBannerAccessibility(t *testing.T) {
	e := startAuthEnv(t)
	flagWorld(t, e)
	f := newGuardianFamily(t, e)
	ctx := webtest.Browser(t)
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900),
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), f.greta.Formatted()),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
		chromedp.Navigate(e.base+"/barn"),
		chromedp.WaitVisible(chromedp.CSS(".act-for")),
		chromedp.Click(chromedp.CSS(".act-for")),
		chromedp.WaitVisible(chromedp.CSS("#acting-banner")),
	)
	titles := map[string]string{}
	for _, l := range []string{"sv", "en"} {
		for _, p := range [][2]string{{"history", "/historik?period=all"}, {"children", "/barn?x=1"}, {"child notifications", "/installningar?x=1"}} {
			webtest.Do(t, ctx, chromedp.Navigate(e.base+p[1]+"&lang="+l), chromedp.WaitVisible(chromedp.CSS("#acting-banner")))
			checkPage(t, ctx, p[0]+" "+l, p[1], titles)
		}
	}
}
