package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
	"github.com/insyn/insyn/portal/web"
)

// mailEnv is the auth environment with a real SMTP server on loopback, a
// worker sending the outbox to it, and the demo's inbox page.
type mailEnv struct {
	*authEnv
	inbox  *inbox.Server
	worker *notify.Worker
}

func startMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	ib, err := inbox.Start("127.0.0.1:0", inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ib.Close() })
	e := startAuthEnv(t, func(c *web.Config) { c.DemoInbox = ib })
	cfg, err := notify.ParseSMTPURL("smtp://" + ib.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return &mailEnv{authEnv: e, inbox: ib, worker: &notify.Worker{Outbox: e.st, Sender: cfg, Clock: e.clock, ID: "test",
		Composer: notify.Composer{Texts: i18n.MustLoad(portal.Stockholm), BaseURL: e.base, From: "insyn@example.se"}}}
}

// send runs the worker once and returns the mails received so far.
func (m *mailEnv) send(t *testing.T) []inbox.Message {
	t.Helper()
	if _, err := m.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m.inbox.Messages()
}

var confirmLink = regexp.MustCompile(`http://[^\s]+/avisering/bekrafta/[a-z2-7]+\?lang=(sv|en)`)

func saveSettings(t *testing.T, e *authEnv, c *http.Client, form url.Values) (int, string, string) {
	t.Helper()
	_, body := page(t, c, e.base+"/installningar")
	form.Set("_csrf", csrfToken(t, body))
	return post(t, c, e.base+"/installningar", form)
}

