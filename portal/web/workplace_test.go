package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Staff of the workplace tests: a reviewer, a head of unit and a member
// of staff without any role, at two providers.
const (
	wpRegion   = portal.HSAID("SE2321000016-0001")
	wpCompany  = portal.HSAID("SE5565594230-0002")
	wpUnit     = portal.HSAID("SE2321000016-1001")
	wpReviewer = "SE2321000016-9001"
	wpHead     = "SE2321000016-9003"
	wpNobody   = "SE2321000016-9004"
	wpCoReview = "SE5565594230-9005" // reviewer at the company
	wpAdmin    = "SE2321000016-9006" // admin of the region
)

// seedWorkplace loads the providers, units and staff and grants roles.
func seedWorkplace(t *testing.T, st *store.Store) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'), ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')
		 ON CONFLICT DO NOTHING`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst') ON CONFLICT DO NOTHING`,
		`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-9001', 'Rita', 'Granskare', 'Jurist'),
		 ('SE2321000016-9003', 'Hedda', 'Chef', 'Enhetschef'), ('SE2321000016-9004', 'Nils', 'Utanroll', 'Sjuksköterska'),
		 ('SE5565594230-9005', 'Conny', 'Bolagsson', 'Jurist'), ('SE2321000016-9006', 'Adam', 'Admin', 'Systemförvaltare') ON CONFLICT DO NOTHING`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sys := portal.SystemActor("test")
	for _, g := range []store.RoleGrant{
		{Staff: wpReviewer, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleReviewer}},
		{Staff: wpHead, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleHeadOfUnit, Unit: wpUnit}},
		{Staff: wpCoReview, Grant: portal.Grant{Provider: wpCompany, Role: portal.RoleReviewer}},
		{Staff: wpAdmin, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleAdmin}},
	} {
		if err := st.GrantRole(context.Background(), sys, g); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaffStartAndNoRole(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	seedWorkplace(t, e.st)
	// A staff login lands on the staff start page.
	c := newClient(t)
	resp, _ := e.login(t, c, wpReviewer, nil)
	if loc := resp.Header.Get("Location"); loc != "/personal?lang=sv" {
		t.Fatalf("staff login goes to %q", loc)
	}
	status, body := page(t, c, e.base+"/personal")
	if status != 200 || !strings.Contains(body, "granskare hos Region Exempelland") || !strings.Contains(body, `href="/granskning?lang=sv"`) ||
		strings.Contains(body, `href="/oversikt`) {
		t.Fatalf("reviewer's start: %d\n%s", status, body)
	}
	// Staff pages have the staff footer, none of the patient's text.
	const patientFooter, staffFooter = "Insyn visar vem som har tagit del av din journal", "Insyn för vårdgivarens personal."
	if !strings.Contains(body, "<footer>"+staffFooter) || strings.Contains(body, patientFooter) {
		t.Errorf("staff page's footer:\n%s", body)
	}
	if _, b := page(t, c, e.base+"/granskning?lang=en"); !strings.Contains(b, "<footer>Insyn for the care provider&#39;s staff.") ||
		strings.Contains(b, "who has accessed your medical record") {
		t.Errorf("English staff footer:\n%s", b)
	}
	if _, b := page(t, e.signIn(t, tolvanLogin), e.base+"/oversikt"); !strings.Contains(b, "<footer>"+patientFooter) || strings.Contains(b, staffFooter) {
		t.Errorf("patient page's footer:\n%s", b)
	}
	status, body = page(t, e.signIn(t, wpHead), e.base+"/personal?lang=en")
	if status != 200 || !strings.Contains(body, "head of unit of Vårdcentralen Ängsbacken") || strings.Contains(body, `href="/granskning`) {
		t.Fatalf("head's start: %d\n%s", status, body)
	}
	// Every role's start page leads to its pages, not only the menu does.
	_, body = page(t, e.signIn(t, wpAdmin), e.base+"/personal")
	for _, link := range []string{`<li class="card"><a href="/admin/roller?lang=sv">Roller</a> – ge och återkalla roller hos vårdgivaren.</li>`,
		`<li class="card"><a href="/admin/lasningar?lang=sv">`} {
		if !strings.Contains(body, link) {
			t.Errorf("admin's start page lacks %s:\n%s", link, body)
		}
	}
	if _, b := page(t, c, e.base+"/personal?lang=en"); !strings.Contains(b, `<li class="card"><a href="/sok?lang=en">Targeted check</a>`) {
		t.Errorf("reviewer's English start page lacks the targeted check:\n%s", b)
	}
	// Without a role: the page saying so, on every staff path, and no menu.
	nobody := e.signIn(t, wpNobody)
	for _, p := range []string{"/personal"} {
		status, body := page(t, nobody, e.base+p)
		if status != http.StatusForbidden || !strings.Contains(body, "Du har ingen roll i Insyn") || strings.Contains(body, "Personalmeny") ||
			strings.Contains(body, "Insyn visar vem som har tagit del av din journal") {
			t.Errorf("%s without a role: %d\n%s", p, status, body)
		}
	}
	// A revoke takes effect on the next request.
	if err := e.st.RevokeRole(context.Background(), portal.SystemActor("test"),
		store.RoleGrant{Staff: wpHead, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleHeadOfUnit, Unit: wpUnit}}); err != nil {
		t.Fatal(err)
	}
	if status, _ := page(t, e.signIn(t, wpHead), e.base+"/personal"); status != http.StatusForbidden {
		t.Errorf("after the revoke: %d", status)
	}
	// A patient: staff pages do not exist. No session: to log in.
	pat := e.signIn(t, unknownPID)
	if status, _ := page(t, pat, e.base+"/personal"); status != http.StatusNotFound {
		t.Errorf("patient on /personal: %d", status)
	}
	anon := newClient(t)
	resp2, err := anon.Get(e.base + "/personal")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp2.Header.Get("Location"), "/login") {
		t.Errorf("no session: %d %q", resp2.StatusCode, resp2.Header.Get("Location"))
	}
}

