package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web/webtest"
)

// TestNotifyInBrowser: a patient logs in through the demo provider, opts
// in to emergency notices with an address, opens the confirmation link
// from the mail the real SMTP server received (on the demo's inbox page),
// confirms, and gets a mail when an emergency access to their record is
// ingested and reviewed; its unsubscribe link stops them.
func TestNotifyInBrowser(t *testing.T) {
	m := startMailEnv(t)
	e := m.authEnv
	ctx := webtest.Browser(t)
	shot := func(name string) { keepScreenshot(t, ctx, name) }
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), tolvanLogin),
		chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
		chromedp.Navigate(e.base+"/installningar"),
		chromedp.WaitVisible(chromedp.CSS("#kind-emergency")),
		chromedp.Click(chromedp.CSS("#kind-emergency")),
		chromedp.SendKeys(chromedp.CSS("#address-field"), "tolvan@example.se"),
		chromedp.Click(chromedp.CSS("#save-settings")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-sent")),
	)
	shot("settings")
	if s := webtest.Text(t, ctx, "#address-unconfirmed"); s != "Inte bekräftad" {
		t.Errorf("address state %q", s)
	}
	mails := waitMails(t, m, 1)
	if mails[0].To != "tolvan@example.se" || mails[0].Subject != "Bekräfta din e-postadress för Insyn" {
		t.Fatalf("confirmation %+v", mails[0])
	}
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/demo/inkorg"),
		chromedp.WaitVisible(chromedp.CSS(`a.mail-link[href*="/avisering/bekrafta/"]`)),
		chromedp.Click(chromedp.CSS(`a.mail-link[href*="/avisering/bekrafta/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#confirmed")),
		chromedp.Navigate(e.base+"/installningar"),
		chromedp.WaitVisible(chromedp.CSS("#address-confirmed")),
	)
	// One emergency access to Tolvan's record, ingested and reviewed.
	tolvan, _ := portal.ParsePersonalID("191212121212")
	if _, err := e.st.InsertEvents(context.Background(), []portal.Event{{SourceSystem: "SYS", SourceLogID: "nod-1",
		OccurredAt: e.clock.Now().Add(-time.Hour), ActorHSAID: "SE2321000016-5009", ActorName: "Nora Nödsson",
		ActorProvider: portal.Party{HSAID: "SE2321000016-0001"}, ActorUnit: portal.Party{HSAID: "SE2321000016-1009", Name: "Akuten"},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, EmergencyClaimed: true, Patient: tolvan,
		ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RunReview(context.Background(), store.ReviewRunOptions{}, review.Rules); err != nil {
		t.Fatal(err)
	}
	mails = waitMails(t, m, 2)
	em := mails[1]
	if em.Subject != "Din journal har öppnats med nödåtkomst" || em.To != "tolvan@example.se" ||
		strings.Contains(em.Text, "Nora") || strings.Contains(em.Text, "Akuten") || strings.Contains(em.Text, "191212") {
		t.Fatalf("emergency mail %q to %s:\n%s", em.Subject, em.To, em.Text)
	}
	webtest.Do(t, ctx,
		chromedp.Navigate(e.base+"/demo/inkorg"),
		chromedp.WaitVisible(chromedp.CSS(`a.mail-link[href*="/avisering/avsluta/"]`)),
	)
	shot("inbox")
	if s := webtest.Text(t, ctx, "li.mail h2"); s != em.Subject {
		t.Errorf("the inbox shows %q first", s)
	}
	webtest.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`a.mail-link[href*="/avisering/avsluta/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#unsubscribe")),
		chromedp.Click(chromedp.CSS("#unsubscribe")),
		chromedp.WaitVisible(chromedp.CSS("#unsubscribed")),
	)
	if s, _ := e.st.NotifySettings(context.Background(), portal.PatientActor(tolvan, ""), "sv"); s.Has(notify.KindEmergency) || !s.Confirmed {
		t.Errorf("after unsubscribing: %+v", s)
	}
}

