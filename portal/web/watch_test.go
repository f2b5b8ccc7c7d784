package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// watchStaff adds Anna Berg (at a unit) and Pia Berg (protected identity)
// to flagWorld's region.
func watchStaff(t *testing.T, e *authEnv) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO staff (hsa_id, given_name, family_name, title, protected_identity) VALUES
		 ('SE2321000016-5001', 'Anna', 'Berg', 'Sjuksköterska', false),
		 ('SE2321000016-5003', 'Pia', 'Berg', 'Läkare', true)`,
		`INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name) VALUES ('SE2321000016-5001', 'SE2321000016-1001', 'Vård')`,
	} {
		if _, err := e.st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	personField = regexp.MustCompile(`name="person" value="([0-9a-f]+)"`)
	watchField  = regexp.MustCompile(`name="watch" value="([a-z2-7]+)"`)
)

func TestWatchlistIsThePatientsAlone(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	flagWorld(t, e)
	watchStaff(t, e)
	// No session: the page sends to login, the forms back to the start.
	anon := newClient(t)
	if resp, err := anon.Get(e.base + "/bevakning?q=berg"); err != nil || resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous watchlist: %v %v", resp, err)
	}
	for _, p := range []string{"/bevakning/lagg-till", "/bevakning/ta-bort"} {
		if status, loc, _ := post(t, anon, e.base+p, url.Values{"q": {"berg"}}); status != http.StatusSeeOther || loc != "/" {
			t.Errorf("anonymous POST %s: %d %q", p, status, loc)
		}
	}

	tolvan := signedIn(t, e, "19121212-1212")
	status, body := page(t, tolvan, e.base+"/bevakning?q=berg")
	if status != 200 || !strings.Contains(body, "Anna Berg") || !strings.Contains(body, "sjuksköterska") ||
		!strings.Contains(body, "Vårdcentralen Ängsbacken") || strings.Contains(body, "Pia") || strings.Contains(body, "SE2321000016") {
		t.Fatalf("search: %d %s", status, body)
	}
	if _, eb := page(t, tolvan, e.base+"/bevakning?q=berg&lang=en"); !strings.Contains(eb, "Anna Berg</strong>, nurse,") {
		t.Errorf("search in English keeps the Swedish title:\n%s", eb)
	}
	if m := personField.FindAllStringSubmatch(body, -1); len(m) != 1 {
		t.Fatalf("results: %v", m)
	}
	person := personField.FindStringSubmatch(body)[1]
	csrf := csrfToken(t, body)
	// Too short: the error stands beside the field, which keeps the query.
	status, short := page(t, tolvan, e.base+"/bevakning?q=be")
	if status != 400 || !strings.Contains(short, `id="q-error"`) || !strings.Contains(short, `value="be"`) {
		t.Errorf("short query: %d", status)
	}
	add := url.Values{"q": {"berg"}, "person": {person}}
	if status, _, _ := post(t, tolvan, e.base+"/bevakning/lagg-till", add); status != http.StatusForbidden {
		t.Errorf("add without the form token: %d", status)
	}
	add.Set("_csrf", csrf)
	// The page after the change keeps the form's language, Swedish too.
	if status, loc, _ := post(t, tolvan, e.base+"/bevakning/lagg-till?lang=sv", add); status != http.StatusSeeOther || loc != "/bevakning?klart=added&lang=sv" {
		t.Fatalf("add: %d %q", status, loc)
	}
	if status, _, body := post(t, tolvan, e.base+"/bevakning/lagg-till", add); status != http.StatusConflict || !strings.Contains(body, `id="add-error"`) {
		t.Errorf("adding twice: %d", status)
	}
	_, body = page(t, tolvan, e.base+"/bevakning?klart=added")
	if !strings.Contains(body, "Anna Berg") || !strings.Contains(body, `id="watch-done"`) {
		t.Fatalf("list after adding: %s", body)
	}
	watch := watchField.FindStringSubmatch(body)[1]

	// Sara: her own empty list; Tolvan's keys are nothing to her.
	sara := signedIn(t, e, "19900101-2385")
	_, sbody := page(t, sara, e.base+"/bevakning")
	if strings.Contains(sbody, "Anna Berg") {
		t.Fatal("Sara sees Tolvan's list")
	}
	scsrf := csrfToken(t, sbody)
	if status, _, _ := post(t, sara, e.base+"/bevakning/ta-bort", url.Values{"_csrf": {scsrf}, "watch": {watch}}); status != http.StatusNotFound {
		t.Errorf("Sara removes Tolvan's watch: %d", status)
	}
	if status, _, _ := post(t, sara, e.base+"/bevakning/lagg-till", url.Values{"_csrf": {scsrf}, "q": {"berg"}, "person": {person}}); status != http.StatusNotFound {
		t.Errorf("Sara adds with Tolvan's result key: %d", status)
	}
	// A key made up for Pia (protected) is not among the results.
	sum := sha256.Sum256([]byte("staff:" + csrf + ":SE2321000016-5003"))
	if status, _, _ := post(t, tolvan, e.base+"/bevakning/lagg-till", url.Values{"_csrf": {csrf}, "q": {"berg"},
		"person": {hex.EncodeToString(sum[:12])}}); status != http.StatusNotFound {
		t.Errorf("a forged key adds Pia: %d", status)
	}
	if status, loc, _ := post(t, tolvan, e.base+"/bevakning/ta-bort", url.Values{"_csrf": {csrf}, "watch": {watch}}); status != http.StatusSeeOther || loc != "/bevakning?klart=removed&lang=sv" {
		t.Fatalf("remove: %d %q", status, loc)
	}
	_, body = page(t, tolvan, e.base+"/bevakning?lang=en")
	if !strings.Contains(body, "Watched before") || strings.Contains(body, "Stop watching") {
		t.Errorf("list after removing: %s", body)
	}
	if n := e.count(t, "watchlist_changes"); n != 2 {
		t.Errorf("%d changes recorded, want 2", n)
	}
	staff := signedIn(t, e, "SE2321000016-9001")
	if status, _ := page(t, staff, e.base+"/bevakning"); status != 404 {
		t.Errorf("staff's watchlist: %d", status)
	}
}

func TestWatchlistEditsAndSearchesAreRateLimited(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	flagWorld(t, e)
	watchStaff(t, e)
	c := signedIn(t, e, "19121212-1212")
	_, body := page(t, c, e.base+"/bevakning")
	f := url.Values{"_csrf": {csrfToken(t, body)}, "watch": {"aaaaaaaaaaaaaaaaaaaaaaaaaa"}}
	for i := 1; i <= 20; i++ {
		if status, _, _ := post(t, c, e.base+"/bevakning/ta-bort", f); status != http.StatusNotFound {
			t.Fatalf("edit %d: %d", i, status)
		}
	}
	if status, _, body := post(t, c, e.base+"/bevakning/ta-bort", f); status != http.StatusTooManyRequests ||
		!strings.Contains(body, "Vänta en stund") {
		t.Errorf("edit 21: %d", status)
	}
	for i := 2; i <= 30; i++ { // the first GET above counted
		if status, _ := page(t, c, e.base+"/bevakning?q=berg"); status != 200 {
			t.Fatalf("search %d: %d", i, status)
		}
	}
	if status, _ := page(t, c, e.base+"/bevakning?q=berg"); status != http.StatusTooManyRequests {
		t.Errorf("search 31: %d", status)
	}
}

// pnrBorn is a valid personnummer born on day with serial nnn.
func pnrBorn(t *testing.T, day time.Time, nnn string) portal.PersonalID {
	t.Helper()
	ymd := day.Format("20060102")
	p, err := portal.ParsePersonalID(ymd + nnn + string(portal.LuhnDigit(ymd[2:]+nnn)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// guardianFamily: Greta is guardian of Kim (6) and of Tess, who turns 13
// today, and parent of Olle (30, with a stale guardian row); Lo (8) is
// Hugo's. Each child has one access by Anna.
type guardianFamily struct {
	greta, kim, tess, olle, lo, hugo portal.PersonalID
}

func newGuardianFamily(t *testing.T, e *authEnv) guardianFamily {
	t.Helper()
	today := e.clock.Now().In(portal.Stockholm)
	f := guardianFamily{greta: pnrBorn(t, time.Date(1985, 5, 5, 0, 0, 0, 0, time.UTC), "124"),
		kim: pnrBorn(t, today.AddDate(-6, -2, 0), "123"), tess: pnrBorn(t, today.AddDate(-13, 0, 0), "122"),
		olle: pnrBorn(t, time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC), "121"), lo: pnrBorn(t, today.AddDate(-8, 0, 0), "120"),
		hugo: pnrBorn(t, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), "125")}
	exec := func(q string, args ...any) {
		if _, err := e.st.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		id   portal.PersonalID
		name string
	}{{f.greta, "Greta"}, {f.kim, "Kim"}, {f.tess, "Tess"}, {f.olle, "Olle"}, {f.lo, "Lo"}, {f.hugo, "Hugo"}} {
		exec(`INSERT INTO patients (personal_id, given_name, family_name) VALUES ($1, $2, 'Ek')`, p.id.Digits(), p.name)
	}
	for _, r := range [][3]string{{f.greta.Digits(), f.kim.Digits(), "guardian"}, {f.greta.Digits(), f.tess.Digits(), "guardian"},
		{f.greta.Digits(), f.olle.Digits(), "parent"}, {f.greta.Digits(), f.olle.Digits(), "guardian"}, {f.hugo.Digits(), f.lo.Digits(), "guardian"}} {
		exec(`INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, $3)`, r[0], r[1], r[2])
	}
	var evs []portal.Event
	for i, p := range []portal.PersonalID{f.kim, f.tess, f.olle, f.lo, f.greta} {
		evs = append(evs, portal.Event{SourceSystem: "G", SourceLogID: p.Digits(),
			OccurredAt: today.AddDate(0, -1, -i), ActorHSAID: "SE2321000016-5001", ActorName: []string{"Kims läkare", "Tess läkare", "Olles läkare", "Los läkare", "Gretas läkare"}[i],
			ActorProvider: portal.Party{HSAID: "SE2321000016-0001", Name: "Region Exempelland"},
			ActorUnit:     portal.Party{HSAID: "SE2321000016-1001", Name: "Vårdcentralen Ängsbacken"},
			Activity:      portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Journalanteckning"})
	}
	if _, err := e.st.InsertEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	return f
}

// gretaActsForKim starts a world with the guardian family, signs Greta in
// and switches her to acting for her son Kim; it returns her client and
// the session's CSRF token.
func gretaActsForKim(t *testing.T) (*authEnv, guardianFamily, *http.Client, string) {
	t.Helper()
	e, f, greta := gretaSignedIn(t)
	_, body := page(t, greta, e.base+"/barn")
	csrf := csrfToken(t, body)
	if status, _, _ := post(t, greta, e.base+"/barn/valj", url.Values{"_csrf": {csrf}, "child": {childKey(csrf, f.kim)}}); status != http.StatusSeeOther {
		t.Fatalf("switch to Kim: %d", status)
	}
	return e, f, greta, csrf
}

// gretaSignedIn starts a world with the guardian family and signs Greta in.
func gretaSignedIn(t *testing.T) (*authEnv, guardianFamily, *http.Client) {
	t.Helper()
	e := startAuthEnv(t)
	flagWorld(t, e)
	f := newGuardianFamily(t, e)
	return e, f, signedIn(t, e, f.greta.Formatted())
}

func childKey(csrf string, p portal.PersonalID) string {
	sum := sha256.Sum256([]byte("child:" + csrf + ":" + p.Digits()))
	return hex.EncodeToString(sum[:12])
}

func TestGuardianReachesOnlyOwnChildrenUnder13(t *testing.T) {
	t.Parallel()
	e, f, greta := gretaSignedIn(t)
	status, body := page(t, greta, e.base+"/barn")
	if status != 200 || !strings.Contains(body, "Se Kim Eks logg") || !strings.Contains(body, "Tess Ek fyllde 13 år") ||
		strings.Contains(body, "Olle") || strings.Contains(body, "Lo Ek") || strings.Contains(body, f.kim.Digits()) {
		t.Fatalf("children page: %d %s", status, body)
	}
	if !strings.Contains(body, `href="/barn?lang=sv"`) {
		t.Error("the menu does not offer the guardian the switch")
	}
	csrf := csrfToken(t, body)
	// Tess (13 today): refused, saying why; Lo (another family's) and Olle
	// (an adult): not found. The keys are forged with Greta's own token.
	if status, _, body := post(t, greta, e.base+"/barn/valj", url.Values{"_csrf": {csrf}, "child": {childKey(csrf, f.tess)}}); status != http.StatusConflict ||
		!strings.Contains(body, "fyllde 13 år") {
		t.Errorf("switch to Tess: %d", status)
	}
	for name, p := range map[string]portal.PersonalID{"Lo": f.lo, "Olle": f.olle} {
		if status, _, _ := post(t, greta, e.base+"/barn/valj", url.Values{"_csrf": {csrf}, "child": {childKey(csrf, p)}}); status != http.StatusNotFound {
			t.Errorf("switch to %s: %d", name, status)
		}
	}
	if status, _, _ := post(t, greta, e.base+"/barn/valj", url.Values{"child": {childKey(csrf, f.kim)}}); status != http.StatusForbidden {
		t.Errorf("switch without the form token: %d", status)
	}
	// Hugo cannot use Greta's key for Kim, nor make his own.
	hugo := signedIn(t, e, f.hugo.Formatted())
	_, hbody := page(t, hugo, e.base+"/barn")
	hcsrf := csrfToken(t, hbody)
	for _, k := range []string{childKey(csrf, f.kim), childKey(hcsrf, f.kim)} {
		if status, _, _ := post(t, hugo, e.base+"/barn/valj", url.Values{"_csrf": {hcsrf}, "child": {k}}); status != http.StatusNotFound {
			t.Errorf("Hugo switches to Kim: %d", status)
		}
	}

	if status, loc, _ := post(t, greta, e.base+"/barn/valj", url.Values{"_csrf": {csrf}, "child": {childKey(csrf, f.kim)}}); status != http.StatusSeeOther || loc != "/oversikt?lang=sv" {
		t.Fatalf("switch to Kim: %d %q", status, loc)
	}
	_, body = page(t, greta, e.base+"/historik?period=all")
	if !strings.Contains(body, "Du ser Kim Eks logg") || !strings.Contains(body, "Kims läkare") || strings.Contains(body, "Gretas läkare") {
		t.Fatalf("history while acting for Kim: %s", body)
	}
	var reader, patient, channel string
	if err := e.st.DB().QueryRow(`SELECT reader_id, patient_id, channel FROM log_reads ORDER BY id DESC LIMIT 1`).Scan(&reader, &patient, &channel); err != nil {
		t.Fatal(err)
	}
	if reader != f.greta.Digits() || patient != f.kim.Digits() || !strings.HasSuffix(channel, ":guardian") {
		t.Fatalf("the read is recorded as %s's of %s (%s)", reader, patient, channel)
	}
	for _, p := range []string{"/oversikt", "/bevakning", "/flaggor", "/utdrag", "/barn"} {
		if _, body := page(t, greta, e.base+p+"?lang=en"); !strings.Contains(body, "You are seeing Kim Ek&#39;s log") {
			t.Errorf("%s has no banner", p)
		}
	}
	// Hugo's session is his own: no banner, his own log.
	if _, hbody := page(t, hugo, e.base+"/historik?period=all"); strings.Contains(hbody, "Kim") {
		t.Error("Greta's switch shows in Hugo's session")
	}
	if status, loc, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther || loc != "/oversikt?lang=sv" {
		t.Fatalf("back: %d %q", status, loc)
	}
	if _, body = page(t, greta, e.base+"/historik?period=all"); strings.Contains(body, "Du ser Kim") || !strings.Contains(body, "Gretas läkare") {
		t.Fatalf("history after going back: %s", body)
	}

	// A switch made before a child turned 13 ends the day they do: the
	// page says why and shows the guardian's own log. (The row is written
	// as yesterday's switch to Tess would have left it.)
	sum := sha256.Sum256([]byte("guardian:" + csrf))
	if _, err := e.st.DB().Exec(`INSERT INTO guardian_sessions (session_key, guardian_id, child_id, child_kind, started_at)
		VALUES ($1, $2, $3, 'personnummer', now())`, sum[:], f.greta.Digits(), f.tess.Digits()); err != nil {
		t.Fatal(err)
	}
	_, body = page(t, greta, e.base+"/historik?period=all")
	if !strings.Contains(body, "Du ser inte längre Tess Eks logg, eftersom barnet har fyllt 13 år") ||
		strings.Contains(body, "Tess läkare") || !strings.Contains(body, "Gretas läkare") {
		t.Fatalf("history the day Tess turned 13: %s", body)
	}
	if n := e.count(t, "guardian_sessions"); n != 1 {
		t.Errorf("reading a page changed the switches: %d left", n)
	}
	if status, _, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("acknowledging: %d", status)
	}
	if _, body = page(t, greta, e.base+"/oversikt"); strings.Contains(body, "acting-ended") || e.count(t, "guardian_sessions") != 0 {
		t.Error("the notice stays after it was acknowledged")
	}
	// Staff have no children's page; no session goes to login.
	staff := signedIn(t, e, "SE2321000016-9001")
	if status, _ := page(t, staff, e.base+"/barn"); status != 404 {
		t.Errorf("staff's /barn: %d", status)
	}
	anon := newClient(t)
	if resp, err := anon.Get(e.base + "/barn"); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous /barn: %v", err)
	}
	if status, loc, _ := post(t, anon, e.base+"/barn/valj", url.Values{"child": {"x"}}); status != http.StatusSeeOther || loc != "/" {
		t.Errorf("anonymous switch: %d %q", status, loc)
	}
}

// ownRecordHeadings finds a title, heading, label or menu item that
// speaks of the reader's own record.
var ownRecordHeadings = regexp.MustCompile(`<(title|h1|h2|dt|a)\b[^>]*>[^<]*(?i:din journal|min journal|your record|my record|mina anmälningar|my reports|mitt utdrag|my extract)[^<]*<`)

// TestGuardianPagesNameTheChild: while a guardian acts for a child, the
// pages' titles, headings and menu name the child's record, not "din
// journal", in both languages; back on their own log they say "min".
func TestGuardianPagesNameTheChild(t *testing.T) {
	t.Parallel()
	e, _, greta, csrf := gretaActsForKim(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/oversikt", []string{"<h1>Översikt över Kim Eks journal det senaste året</h1>", "Åtkomster till Kim Eks journal",
			">Vem har läst Kim Eks journal</a>"}},
		{"/historik?period=all", []string{"<title>Vem har läst Kim Eks journal – Insyn", "<h1>Vem har läst Kim Eks journal</h1>"}},
		{"/flaggor", []string{"<h1>Anmälningar om Kim Eks journal</h1>"}},
		{"/utdrag", []string{"<h1>Utdrag om Kim Eks journal som PDF</h1>"}},
		{"/bevakning", []string{"öppnar Kim Eks journal", `<h2 id="watch-list-h">Personer du bevakar i Kim Eks journal</h2>`,
			"Du bevakar ingen i Kim Eks journal just nu.", "har hen en egen bevakning"}},
		{"/bevakning?lang=en", []string{`<h2 id="watch-list-h">People you watch in Kim Ek&#39;s record</h2>`,
			"<title>People you watch in Kim Ek&#39;s record – Insyn"}},
		{"/oversikt?lang=en", []string{"<h1>Overview of Kim Ek&#39;s record in the last year</h1>", "Accesses to Kim Ek&#39;s record"}},
		{"/historik?period=all&lang=en", []string{"<title>Who has read Kim Ek&#39;s record – Insyn", "<h1>Who has read Kim Ek&#39;s record</h1>"}},
		{"/flaggor?lang=en", []string{"<h1>Reports about Kim Ek&#39;s record</h1>"}},
		{"/utdrag?lang=en", []string{"<h1>Extract of Kim Ek&#39;s record as PDF</h1>"}},
	} {
		status, body := page(t, greta, e.base+tc.path)
		if status != 200 {
			t.Errorf("%s: %d", tc.path, status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", tc.path, w)
			}
		}
		for _, h := range ownRecordHeadings.FindAllString(body, -1) {
			t.Errorf("%s still says %s", tc.path, h)
		}
	}
	if status, _, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("back: %d", status)
	}
	if _, body := page(t, greta, e.base+"/historik?period=all"); !strings.Contains(body, "<h1>Vem har läst min journal</h1>") {
		t.Errorf("the guardian's own history: %s", body)
	}
}

