package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/store/storetest"
)

func startControls(t *testing.T) (*authEnv, storetest.ControlWorld) {
	t.Helper()
	e := startAuthEnv(t)
	return e, storetest.SeedControls(t, e.st)
}

// getRaw GETs without following redirects and returns status, location,
// content type and body.
func getRaw(t *testing.T, c *http.Client, u string) (int, string, string, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Type"), b
}

func postRaw(t *testing.T, c *http.Client, u string, form url.Values) (int, string, []byte) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

var requestKey = regexp.MustCompile(`^/utdragsbegaran/([0-9a-f]{32})`)

func TestExtractRequestPages(t *testing.T) {
	t.Parallel()
	e, w := startControls(t)
	clerk := e.signIn(t, string(w.Clerk.HSAID))
	status, body := page(t, clerk, e.base+"/utdragsbegaran")
	if status != 200 || !strings.Contains(body, "Inga begäranden väntar på svar.") || !strings.Contains(body, `href="/utdragsbegaran?lang=sv" aria-current="page"`) {
		t.Fatalf("empty list: %d\n%s", status, body)
	}
	_, body = page(t, clerk, e.base+"/utdragsbegaran/ny")
	token := csrfToken(t, body)

	// Without the form token: refused, nothing registered.
	if status, _, _ := post(t, clerk, e.base+"/utdragsbegaran/ny", url.Values{"patient": {w.Patient.Formatted()}}); status != http.StatusForbidden {
		t.Errorf("no csrf: %d", status)
	}
	// Errors beside their fields, what was typed kept.
	status, _, body = post(t, clerk, e.base+"/utdragsbegaran/ny", url.Values{"_csrf": {token}, "patient": {"19121212-1213"},
		"from": {"2026-01-01"}, "to": {"2026-03-31"}, "received": {"2999-01-01"}, "pdflang": {"sv"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-patient"`) || !strings.Contains(body, `id="err-channel"`) ||
		!strings.Contains(body, `id="err-received"`) || !strings.Contains(body, `value="19121212-1213"`) ||
		!strings.Contains(body, `value="2999-01-01"`) || !strings.Contains(body, "kan inte ligga efter i dag") {
		t.Fatalf("errors: %d\n%s", status, body)
	}
	if n := e.count(t, "extract_requests"); n != 0 {
		t.Fatalf("%d requests after errors", n)
	}
	status, loc, _ := post(t, clerk, e.base+"/utdragsbegaran/ny", url.Values{"_csrf": {token}, "patient": {w.Patient.Formatted()},
		"from": {"2026-03-01"}, "to": {"2026-03-31"}, "channel": {"letter"}, "received": {"2026-03-20"}, "pdflang": {"sv"}})
	m := requestKey.FindStringSubmatch(loc)
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q", status, loc)
	}
	key := m[1]
	_, body = page(t, clerk, e.base+"/utdragsbegaran/"+key)
	if !strings.Contains(body, "Per Patient, "+w.Patient.Formatted()) || !strings.Contains(body, "Försenad") ||
		!strings.Contains(body, "Brev") || !strings.Contains(body, "2026-04-20") {
		t.Fatalf("request page:\n%s", body)
	}
	// The page says in which language the extract will be made, in words.
	if !strings.Contains(body, `<dd id="pdflang">svenska</dd>`) || !strings.Contains(body, "<dt>Patienten</dt>") {
		t.Errorf("request page without the extract's language:\n%s", body)
	}
	if _, b := page(t, clerk, e.base+"/utdragsbegaran/"+key+"?lang=en"); !strings.Contains(b, `<dd id="pdflang">Swedish</dd>`) {
		t.Errorf("English request page without the extract's language:\n%s", b)
	}

	// Delivered before produced: refused, saying why.
	status, _, body = post(t, clerk, e.base+"/utdragsbegaran/"+key+"/levererad", url.Values{"_csrf": {token}})
	if status != http.StatusConflict || !strings.Contains(body, "Ta fram utdraget innan du markerar det som levererat.") {
		t.Fatalf("deliver first: %d\n%s", status, body)
	}
	// Another provider's clerk, a reviewer of the same provider, a patient:
	// the request does not exist for them.
	other := e.signIn(t, string(w.OtherReviewer.HSAID))
	if status, _ := page(t, other, e.base+"/utdragsbegaran/"+key); status != http.StatusNotFound {
		t.Errorf("other provider's clerk: %d", status)
	}
	_, otherBody := page(t, other, e.base+"/utdragsbegaran")
	if status, _, _ := post(t, other, e.base+"/utdragsbegaran/"+key+"/framstall", url.Values{"_csrf": {csrfToken(t, otherBody)}}); status != http.StatusNotFound {
		t.Errorf("other provider's clerk produced: %d", status)
	}
	if status, _ := page(t, e.signIn(t, string(w.Reviewer.HSAID)), e.base+"/utdragsbegaran/"+key); status != http.StatusForbidden {
		t.Errorf("reviewer: %d", status)
	}
	if status, _ := page(t, e.signIn(t, tolvanLogin), e.base+"/utdragsbegaran/"+key); status != http.StatusNotFound {
		t.Errorf("patient: %d", status)
	}
	if status, loc, _, _ := getRaw(t, newClient(t), e.base+"/utdragsbegaran"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("no session: %d %q", status, loc)
	}

	// Produce: the PDF of the provider's events only, the read recorded.
	reads := e.count(t, "log_reads WHERE channel = 'request_pdf'")
	status, ctype, pdf := postRaw(t, clerk, e.base+"/utdragsbegaran/"+key+"/framstall", url.Values{"_csrf": {token}})
	if status != 200 || ctype != "application/pdf" {
		t.Fatalf("produce: %d %s", status, ctype)
	}
	text := pdfText(t, pdf)
	if !strings.Contains(text, "Per Patient") || !strings.Contains(text, "Anna Berg") || strings.Contains(text, "Cia Ek") {
		t.Errorf("extract:\n%s", text)
	}
	if e.count(t, "log_reads WHERE channel = 'request_pdf' AND reader_kind = 'staff'") != reads+1 {
		t.Error("the clerk's read is not recorded")
	}
	if status, _, _ = post(t, clerk, e.base+"/utdragsbegaran/"+key+"/levererad", url.Values{"_csrf": {token}}); status != http.StatusSeeOther {
		t.Fatalf("deliver: %d", status)
	}
	_, body = page(t, clerk, e.base+"/utdragsbegaran")
	if !strings.Contains(body, "Levererad ") || !strings.Contains(body, "Inga begäranden väntar på svar.") {
		t.Errorf("list after delivery:\n%s", body)
	}
	_, body = page(t, clerk, e.base+"/utdragsbegaran/"+key)
	if strings.Contains(body, `id="produce"`) {
		t.Error("a delivered request still offers to produce")
	}
	if status, _, body = post(t, clerk, e.base+"/utdragsbegaran/"+key+"/framstall", url.Values{"_csrf": {token}}); status != http.StatusConflict ||
		!strings.Contains(body, "Utdraget är redan levererat.") {
		t.Errorf("produce after delivery: %d", status)
	}
}

var checkKey = regexp.MustCompile(`^/sok/([0-9a-f]{32})`)

func TestTargetedCheckPages(t *testing.T) {
	t.Parallel()
	e, w := startControls(t)
	rev := e.signIn(t, string(w.Reviewer.HSAID))
	status, body := page(t, rev, e.base+"/sok?lang=en")
	if status != 200 || !strings.Contains(body, "Targeted check of accesses") {
		t.Fatalf("form: %d\n%s", status, body)
	}
	token := csrfToken(t, body)
	status, _, body = post(t, rev, e.base+"/sok", url.Values{"_csrf": {token}, "subject": {"patient"}, "patient": {"1912"},
		"from": {"2026-03-31"}, "to": {"2026-03-01"}, "checkpoint": {"vip"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-patient"`) || !strings.Contains(body, `id="err-to"`) ||
		!strings.Contains(body, `id="err-checkpoint"`) || !strings.Contains(body, `value="1912"`) {
		t.Fatalf("errors: %d\n%s", status, body)
	}
	if n := e.count(t, "targeted_checks"); n != 0 {
		t.Fatalf("a refused search was recorded: %d", n)
	}
	status, loc, _ := post(t, rev, e.base+"/sok", url.Values{"_csrf": {token}, "subject": {"staff"}, "staff": {string(w.Nurse)},
		"from": {"2026-03-01"}, "to": {"2026-03-31"}})
	m := checkKey.FindStringSubmatch(loc)
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("run: %d %q", status, loc)
	}
	key := m[1]
	_, body = page(t, rev, e.base+"/sok/"+key)
	for _, want := range []string{"5 åtkomster.", "Kollegor och tidigare kollegor</a> (1)", "Avlidna patienter</a> (1)",
		"Anna Berg (" + string(w.Nurse) + "), sjuksköterska", "journalen för Eva Avliden", "Ingen vårdkontakt förklarar åtkomsten."} {
		if !strings.Contains(body, want) {
			t.Errorf("check page lacks %q", want)
		}
	}
	if e.count(t, "log_reads WHERE channel = 'targeted_check'") != 4 {
		t.Errorf("log_reads: %d", e.count(t, "log_reads WHERE channel = 'targeted_check'"))
	}
	_, body = page(t, rev, e.base+"/sok/"+key+"?punkt=deceased")
	if !strings.Contains(body, "1 åtkomst.") || strings.Contains(body, "Dan Ström") {
		t.Errorf("deceased checkpoint:\n%s", body)
	}
	ids := regexp.MustCompile(`name="event" id="event-0" value="(\d+)"`).FindStringSubmatch(body)
	if ids == nil {
		t.Fatal("no access to tick")
	}
	// Nothing ticked: said beside the boxes; ticked: a case.
	if status, _, body = post(t, rev, e.base+"/sok/"+key+"/arende", url.Values{"_csrf": {token}}); status != http.StatusBadRequest ||
		!strings.Contains(body, `id="err-event"`) {
		t.Errorf("no events: %d", status)
	}
	if status, _, body = post(t, rev, e.base+"/sok/"+key+"/arende", url.Values{"_csrf": {token}, "event": {ids[1]}}); status != 200 ||
		!strings.Contains(body, "1 ärende öppnades eller kompletterades.") || !strings.Contains(body, `id="check-cases"`) {
		t.Fatalf("open case: %d\n%s", status, body)
	}
	if e.count(t, "cases WHERE source = 'rule'") != 1 {
		t.Error("no case")
	}
	// Completing: findings need actions; the text typed is kept.
	status, _, body = post(t, rev, e.base+"/sok/"+key+"/avsluta", url.Values{"_csrf": {token}, "result": {"findings"}, "actions": {"  "}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-actions"`) || !strings.Contains(body, `id="result-findings" value="findings" checked`) {
		t.Fatalf("complete without actions: %d\n%s", status, body)
	}
	if status, loc, _ = post(t, rev, e.base+"/sok/"+key+"/avsluta", url.Values{"_csrf": {token}, "result": {"findings"},
		"actions": {"Samtal med medarbetaren"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/kontroller") {
		t.Fatalf("complete: %d %q", status, loc)
	}
	if status, _, body = post(t, rev, e.base+"/sok/"+key+"/avsluta", url.Values{"_csrf": {token}, "result": {"no_findings"}}); status != http.StatusConflict ||
		!strings.Contains(body, "redan avslutad") {
		t.Errorf("complete twice: %d", status)
	}

	// Another provider's reviewer: not found; a head of unit or clerk: not their page.
	other := e.signIn(t, string(w.OtherReviewer.HSAID))
	if status, _ := page(t, other, e.base+"/sok/"+key); status != http.StatusNotFound {
		t.Errorf("other provider: %d", status)
	}
	_, ob := page(t, other, e.base+"/sok")
	if status, _, _ := post(t, other, e.base+"/sok/"+key+"/arende", url.Values{"_csrf": {csrfToken(t, ob)}, "event": {ids[1]}}); status != http.StatusNotFound {
		t.Errorf("other provider opened a case: %d", status)
	}
	for _, who := range []string{string(w.Head.HSAID), string(w.Clerk.HSAID)} {
		if status, _ := page(t, e.signIn(t, who), e.base+"/sok/"+key); status != http.StatusForbidden {
			t.Errorf("%s: %d", who, status)
		}
	}
}

func TestControlsRegistryReportAndAuthorisationPages(t *testing.T) {
	t.Parallel()
	e, w := startControls(t)
	w.CompleteControls(t, e.st)
	month := e.clock.Now().Format("2006-01")
	rev := e.signIn(t, string(w.Reviewer.HSAID))
	status, body := page(t, rev, e.base+"/kontroller")
	if status != 200 || !strings.Contains(body, "Riktad kontroll") || !strings.Contains(body, "Stickprov") ||
		!strings.Contains(body, "Samtal med medarbetaren; behörigheten begränsad") || !strings.Contains(body, "Obefogad") {
		t.Fatalf("registry: %d\n%s", status, body)
	}
	// The report goes to the head of unit, the role's one name in Insyn
	// (enhetschef), not to another office (verksamhetschef).
	if !strings.Contains(body, "Kontrollrapport till enhetschefen") || strings.Contains(body, "erksamhetschef") {
		t.Errorf("the registry names the head of unit otherwise:\n%s", body)
	}
	token := csrfToken(t, body)
	keys := regexp.MustCompile(`action="/kontroller/([0-9a-f]{32})/atgarder`).FindAllStringSubmatch(body, -1)
	if len(keys) != 3 {
		t.Fatalf("%d action forms", len(keys))
	}
	// Too long: refused beside its field.
	if status, _, body = post(t, rev, e.base+"/kontroller/"+keys[0][1]+"/atgarder?month="+month, url.Values{"_csrf": {token},
		"actions": {strings.Repeat("å", 10001)}}); status != http.StatusBadRequest || !strings.Contains(body, `id="err-a-`+keys[0][1]+`"`) {
		t.Errorf("long actions: %d", status)
	}
	if status, loc, _ := post(t, rev, e.base+"/kontroller/"+keys[0][1]+"/atgarder?month="+month, url.Values{"_csrf": {token},
		"actions": {"Rapporterat till chefen"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/kontroller?month=") {
		t.Errorf("actions: %d %q", status, loc)
	}
	if e.count(t, "controls WHERE actions = 'Rapporterat till chefen'") != 1 {
		t.Error("actions not saved")
	}
	// A bad month: said beside the field.
	if status, body := page(t, rev, e.base+"/kontroller?month=mars"); status != http.StatusBadRequest || !strings.Contains(body, `id="err-month"`) {
		t.Errorf("bad month: %d", status)
	}

	// The head of unit's report as PDF, in English.
	head := e.signIn(t, string(w.Head.HSAID))
	status, _, ctype, pdf := getRaw(t, head, e.base+"/kontroller/rapport?unit="+string(w.Unit)+"&month="+month+"&pdflang=en")
	if status != 200 || ctype != "application/pdf" {
		t.Fatalf("report: %d %s", status, ctype)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "Control report") || !strings.Contains(text, "Kirurgkliniken") ||
		!strings.Contains(text, "Hedda Chef") || strings.Contains(text, string(w.Nurse)) {
		t.Errorf("report text:\n%s", text)
	}
	if *screenshots { // the report's first page, in Swedish as the screenshots are
		_, _, _, sv := getRaw(t, head, e.base+"/kontroller/rapport?unit="+string(w.Unit)+"&month="+month)
		keepImage(t, "control-report", pdfPage(t, sv))
	}
	// The head of unit reads but does not write actions.
	_, hb := page(t, head, e.base+"/kontroller")
	if strings.Contains(hb, "/atgarder") {
		t.Error("a head of unit is offered the actions form")
	}
	if status, _, _ := post(t, head, e.base+"/kontroller/"+keys[0][1]+"/atgarder", url.Values{"_csrf": {csrfToken(t, hb)}, "actions": {"x"}}); status != http.StatusForbidden {
		t.Errorf("head wrote actions: %d", status)
	}
	// Another provider: the unit does not exist; the registry is empty.
	other := e.signIn(t, string(w.OtherReviewer.HSAID))
	if status, _, _, _ := getRaw(t, other, e.base+"/kontroller/rapport?unit="+string(w.Unit)+"&month="+month); status != http.StatusNotFound {
		t.Errorf("other provider's report: %d", status)
	}
	if _, ob := page(t, other, e.base+"/kontroller"); strings.Contains(ob, "Riktad kontroll</h3>") {
		t.Error("other provider sees the controls")
	}
	_, ob := page(t, other, e.base+"/kontroller")
	if status, _, _ := post(t, other, e.base+"/kontroller/"+keys[0][1]+"/atgarder", url.Values{"_csrf": {csrfToken(t, ob)}, "actions": {"x"}}); status != http.StatusNotFound {
		t.Errorf("other provider wrote actions: %d", status)
	}

	// The authorisation list.
	status, body = page(t, head, e.base+"/behorighet")
	if status != 200 || !strings.Contains(body, "Bo Lund, läkare") || !strings.Contains(body, "Uppdraget 2026-02-28") {
		t.Errorf("authorisations: %d\n%s", status, body)
	}
	if _, eb := page(t, head, e.base+"/behorighet?lang=en"); !strings.Contains(eb, "Bo Lund, physician") {
		t.Errorf("authorisations in English keep the Swedish title:\n%s", eb)
	}
	if _, ob := page(t, other, e.base+"/behorighet"); strings.Contains(ob, "Bo Lund") {
		t.Error("another provider sees the list")
	}
	if status, _ := page(t, e.signIn(t, string(w.Clerk.HSAID)), e.base+"/behorighet"); status != http.StatusForbidden {
		t.Errorf("clerk: %d", status)
	}
	if status, _ := page(t, e.signIn(t, tolvanLogin), e.base+"/kontroller"); status != http.StatusNotFound {
		t.Errorf("patient: %d", status)
	}
}