func waitMails(t *testing.T, m *mailEnv, n int) []inbox.Message {
	t.Helper()
	m.send(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := m.inbox.Wait(ctx, n)
	if err != nil {
		t.Fatalf("%d of %d mails: %v", len(msgs), n, err)
	}
	return msgs
}

// TestNotifyAccessibility runs the accessibility test's checks (axe-core,
// 320 px, unique titles, errors linked to fields) over the notification
// pages in both languages, signed in through the demo provider. Each
// language's pages come in two parts, each in a browser of its own, so
// each has its own time budget on a busy machine.
func TestNotifyAccessibility(t *testing.T) {
	m := startMailEnv(t)
	e := m.authEnv
	link, unsub := notifyA11ySetup(t, e, m.inbox)
	titles := map[string]string{}
	for _, l := range []string{"sv", "en"} {
		for part := range 2 {
			ctx := webtest.Browser(t)
			webtest.Do(t, ctx, chromedp.EmulateViewport(320, 900),
				chromedp.Navigate(e.base+"/login"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
				chromedp.SendKeys(chromedp.CSS(`input[name="subject"]`), tolvanLogin),
				chromedp.Submit(chromedp.CSS(`input[name="subject"]`)),
				chromedp.WaitVisible(chromedp.CSS("#logout")))
			notifyA11yPages(t, e, ctx, l, part, link, unsub, func(kind, path string) {
				t.Helper()
				if path != "" {
					webtest.Do(t, ctx, chromedp.Navigate(e.base+path), chromedp.WaitReady(chromedp.CSS("body")))
				}
				checkPage(t, ctx, kind, path, titles)
			})
		}
	}
	if len(titles) < 16 {
		t.Errorf("only %d distinct pages checked", len(titles))
	}
}

// notifyA11ySetup fills the inbox with a confirmation in each language and
// returns the last one's confirmation and unsubscribe paths.
func notifyA11ySetup(t *testing.T, e *authEnv, ib *inbox.Server) (string, string) {
	t.Helper()
	cfg, _ := notify.ParseSMTPURL("smtp://" + ib.Addr)
	w := &notify.Worker{Outbox: e.st, Sender: cfg, Clock: e.clock, ID: "a11y",
		Composer: notify.Composer{Texts: i18n.MustLoad(portal.Stockholm), BaseURL: e.base, From: "insyn@example.se"}}
	c := e.signIn(t, tolvanLogin)
	for i, l := range []string{"sv", "en"} {
		if status, _, _ := saveSettings(t, e, c, url.Values{"kind": {"emergency", "digest"}, "lang": {l},
			"address": {[]string{"tolvan@example.se", "tolvan@example.com"}[i]}}); status != 303 {
			t.Fatalf("save %d", status)
		}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	msgs := ib.Messages()
	if len(msgs) < 2 {
		t.Fatalf("%d mails", len(msgs))
	}
	// A digest's unsubscribe token: unsubscribing from it (twice, one per
	// language) leaves the address and its confirmation link alone.
	token := strings.Repeat("ab", 32)
	if _, err := e.st.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at, unsub_token, status)
		VALUES ('191212121212', 'personnummer', 'digest', '2026-03', $1, $1, $2, 'sent')`, e.clock.Now(), token); err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`/avisering/bekrafta/[a-z2-7]+`).FindString(msgs[len(msgs)-1].Text), "/avisering/avsluta/" + token
}

// notifyA11yPages checks part 0 or 1 of the notification pages in
// language l through check; part 1 includes the settings form with an
// error and the page after unsubscribing (both reached by POST; check
// gets no path for them).
func notifyA11yPages(t *testing.T, e *authEnv, ctx context.Context, l string, part int, link, unsub string, check func(kind, path string)) {
	t.Helper()
	pages := [][][2]string{
		{{"settings", "/installningar"}, {"settings", "/installningar?sparat=1&skickat=1"}, {"demo inbox", "/demo/inkorg"}},
		{{"confirm address", link}, {"address confirmed", "/avisering/bekraftad"}, {"unsubscribe", unsub},
			{"not found", "/avisering/avsluta/" + strings.Repeat("0", 64)}},
	}[part]
	for _, p := range pages {
		sep := "?"
		if strings.Contains(p[1], "?") {
			sep = "&"
		}
		check(p[0]+" "+l, p[1]+sep+"lang="+l)
	}
	if part == 0 {
		webtest.Do(t, ctx, chromedp.Navigate(e.base+"/installningar?lang="+l), chromedp.WaitVisible(chromedp.CSS("#address-field")),
			chromedp.Clear(chromedp.CSS("#address-field")), chromedp.SendKeys(chromedp.CSS("#address-field"), "fel@"),
			chromedp.Click(chromedp.CSS("#save-settings")), chromedp.WaitVisible(chromedp.CSS("#address-error")))
		check("settings with errors "+l, "")
		return
	}
	webtest.Do(t, ctx, chromedp.Navigate(e.base+unsub+"?lang="+l), chromedp.Click(chromedp.CSS("#unsubscribe")),
		chromedp.WaitVisible(chromedp.CSS("#unsubscribed")))
	check("unsubscribed "+l, "")
}