func TestSettingsOptInConfirmAndUnsubscribe(t *testing.T) {
	m := startMailEnv(t)
	e := m.authEnv
	c := e.signIn(t, tolvanLogin)
	status, body := page(t, c, e.base+"/installningar")
	if status != 200 || !strings.Contains(body, `id="kind-emergency"`) || !strings.Contains(body, `id="no-notices"`) ||
		!strings.Contains(body, `href="/installningar?lang=sv" aria-current="page"`) {
		t.Fatalf("settings page %d:\n%s", status, body)
	}
	// A kind without an address, then a broken address: errors beside the
	// fields, what was typed kept.
	status, _, body = saveSettings(t, e, c, url.Values{"kind": {"emergency", "digest"}, "lang": {"en"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="address-error"`) ||
		!regexp.MustCompile(`id="kind-emergency" value="emergency"[^>]*checked`).MatchString(body) ||
		!regexp.MustCompile(`id="kind-digest" value="digest"[^>]*checked`).MatchString(body) ||
		regexp.MustCompile(`id="kind-new_provider"[^>]*checked`).MatchString(body) ||
		!regexp.MustCompile(`id="lang-en" value="en" checked`).MatchString(body) {
		t.Fatalf("kinds without an address: %d\n%s", status, body)
	}
	status, _, body = saveSettings(t, e, c, url.Values{"kind": {"emergency"}, "lang": {"sv"}, "address": {"tolvan@exempel"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `value="tolvan@exempel"`) ||
		!strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, "namn@exempel.se") {
		t.Fatalf("a broken address: %d\n%s", status, body)
	}
	if n := e.count(t, "notify_notices"); n != 0 {
		t.Fatalf("refused forms wrote %d notices", n)
	}
	status, loc, _ := saveSettings(t, e, c, url.Values{"kind": {"emergency", "flag_change"}, "lang": {"en"}, "address": {"tolvan@example.se"}})
	if status != http.StatusSeeOther || loc != "/installningar?sparat=1&skickat=1&lang=sv" {
		t.Fatalf("save: %d %q", status, loc)
	}
	_, body = page(t, c, e.base+loc)
	if !strings.Contains(body, `id="confirm-sent"`) || !strings.Contains(body, `id="address-unconfirmed"`) || !strings.Contains(body, `id="resend"`) {
		t.Fatalf("after saving:\n%s", body)
	}
	mails := m.send(t)
	if len(mails) != 1 || mails[0].To != "tolvan@example.se" || mails[0].Header.Get("Content-Language") != "en" {
		t.Fatalf("confirmation mails %+v", mails)
	}
	link := confirmLink.FindString(mails[0].Text)
	if link == "" {
		t.Fatalf("no link in:\n%s", mails[0].Text)
	}
	// The link works in a browser without a session: GET shows a button
	// and changes nothing; POST (no form token: the link is the authority)
	// confirms.
	anon := newClient(t)
	status, body = page(t, anon, link)
	if status != 200 || !strings.Contains(body, `id="confirm"`) {
		t.Fatalf("confirmation page %d\n%s", status, body)
	}
	if _, body = page(t, c, e.base+"/installningar"); !strings.Contains(body, `id="address-unconfirmed"`) {
		t.Fatal("the confirmation page's GET confirmed")
	}
	status, loc, _ = post(t, anon, link, url.Values{})
	if status != http.StatusSeeOther || loc != "/avisering/bekraftad?lang=en" {
		t.Fatalf("confirm: %d %q", status, loc)
	}
	if status, _, _ = post(t, anon, link, url.Values{}); status != http.StatusNotFound {
		t.Errorf("a used link answers %d", status)
	}
	if status, _ = page(t, anon, strings.Replace(link, "/bekrafta/", "/bekrafta/x", 1)); status != http.StatusNotFound {
		t.Errorf("a malformed link answers %d", status)
	}
	if _, body = page(t, c, e.base+"/installningar"); !strings.Contains(body, `id="address-confirmed"`) || strings.Contains(body, `id="resend"`) {
		t.Fatalf("after confirming:\n%s", body)
	}

	// A notice, then its one-click unsubscribe as a mail program posts it.
	if _, err := e.st.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, created_at, next_attempt_at)
		VALUES ('191212121212', 'personnummer', 'emergency', 'run:1', '{"count": 1}', $1, $1)`, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	mails = m.send(t)
	if len(mails) != 2 {
		t.Fatalf("%d mails", len(mails))
	}
	unsub := strings.Trim(mails[1].Header.Get("List-Unsubscribe"), "<>")
	status, body = page(t, anon, unsub)
	if status != 200 || !strings.Contains(body, `id="unsubscribe"`) || !strings.Contains(body, "emergency access") {
		t.Fatalf("unsubscribe page %d\n%s", status, body)
	}
	if _, body = page(t, c, e.base+"/installningar"); !regexp.MustCompile(`id="kind-emergency"[^>]*checked`).MatchString(body) {
		t.Fatal("the unsubscribe page's GET unsubscribed")
	}
	resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe %d", resp.StatusCode)
	}
	_, body = page(t, c, e.base+"/installningar")
	if regexp.MustCompile(`id="kind-emergency"[^>]*checked`).MatchString(body) ||
		!regexp.MustCompile(`id="kind-flag_change"[^>]*checked`).MatchString(body) || !strings.Contains(body, `id="notices"`) {
		t.Fatalf("after unsubscribing:\n%s", body)
	}
	for _, bad := range []string{"/avisering/avsluta/" + strings.Repeat("0", 64), "/avisering/avsluta/nope"} {
		if status, _, _ := post(t, anon, e.base+bad, url.Values{}); status != http.StatusNotFound {
			t.Errorf("%s: %d", bad, status)
		}
	}
	// The demo's inbox page shows the mails and their links.
	status, body = page(t, anon, e.base+"/demo/inkorg")
	if status != 200 || strings.Count(body, `class="card mail"`) != 2 || !strings.Contains(body, `class="mail-link" href="`+e.base+`/avisering/avsluta/`) {
		t.Errorf("inbox page %d\n%s", status, body)
	}
}

// TestSettingsAreThePatientsOwn: without a session the pages send to
// login; another patient sees none of Tolvan's settings or notices and
// cannot post with Tolvan's form token; a form without one is refused.
func TestSettingsAreThePatientsOwn(t *testing.T) {
	m := startMailEnv(t)
	e := m.authEnv
	tolvan := e.signIn(t, tolvanLogin)
	if status, _, _ := saveSettings(t, e, tolvan, url.Values{"kind": {"digest"}, "lang": {"sv"}, "address": {"tolvan@example.se"}}); status != http.StatusSeeOther {
		t.Fatalf("save %d", status)
	}
	anon := newClient(t)
	resp, err := anon.Get(e.base + "/installningar")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("no session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/installningar", "/installningar/bekraftelse"} {
		if status, loc, _ := post(t, anon, e.base+path, url.Values{"address": {"evil@example.se"}, "lang": {"sv"}}); status != http.StatusSeeOther || loc != "/" {
			t.Errorf("POST %s without a session: %d %s", path, status, loc)
		}
	}
	svea := e.signIn(t, sveaLogin)
	_, body := page(t, svea, e.base+"/installningar")
	if strings.Contains(body, "tolvan@example.se") || !strings.Contains(body, `id="no-notices"`) || strings.Contains(body, `checked`) &&
		regexp.MustCompile(`id="kind-[a-z_]+"[^>]*checked`).MatchString(body) {
		t.Errorf("Svea sees Tolvan's settings:\n%s", body)
	}
	_, tbody := page(t, tolvan, e.base+"/installningar")
	if status, _, _ := post(t, svea, e.base+"/installningar", url.Values{"_csrf": {csrfToken(t, tbody)}, "lang": {"sv"}, "address": {"evil@example.se"}}); status != http.StatusForbidden {
		t.Errorf("Svea with Tolvan's form token: %d", status)
	}
	if status, _, _ := post(t, tolvan, e.base+"/installningar", url.Values{"lang": {"sv"}, "address": {"evil@example.se"}}); status != http.StatusForbidden {
		t.Errorf("no form token: %d", status)
	}
	if status, _, _ := post(t, svea, e.base+"/installningar/bekraftelse", url.Values{"_csrf": {csrfToken(t, body)}}); status != http.StatusNotFound {
		t.Errorf("Svea resends a confirmation she has none of: %d", status)
	}
	if s, _ := e.st.NotifySettings(context.Background(), portal.PatientActor(mustPID(t, "191212121212"), ""), "sv"); s.Address != "tolvan@example.se" {
		t.Errorf("Tolvan's address is now %q", s.Address)
	}
	if n := e.count(t, "notify_notices"); n != 1 {
		t.Errorf("%d notices", n)
	}
}

func mustPID(t *testing.T, s string) portal.PersonalID {
	p, err := portal.ParsePersonalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAddressChangesAreRateLimited: past the hourly limit the form answers
// 429 with the reason beside the address, keeping what was typed.
func TestAddressChangesAreRateLimited(t *testing.T) {
	e := startAuthEnv(t)
	c := e.signIn(t, tolvanLogin)
	for i := 0; i < 5; i++ {
		addr := []string{"a@example.se", "b@example.se"}[i%2]
		if status, _, _ := saveSettings(t, e, c, url.Values{"lang": {"sv"}, "address": {addr}}); status != http.StatusSeeOther {
			t.Fatalf("change %d: %d", i, status)
		}
	}
	status, _, body := saveSettings(t, e, c, url.Values{"lang": {"en"}, "kind": {"digest"}, "address": {"c@example.se"}})
	if status != http.StatusTooManyRequests || !strings.Contains(body, `id="address-error"`) || !strings.Contains(body, `value="c@example.se"`) ||
		!strings.Contains(body, "senaste timmen") {
		t.Fatalf("sixth change: %d\n%s", status, body)
	}
	// An hour later (the changes moved back: the session's clock stays).
	if _, err := e.st.DB().Exec(`UPDATE notify_address_changes SET at = at - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := saveSettings(t, e, c, url.Values{"lang": {"sv"}, "address": {"c@example.se"}}); status != http.StatusSeeOther {
		t.Errorf("an hour later: %d", status)
	}
}

// TestDemoInboxOnlyInTheDemo: a server without an inbox has no such page.
func TestDemoInboxOnlyInTheDemo(t *testing.T) {
	e := startAuthEnv(t)
	if status, _ := page(t, newClient(t), e.base+"/demo/inkorg"); status != http.StatusNotFound {
		t.Errorf("/demo/inkorg outside the demo: %d", status)
	}
}