// caseWorld is the patient portal's region with the workplace's staff, and
// two flag cases: Tolvan's on an access by Åsa (the region) and one on an
// access by Nils (the company). It returns the region case's key and the
// company case's.
func caseWorld(t *testing.T) (*authEnv, string, string) {
	t.Helper()
	e := startPortal(t)
	seedWorkplace(t, e.st)
	ctx := context.Background()
	tolvan, _ := portal.ParsePersonalID(tolvanLogin)
	pat := portal.PatientActor(tolvan, "")
	file := func(actor string) string {
		var id int64
		if err := e.st.DB().Get(&id, `SELECT id FROM access_events WHERE patient_id = '191212121212' AND actor_hsa_id = $1
			ORDER BY occurred_at LIMIT 1`, actor); err != nil {
			t.Fatal(err)
		}
		cs, err := e.st.FileFlag(ctx, pat, portal.Flag{Reason: portal.ReasonUnknownPerson, Text: "Jag känner inte Åsa.", Events: []int64{id}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("flag: %v", err)
		}
		return cs[0].Key
	}
	return e, file("SE2321000016-5001"), file("SE5565594230-6001")
}

// postForm sends a form with the page's CSRF token (read from the page at
// from) and returns status and body (or the redirect's location).
func postForm(t *testing.T, c *http.Client, from, to string, form url.Values) (int, string) {
	t.Helper()
	_, body := page(t, c, from)
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", csrfToken(t, body))
	resp, err := c.PostForm(to, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

func TestReviewerWorksAFlagCase(t *testing.T) {
	t.Parallel()
	e, key, companyKey := caseWorld(t)
	rev := e.signIn(t, wpReviewer)
	caseURL := e.base + "/granskning/arende/" + key
	act := func(action string, form url.Values) (int, string) {
		return postForm(t, rev, caseURL, caseURL+"/"+action, form)
	}

	// The queue: the region's flag case at the top, not the company's.
	status, body := page(t, rev, e.base+"/granskning")
	first := strings.Index(body, `href="/granskning/arende/`)
	if status != 200 || first < 0 || !strings.HasPrefix(body[first+len(`href="/granskning/arende/`):], key) ||
		strings.Contains(body, companyKey) || !strings.Contains(body, "Nytt (1)") || !strings.Contains(body, "Åsa Öberg") {
		t.Fatalf("queue: %d\n%s", status, body)
	}
	if strings.Contains(body, "19121212") || strings.Contains(body, "Tolvan") {
		t.Error("the queue names the patient")
	}
	for _, q := range []string{"?kalla=rule", "?status=closed", "?allvar=high", "?mina=1", "?enhet=SE2321000016-1003"} {
		if _, b := page(t, rev, e.base+"/granskning"+q); strings.Contains(b, key) {
			t.Errorf("filter %s still lists the case", q)
		}
	}
	for _, q := range []string{"?kalla=flag", "?status=new", "?enhet=SE2321000016-1001", "?kalla=nonsense&sida=-4"} {
		if _, b := page(t, rev, e.base+"/granskning"+q); !strings.Contains(b, key) {
			t.Errorf("filter %s hides the case", q)
		}
	}

	// Another provider's case, a malformed key: not found.
	for _, u := range []string{"/granskning/arende/" + companyKey, "/granskning/arende/nosuchkey", "/granskning/arende/" + strings.Repeat("a", 26)} {
		if status, _ := page(t, rev, e.base+u); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
	if status, _ := postForm(t, rev, caseURL, e.base+"/granskning/arende/"+companyKey+"/anteckning", url.Values{"note": {"x"}}); status != http.StatusNotFound {
		t.Errorf("a note on the company's case: %d", status)
	}

	// The case page: narrative, flag text, explanation; no patient until asked.
	status, body = page(t, rev, caseURL)
	if status != 200 || !strings.Contains(body, "Jag känner inte Åsa.") || !strings.Contains(body, "Visa patientens identitet") ||
		!strings.Contains(body, "förklaras av ett besök på Vårdcentralen Ängsbacken") {
		t.Fatalf("case page: %d\n%s", status, body)
	}
	if strings.Contains(body, "19121212") || strings.Contains(body, "Tolvan") {
		t.Error("the case page names the patient before being asked")
	}
	reads := func(channel string) int {
		var n int
		if err := e.st.DB().Get(&n, `SELECT count(*) FROM log_reads WHERE channel = $1 AND reader_id = $2`, channel, wpReviewer); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if reads("web_case") == 0 {
		t.Error("the case's accesses were read without a log_reads row")
	}
	status, body = act("identitet", nil)
	if status != 200 || !strings.Contains(body, "Tolvan Tolvansson, 19121212-1212") || reads("web_case_identity") != 1 {
		t.Fatalf("identity: %d (%d reads)\n%s", status, reads("web_case_identity"), body)
	}

	// CSRF: a form without the token changes nothing.
	resp, err := rev.PostForm(caseURL+"/anteckning", url.Values{"note": {"utan token"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("note without CSRF token: %d", resp.StatusCode)
	}

	// A new case offers no statement or decision, which the domain would
	// refuse, but says what comes first; a question posted anyway is
	// refused in those words, keeping what was typed.
	if _, b := page(t, rev, caseURL); strings.Contains(b, `id="ask-statement"`) || strings.Contains(b, `id="decide"`) ||
		!strings.Contains(b, `id="start-first"`) {
		t.Errorf("a new case offers what it refuses:\n%s", b)
	}
	status, body = act("yttrande", url.Values{"unit": {string(wpUnit)}, "question": {"Skrevs <innan>?"}})
	if status != http.StatusConflict || !strings.Contains(body, "Ärendet är nytt: välj först Börja utreda, sedan kan du be enhetschefen om ett yttrande.") ||
		!strings.Contains(body, "Skrevs &lt;innan&gt;?</textarea>") {
		t.Fatalf("a statement on a new case: %d\n%s", status, body)
	}

	// Deciding a new case is refused in words, keeping what was typed.
	status, body = act("beslut", url.Values{"outcome": {"justified"}, "reason": {"Skrivet <först>"}, "message": {"Hej"}})
	if status != http.StatusConflict || !strings.Contains(body, "Ärendet är nytt och kan inte avgöras än: välj först Börja utreda.") ||
		!strings.Contains(body, "Skrivet &lt;först&gt;</textarea>") {
		t.Fatalf("decide a new case: %d\n%s", status, body)
	}
	if status, loc := act("status", url.Values{"to": {"investigating"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/granskning/arende/"+key) {
		t.Fatalf("start: %d %q", status, loc)
	}
	if status, loc := act("tilldela", url.Values{"assignee": {"me"}}); status != http.StatusSeeOther || !strings.HasSuffix(loc, "?sparat=tilldela") {
		t.Fatalf("assign: %d %q", status, loc)
	}
	if _, b := page(t, rev, e.base+"/granskning?mina=1"); !strings.Contains(b, key) || !strings.Contains(b, "handläggs av Rita Granskare") {
		t.Errorf("assigned to me does not list the case:\n%s", b)
	}
	if status, body := act("tilldela", url.Values{"assignee": {wpHead}}); status != http.StatusBadRequest || !strings.Contains(body, `id="assignee-error"`) {
		t.Errorf("assign to a head of unit: %d", status)
	}
	if status, body := act("anteckning", url.Values{"note": {"   "}}); status != http.StatusBadRequest || !strings.Contains(body, `id="note-error"`) {
		t.Errorf("empty note: %d\n%s", status, body)
	}
	// A saved action comes back to the case page with a notice; the URL
	// names the kind of action only, never what was typed.
	status, loc := act("anteckning", url.Values{"note": {"Kollar schemat."}})
	if status != http.StatusSeeOther || loc != "/granskning/arende/"+key+"?sparat=anteckning" {
		t.Fatalf("note: %d %q", status, loc)
	}
	if _, b := page(t, rev, e.base+loc); !strings.Contains(b, `<p class="notice" role="status" id="saved">Sparat: anteckningen står i tidslinjen.</p>`) {
		t.Errorf("no saved notice after the note:\n%s", b)
	}
	if _, b := page(t, rev, e.base+loc+"&lang=en"); !strings.Contains(b, `role="status" id="saved">Saved: the note is in the timeline.</p>`) {
		t.Errorf("no English saved notice:\n%s", b)
	}
	if _, b := page(t, rev, caseURL); strings.Contains(b, `id="saved"`) {
		t.Error("the notice shows without an action")
	}
	if _, b := page(t, rev, caseURL+"?sparat=%3Cscript%3E"); strings.Contains(b, `id="saved"`) {
		t.Error("an unknown word shows a notice")
	}
	if status, body := act("yttrande", url.Values{"unit": {string(wpUnit)}, "question": {""}}); status != http.StatusBadRequest ||
		!strings.Contains(body, `id="question-error"`) {
		t.Errorf("empty question: %d", status)
	}
	if status, body := act("yttrande", url.Values{"unit": {"SE2321000016-1003"}, "question": {"Varför?"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, `id="unit-error"`) || !strings.Contains(body, "Varför?</textarea>") {
		t.Errorf("question to a unit without head: %d", status)
	}
	if status, loc := act("yttrande", url.Values{"unit": {string(wpUnit)}, "question": {"Hade Åsa ett uppdrag för patienten?"}}); status != http.StatusSeeOther ||
		strings.Contains(loc, "uppdrag") || !strings.HasSuffix(loc, "?sparat=yttrande") {
		t.Fatalf("ask for a statement: %d %q", status, loc)
	}
	if _, b := page(t, rev, caseURL); !strings.Contains(b, "Väntar på yttrande") || !strings.Contains(b, "bad enhetschefen om yttrande") {
		t.Errorf("case after the question:\n%s", b)
	}

	// The head of unit answers on their page; a wrong key is not found.
	head := e.signIn(t, wpHead)
	status, body = page(t, head, e.base+"/chef")
	if status != 200 || !strings.Contains(body, "Hade Åsa ett uppdrag för patienten?") || strings.Contains(body, "19121212") {
		t.Fatalf("head's page: %d\n%s", status, body)
	}
	m := regexp.MustCompile(`action="/chef/yttrande/([a-z2-7]{26})`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no answer form")
	}
	if status, _ := postForm(t, head, e.base+"/chef", e.base+"/chef/yttrande/"+key, url.Values{"answer": {"x"}}); status != http.StatusNotFound {
		t.Errorf("answer under the case's key: %d", status)
	}
	// The message stands once, beside the answer; the summary above points there.
	if status, body := postForm(t, head, e.base+"/chef", e.base+"/chef/yttrande/"+m[1], url.Values{"answer": {" "}}); status != http.StatusBadRequest ||
		strings.Count(body, "Skriv ditt yttrande.") != 1 || !strings.Contains(body, `id="answer-`+m[1]+`-error">Skriv ditt yttrande.`) ||
		!strings.Contains(body, `<a href="#answer-`+m[1]+`">Yttrandet skickades inte.`) {
		t.Errorf("empty answer: %d\n%s", status, body)
	}
	status, loc = postForm(t, head, e.base+"/chef", e.base+"/chef/yttrande/"+m[1], url.Values{"answer": {"Åsa hade jour på akuten."}})
	if status != http.StatusSeeOther || loc != "/chef?sparat=1" {
		t.Fatalf("answer: %d %q", status, loc)
	}
	if _, b := page(t, head, e.base+loc); !strings.Contains(b, `role="status" id="saved">Sparat: ditt yttrande är skickat till granskaren.</p>`) {
		t.Errorf("no saved notice after the answer:\n%s", b)
	}
	if status, _ := page(t, head, caseURL); status != http.StatusForbidden {
		t.Errorf("head of unit on the case page: %d", status)
	}
	if _, b := page(t, rev, caseURL); !strings.Contains(b, "Åsa hade jour på akuten.") || !strings.Contains(b, "Utreds") {
		t.Errorf("case after the answer:\n%s", b)
	}

	// A second question, which the decision will overtake.
	if status, loc := act("yttrande", url.Values{"unit": {string(wpUnit)}, "question": {"Hade Åsa fler pass den veckan?"}}); status != http.StatusSeeOther {
		t.Fatalf("second question: %d %q", status, loc)
	}

	// A flag's decision needs a message for the patient.
	status, body = act("beslut", url.Values{"outcome": {"unjustified"}, "reason": {"Ingen jour den dagen."}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="message-error"`) || !strings.Contains(body, "Ingen jour den dagen.</textarea>") {
		t.Fatalf("decide without message: %d\n%s", status, body)
	}
	status, loc = act("beslut", url.Values{"outcome": {"unjustified"}, "reason": {"Ingen jour den dagen."},
		"message": {"Åtkomsten saknade skäl. Vi har vidtagit åtgärder."}})
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?sparat=beslut") {
		t.Fatalf("decide: %d %q", status, loc)
	}
	if _, b := page(t, rev, e.base+loc); !strings.Contains(b, "Sparat: beslutet är registrerat.") {
		t.Errorf("no saved notice after the decision:\n%s", b)
	}
	// The question the decision overtook is no longer offered to the
	// head of unit, who reads why; the case page says it went unanswered.
	_, body = page(t, head, e.base+"/chef")
	if strings.Contains(body, `class="send-answer"`) || !strings.Contains(body, "Inga frågor väntar på svar.") ||
		!strings.Contains(body, "Ärendet avgjordes innan du hann svara, så inget yttrande behövs.") || !strings.Contains(body, "Hade Åsa fler pass den veckan?") {
		t.Errorf("head's page offers an answer the domain refuses:\n%s", body)
	}
	if _, b := page(t, head, e.base+"/chef?lang=en"); !strings.Contains(b, "The case was decided before you answered, so no statement is needed.") {
		t.Errorf("English head's page:\n%s", b)
	}
	if _, b := page(t, rev, caseURL); !strings.Contains(b, "inte besvarad innan beslutet") || strings.Contains(b, "väntar på svar") {
		t.Errorf("the case page still waits for the overtaken statement:\n%s", b)
	}
	// Back to the patient: the outcome and the message under my flags.
	_, body = page(t, e.signIn(t, tolvanLogin), e.base+"/flaggor")
	if !strings.Contains(body, "Åtkomsten saknade skäl. Vi har vidtagit åtgärder.") || strings.Contains(body, "Ingen jour den dagen.") {
		t.Errorf("patient's flags after the decision:\n%s", body)
	}
	if status, loc := act("status", url.Values{"to": {"closed"}}); status != http.StatusSeeOther || !strings.HasSuffix(loc, "?sparat=avslutat") {
		t.Errorf("close: %d %q", status, loc)
	} else if _, b := page(t, rev, e.base+loc); !strings.Contains(b, "Sparat: ärendet är avslutat.") {
		t.Errorf("no saved notice after closing:\n%s", b)
	}
	if _, b := page(t, rev, caseURL); !strings.Contains(b, "Avslutat") || strings.Contains(b, `id="add-note"`) {
		t.Errorf("closed case still offers work")
	}
}

func TestStaffPagesScoped(t *testing.T) {
	t.Parallel()
	e, key, companyKey := caseWorld(t)
	// A clerk cannot open the queue.
	if err := e.st.GrantRole(context.Background(), portal.SystemActor("test"),
		store.RoleGrant{Staff: wpNobody, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	clerk := e.signIn(t, wpNobody)
	for _, u := range []string{"/granskning", "/granskning/arende/" + key, "/chef"} {
		if status, body := page(t, clerk, e.base+u); status != http.StatusForbidden || !strings.Contains(body, "och den rollen har du inte") {
			t.Errorf("clerk on %s: %d", u, status)
		}
	}
	// The company's reviewer sees the company's case, not the region's.
	co := e.signIn(t, wpCoReview)
	if _, body := page(t, co, e.base+"/granskning"); !strings.Contains(body, companyKey) || strings.Contains(body, key) {
		t.Errorf("company queue:\n%s", body)
	}
	if status, _ := page(t, co, e.base+"/granskning/arende/"+key); status != http.StatusNotFound {
		t.Errorf("company reviewer on the region's case: %d", status)
	}
	// A patient: none of the staff pages exist, nor their actions.
	pat := e.signIn(t, tolvanLogin)
	for _, u := range []string{"/personal", "/granskning", "/granskning/arende/" + key, "/chef"} {
		if status, _ := page(t, pat, e.base+u); status != http.StatusNotFound {
			t.Errorf("patient on %s: %d", u, status)
		}
	}
	if status, _ := postForm(t, pat, e.base+"/flaggor", e.base+"/granskning/arende/"+key+"/identitet", nil); status != http.StatusNotFound {
		t.Errorf("patient asking for identity: %d", status)
	}
	// No session: to log in (GET), back to the start (POST).
	anon := newClient(t)
	for _, u := range []string{"/granskning", "/granskning/arende/" + key, "/chef"} {
		resp, err := anon.Get(e.base + u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s without session: %d %q", u, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Staff without a role: the no-role page on every staff path.
	nobody := e.signIn(t, "SE2321000016-9999")
	for _, u := range []string{"/granskning", "/chef"} {
		if status, body := page(t, nobody, e.base+u); status != http.StatusForbidden || !strings.Contains(body, "Du har ingen roll i Insyn") {
			t.Errorf("no role on %s: %d", u, status)
		}
	}
}

// A rule case the patient has also flagged says so in the queue, in words
// (a badge, not only the row's colour), in both languages; before the flag
// it does not.
func TestQueueMarksRuleCaseThePatientFlagged(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	seedWorkplace(t, e.st)
	ctx := context.Background()
	var ev int64
	if err := e.st.DB().Get(&ev, `SELECT id FROM access_events WHERE patient_id = '191212121212' AND actor_hsa_id = 'SE2321000016-5001'
		ORDER BY occurred_at LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	// A rule case on Åsa's accesses to Tolvan, as a review run opens one.
	const ruleKey = "rulecaseaaaaaaaaaaaaaaaaaa"
	if _, err := e.st.DB().Exec(`INSERT INTO cases (key, number, source, patient_id, patient_id_kind, patient_id_root,
		staff_hsa_id, provider_hsa_id, priority, created_at, updated_at)
		SELECT $1, '2026-900001', 'rule', e.patient_id, e.patient_id_kind, e.patient_id_root, e.actor_hsa_id,
		       COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id), 10, now(), now()
		FROM access_events e LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id WHERE e.id = $2`, ruleKey, ev); err != nil {
		t.Fatal(err)
	}
	rev := e.signIn(t, wpReviewer)
	if _, body := page(t, rev, e.base+"/granskning"); !strings.Contains(body, ruleKey) || strings.Contains(body, "Även anmält av patienten") {
		t.Fatalf("queue before the flag:\n%s", body)
	}
	tolvan, _ := portal.ParsePersonalID(tolvanLogin)
	cs, err := e.st.FileFlag(ctx, portal.PatientActor(tolvan, ""), portal.Flag{Reason: portal.ReasonUnknownPerson, Text: "Vem är Åsa?", Events: []int64{ev}})
	if err != nil || len(cs) != 1 || cs[0].Key != ruleKey {
		t.Fatalf("the flag did not join the rule case: %v %+v", err, cs)
	}
	badge := regexp.MustCompile(`(?s)href="/granskning/arende/` + ruleKey + `[^"]*".*?<span class="mark">Regelträff</span> <span class="mark flagged">Även anmält av patienten</span>`)
	if _, body := page(t, rev, e.base+"/granskning"); !badge.MatchString(body) {
		t.Errorf("queue after the flag has no badge:\n%s", body)
	}
	if _, body := page(t, rev, e.base+"/granskning?lang=en"); !strings.Contains(body, `<span class="mark">Rule hit</span> <span class="mark flagged">Also reported by the patient</span>`) {
		t.Errorf("English queue has no badge:\n%s", body)
	}
	// The case page has the flag, as before.
	if _, body := page(t, rev, e.base+"/granskning/arende/"+ruleKey); !strings.Contains(body, "Vem är Åsa?") {
		t.Errorf("case page without the flag:\n%s", body)
	}
}

// A rule that hit two accesses of a case is one line on the case page.
func TestCasePageNamesEachRuleOnce(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	seedWorkplace(t, e.st)
	const ruleKey = "rulecasebbbbbbbbbbbbbbbbbb"
	for _, q := range []string{
		`INSERT INTO cases (key, number, source, patient_id, patient_id_kind, patient_id_root, staff_hsa_id, provider_hsa_id, priority, created_at, updated_at)
		 SELECT $1, '2026-900002', 'rule', e.patient_id, e.patient_id_kind, e.patient_id_root, e.actor_hsa_id,
		        COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id), 10, now(), now()
		 FROM access_events e LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id
		 WHERE e.patient_id = '191212121212' AND e.actor_hsa_id = 'SE2321000016-5001' ORDER BY e.occurred_at LIMIT 1`,
		`INSERT INTO review_runs (started_at) SELECT now() WHERE $1 <> ''`,
		`INSERT INTO rule_hits (run_id, rule, severity, event_id, occurred_at, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind, patient_id_root, case_id)
		 SELECT (SELECT max(id) FROM review_runs), 'no_care_relation', 'medium', e.id, e.occurred_at, c.staff_hsa_id, c.provider_hsa_id,
		        e.patient_id, e.patient_id_kind, e.patient_id_root, c.id
		 FROM cases c JOIN access_events e ON e.patient_id = c.patient_id AND e.actor_hsa_id = c.staff_hsa_id
		 WHERE c.key = $1 ORDER BY e.occurred_at LIMIT 2`,
	} {
		if _, err := e.st.DB().Exec(q, ruleKey); err != nil {
			t.Fatal(err)
		}
	}
	var hits int
	if err := e.st.DB().Get(&hits, `SELECT count(*) FROM rule_hits h JOIN cases c ON c.id = h.case_id WHERE c.key = $1`, ruleKey); err != nil || hits != 2 {
		t.Fatalf("want two hits of the rule, have %d (%v)", hits, err)
	}
	rev := e.signIn(t, wpReviewer)
	_, body := page(t, rev, e.base+"/granskning/arende/"+ruleKey)
	if n := strings.Count(body, "Personens enhet har aldrig haft patienten i vård."); n != 1 {
		t.Errorf("the rule is named %d times:\n%s", n, body)
	}
}
