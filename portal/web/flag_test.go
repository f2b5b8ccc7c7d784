package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/web"
)

// flagWorld gives Tolvan two sittings by Anna on one day (an hour apart)
// and one by Bo, and Sara one by Anna; it returns the entry keys (the
// first event id of each sitting) by name.
func flagWorld(t *testing.T, e *authEnv) map[string]string {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken')`,
		`INSERT INTO patients (personal_id, given_name, family_name) VALUES
		 ('191212121212', 'Tolvan', 'Tolvansson'), ('199001012385', 'Sara', 'Svensson')`,
	} {
		if _, err := e.st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tolvan, _ := portal.ParsePersonalID("191212121212")
	sara, _ := portal.ParsePersonalID("199001012385")
	day := time.Date(2026, 3, 5, 9, 0, 0, 0, portal.Stockholm)
	ev := func(id string, p portal.PersonalID, staff portal.HSAID, name string, at time.Duration) portal.Event {
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: day.Add(at), ActorHSAID: staff, ActorName: name,
			ActorTitle: "Sjuksköterska", ActorProvider: portal.Party{HSAID: "SE2321000016-0001", Name: "Region Exempelland"},
			ActorUnit: portal.Party{HSAID: "SE2321000016-1001", Name: "Vårdcentralen Ängsbacken"},
			Activity:  portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"}
	}
	if _, err := e.st.InsertEvents(context.Background(), []portal.Event{
		ev("anna1", tolvan, "SE2321000016-5001", "Anna Berg", 0),
		ev("anna2", tolvan, "SE2321000016-5001", "Anna Berg", 2*time.Hour),
		ev("bo1", tolvan, "SE2321000016-5002", "Bo Ek", time.Hour),
		ev("sara", sara, "SE2321000016-5001", "Anna Berg", 0),
	}); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	rows, err := e.st.DB().Query(`SELECT source_log_id, id FROM access_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		keys[k] = strconv.FormatInt(id, 10)
	}
	return keys
}

func (e *authEnv) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), b.String()
}

func signedIn(t *testing.T, e *authEnv, pid string) *http.Client {
	t.Helper()
	c := newClient(t)
	if resp, _ := e.login(t, c, pid, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %d", resp.StatusCode)
	}
	return c
}

func TestFlagFormFilesACaseAndMyFlagsFollowIt(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	keys := flagWorld(t, e)
	anon := newClient(t)
	for _, p := range []string{"/flaggor", "/flaggor/ny?post=" + keys["anna1"], "/flaggor/mottagen?a=x"} {
		resp, err := anon.Get(e.base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s without session: %d to %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if status, loc, _ := post(t, anon, e.base+"/flaggor/ny", url.Values{"post": {keys["anna1"]}, "reason": {"unknown_person"}}); status != http.StatusSeeOther ||
		loc != "/" || e.count(t, "cases") != 0 {
		t.Errorf("POST without session: %d to %q", status, loc)
	}
	c := signedIn(t, e, "19121212-1212")
	form := e.base + "/flaggor/ny?post=" + keys["anna1"]
	status, body := page(t, c, form)
	if status != 200 || !strings.Contains(body, "Jag känner inte personen") || !strings.Contains(body, `value="`+keys["anna2"]+`"`) ||
		strings.Contains(body, `value="`+keys["bo1"]+`"`) || !strings.Contains(body, "Högst 1\u00a0000 tecken") {
		t.Fatalf("form %d:\n%s", status, body)
	}
	// Another patient's entry, a malformed key: not found, nothing of theirs.
	for _, k := range []string{keys["sara"], "0" + keys["anna1"], "abc", ""} {
		if status, body := page(t, c, e.base+"/flaggor/ny?post="+url.QueryEscape(k)); status != 404 || strings.Contains(body, "Anna") {
			t.Errorf("entry %q: %d", k, status)
		}
	}
	csrf := csrfToken(t, body)
	action := e.base + "/flaggor/ny"
	// No CSRF token: refused.
	if status, _, _ := post(t, c, action, url.Values{"post": {keys["anna1"]}, "reason": {"unknown_person"}}); status != http.StatusForbidden {
		t.Errorf("no csrf: %d", status)
	}
	// Bad input: the message next to the field, what was typed kept.
	typed := "Jag har aldrig varit där <b>"
	status, _, body = post(t, c, action, url.Values{"_csrf": {csrf}, "post": {keys["anna1"]}, "text": {typed}, "more": {keys["anna2"]}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Välj vad som är fel.") ||
		!strings.Contains(body, `aria-describedby="reason-error"`) || !strings.Contains(body, "Jag har aldrig varit där &lt;b&gt;") ||
		!regexp.MustCompile(`value="`+keys["anna2"]+`" checked`).MatchString(body) {
		t.Errorf("invalid flag %d:\n%s", status, body)
	}
	long := strings.Repeat("ö", portal.MaxFlagText+1)
	if status, _, body := post(t, c, action, url.Values{"_csrf": {csrf}, "post": {keys["anna1"]}, "reason": {"other"}, "text": {long}}); status != 422 ||
		!strings.Contains(body, "1\u00a0001 tecken") || !strings.Contains(body, `aria-describedby="text-hint text-error"`) || !strings.Contains(body, long) {
		t.Errorf("long text %d", status)
	}
	// Someone else's entries, in either field: not found, nothing written.
	for _, f := range []url.Values{
		{"_csrf": {csrf}, "post": {keys["sara"]}, "reason": {"unknown_person"}},
		{"_csrf": {csrf}, "post": {keys["anna1"]}, "reason": {"unknown_person"}, "more": {keys["sara"]}},
		{"_csrf": {csrf}, "post": {keys["anna1"]}, "reason": {"unknown_person"}, "more": {keys["bo1"]}}, // not the same person
	} {
		if status, _, _ := post(t, c, action, f); status != 404 {
			t.Errorf("%v: %d", f, status)
		}
	}
	if n := e.count(t, "cases") + e.count(t, "flags"); n != 0 {
		t.Fatalf("refused flags wrote %d rows", n)
	}

	text := "Hon är min granne"
	// The receipt keeps the language the form was in, Swedish too (a
	// browser asking for English would otherwise turn it English).
	status, loc, _ := post(t, c, action+"?lang=sv", url.Values{"_csrf": {csrf}, "post": {keys["anna1"]}, "reason": {"knows_privately"},
		"text": {"  " + text + "  "}, "more": {keys["anna2"]}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/flaggor/mottagen?a=") || !strings.HasSuffix(loc, "&lang=sv") {
		t.Fatalf("flag: %d to %q", status, loc)
	}
	status, body = page(t, c, e.base+loc)
	number := regexp.MustCompile(`class="case-number">(\d{4}-\d{6})<`).FindStringSubmatch(body)
	if status != 200 || number == nil {
		t.Fatalf("confirmation %d:\n%s", status, body)
	}
	// Whom to quote it to: the care provider that investigates (it said
	// "kontaktar oss" right after naming the care provider).
	if !strings.Contains(body, "Ange ärendenumret om du kontaktar vårdgivaren.") {
		t.Errorf("the confirmation does not say whom to quote the case number to:\n%s", body)
	}
	if e.count(t, "cases") != 1 || e.count(t, "case_events") != 2 {
		t.Errorf("%d cases, %d events", e.count(t, "cases"), e.count(t, "case_events"))
	}
	// The same entry again joins the open case.
	_, loc2, _ := post(t, c, action, url.Values{"_csrf": {csrf}, "post": {keys["anna2"]}, "reason": {"unknown_person"}})
	if loc2 != loc || e.count(t, "cases") != 1 || e.count(t, "flags") != 2 {
		t.Errorf("second flag: %q vs %q, %d cases", loc2, loc, e.count(t, "cases"))
	}
	if strings.Contains(e.logs.String(), text) || strings.Contains(e.logs.String(), "19121212") {
		t.Errorf("flag text or personal id in the logs")
	}

	status, body = page(t, c, e.base+"/flaggor")
	if status != 200 || strings.Count(body, "Mottagen") != 2 || !strings.Contains(body, number[1]) || !strings.Contains(body, text) ||
		!strings.Contains(body, "<dd>2026-03-05 09:00</dd>") {
		t.Errorf("my flags %d:\n%s", status, body)
	}
	// Decided: the outcome and the message for the patient, never the reason.
	receipt, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	key := receipt.Query().Get("a")
	rev := portal.StaffActor("SE2321000016-9001", "Rita", portal.Grant{Provider: "SE2321000016-0001", Role: portal.RoleReviewer})
	ctx := context.Background()
	if _, err := e.st.TransitionCase(ctx, rev, key, portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddNote(ctx, rev, key, "INTERN-ANTECKNING"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.DecideCase(ctx, rev, key, portal.Decision{Outcome: portal.OutcomeUnjustified, Reason: "INTERN-MOTIVERING",
		PatientMessage: "Åtkomsten saknade skäl. Arbetsgivaren har vidtagit åtgärder."}); err != nil {
		t.Fatal(err)
	}
	_, body = page(t, c, e.base+"/flaggor")
	if strings.Count(body, "Avgjord") != 2 || !strings.Contains(body, "Åtkomsten var inte befogad.") ||
		!strings.Contains(body, "Arbetsgivaren har vidtagit åtgärder.") || strings.Contains(body, "INTERN") {
		t.Errorf("decided flags:\n%s", body)
	}
	if _, body := page(t, c, e.base+"/flaggor?lang=en"); !strings.Contains(body, "Decided") || !strings.Contains(body, "The access was not justified.") {
		t.Errorf("English my flags:\n%s", body)
	}

	// Sara sees none of it, whatever key she tries.
	sara := signedIn(t, e, "19900101-2385")
	if status, _ := page(t, sara, e.base+loc); status != 404 {
		t.Errorf("Sara's confirmation of Tolvan's case: %d", status)
	}
	if _, body := page(t, sara, e.base+"/flaggor"); !strings.Contains(body, `id="no-flags"`) || strings.Contains(body, number[1]) {
		t.Errorf("Sara's flags:\n%s", body)
	}
	if status, _ := page(t, sara, form); status != 404 {
		t.Errorf("Sara's form for Tolvan's entry: %d", status)
	}
	// Staff have no flags here.
	staff := signedIn(t, e, "SE2321000016-9001")
	if status, _ := page(t, staff, e.base+"/flaggor"); status != 404 {
		t.Errorf("staff's flags: %d", status)
	}
	if e.count(t, "cases") != 1 || e.count(t, "flags") != 2 {
		t.Errorf("GETs changed state")
	}
}

func TestFlagSubmissionsAreRateLimited(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t, func(c *web.Config) { c.FlagLimit = 2 })
	keys := flagWorld(t, e)
	c := signedIn(t, e, "19121212-1212")
	_, body := page(t, c, e.base+"/flaggor/ny?post="+keys["anna1"])
	f := url.Values{"_csrf": {csrfToken(t, body)}, "post": {keys["anna1"]}, "reason": {"unknown_person"}}
	for i, want := range []int{303, 303, 429} {
		if status, _, _ := post(t, c, e.base+"/flaggor/ny", f); status != want {
			t.Errorf("submission %d: %d, want %d", i+1, status, want)
		}
	}
	// Another session has its own budget.
	c2 := signedIn(t, e, "19121212-1212")
	_, body = page(t, c2, e.base+"/flaggor/ny?post="+keys["anna1"])
	f.Set("_csrf", csrfToken(t, body))
	if status, _, _ := post(t, c2, e.base+"/flaggor/ny", f); status != 303 {
		t.Errorf("second session: %d", status)
	}
}
