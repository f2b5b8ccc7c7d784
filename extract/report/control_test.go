package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/extract/report"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// pdfText is the PDF's text in content order, whitespace collapsed, so a
// cell wrapped over lines still reads as one phrase.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// codes are what a head of unit must never read: HSA-ids, personal ids,
// enum values (snake_case), role names.
var codes = regexp.MustCompile(`SE\d{10}-\w+|\b(19|20)\d{10}\b|\b[a-z]+_[a-z_]+\b`)

// englishCodes are the enum values that are also English words: a Swedish
// report must not hold them.
var englishCodes = regexp.MustCompile(`\b(sample|targeted|watchlist|rule|flag|justified|unjustified|unclear|findings|staff|patient)\b`)

func TestControlReportPDF(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, &portal.FixedClock{T: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)})
	w := storetest.SeedControls(t, s)
	w.CompleteControls(t, s)
	texts := i18n.MustLoad(portal.Stockholm)
	month, err := report.ParseMonth("2026-04")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"sv": {"Kontrollrapport", "Uppföljning av åtkomst till patientuppgifter, april 2026", "Kirurgkliniken",
			"Region Exempelland", "2026-04-02 08:00 av Hedda Chef",
			"3 kontroller avslutades under månaden: 1 befogad, 1 obefogad, 0 oklara, 0 utan anmärkning och 1 med avvikelser.",
			"Riktad kontroll", "Åtkomster av Anna Berg under perioden", "Avvikelser funna",
			"Samtal med medarbetaren; behörigheten begränsad", "Regelträff, ärende", "Ärende öppnat av granskaren, från en riktad kontroll",
			"Obefogad", "Stickprov", "2 av 2 användare som arbetade för enheten under månaden", "Befogad",
			"Rut Granskare", "Inga noterade", "Behörigheter att gå igenom", "Bo Lund, läkare", "Uppdraget 2026-02-28", "2 åtkomster",
			"patientdatalagen 4 kap. 3 §", "Sida 1 av"},
		"en": {"Control report", "Follow-up of access to patient records, April 2026", "2 Apr 2026, 08:00 by Hedda Chef",
			"3 checks were completed in the month: 1 justified, 1 not justified, 0 unclear, 0 with nothing found and 1 with findings.",
			"Targeted check", "Accesses by Anna Berg in the period", "Findings",
			"Not justified", "Random sample", "Justified", "None recorded", "Authorisations to review",
			"Assignment 28 Feb 2026", "Page 1 of"},
	}
	for lang, phrases := range want {
		var buf bytes.Buffer
		n, err := report.WriteControlPDF(ctx, &buf, s, texts, report.ControlQuery{Unit: w.Unit, Month: month, Lang: lang,
			Actor: w.Head, ProducedAt: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)})
		if err != nil || n != 3 {
			t.Fatalf("%s: %d controls, %v", lang, n, err)
		}
		text := pdfText(t, buf.Bytes())
		for _, p := range phrases {
			if !strings.Contains(text, p) {
				t.Errorf("%s: %q missing from\n%s", lang, p, text)
			}
		}
		if m := englishCodes.FindAllString(text, -1); lang == "sv" && len(m) > 0 {
			t.Errorf("sv: enum values shown: %q", m)
		}
		if m := codes.FindAllString(text, -1); len(m) > 0 {
			t.Errorf("%s: codes shown: %q", lang, m)
		}
	}

	// A month without controls says so; another provider's unit is not found.
	var buf bytes.Buffer
	if n, err := report.WriteControlPDF(ctx, &buf, s, texts, report.ControlQuery{Unit: w.Unit, Month: month.AddDate(0, -1, 0),
		Lang: "sv", Actor: w.Reviewer, ProducedAt: month}); err != nil || n != 0 ||
		!strings.Contains(pdfText(t, buf.Bytes()), "Inga kontroller avslutades för enheten under månaden.") {
		t.Errorf("empty month: %d %v", n, err)
	}
	if _, err := report.WriteControlPDF(ctx, &buf, s, texts, report.ControlQuery{Unit: w.Unit, Month: month, Lang: "sv",
		Actor: w.OtherReviewer, ProducedAt: month}); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("another provider's unit: %v", err)
	}
	if _, err := report.WriteControlPDF(ctx, &buf, s, texts, report.ControlQuery{Unit: w.Unit, Month: month, Lang: "sv",
		Actor: w.Clerk, ProducedAt: month}); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("a clerk: %v", err)
	}
}

// A member of staff is named with their title in the reader's language
// when it is a known one, as the extract names them; others as given.
func TestPersonWordsTitleInReadersLanguage(t *testing.T) {
	texts := i18n.MustLoad(portal.Stockholm)
	for _, c := range []struct{ lang, title, want string }{
		{"sv", "Sjuksköterska", "Anna Berg, sjuksköterska"},
		{"en", "Sjuksköterska", "Anna Berg, nurse"},
		{"en", "Undersköterska", "Anna Berg, assistant nurse"},
		{"en", "Stjärnkikare", "Anna Berg, stjärnkikare"},
		{"en", "", "Anna Berg"},
	} {
		if got := report.PersonWords(texts.For(c.lang), "Anna Berg", false, c.title); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.lang, c.title, got, c.want)
		}
	}
}

// TestEndedWordsReadAsOneSentence: an assignment and an employment that
// both ended read as one sentence, capital first and lower case after the
// semicolon ("Uppdraget …; Anställningen …" capitalised both).
func TestEndedWordsReadAsOneSentence(t *testing.T) {
	texts := i18n.MustLoad(portal.Stockholm)
	ended := sql.NullTime{Time: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), Valid: true}
	both := store.AuthorisationRow{AssignmentEnded: ended, EmploymentEnded: ended}
	employment := store.AuthorisationRow{EmploymentEnded: ended}
	for _, c := range []struct {
		lang string
		row  store.AuthorisationRow
		want string
	}{
		{"sv", both, "Uppdraget 2026-10-02; anställningen 2026-10-02"},
		{"en", both, "Assignment 2 Oct 2026; employment 2 Oct 2026"},
		{"sv", employment, "Anställningen 2026-10-02"},
	} {
		if got := report.EndedWords(texts.For(c.lang), c.row); got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
}