// ownRecordWords is what a page says of the reader's own record, care and
// consent: while a guardian acts for a child none of it may be read there,
// not in a heading and not in the texts between (the footer, the overview's
// explanations, the basis of an access, the flag form's reasons, ...).
var ownRecordWords = regexp.MustCompile(`(?i)\b(din lista|your list|din journal|min journal|din vård|dina besök|dina uppgifter|om dig|ditt samtycke|ge dig|mina anmälningar|jag hade|du hade|du var inlagd|ditt vårdteam|your record|my record|your care|your visits|your information|about you|your consent|treat you|my reports|I had|you had|you were admitted|your care team)\b`)

// visibleText is a page's text as read: tags dropped, entities decoded.
func visibleText(body string) string {
	body = regexp.MustCompile(`(?s)<head>.*</head>`).ReplaceAllString(body, "")
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&#34;", `"`).Replace(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " "))
}

// TestGuardianTextsNameTheChild: while Greta acts for Kim, every text of
// the patient's pages speaks of Kim's record, in both languages: the
// footer, the overview's explanations, the history's summary and order,
// an access's basis, the flag form and its reasons, the flag's receipt and
// the list of flags, the extract's page, the watchlist, the settings.
func TestGuardianTextsNameTheChild(t *testing.T) {
	t.Parallel()
	e, f, greta, csrf := gretaActsForKim(t)
	// Kim had a visit two days before Anna read his record: the access is
	// explained, and the explanation is Kim's, not Greta's.
	if _, err := e.st.DB().Exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, 'SE2321000016-1001', 'visit', $2)`,
		f.kim.Digits(), e.clock.Now().AddDate(0, -1, -2)); err != nil {
		t.Fatal(err)
	}
	_, hist := page(t, greta, e.base+"/historik?period=all")
	keys := entryKeys(hist)
	if len(keys) != 1 {
		t.Fatalf("Kim's history has %d entries", len(keys))
	}
	status, loc, _ := post(t, greta, e.base+"/flaggor/ny?post="+keys[0], url.Values{"_csrf": {csrf}, "post": {keys[0]}, "reason": {"no_care_then"}})
	if status != http.StatusSeeOther {
		t.Fatalf("flagging Kim's access: %d", status)
	}
	paths := []string{"/oversikt", "/historik?period=all", "/historik/" + keys[0], "/flaggor/ny?post=" + keys[0], loc,
		"/flaggor", "/utdrag", "/bevakning", "/installningar", "/barn", "/me"}
	for _, l := range []struct{ lang, footer, reason, why string }{
		{"sv", "tagit del av Kim Eks journal", "Barnet hade ingen vård på enheten då", "Barnet hade ett besök på Vårdcentralen Ängsbacken"},
		{"en", "accessed Kim Ek's medical record", "The child had no care at this unit then", "The child had a visit at Vårdcentralen Ängsbacken"},
	} {
		for _, p := range paths {
			u, err := url.Parse(e.base + p)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("lang", l.lang)
			u.RawQuery = q.Encode()
			status, body := page(t, greta, u.String())
			if status != 200 {
				t.Errorf("%s: %d", u.Path, status)
				continue
			}
			text := visibleText(body)
			if !strings.Contains(text, l.footer) {
				t.Errorf("%s (%s): the footer does not name Kim's record", u.Path, l.lang)
			}
			for _, m := range ownRecordWords.FindAllString(text, -1) {
				t.Errorf("%s (%s) still says %q", u.Path, l.lang, m)
			}
			if strings.HasPrefix(p, "/historik") && !strings.Contains(text, l.why) {
				t.Errorf("%s (%s): no %q", u.Path, l.lang, l.why)
			}
			if (p == "/flaggor" || strings.HasPrefix(p, "/flaggor/ny")) && !strings.Contains(text, l.reason) {
				t.Errorf("%s (%s): no %q", u.Path, l.lang, l.reason)
			}
		}
	}
	// The PDF Greta downloads for Kim says who produced it: Kim's guardian,
	// not "yourself"; its legend, summary and footer speak of Kim's record.
	for l, want := range map[string]string{"sv": "av barnets vårdnadshavare i Insyn", "en": "by the child's guardian in Insyn"} {
		status, pdf := page(t, greta, e.base+"/utdrag/pdf?pdflang="+l)
		if status != 200 {
			t.Fatalf("Kim's PDF (%s): %d", l, status)
		}
		text := strings.Join(strings.Fields(pdfText(t, []byte(pdf))), " ")
		if !strings.Contains(text, want) ||
			strings.Contains(text, "dig själv") || strings.Contains(text, "yourself") {
			t.Errorf("Kim's PDF (%s) does not say %q:\n%s", l, want, text)
		}
		for _, m := range ownRecordWords.FindAllString(text, -1) {
			t.Errorf("Kim's PDF (%s) still says %q", l, m)
		}
	}
	// Back on her own log Greta reads her own words again.
	if status, _, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("back: %d", status)
	}
	_, body := page(t, greta, e.base+"/oversikt")
	for _, w := range []string{"tagit del av din journal", "koppla till din vård", "hanterar dina uppgifter"} {
		if !strings.Contains(body, w) {
			t.Errorf("Greta's own overview: no %q", w)
		}
	}
}

// TestGuardiansSeeTheFlagsTheyFiled: Kim has two guardians. What Greta
// reports about an access to Kim's record (her reason, her own words) is
// on her list of Kim's reports, not on Hugo's; nor is it on her own list.
func TestGuardiansSeeTheFlagsTheyFiled(t *testing.T) {
	t.Parallel()
	e, f, greta, csrf := gretaActsForKim(t)
	if _, err := e.st.DB().Exec(`INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, 'guardian')`,
		f.hugo.Digits(), f.kim.Digits()); err != nil {
		t.Fatal(err)
	}
	_, hist := page(t, greta, e.base+"/historik?period=all")
	keys := entryKeys(hist)
	if len(keys) != 1 {
		t.Fatalf("Kim's history has %d entries", len(keys))
	}
	const words = "Gretas egna ord om Kims läkare"
	if status, _, _ := post(t, greta, e.base+"/flaggor/ny?post="+keys[0], url.Values{"_csrf": {csrf}, "post": {keys[0]},
		"reason": {"knows_privately"}, "text": {words}}); status != http.StatusSeeOther {
		t.Fatalf("Greta flags Kim's access: %d", status)
	}
	if _, body := page(t, greta, e.base+"/flaggor"); !strings.Contains(body, words) {
		t.Fatalf("Greta's list of Kim's reports lacks her flag:\n%s", body)
	}
	hugo := signedIn(t, e, f.hugo.Formatted())
	_, hbody := page(t, hugo, e.base+"/barn")
	hcsrf := csrfToken(t, hbody)
	if status, _, _ := post(t, hugo, e.base+"/barn/valj", url.Values{"_csrf": {hcsrf}, "child": {childKey(hcsrf, f.kim)}}); status != http.StatusSeeOther {
		t.Fatalf("Hugo switches to Kim: %d", status)
	}
	if _, body := page(t, hugo, e.base+"/flaggor"); strings.Contains(body, words) || strings.Contains(body, "Jag känner personen privat") ||
		!strings.Contains(body, `id="no-flags"`) {
		t.Errorf("Hugo reads Greta's report about Kim:\n%s", body)
	}
	if status, _, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("back: %d", status)
	}
	if _, body := page(t, greta, e.base+"/flaggor"); strings.Contains(body, words) {
		t.Errorf("Greta's own reports show the one about Kim")
	}
}

// TestChildrenPageSaysWhenTheSwitchEnds: the children page names the day
// the switch ends as the day the child turns 13 ("until the day before
// DATE" read in English as if access ended a day earlier than it does).
func TestChildrenPageSaysWhenTheSwitchEnds(t *testing.T) {
	t.Parallel()
	e, _, greta := gretaSignedIn(t)
	for lang, want := range map[string]string{"sv": "Du kan se loggen tills barnet fyller 13 år, ", "en": "You can see the log until the child turns 13, on "} {
		_, body := page(t, greta, e.base+"/barn?lang="+lang)
		if !strings.Contains(body, want) || strings.Contains(body, "dagen före") || strings.Contains(body, "day before") {
			t.Errorf("%s: the children page does not say %q:\n%s", lang, want, body)
		}
	}
}

// TestReviewerReadsAGuardiansFlagAsTheGuardians: the reviewer reads a flag
// a guardian filed for their child as the guardian's, in the words the
// guardian chose ("Barnet hade ingen vård på enheten då"), not as the
// patient's own "Jag hade ingen vård …", and the timeline names the
// guardian, not the patient.
func TestReviewerReadsAGuardiansFlagAsTheGuardians(t *testing.T) {
	t.Parallel()
	e, _, greta, csrf := gretaActsForKim(t)
	seedWorkplace(t, e.st)
	_, hist := page(t, greta, e.base+"/historik?period=all")
	keys := entryKeys(hist)
	if len(keys) == 0 {
		t.Fatal("Kim's history is empty")
	}
	status, loc, _ := post(t, greta, e.base+"/flaggor/ny?post="+keys[0], url.Values{"_csrf": {csrf}, "post": {keys[0]}, "reason": {"no_care_then"}})
	receipt, err := url.Parse(loc)
	if status != http.StatusSeeOther || err != nil || receipt.Query().Get("a") == "" {
		t.Fatalf("flagging Kim's access: %d %q", status, loc)
	}
	rev := e.signIn(t, wpReviewer)
	for lang, want := range map[string][]string{
		"sv": {"av patientens vårdnadshavare: Barnet hade ingen vård på enheten då", "Patientens vårdnadshavare: ärendet skapades",
			"patientens vårdnadshavare har flaggat åtkomsten", "Vårdnadshavarens anmälan"},
		"en": {"by the patient&#39;s guardian: The child had no care at this unit then", "The patient&#39;s guardian: the case was opened",
			"the patient&#39;s guardian flagged the access", "Guardian&#39;s report"},
	} {
		status, body := page(t, rev, e.base+"/granskning/arende/"+receipt.Query().Get("a")+"?lang="+lang)
		if status != 200 {
			t.Fatalf("%s: case page %d", lang, status)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the case page does not say %q:\n%s", lang, w, body)
			}
		}
		if _, queue := page(t, rev, e.base+"/granskning?lang="+lang); !strings.Contains(queue, want[len(want)-1]) {
			t.Errorf("%s: the queue does not call the case %q", lang, want[len(want)-1])
		}
		if strings.Contains(body, "Jag hade ingen vård") || strings.Contains(body, "I had no care") ||
			strings.Contains(body, "patienten har flaggat") || strings.Contains(body, "the patient flagged") {
			t.Errorf("%s: the guardian's flag reads as the patient's own", lang)
		}
	}
	// Taken up, the decision's message says who reads it: the guardian,
	// among the reports about the child's record, not "Mina anmälningar".
	caseURL := e.base + "/granskning/arende/" + receipt.Query().Get("a")
	if status, _ := postForm(t, rev, caseURL, caseURL+"/status", url.Values{"to": {"investigating"}}); status != http.StatusSeeOther {
		t.Fatalf("start: %d", status)
	}
	_, body := page(t, rev, caseURL)
	if !strings.Contains(body, "Patientens vårdnadshavare, som anmälde åtkomsten, läser detta") || strings.Contains(body, "Patienten läser detta under Mina anmälningar") {
		t.Errorf("the message's hint does not name the guardian:\n%s", body)
	}
}
