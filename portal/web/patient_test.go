package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/portal"
)

// Tolvan (extracttest.PatientID) has the extract fixture's month of
// events; Svea has a few of her own.
const (
	tolvanLogin = "19121212-1212"
	sveaLogin   = "19900101-2385" // extracttest.OtherPatient
)

// startPortal is the auth environment with the fixture's region, Tolvan's
// month and a few events of Svea at the same units.
func startPortal(t *testing.T) *authEnv {
	t.Helper()
	e := startAuthEnv(t)
	extracttest.Seed(t, e.st)
	svea, err := portal.ParsePersonalID(extracttest.OtherPatient)
	if err != nil {
		t.Fatal(err)
	}
	var evs []portal.Event
	for i := range 3 {
		evs = append(evs, portal.Event{SourceSystem: "SYS-EXEMPEL", SourceLogID: fmt.Sprintf("svea-%d", i),
			OccurredAt: time.Date(2026, 3, 20+i, 10, 0, 0, 0, portal.Stockholm),
			ActorHSAID: "SE2321000016-5001", ActorName: "Åsa Öberg",
			ActorUnit: portal.Party{HSAID: "SE2321000016-1001"}, ActorProvider: portal.Party{HSAID: extracttest.RegionHSA},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: svea, PatientName: "Svea Svensson",
			ResourceType: "Journalanteckning"})
	}
	if _, err := e.st.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return e
}

// signIn logs in through the demo provider and returns the client.
func (e *authEnv) signIn(t *testing.T, subject string) *http.Client {
	t.Helper()
	c := newClient(t)
	if resp, _ := e.login(t, c, subject, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %d", resp.StatusCode)
	}
	return c
}

var entryLink = regexp.MustCompile(`href="/historik/([0-9]+)\?lang=(sv|en)(?:&amp;[^"]*)?"`)

