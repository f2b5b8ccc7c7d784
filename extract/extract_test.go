package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var (
	catalog  = i18n.MustLoad(portal.Stockholm)
	produced = time.Date(2026, 3, 31, 14, 5, 0, 0, portal.Stockholm)
	clerk    = portal.SystemActor("Anna Utdragsson")
)

func seeded(t testing.TB) *store.Store {
	t.Helper()
	s := storetest.Open(t, nil)
	extracttest.Seed(t, s)
	return s
}

func request(t testing.TB, lang string) extract.Request {
	t.Helper()
	pat, err := portal.ParsePersonalID(extracttest.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	return extract.Request{Patient: pat, From: extracttest.From, To: extracttest.To, Lang: lang,
		Actor: clerk, Channel: "test", ProducedAt: produced}
}

func buildJSON(t *testing.T, s *store.Store, req extract.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := extract.Build(context.Background(), s, catalog, req, extract.NewJSONWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func buildPDF(t *testing.T, s *store.Store, req extract.Request) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "extract-"+req.Lang+".pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := extract.Build(context.Background(), s, catalog, req, extract.NewPDFWriter(f, produced)); err != nil {
		t.Fatal(err)
	}
	return path
}

func pdftotext(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func pdfPages(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestJSONGolden(t *testing.T) {
	s := seeded(t)
	for _, lang := range []string{"sv", "en"} {
		got := buildJSON(t, s, request(t, lang))
		golden := filepath.Join("testdata", "extract."+lang+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./extract -run TestJSONGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: JSON differs from %s (run with -update after checking):\n%s", lang, golden, got)
		}
		// The stream is the model: it decodes into Extract.
		var x extract.Extract
		if err := json.Unmarshal(got, &x); err != nil {
			t.Fatalf("%s: streamed JSON does not decode: %v", lang, err)
		}
		var c extract.Collect
		if _, err := extract.Build(context.Background(), s, catalog, request(t, lang), &c); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(x)
		b, _ := json.Marshal(c.Extract)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: streamed JSON and collected model differ", lang)
		}
	}
}

func collect(t *testing.T, s *store.Store, req extract.Request) extract.Extract {
	t.Helper()
	var c extract.Collect
	if _, err := extract.Build(context.Background(), s, catalog, req, &c); err != nil {
		t.Fatal(err)
	}
	return c.Extract
}

func TestModel(t *testing.T) {
	s := seeded(t)
	x := collect(t, s, request(t, "sv"))
	if len(x.Days) != 4 {
		t.Fatalf("%d days, want 4 (5, 6, 11 and 12 March)", len(x.Days))
	}
	if x.Summary.Events != 15 || x.Summary.Rows != 8 {
		t.Errorf("summary counts %d events on %d rows, want 15 (the February one is outside) on 8", x.Summary.Events, x.Summary.Rows)
	}
	first := x.Days[0]
	if first.Date != "Torsdag 2026-03-05" || first.Accesses != "7\u00a0åtkomster" || len(first.Rows) != 2 {
		t.Errorf("day heading %q, %q, %d rows", first.Date, first.Accesses, len(first.Rows))
	}
	// One sitting: four notes and a test result read within 30 minutes of
	// each other, the explanation once.
	r := first.Rows[0]
	want := extract.Row{At: "2026-03-05T14:02:00+01:00", Time: "14:02–14:45", Who: "Åsa Öberg", Title: "distriktssköterska", Unit: "Vårdcentralen Ängsbacken",
		Provider: "Region Exempelland", What: "läste en journalanteckning 4\u00a0gånger och ett provsvar",
		Kinds: []string{"en journalanteckning", "ett provsvar"}, Count: 5, Purpose: "vård och behandling",
		Explanation: "Du hade ett besök på Vårdcentralen Ängsbacken 2026-03-03 (2\u00a0dagar tidigare).",
		// The filters' keys: the names as the records give them.
		Person: [2]string{"Åsa Öberg", "Distriktssköterska"}, Place: [2]string{"Vårdcentralen Ängsbacken", "Region Exempelland"}}
	if len(r.Events) != 5 || !slices.IsSorted(r.Events) {
		t.Errorf("sitting's event ids %v, want its 5 in order", r.Events)
	}
	r.Events = nil // ids come from a sequence
	if !reflect.DeepEqual(r, want) {
		t.Errorf("sitting:\n got %+v\nwant %+v", r, want)
	}
	// 45 minutes later a new sitting, with a print 30 minutes after the read.
	if got := first.Rows[1]; got.Count != 2 || got.Time != "15:30–16:00" ||
		got.What != "läste en journalanteckning; skrev ut läkemedelslistan på papper" {
		t.Errorf("second sitting: %+v", got)
	}
	// The read right after an emergency access belongs to it.
	em := x.Days[1].Rows
	if len(em) != 1 || !em[0].Emergency || em[0].Count != 2 ||
		em[0].What != "använde nödåtkomst och läste läkemedelslistan; läste ett röntgensvar" ||
		em[0].Owner != "Kirurgkliniken, Centralsjukhuset i Åby, Region Exempelland" || em[0].Provider != "Vårdbolaget Norrsken AB" {
		t.Errorf("emergency sitting: %+v", em)
	}
	day11 := x.Days[2].Rows
	if day11[0].Who != extracttest.LongName || day11[0].Explanation != "Den här personen ingick då i ditt vårdteam." ||
		day11[0].Unexplained {
		t.Errorf("team explanation: %+v", day11[0])
	}
	// Protected identity: a pseudonym with the title, never a name.
	if p := day11[1]; p.Who != "Anställd med skyddade personuppgifter (A)" || p.Title != "kurator" || p.Purpose != "kvalitetssäkring" ||
		!p.Unexplained || p.Explanation != "" {
		t.Errorf("protected staff: %+v", p)
	}
	day12 := x.Days[3].Rows
	if day12[0].Who != "Karin Loggdotter" || day12[0].Unit != "Hemsjukvården Åby" || day12[0].What != "skrev in eller ändrade en anteckning" {
		t.Errorf("names from the log: %+v", day12[0])
	}
	unk := day12[1]
	if unk.Who != "Okänd person" || unk.Unit != "Okänd vårdenhet" || unk.Provider != "Okänd vårdgivare" ||
		unk.What != "hanterade en annan typ av uppgift" || unk.Purpose != "annat syfte" {
		t.Errorf("fallbacks: %+v", unk)
	}
	// Unexplained rows are marked and counted; every other row explains.
	unexplained, rows := 0, 0
	for _, d := range x.Days {
		for _, r := range d.Rows {
			if r.Unexplained != (r.Explanation == "") {
				t.Errorf("row marked unexplained=%v with explanation %q", r.Unexplained, r.Explanation)
			}
			if r.Unexplained {
				unexplained += r.Count
				rows++
			}
		}
	}
	if x.Summary.Unexplained != 5 || unexplained != 5 || x.Summary.UnexplainedRows != 4 || rows != 4 ||
		!strings.Contains(x.Summary.UnexplainedText, "5\u00a0åtkomster (4\u00a0rader)") ||
		!strings.Contains(x.Summary.UnexplainedText, "Det betyder inte att de var fel") {
		t.Errorf("unexplained summary %d/%d rows (counted %d/%d): %q", x.Summary.Unexplained, x.Summary.UnexplainedRows,
			unexplained, rows, x.Summary.UnexplainedText)
	}
	if x.Summary.Text != "Utdraget visar 15\u00a0åtkomster till din journal, vid 8\u00a0tillfällen." {
		t.Errorf("summary %q", x.Summary.Text)
	}
	// Whom to contact: each named care provider in the extract, acting or
	// keeping the records, once.
	var contacts []string
	for _, c := range x.Summary.Contacts {
		contacts = append(contacts, c.Label)
		if !strings.HasPrefix(c.Value, c.Label+": kontakta vårdgivaren") {
			t.Errorf("contact %q", c.Value)
		}
	}
	if !slices.Equal(contacts, []string{"Region Exempelland", "Vårdbolaget Norrsken AB"}) {
		t.Errorf("contacts %v", contacts)
	}
	if got := x.Header.Fields[5]; got.Label != "Loggarna börjar" ||
		got.Value != "Insyn har loggar från och med 2026-02-01. Åtkomster före dess finns inte i utdraget." {
		t.Errorf("logs begin: %+v", got)
	}
	legend := map[string]string{}
	for _, it := range x.Legend.Items {
		legend[it.Label] = it.Value
	}
	if !strings.Contains(legend["Förklaring"], "inom 30\u00a0dagar före eller efter åtkomsten") ||
		!strings.Contains(legend["Ingen förklaring hittades"], "inte ett bevis på att något var fel") ||
		!strings.Contains(legend["En rad, ett tillfälle"], "30\u00a0minuter") {
		t.Errorf("legend: %v", legend)
	}

	en := collect(t, s, request(t, "en"))
	if got := en.Days[0]; got.Date != "Thursday 5 Mar 2026" || got.Accesses != "7\u00a0accesses" ||
		got.Rows[0].What != "read a clinical note 4\u00a0times and a test result" || got.Rows[0].Title != "district nurse" ||
		got.Rows[0].Explanation != "You had a visit at Vårdcentralen Ängsbacken on 3 Mar 2026 (2\u00a0days earlier)." {
		t.Errorf("English day: %+v", got.Rows[0])
	}
	if p := en.Days[2].Rows[1]; p.Who != "Staff member with protected identity (A)" || p.Title != "social worker" {
		t.Errorf("English protected staff: %+v", p)
	}
	if got := en.Days[3].Accesses; got != "3\u00a0accesses" {
		t.Errorf("plural: %q", got)
	}
	if !strings.Contains(en.Summary.UnexplainedText, "This does not mean they were wrong") {
		t.Errorf("English summary: %q", en.Summary.UnexplainedText)
	}
}

// A one-day period reads as that day; a patient's own extract says they
// produced it themselves.
func TestHeaderWords(t *testing.T) {
	s := seeded(t)
	req := request(t, "sv")
	req.From, req.To = time.Date(2026, 3, 5, 0, 0, 0, 0, portal.Stockholm), time.Date(2026, 3, 6, 0, 0, 0, 0, portal.Stockholm)
	req.Actor = portal.PatientActor(req.Patient, "Tolvan Tolvansson")
	x := collect(t, s, req)
	if got := x.Header.Fields[2].Value; got != "2026-03-05 (en dag)" {
		t.Errorf("one-day period: %q", got)
	}
	if got := x.Header.Fields[4].Value; got != "2026-03-31 14:05 av dig själv i Insyn" {
		t.Errorf("produced by the patient: %q", got)
	}
	req.Lang = "en"
	if got := collect(t, s, req).Header.Fields[2].Value; got != "5 Mar 2026 (one day)" {
		t.Errorf("one-day period in English: %q", got)
	}
	// A clerk issues the extract for their care provider, and it holds
	// only that provider's events.
	req.Lang = "sv"
	req.Actor = portal.StaffActor("SE5565594230-6099", "Klara Kontorist",
		portal.Grant{Provider: extracttest.CompanyHSA, Role: portal.RoleClerk})
	x = collect(t, s, req)
	if got := x.Header.Fields[4].Value; got != "2026-03-31 14:05 av Klara Kontorist för Vårdbolaget Norrsken AB" {
		t.Errorf("produced by a clerk: %q", got)
	}
	req.From, req.To = extracttest.From, extracttest.To
	if x = collect(t, s, req); x.Summary.Events != 2 {
		t.Errorf("the company's clerk sees %d events, want its 2", x.Summary.Events)
	}
}

// Staff with protected identity keep one pseudonym each through the
// extract, and no explanation points at them, even when their care
// relation names them.
func TestProtectedStaffPseudonyms(t *testing.T) {
	s := seeded(t)
	db := s.DB()
	for _, q := range []string{
		`INSERT INTO staff (hsa_id, given_name, family_name, title, protected_identity) VALUES
		 ('SE2321000016-5004', 'Dold', 'Doldsson', 'Läkare', true)`,
		`INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at) VALUES
		 ('191212121212', 'SE2321000016-1002', 'SE2321000016-5004', 'visit', '2026-03-20 10:00+01')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	pat, _ := portal.ParsePersonalID(extracttest.PatientID)
	ev := func(id string, actor portal.HSAID, at time.Time) portal.Event {
		return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: actor,
			ActorUnit: portal.Party{HSAID: "SE2321000016-1002"}, Activity: portal.ActivityRead, Purpose: portal.PurposeCare,
			Patient: pat, ResourceType: "Journalanteckning"}
	}
	d := func(day, h int) time.Time { return time.Date(2026, 3, day, h, 0, 0, 0, portal.Stockholm) }
	if _, err := s.InsertEvents(context.Background(), []portal.Event{
		ev("p1", "SE2321000016-5004", d(20, 11)), ev("p2", "SE2321000016-5003", d(21, 9)), ev("p3", "SE2321000016-5004", d(22, 9)),
	}); err != nil {
		t.Fatal(err)
	}
	x := collect(t, s, request(t, "sv"))
	who := map[string]string{}
	for _, d := range x.Days {
		for _, r := range d.Rows {
			if strings.HasPrefix(r.Who, "Anställd med skyddade") {
				who[d.Date+" "+r.Time] = r.Who + ", " + r.Title
				if strings.Contains(r.Explanation, "den här personen") || strings.Contains(r.Explanation, "Dold") {
					t.Errorf("an explanation points at protected staff: %q", r.Explanation)
				}
			}
		}
	}
	want := map[string]string{
		"Onsdag 2026-03-11 10:00": "Anställd med skyddade personuppgifter (A), kurator",
		"Fredag 2026-03-20 11:00": "Anställd med skyddade personuppgifter (B), läkare",
		"Lördag 2026-03-21 09:00": "Anställd med skyddade personuppgifter (A), kurator",
		"Söndag 2026-03-22 09:00": "Anställd med skyddade personuppgifter (B), läkare",
	}
	if !reflect.DeepEqual(who, want) {
		t.Errorf("pseudonyms:\n got %v\nwant %v", who, want)
	}
	// The same letters in an extract of a later period alone, where Dold
	// comes first: they follow the first access ever, not the period.
	req := request(t, "sv")
	req.From = time.Date(2026, 3, 20, 0, 0, 0, 0, portal.Stockholm)
	if got := collect(t, s, req).Days[0].Rows[0].Who; got != "Anställd med skyddade personuppgifter (B)" {
		t.Errorf("pseudonym in a later period: %q", got)
	}
	for _, r := range x.Days[len(x.Days)-3].Rows {
		if r.Explanation != "Du hade ett besök på Akutmottagningen, Centralsjukhuset i Åby 2026-03-20." {
			t.Errorf("explanation by the unit: %q", r.Explanation)
		}
	}
}

func TestPlurals(t *testing.T) {
	sv, en := catalog.For("sv"), catalog.For("en")
	for _, c := range []struct {
		l    *i18n.Localizer
		n    int
		want string
	}{{sv, 1, "1\u00a0åtkomst"}, {sv, 3, "3\u00a0åtkomster"}, {en, 1, "1\u00a0access"}, {en, 3, "3\u00a0accesses"}} {
		if got := c.l.N("extract.accesses", c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.l.Lang, c.n, got, c.want)
		}
	}
}

// englishWords must not appear in a Swedish extract.
var englishWords = strings.Fields(`the and read wrote signed printed verified deleted page of unknown care
	provider unit emergency access accesses purpose who what why explanation record records note result
	time times once produced period name extract information another through`)

var (
	reHSA  = regexp.MustCompile(`\b[A-Z]{2}[0-9]{6,}[-A-Za-z0-9]*`)
	reOID  = regexp.MustCompile(`\b\d+\.\d+\.\d+\.\d+`)
	reEnum = regexp.MustCompile(`\b(quality_assurance|other_legal_documentation|quality_register|read|write|sign|print|verify|delete|emergency|other|care|statistics|administration)\b`)
)

// checkNoCodes fails when text shows a code: an HSA-id, an OID, a staff
// member's personal id, a raw code from the logs, an enum value, or (in
// Swedish) an English word.
func checkNoCodes(t *testing.T, what, lang, text string) {
	t.Helper()
	checkNoCodesOf(t, what, lang, text, extracttest.StaffPersonalIDs, extracttest.RawCodes)
}

// checkNoCodesOf is checkNoCodes with the staff ids and raw codes of a
// given data set.
func checkNoCodesOf(t *testing.T, what, lang, text string, staffIDs, rawCodes []string) {
	t.Helper()
	if m := reHSA.FindString(text); m != "" {
		t.Errorf("%s: shows an HSA-id %q", what, m)
	}
	if m := reOID.FindString(text); m != "" {
		t.Errorf("%s: shows an OID %q", what, m)
	}
	for _, pid := range staffIDs {
		// 198001012387, 19800101-2387, 8001012387 and 800101-2387.
		if strings.Contains(text, pid) || strings.Contains(text, pid[:8]+"-"+pid[8:]) || strings.Contains(text, pid[2:]) ||
			strings.Contains(text, pid[2:8]+"-"+pid[8:]) {
			t.Errorf("%s: shows a staff personal id", what)
		}
	}
	for _, code := range rawCodes {
		if strings.Contains(text, code) {
			t.Errorf("%s: shows the raw code %q", what, code)
		}
	}
	if lang == "sv" {
		if m := reEnum.FindString(text); m != "" {
			t.Errorf("%s: shows the code %q", what, m)
		}
		words := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			words[w] = true
		}
		for _, w := range englishWords {
			if words[w] {
				t.Errorf("%s: Swedish extract contains the English word %q", what, w)
			}
		}
	}
}

func TestNoCodes(t *testing.T) {
	s := seeded(t)
	for _, lang := range []string{"sv", "en"} {
		req := request(t, lang)
		var x extract.Extract
		if err := json.Unmarshal(buildJSON(t, s, req), &x); err != nil {
			t.Fatal(err)
		}
		// JSON keys are structure, not text: check the values only.
		checkNoCodes(t, lang+" JSON", lang, strings.Join(jsonValues(x), "\n"))
		checkNoCodes(t, lang+" PDF", lang, pdftotext(t, buildPDF(t, s, req)))
	}
}

// jsonValues lists every string in the model.
func jsonValues(x extract.Extract) []string {
	b, _ := json.Marshal(x)
	var v any
	json.Unmarshal(b, &v)
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				if k != "lang" {
					walk(e)
				}
			}
		}
	}
	walk(v)
	return out
}

func TestPDFContent(t *testing.T) {
	s := seeded(t)
	for _, c := range []struct {
		lang  string
		want  []string
		lines []string // on one line, held together by no-break spaces
	}{
		{"sv", []string{"Loggutdrag", "Tolvan Tolvansson", "19121212-1212", "2026-03-01 till och med 2026-03-31",
			"alla vårdgivare", "2026-03-31 14:05 av Anna Utdragsson", "Så läser du utdraget", "Nödåtkomst",
			"läste en journalanteckning", "Vårdcentralen Ängsbacken", "Anställd med skyddade", "8 kap. 1 §",
			"Integritetsskyddsmyndigheten (IMY)", "Utdraget visar 15 åtkomster till din journal, vid 8 tillfällen.",
			"För 5 åtkomster (4 rader) hittade Insyn ingen förklaring.", "Det betyder inte att de var fel",
			"Ingen förklaring hittades", "Det är inte ett bevis på att", "inom 30 dagar före eller efter åtkomsten",
			"Insyn har loggar från och med 2026-02-01", "Vem du kontaktar",
			"Region Exempelland: kontakta vårdgivaren", "Vårdbolaget Norrsken AB: kontakta vårdgivaren",
			"tillgänglig webbsida i Insyn: logga in och välj Vem har läst min journal.", "personuppgifter (A)", "kurator",
			"4 gånger och ett provsvar", "Torsdag 2026-03-05"},
			[]string{"4 gånger", "7 åtkomster", "1 §"}},
		{"en", []string{"Log extract", "Tolvan Tolvansson", "19121212-1212", "1 Mar 2026 to 31 Mar 2026",
			"31 Mar 2026, 14:05 by Anna Utdragsson", "Emergency access", "Thursday 5 Mar 2026",
			"Swedish Authority for Privacy Protection (IMY)", "The extract shows 15 accesses to your record, in 8 sittings.",
			"For 5 accesses (4 rows) Insyn found no explanation.", "This is not proof that anything was wrong",
			"No explanation found", "within 30 days before", "Insyn holds logs from 1 Feb 2026",
			"Whom to contact", "accessible web page in Insyn: log in and choose Who has read my record.", "district nurse", "consultant physician",
			"protected identity (A)", "social worker"},
			[]string{"4 times", "7 accesses"}},
	} {
		path := buildPDF(t, s, request(t, c.lang))
		text := pdftotext(t, path)
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range c.want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s PDF lacks %q", c.lang, w)
			}
		}
		for _, w := range c.lines {
			if !strings.Contains(text, w) {
				t.Errorf("%s PDF does not keep %q on one line", c.lang, w)
			}
		}
		if strings.Contains(text, "\u00a0") || strings.Contains(text, "\ufffd") {
			t.Errorf("%s PDF: a no-break space did not render as a space", c.lang)
		}
		// The long name is wrapped, never cut: every part of it is there.
		for _, part := range strings.Fields(extracttest.LongName) {
			if !strings.Contains(text, part) && !containsBroken(text, part) {
				t.Errorf("%s PDF lacks %q of the long name", c.lang, part)
			}
		}
		checkPageNumbers(t, c.lang, path, text)
		// Language and title for assistive technology and document lists.
		info, err := exec.Command("pdfinfo", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		title := map[string]string{"sv": "Loggutdrag", "en": "Log extract"}[c.lang]
		if !regexp.MustCompile(`(?m)^Title:\s+`+title+` · Tolvan Tolvansson, 19121212-1212$`).Match(info) ||
			!regexp.MustCompile(`(?m)^Subject:\s+\S`).Match(info) {
			t.Errorf("%s PDF metadata:\n%s", c.lang, info)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte("/Lang ("+c.lang+")")) {
			t.Errorf("%s PDF does not declare its language", c.lang)
		}
		if t.Failed() {
			t.Logf("%s PDF text:\n%s", c.lang, text)
		}
	}
}

// containsBroken finds a word that wrapping split across lines.
func containsBroken(text, word string) bool {
	joined := strings.Join(strings.Fields(text), "")
	return strings.Contains(joined, word)
}

func TestEmptyPeriodPDF(t *testing.T) {
	s := seeded(t)
	req := request(t, "sv")
	req.From = time.Date(2025, 1, 1, 0, 0, 0, 0, portal.Stockholm)
	req.To = time.Date(2025, 2, 1, 0, 0, 0, 0, portal.Stockholm)
	path := buildPDF(t, s, req)
	text := pdftotext(t, path)
	for _, w := range []string{"Inga åtkomster hittades under perioden.", "Sida 1 av 1", "Tolvan Tolvansson"} {
		if !strings.Contains(text, w) {
			t.Errorf("empty extract lacks %q:\n%s", w, text)
		}
	}
	if n := pdfPages(t, path); n != 1 {
		t.Errorf("%d pages", n)
	}
	// No table without rows: no column headers above the empty summary.
	if columnHeaders["sv"].MatchString(text) {
		t.Errorf("empty extract shows column headers:\n%s", text)
	}
}

func TestUnknownPatient(t *testing.T) {
	s := seeded(t)
	req := request(t, "sv")
	req.Patient, _ = portal.ParsePersonalID(extracttest.OtherPatient)
	_, err := extract.Build(context.Background(), s, catalog, req, &extract.Collect{})
	if portal.ErrorCode(err) != portal.NotFound {
		t.Fatalf("err = %v, want NotFound", err)
	}
	if id, _ := portal.ErrorMsgID(err); id != "extract.error.unknown_patient" {
		t.Errorf("message id %q", id)
	}
}

func TestProviderFilter(t *testing.T) {
	s := seeded(t)
	req := request(t, "sv")
	req.Provider = extracttest.CompanyHSA
	x := collect(t, s, req)
	if x.Summary.Events != 2 {
		t.Fatalf("%d events for the company, want its 2 emergency accesses", x.Summary.Events)
	}
	if got := x.Header.Fields[3].Value; got != "Vårdbolaget Norrsken AB" {
		t.Errorf("provider in header: %q", got)
	}
	req.Provider = "SE9999999999-0000"
	if _, err := extract.Build(context.Background(), s, catalog, req, &extract.Collect{}); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestReadIsRecorded(t *testing.T) {
	s := seeded(t)
	collect(t, s, request(t, "sv"))
	var r struct {
		Kind    string `db:"reader_kind"`
		ID      string `db:"reader_id"`
		Name    string `db:"reader_name"`
		Patient string `db:"patient_id"`
		Rows    int    `db:"rows"`
		Channel string `db:"channel"`
	}
	if err := s.DB().Get(&r, `SELECT reader_kind, reader_id, reader_name, patient_id, rows, channel FROM log_reads`); err != nil {
		t.Fatal(err)
	}
	if r.Kind != "system" || r.ID != "system:Anna Utdragsson" || r.Name != "Anna Utdragsson" || r.Patient != extracttest.PatientID ||
		r.Rows != 15 || r.Channel != "test" {
		t.Errorf("log read: %+v", r)
	}
}

func TestQuality(t *testing.T) {
	s := seeded(t)
	counts, err := s.CodeCounts(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	issues := extract.Quality(catalog.For("sv"), counts)
	got := map[string]extract.QualityIssue{}
	for _, q := range issues {
		got[q.Code] = q
	}
	for code, want := range map[string]string{"XYZ-ÅTGÄRD-42": "hanterade", "HOPERAT-X": "annat syfte", "HOPX-UNKNOWN": "en annan typ av uppgift"} {
		if q, ok := got[code]; !ok || q.Shown != want || q.Count != 1 {
			t.Errorf("quality entry for %s: %+v", code, q)
		}
	}
	for _, known := range []string{"Journalanteckning", "Observation", "Läkemedelslista", "ImagingStudy", "Remiss"} {
		if _, ok := got[known]; ok {
			t.Errorf("%s is a known information type but listed", known)
		}
	}
	// Missing names are listed by the HSA-id an administrator can look up,
	// under a stable field key; a name the log gave is not missing.
	for code, want := range map[string]extract.QualityIssue{
		"SE2321000016-5998": {Field: "actor_name", Code: "SE2321000016-5998", Count: 1, Shown: "Okänd person", Label: "användarens namn saknas"},
		"SE2321000016-1998": {Field: "unit_name", Code: "SE2321000016-1998", Count: 1, Shown: "Okänd vårdenhet", Label: "vårdenhetens namn saknas"},
		"SE2321000016-0099": {Field: "provider_name", Code: "SE2321000016-0099", Count: 1, Shown: "Okänd vårdgivare", Label: "vårdgivarens namn saknas"},
	} {
		if q := got[code]; q != want {
			t.Errorf("missing name %s:\n got %+v\nwant %+v", code, q, want)
		}
	}
	for _, named := range []string{"SE2321000016-5999", "SE2321000016-1999", "SE2321000016-5001", extracttest.RegionHSA} {
		if q, ok := got[named]; ok {
			t.Errorf("%s has a name but is listed: %+v", named, q)
		}
	}
	for _, q := range issues {
		if q.Field != "activity" && q.Field != "purpose" && q.Field != "resource" && !portal.LooksLikeHSAID(q.Code) {
			t.Errorf("missing name without an HSA-id: %+v", q)
		}
		for _, pid := range extracttest.StaffPersonalIDs {
			if strings.Contains(q.Code, pid[2:]) {
				t.Errorf("quality list shows a personal id: %+v", q)
			}
		}
	}
}

// columnHeaders matches the table's column headers as pdftotext lays
// them out (the footer names one column too).
var columnHeaders = map[string]*regexp.Regexp{
	"sv": regexp.MustCompile(`Tid +Vem +Vårdenhet och vårdgivare +Vad +Syfte +Förklaring`),
	"en": regexp.MustCompile(`Time +Who +Care unit and provider +What +Purpose +Explanation`),
}

// checkPageNumbers checks that every page says "Page X of Y" with the real
// page count, and repeats the column headers.
func checkPageNumbers(t *testing.T, lang, path, text string) {
	t.Helper()
	n := pdfPages(t, path)
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) != n {
		t.Fatalf("%s: pdftotext found %d pages, pdfinfo %d", lang, len(pages), n)
	}
	format, header := "Sida %d av %d", columnHeaders["sv"]
	if lang == "en" {
		format, header = "Page %d of %d", columnHeaders["en"]
	}
	for i, p := range pages {
		if want := fmt.Sprintf(format, i+1, n); !strings.Contains(p, want) {
			t.Errorf("%s page %d lacks %q", lang, i+1, want)
		}
		if i < n-1 && !header.MatchString(p) {
			t.Errorf("%s page %d lacks the column headers", lang, i+1)
		}
	}
}

// TestExamplePNG renders the first page of the fixture's extract as
// docs/extract-example.png when run with -update.
func TestExamplePNG(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite docs/extract-example.png")
	}
	s := seeded(t)
	path := buildPDF(t, s, request(t, "sv"))
	out := filepath.Join("..", "docs", "extract-example")
	if b, err := exec.Command("pdftoppm", "-png", "-r", "80", "-singlefile", path, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
}

// TestChildsExtractSpeaksOfTheChild: the extract a guardian makes while
// acting for a child speaks of the child's record, care and consent in
// its subtitle, legend and footer, as its header ("barnets
// vårdnadshavare") and explanations do; never of the reader's own.
func TestChildsExtractSpeaksOfTheChild(t *testing.T) {
	own := regexp.MustCompile(`(?i)\b(din journal|ditt samtycke|ge dig|du hade|du var inlagd|om dig|dina utdrag|your record|your consent|give you|you were|you had|about you|your extracts)\b`)
	kim, err := portal.ParsePersonalID("201604011237")
	if err != nil {
		t.Fatal(err)
	}
	greta, err := portal.ParsePersonalID(extracttest.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"sv", "en"} {
		req := extract.Request{Patient: kim, From: extracttest.From, To: extracttest.To, Lang: lang,
			Actor: portal.PatientActor(greta, "Greta").ActingFor(kim), ProducedAt: produced}
		x := extract.Frame(catalog.For(lang), req, store.ExtractSubject{PatientName: "Kim Ek"})
		texts := []string{x.Header.Subtitle, x.Footer.About, x.Footer.Complaint}
		for _, it := range x.Legend.Items {
			texts = append(texts, it.Value)
		}
		child := 0
		for _, s := range texts {
			if m := own.FindString(s); m != "" {
				t.Errorf("%s: the child's extract says %q: %s", lang, m, s)
			}
			if strings.Contains(s, "barnet") || strings.Contains(s, "the child") {
				child++
			}
		}
		if child < 5 {
			t.Errorf("%s: %d texts name the child, want the subtitle, footer and legend's emergency, explanation and protected", lang, child)
		}
		// The patient's own extract still speaks to them.
		req.Actor = portal.PatientActor(kim, "Kim")
		if x := extract.Frame(catalog.For(lang), req, store.ExtractSubject{}); !own.MatchString(x.Legend.Items[3].Value) {
			t.Errorf("%s: the patient's own legend: %s", lang, x.Legend.Items[3].Value)
		}
	}
}

// TestRowsIsBuildWithoutFrame checks that Rows, which the history page
// reads, gives the same days and summary as Build and records the read,
// leaves the frame out, and leaves a care provider's part to Build.
func TestRowsIsBuildWithoutFrame(t *testing.T) {
	s := seeded(t)
	req := request(t, "sv")
	full := collect(t, s, req)
	var col extract.Collect
	if _, err := extract.Rows(context.Background(), s, catalog, req, &col); err != nil {
		t.Fatal(err)
	}
	for i := range full.Days {
		for j := range full.Days[i].Rows {
			full.Days[i].Rows[j].Events, col.Extract.Days[i].Rows[j].Events = nil, nil
		}
	}
	if !reflect.DeepEqual(col.Extract.Days, full.Days) || !reflect.DeepEqual(col.Extract.Summary, full.Summary) {
		t.Errorf("Rows differs from Build:\n got %+v\nwant %+v", col.Extract.Summary, full.Summary)
	}
	if col.Extract.Title != "" || len(col.Extract.Header.Fields) != 0 {
		t.Errorf("Rows built a frame: %q %+v", col.Extract.Title, col.Extract.Header)
	}
	var reads int
	if err := s.DB().Get(&reads, `SELECT count(*) FROM log_reads WHERE rows = 15`); err != nil {
		t.Fatal(err)
	}
	if reads != 2 {
		t.Errorf("%d reads recorded, want 2", reads)
	}
	req.Provider = extracttest.CompanyHSA
	if _, err := extract.Rows(context.Background(), s, catalog, req, &extract.Collect{}); err == nil {
		t.Error("Rows read one provider's part")
	}
}

// TestAccessibleFooterNamesTheMenuItem: an extract without the web page's
// address (the clerk's, the command line's) tells the patient which menu
// item of Insyn shows the same accesses, by the name the menu gives it
// (it named a page "Min historik" that the menu never had).
func TestAccessibleFooterNamesTheMenuItem(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		l := catalog.For(lang)
		if footer, item := l.T("extract.footer.accessible"), l.T("web.nav.history"); !strings.Contains(footer, item) {
			t.Errorf("%s: %q does not name the menu item %q", lang, footer, item)
		}
	}
}
