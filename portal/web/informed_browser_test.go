package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web/webtest"
)

// ingestCSV writes rows as an Insyn CSV log and ingests it with the
// ingest command's code, as an operator's `insyn ingest` would.
func ingestCSV(t *testing.T, st *store.Store, rows ...string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log.csv")
	body := "source_system,source_log_id,occurred_at,actor_hsa_id,actor_name,actor_provider_hsa_id,actor_unit_hsa_id,actor_unit_name,activity,purpose,patient_id,resource_type,emergency\n" +
		strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ins, err := ingest.Inputs([]string{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ingest.Run(context.Background(), st, ins, ingest.Options{})
	if err != nil || c.Stored != len(rows) {
		t.Fatalf("ingest: %+v %v", c, err)
	}
}

// TestInformedInBrowser is issue 13's whole loop in headless Chromium:
// Greta logs in through the demo provider, opts in to emergency and
// watchlist notices with an address and confirms it from the mail the
// SMTP server received (the demo's inbox page); an emergency access to her
// record is ingested from a CSV log and reviewed, and its mail arrives.
// She adds Anna Berg to her watchlist; an access by Anna is ingested and
// reviewed, and the watchlist mail arrives naming nobody. A reviewer logs
// in and finds that watchlist case at the top of /granskning. Greta,
// guardian of Kim (6), switches to him on /barn and sees his history.
func TestInformedInBrowser(t *testing.T) {
	m := startMailEnv(t)
	e := m.authEnv
	flagWorld(t, e)
	watchStaff(t, e)
	f := newGuardianFamily(t, e)
	if _, err := e.st.DB().Exec(`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-9001', 'Rita', 'Rask', 'Granskare')`); err != nil {
		t.Fatal(err)
	}
	if err := e.st.GrantRole(context.Background(), portal.SystemActor("test"), store.RoleGrant{Staff: "SE2321000016-9001",
		Grant: portal.Grant{Provider: "SE2321000016-0001", Role: portal.RoleReviewer}}); err != nil {
		t.Fatal(err)
	}
	runReview := func() {
		t.Helper()
		if _, err := e.st.RunReview(context.Background(), store.ReviewRunOptions{}, review.Rules); err != nil {
			t.Fatal(err)
		}
	}
	runReview()                                 // what the fixtures hold, before Greta chooses anything
	ctx := webtest.BrowserFor(t, 5*time.Minute) // three logins
	webtest.Do(t, ctx, chromedp.EmulateViewport(1000, 1100))

	browserLogin(t, ctx, e.base, f.greta.Formatted())
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/installningar"]`)),
		chromedp.WaitVisible(chromedp.CSS("#kind-watchlist")),
		chromedp.Click(chromedp.CSS("#kind-emergency")),
		chromedp.Click(chromedp.CSS("#kind-watchlist")),
		chromedp.SendKeys(chromedp.CSS("#address-field"), "greta@example.se"),
		chromedp.Click(chromedp.CSS("#save-settings")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-sent")),
	)
	if mails := waitMails(t, m, 1); mails[0].To != "greta@example.se" {
		t.Fatalf("confirmation %+v", mails[0])
	}
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/demo/inkorg"),
		chromedp.WaitVisible(chromedp.CSS(`a.mail-link[href*="/avisering/bekrafta/"]`)),
		chromedp.Click(chromedp.CSS(`a.mail-link[href*="/avisering/bekrafta/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#confirmed")),
	)

	// An emergency access, from a CSV log through ingest, then the review.
	at := func(d time.Duration) string { return e.clock.Now().Add(d).Format(time.RFC3339) }
	ingestCSV(t, e.st, fmt.Sprintf("SYS,nod-1,%s,SE2321000016-5009,Nora Nödsson,SE2321000016-0001,SE2321000016-1001,Vårdcentralen Ängsbacken,Läsa,Vård och behandling,%s,Journalanteckning,true",
		at(-time.Hour), f.greta.Digits()))
	runReview()
	mails := waitMails(t, m, 2)
	if em := mails[1]; em.Subject != "Din journal har öppnats med nödåtkomst" || em.To != "greta@example.se" ||
		strings.Contains(em.Text, "Nora") || strings.Contains(em.Text, f.greta.Digits()[2:8]) {
		t.Fatalf("emergency mail %q to %s:\n%s", em.Subject, em.To, em.Text)
	}

	// Anna Berg on the watchlist, then an access by her.
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/bevakning"]`)),
		chromedp.WaitVisible(chromedp.CSS("#q-field")),
		chromedp.SendKeys(chromedp.CSS("#q-field"), "berg"),
		chromedp.Click(chromedp.CSS("#watch-search")),
		chromedp.WaitVisible(chromedp.CSS(".watch-add")),
		chromedp.Click(chromedp.CSS(".watch-add")),
		chromedp.WaitVisible(chromedp.CSS("#watch-done")),
	)
	ingestCSV(t, e.st, fmt.Sprintf("SYS,anna-1,%s,SE2321000016-5001,Anna Berg,SE2321000016-0001,SE2321000016-1001,Vårdcentralen Ängsbacken,Läsa,Vård och behandling,%s,Journalanteckning,false",
		at(time.Minute), f.greta.Digits()))
	runReview()
	mails = waitMails(t, m, 3)
	if wm := mails[2]; wm.Subject != "En person på din bevakningslista har öppnat din journal" ||
		strings.Contains(wm.Text, "Anna") || strings.Contains(wm.Text, "Berg") || strings.Contains(wm.Text, "5001") {
		t.Fatalf("watchlist mail %q:\n%s", wm.Subject, wm.Text)
	}
	var number string
	if err := e.st.DB().Get(&number, `SELECT number FROM cases WHERE source = 'watchlist'`); err != nil {
		t.Fatal(err)
	}

	// The reviewer: the watchlist case at the top of the queue page.
	browserLogin(t, ctx, e.base, "SE2321000016-9001")
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/granskning"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.cases")),
	)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.cases > li').length`)); err != nil || n < 2 {
		t.Errorf("the queue has %d cases (%v); the watchlist case should outrank others", n, err)
	}
	if top := webtest.Text(t, ctx, "ol.cases li:first-child h2"); !strings.Contains(top, number) {
		t.Fatalf("top of the queue is %q, want the watchlist case %s", top, number)
	}

	// The guardian: Greta switches to Kim and sees his history.
	browserLogin(t, ctx, e.base, f.greta.Formatted())
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav.menu a[href^="/barn"]`)),
		chromedp.WaitVisible(chromedp.CSS(".act-for")),
		chromedp.Click(chromedp.CSS(".act-for")),
		chromedp.WaitVisible(chromedp.CSS("#acting-banner")),
		chromedp.Navigate(e.base+"/historik?period=all"),
		chromedp.WaitVisible(chromedp.CSS("#h-results")),
	)
	if got := webtest.Text(t, ctx, "#acting-banner"); !strings.HasPrefix(got, "Du ser Kim Eks logg.") {
		t.Errorf("banner %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.rows li.entry').length`)); err != nil || n != 1 {
		t.Errorf("Kim's history has %d rows (%v), want his 1", n, err)
	}
}