func entryKeys(body string) []string {
	var keys []string
	for _, m := range entryLink.FindAllStringSubmatch(body, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

func TestPatientPagesShowOwnLog(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	c := newClient(t)
	resp, _ := e.login(t, c, tolvanLogin, nil)
	if loc := resp.Header.Get("Location"); loc != "/oversikt?lang=sv" {
		t.Fatalf("a patient's login lands on %q, want /oversikt?lang=sv", loc)
	}
	if resp, err := c.Get(e.base + "/"); err != nil || resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/oversikt?lang=sv" {
		t.Fatalf("/ for a signed-in patient: %v %v", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Overview: the last 12 months as the database counts them.
	now := e.clock.Now().In(portal.Stockholm)
	from := time.Date(now.Year()-1, now.Month(), now.Day(), 0, 0, 0, 0, portal.Stockholm)
	var want int
	if err := e.st.DB().Get(&want, `SELECT count(*) FROM access_events WHERE patient_id = $1 AND occurred_at >= $2`,
		extracttest.PatientID, from); err != nil {
		t.Fatal(err)
	}
	status, body := page(t, c, e.base+"/oversikt")
	if status != 200 || !strings.Contains(body, fmt.Sprintf(`id="ov-accesses">%d<`, want)) {
		t.Fatalf("overview %d, want %d accesses:\n%s", status, want, body)
	}
	for _, s := range []string{"Vad är en logg?", "Vårdcentralen Ängsbacken", "Vårdbolaget Norrsken AB", `id="ov-unexplained">`} {
		if want > 0 && !strings.Contains(body, s) {
			t.Errorf("overview lacks %q", s)
		}
	}

	// History: everything kept, the unexplained first.
	status, body = page(t, c, e.base+"/historik?period=all")
	if status != 200 || !strings.Contains(body, "Visar 1–9 av 9 tillfällen.") {
		t.Fatalf("history %d:\n%s", status, body)
	}
	// The summary counts as the page does, in sittings, and is the page's
	// own: not the PDF's "Utdraget visar" and rows.
	if !strings.Contains(body, "16\u00a0åtkomster till din journal, vid 9\u00a0tillfällen.") || !regexp.MustCompile(`ingen förklaring hittades|hittade Insyn ingen förklaring`).MatchString(body) ||
		strings.Contains(body, "Utdraget visar") || regexp.MustCompile(`\(\d+ rad(er)?\)`).MatchString(body) {
		t.Errorf("history's summary:\n%s", body)
	}
	lastUnexpl := strings.LastIndex(body, `class="entry unexplained"`)
	firstExpl := strings.Index(body, `class="entry"`)
	if lastUnexpl < 0 || firstExpl < 0 || lastUnexpl > firstExpl {
		t.Errorf("unexplained rows do not come first (%d, %d)", lastUnexpl, firstExpl)
	}
	for _, s := range []string{"Därför: Du hade ett besök", "Grund: personens egen vårdgivare", "Grund: nödåtkomst",
		"Anställd med skyddade personuppgifter"} {
		if !strings.Contains(body, s) {
			t.Errorf("history lacks %q", s)
		}
	}
	if strings.Contains(body, "Svea") || strings.Contains(body, "191212") || strings.Contains(body, "SE2321000016") {
		t.Errorf("history shows another patient, a personal id or a code")
	}
	keys := entryKeys(body)
	if len(keys) != 9 {
		t.Fatalf("%d entry links", len(keys))
	}
	for _, k := range keys {
		status, body := page(t, c, e.base+"/historik/"+k)
		if status != 200 || !strings.Contains(body, "Jag känner inte igen detta") ||
			!strings.Contains(body, `href="/flaggor/ny?lang=sv&amp;post=`+k+`"`) {
			t.Errorf("entry %s: %d\n%s", k, status, body)
		}
	}
	// English keeps the entry.
	_, body = page(t, c, e.base+"/historik/"+keys[0]+"?lang=en")
	if !strings.Contains(body, "I don&#39;t recognise this") || !strings.Contains(body, `lang="en"`) {
		t.Errorf("English entry:\n%s", body)
	}

	// Each page read the log as the patient, recorded.
	var reads []struct {
		Channel string `db:"channel"`
		Kind    string `db:"reader_kind"`
	}
	if err := e.st.DB().Select(&reads, `SELECT channel, reader_kind FROM log_reads WHERE patient_id = $1`, extracttest.PatientID); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range reads {
		if r.Kind != "patient" {
			t.Errorf("read recorded as %q", r.Kind)
		}
		got[r.Channel]++
	}
	if got["web_overview"] != 1 || got["web_history"] != 1 || got["web_entry"] != 10 {
		t.Errorf("log reads %v", got)
	}
	// No personal id or name in the application's logs.
	logs := e.logs.String()
	for _, s := range []string{"191212121212", "19121212", "Tolvan", "Åsa", "Öberg", "Nordin"} {
		if strings.Contains(logs, s) {
			t.Errorf("application log holds %q", s)
		}
	}
}

func TestHistoryFilters(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	c := e.signIn(t, tolvanLogin)
	count := func(q string) (int, string) {
		t.Helper()
		status, body := page(t, c, e.base+"/historik?period=all&"+q)
		if status != 200 {
			t.Fatalf("%s: %d\n%s", q, status, body)
		}
		return len(entryKeys(body)), body
	}
	n, body := count("emergency=1")
	if n != 1 || !strings.Contains(body, "Nödåtkomst") {
		t.Errorf("only emergency: %d rows", n)
	}
	n, body = count("unexplained=1")
	if n == 0 || strings.Count(body, `class="entry unexplained"`) != n {
		t.Errorf("only unexplained: %d rows, %d marked", n, strings.Count(body, `class="entry unexplained"`))
	}
	if n, _ := count("other=1"); n != 1 {
		t.Errorf("only other care providers: %d rows, want the emergency access at Norrsken", n)
	}
	// The unit and person choices are opaque keys from the page itself.
	_, all := count("")
	opt := regexp.MustCompile(`<option value="([0-9a-z]+)">Vårdcentralen Ängsbacken, Region Exempelland</option>`).FindStringSubmatch(all)
	if opt == nil {
		t.Fatal("no unit option for Vårdcentralen Ängsbacken")
	}
	if n, _ := count("unit=" + opt[1]); n != 4 {
		t.Errorf("unit filter: %d rows, want 4", n)
	}
	person := regexp.MustCompile(`<option value="([0-9a-z]+)">Nils Nordin, läkare</option>`).FindStringSubmatch(all)
	if person == nil {
		t.Fatal("no person option for Nils Nordin")
	}
	if n, body := count("person=" + person[1]); n != 1 {
		t.Errorf("person filter: %d rows", n)
	} else if !strings.Contains(body, "Visar 1–1 av 1 tillfälle.") {
		t.Errorf("one sitting is counted as many:\n%s", body) // "av 1 tillfällen"
	}
	_, allEn := count("lang=en")
	if p := regexp.MustCompile(`<option value="([0-9a-z]+)">Nils Nordin, physician</option>`).FindStringSubmatch(allEn); p == nil {
		t.Error("no person option for Nils Nordin (en)")
	} else if _, body := count("lang=en&person=" + p[1]); !strings.Contains(body, "Showing 1–1 of 1 sitting.") {
		t.Errorf("one sitting is counted as many (en):\n%s", body)
	}
	// The language switch keeps the filters: the keys are the same in
	// either language (they were made of the title in words, and English
	// refused the Swedish page's person).
	if n, body := count("lang=en&person=" + person[1]); n != 1 || !strings.Contains(body, "Nils Nordin, physician") {
		t.Errorf("the Swedish page's person in English: %d rows\n%s", n, body)
	}
	if n, _ := count("lang=en&unit=" + opt[1]); n != 4 {
		t.Errorf("the Swedish page's unit in English: %d rows, want 4", n)
	}
	// An entry opened from a filtered page leads back to that page, with
	// nothing in its way back but the history's own fields.
	_, filtered := count("unit=" + opt[1] + "&page=1&evil=https://example.org")
	href := regexp.MustCompile(`href="(/historik/[0-9]+\?[^"]*)"`).FindStringSubmatch(filtered)
	if href == nil || !strings.Contains(href[1], "unit="+opt[1]) || strings.Contains(href[1], "evil") {
		t.Fatalf("the entry's link does not carry the filter: %v", href)
	}
	status, entry := page(t, c, e.base+html.UnescapeString(href[1])+"&evil=https://example.org")
	back := regexp.MustCompile(`<a href="([^"]*)">Tillbaka till alla åtkomster</a>`).FindStringSubmatch(entry)
	if status != 200 || back == nil {
		t.Fatalf("entry: %d, no way back\n%s", status, entry)
	}
	want := "/historik?lang=sv&period=all&unit=" + opt[1]
	if got := html.UnescapeString(back[1]); got != want {
		t.Errorf("the entry's way back is %q, want %q", got, want)
	}
	// Where care explains every access, nothing comes first.
	for q, allExplained := range map[string]bool{"": false, "unexplained=1": false} {
		_, body := count(q)
		if got := strings.Contains(body, "Nyast först.</p>") && !strings.Contains(body, "visas först"); got != allExplained {
			t.Errorf("%q: the order says only newest first: %v, want %v", q, got, allExplained)
		}
	}
	days := regexp.MustCompile(`(\d{4}-\d{2}-\d{2}), [0-9:–]+</a></h3>`).FindAllStringSubmatch(all, -1)
	checked := 0
	for _, d := range days {
		_, body := count("from=" + d[1] + "&to=" + d[1])
		if strings.Contains(body, "Insyn hittade en vårdkontakt som förklarar varje åtkomst.") {
			checked++
			if !strings.Contains(body, "Nyast först.</p>") || strings.Contains(body, "visas först") {
				t.Errorf("%s, every access explained: the order still puts the unexplained first", d[1])
			}
		}
	}
	if checked == 0 {
		t.Error("no day whose every access is explained")
	}
	// A period that holds nothing.
	if n, body := count("from=2025-01-01&to=2025-01-31"); n != 0 || !strings.Contains(body, `id="h-none"`) {
		t.Errorf("empty period: %d rows", n)
	}
	// Own dates take precedence over the period ("gäller före" read as
	// "apply before" the period).
	if _, body := count("from=2025-01-01&to=2025-01-31"); !strings.Contains(body, "Egna datum går före perioden ovan.") {
		t.Errorf("the dates' hint does not say that they take precedence:\n%s", body)
	}

	// Bad input: the message beside the field, linked to it, what was typed kept.
	for _, tc := range []struct{ q, field, value, msg string }{
		{"from=2026-13-45", "from", `value="2026-13-45"`, "Skriv datumet som ÅÅÅÅ-MM-DD"},
		{"to=igår&lang=en", "to", `value="igår"`, "Write the date as YYYY-MM-DD"},
		{"from=2026-03-10&to=2026-03-01", "to", `value="2026-03-01"`, "Sista dagen kommer före första dagen"},
		{"period=forever", "period", "", "Välj en av perioderna"},
		{"period=all&unit=zzzz", "unit", "", "Den vårdenheten finns inte"},
		{"period=all&person=%3Cscript%3E", "person", "", "Den personen finns inte"},
		// A bad date or period keeps the unit and person chosen.
		{"period=12m&from=garbage&unit=" + opt[1] + "&person=" + person[1], "from",
			`<option value="` + opt[1] + `" selected>Vårdcentralen Ängsbacken`, "Skriv datumet som ÅÅÅÅ-MM-DD"},
		{"period=12m&from=garbage&unit=" + opt[1] + "&person=" + person[1], "from",
			`<option value="` + person[1] + `" selected>Nils Nordin`, "Skriv datumet som ÅÅÅÅ-MM-DD"},
		{"period=forever&person=" + person[1], "period", `<option value="` + person[1] + `" selected>Nils Nordin`, "Välj en av perioderna"},
	} {
		status, body := page(t, c, e.base+"/historik?"+tc.q)
		if status != 400 || !strings.Contains(body, `id="err-`+tc.field+`">`+tc.msg) ||
			!regexp.MustCompile(`aria-describedby="err-`+tc.field+`[ "]`).MatchString(body) ||
			!strings.Contains(body, tc.value) || strings.Contains(body, "<script>") {
			t.Errorf("%s: %d\n%s", tc.q, status, body)
		}
	}
}

func TestHistoryPages(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	pat, _ := portal.ParsePersonalID(extracttest.PatientID)
	var evs []portal.Event
	for i := range 60 { // one a day: 60 sittings
		evs = append(evs, portal.Event{SourceSystem: "SYS-EXEMPEL", SourceLogID: fmt.Sprintf("many-%d", i),
			OccurredAt: time.Date(2025, 1, 1, 10, 0, 0, 0, portal.Stockholm).AddDate(0, 0, i),
			ActorHSAID: "SE2321000016-5001", ActorName: "Åsa Öberg",
			ActorUnit: portal.Party{HSAID: "SE2321000016-1001"}, ActorProvider: portal.Party{HSAID: extracttest.RegionHSA},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: pat, ResourceType: "Journalanteckning"})
	}
	if _, err := e.st.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(t, tolvanLogin)
	seen := map[string]bool{}
	for p := 1; p <= 3; p++ {
		status, body := page(t, c, fmt.Sprintf("%s/historik?period=all&page=%d", e.base, p))
		keys := entryKeys(body)
		if status != 200 || len(keys) == 0 || len(keys) > 25 {
			t.Fatalf("page %d: %d, %d rows", p, status, len(keys))
		}
		if !strings.Contains(body, fmt.Sprintf("<title>Vem har läst min journal, sida %d av 3 – Insyn</title>", p)) {
			t.Errorf("page %d title", p)
		}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("row %s on two pages", k)
			}
			seen[k] = true
		}
	}
	if len(seen) != 69 {
		t.Errorf("%d rows over three pages, want 69", len(seen))
	}
	// Out of range: the last page.
	_, body := page(t, c, e.base+"/historik?period=all&page=99")
	if !strings.Contains(body, "Sida 3 av 3") {
		t.Error("page 99 is not the last page")
	}
	// The next-page link keeps the filters.
	_, body = page(t, c, e.base+"/historik?period=all&unexplained=0")
	if !strings.Contains(body, `href="/historik?lang=sv&amp;page=2&amp;period=all&amp;unexplained=0"`) {
		t.Errorf("next link lost the query")
	}
	// The language switch keeps path and query.
	if !strings.Contains(body, `href="/historik?lang=en&amp;period=all&amp;unexplained=0" hreflang="en"`) {
		t.Errorf("language switch does not keep the reader where they are")
	}
}

// TestPatientRoutesSecurity: another patient's keys are not found, no
// session goes to login, staff have no patient pages.
func TestPatientRoutesSecurity(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	tolvan := e.signIn(t, tolvanLogin)
	_, body := page(t, tolvan, e.base+"/historik?period=all")
	tKeys := entryKeys(body)
	svea := e.signIn(t, sveaLogin)
	_, body = page(t, svea, e.base+"/historik?period=all")
	sKeys := entryKeys(body)
	if len(tKeys) != 9 || len(sKeys) != 3 {
		t.Fatalf("%d and %d rows", len(tKeys), len(sKeys))
	}
	for _, k := range tKeys {
		status, body := page(t, svea, e.base+"/historik/"+k)
		if status != 404 || strings.Contains(body, "Åsa") || strings.Contains(body, "Nordin") {
			t.Errorf("Svea reading Tolvan's %s: %d", k, status)
		}
	}
	for _, k := range sKeys {
		if status, _ := page(t, tolvan, e.base+"/historik/"+k); status != 404 {
			t.Errorf("Tolvan reading Svea's %s: %d", k, status)
		}
		if status, _ := page(t, svea, e.base+"/historik/"+k); status != 200 {
			t.Errorf("Svea reading her own %s: %d", k, status)
		}
	}
	for _, k := range []string{"0", "abc", "-1", "99999999999999999999", "1%2F2", "%00"} {
		if status, _ := page(t, tolvan, e.base+"/historik/"+k); status != 404 {
			t.Errorf("key %q: %d", k, status)
		}
	}
	// No session: every patient route sends to login, showing nothing.
	anon := newClient(t)
	for _, p := range []string{"/oversikt", "/historik", "/historik?period=all", "/historik/" + tKeys[0], "/utdrag", "/utdrag/pdf?from=2026-03-01"} {
		resp, err := anon.Get(e.base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") || strings.Contains(string(b), "Åsa") {
			t.Errorf("%s without a session: %d to %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Staff have no patient pages.
	staff := e.signIn(t, "SE2321000016-1234")
	for _, p := range []string{"/oversikt", "/historik", "/historik/" + tKeys[0], "/utdrag", "/utdrag/pdf"} {
		if status, _ := page(t, staff, e.base+p); status != 404 {
			t.Errorf("staff on %s: %d", p, status)
		}
	}
}

func TestExtractPDFDownload(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext missing: apt-get install poppler-utils (make test does)")
	}
	e := startPortal(t)
	c := e.signIn(t, tolvanLogin)
	status, body := page(t, c, e.base+"/utdrag")
	if status != 200 || !strings.Contains(body, `action="/utdrag/pdf"`) {
		t.Fatalf("form %d", status)
	}
	resp, err := c.Get(e.base + "/utdrag/pdf?" + url.Values{"from": {"2026-03-01"}, "to": {"2026-03-31"}, "pdflang": {"en"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || strings.Contains(resp.Header.Get("Content-Disposition"), "1912") {
		t.Fatalf("pdf: %d %v", resp.StatusCode, resp.Header)
	}
	text := pdfText(t, pdf)
	for _, s := range []string{"Log extract", "Tolvan Tolvansson", "Åsa Öberg", "/historik"} {
		if !strings.Contains(text, s) {
			t.Errorf("PDF lacks %q", s)
		}
	}
	if strings.Contains(text, "Svea") {
		t.Error("PDF holds another patient's events")
	}
	// Bad input: beside the field, typed value kept, no PDF.
	status, body = page(t, c, e.base+"/utdrag/pdf?from=1%20mars&to=&pdflang=sv")
	if status != 400 || !strings.Contains(body, `id="xerr-from"`) || !strings.Contains(body, `value="1 mars"`) ||
		!strings.Contains(body, `aria-describedby="xerr-from x-hint"`) {
		t.Errorf("bad date: %d\n%s", status, body)
	}
	status, body = page(t, c, e.base+"/utdrag/pdf?pdflang=de")
	if status != 400 || !strings.Contains(body, `id="xerr-lang"`) {
		t.Errorf("bad language: %d", status)
	}
	var n int
	e.st.DB().Get(&n, `SELECT count(*) FROM log_reads WHERE channel = 'web_extract_pdf' AND reader_kind = 'patient'`)
	if n != 1 {
		t.Errorf("%d PDF reads recorded", n)
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// pdfPage renders a PDF's first page as PNG (pdftoppm, 80 dpi).
func pdfPage(t *testing.T, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", p, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// TestLanguageSwitchStaysOnSite: a page that echoes an unknown path never
// turns it into a link to another site.
func TestLanguageSwitchStaysOnSite(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	c := newClient(t)
	for _, p := range []string{"//evil.example/x", "/%2F%2Fevil.example", "/\\evil.example", "/%5Cevil.example"} {
		_, body := page(t, c, base+p)
		m := regexp.MustCompile(`href="([^"]*)" hreflang="en"`).FindStringSubmatch(body)
		if m == nil || !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") || strings.Contains(m[1], `\`) {
			t.Errorf("%s: language link %v", p, m)
		}
	}
}

// TestHistoryKeptForTheVisit: the history built for a period serves the
// visit's next views, each checked and recorded as a read, and is built
// again as soon as an event or a name it shows changes.
func TestHistoryKeptForTheVisit(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	c := e.signIn(t, tolvanLogin)
	reads := func() (n, rows int) {
		if err := e.st.DB().QueryRow(`SELECT count(*), COALESCE(min(rows), 0) FROM log_reads WHERE channel = 'web_history'`).Scan(&n, &rows); err != nil {
			t.Fatal(err)
		}
		return n, rows
	}
	_, first := page(t, c, e.base+"/historik?period=all")
	_, again := page(t, c, e.base+"/historik?period=all")
	if again != first {
		t.Error("the same view twice differs")
	}
	if n, rows := reads(); n != 2 || rows == 0 {
		t.Fatalf("two views recorded as %d reads (fewest rows %d)", n, rows)
	}
	pat, _ := portal.ParsePersonalID(extracttest.PatientID)
	if _, err := e.st.InsertEvents(context.Background(), []portal.Event{{SourceSystem: "SYS-EXEMPEL", SourceLogID: "late-1",
		OccurredAt: time.Date(2026, 3, 25, 10, 0, 0, 0, portal.Stockholm), ActorHSAID: "SE2321000016-5999", ActorName: "Vera Sentida",
		ActorUnit: portal.Party{HSAID: "SE2321000016-1001"}, ActorProvider: portal.Party{HSAID: extracttest.RegionHSA},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: pat, ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	if _, body := page(t, c, e.base+"/historik?period=all"); !strings.Contains(body, "Vera Sentida") {
		t.Error("an event ingested during the visit is missing from the next view")
	}
	if _, err := e.st.DB().Exec(`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-5999', 'Vera', 'Sentida-Lund', 'Kurator')`); err != nil {
		t.Fatal(err)
	}
	if _, body := page(t, c, e.base+"/historik?period=all"); !strings.Contains(body, "Vera Sentida-Lund") {
		t.Error("a name the reference data gave during the visit is missing from the next view")
	}
	// Another session of the same patient builds its own.
	other := e.signIn(t, tolvanLogin)
	if _, body := page(t, other, e.base+"/historik?period=all"); !strings.Contains(body, "Vera Sentida-Lund") {
		t.Error("a second session does not see the history")
	}
	if n, _ := reads(); n != 5 {
		t.Errorf("five views recorded as %d reads", n)
	}
}

// TestEntryNamesWhoseRecordAsTheExtract: an access to records another unit
// keeps says so on the entry's page with the extract's term, "Journal hos"
// / "Record kept by" (the page asked "Vems uppgifter" / "Whose records" and
// answered with a care unit).
func TestEntryNamesWhoseRecordAsTheExtract(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	c := e.signIn(t, tolvanLogin)
	_, body := page(t, c, e.base+"/historik?period=all")
	found := map[string]int{}
	for _, k := range entryKeys(body) {
		for lang, term := range map[string]string{"sv": "<dt>Journal hos</dt>", "en": "<dt>Record kept by</dt>"} {
			_, b := page(t, c, e.base+"/historik/"+k+"?lang="+lang)
			if strings.Contains(b, term) {
				found[lang]++
			}
			if strings.Contains(b, "Vems uppgifter") || strings.Contains(b, "Whose records") {
				t.Errorf("entry %s (%s) asks whose records", k, lang)
			}
		}
	}
	if found["sv"] == 0 || found["sv"] != found["en"] {
		t.Errorf("entries naming whose record they read: %v", found)
	}
}
