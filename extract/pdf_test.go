package extract_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// dayHeading matches a day's heading line as pdftotext lays it out.
var dayHeading = regexp.MustCompile(`^(Måndag|Tisdag|Onsdag|Torsdag|Fredag|Lördag|Söndag) \d{4}-\d{2}-\d{2} · \d+\s(åtkomst|åtkomster)$`)

// A day's heading is never left alone at the bottom of a page: whatever
// the height of the day's first row, the heading moves with it. Days of one
// row each, from 1 to 13 lines high, make page breaks fall everywhere.
func TestDayHeadingKeptWithFirstRow(t *testing.T) {
	l := catalog.For("sv")
	req := request(t, "sv")
	x := extract.Frame(l, req, store.ExtractSubject{PatientName: "Tolvan Tolvansson"})
	path := filepath.Join(t.TempDir(), "keep.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := extract.NewPDFWriter(f, produced)
	if err := w.Begin(&x); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 1, 12, 0, 0, 0, portal.Stockholm)
	events := 0
	for i := 0; i < 90; i++ {
		lines := 1 + (i*5)%13
		r := extract.Row{Time: "02:13", Who: "Nils Nordin", Title: "Läkare", Unit: "Norrskenskliniken Öst",
			Provider: "Vårdbolaget Norrsken AB", What: "använde nödåtkomst och läste läkemedelslistan",
			Kinds: []string{"läkemedelslistan"}, Count: 1,
			Purpose: "vård och behandling", Emergency: i%3 == 0,
			Explanation: strings.TrimSpace(strings.Repeat("Förklaringen fortsätter ", 2*lines))}
		d := extract.Day{Date: l.T(fmt.Sprintf("extract.weekday.%d", day.Weekday())) + " " + l.Date(day),
			Accesses: l.N("extract.accesses", 1), Count: 1, Rows: []extract.Row{r}}
		if err := w.Day(&d); err != nil {
			t.Fatal(err)
		}
		events++
		day = day.AddDate(0, 0, 1)
	}
	if err := w.End(&extract.Summary{Events: events, Rows: events, Text: l.N("extract.summary.total", events)}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkNoLonelyDayHeading(t, path, x.Footer.Short)
}

// checkNoLonelyDayHeading fails when a page's last line of text above the
// footer is a day's heading.
func checkNoLonelyDayHeading(t *testing.T, path, footer string) {
	t.Helper()
	text := pdftotext(t, path)
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) < 3 {
		t.Fatalf("only %d pages; the test would prove little", len(pages))
	}
	footerStart := strings.Fields(footer)[0]
	for i, p := range pages {
		var last string
		for _, ln := range strings.Split(p, "\n") {
			ln = strings.Join(strings.Fields(ln), " ")
			if ln == "" || strings.Contains(ln, "Sida ") || strings.HasPrefix(ln, footerStart) {
				continue
			}
			last = ln
		}
		if dayHeading.MatchString(last) {
			t.Errorf("page %d of %d ends with the day heading %q", i+1, len(pages), last)
		}
	}
}

// A count ("12 gånger") is never split across lines, wherever the column
// would break it.
func TestCountKeptOnOneLine(t *testing.T) {
	l := catalog.For("sv")
	x := extract.Frame(l, request(t, "sv"), store.ExtractSubject{PatientName: "Tolvan Tolvansson"})
	path := filepath.Join(t.TempDir(), "nbsp.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := extract.NewPDFWriter(f, produced)
	if err := w.Begin(&x); err != nil {
		t.Fatal(err)
	}
	rows := 0
	d := extract.Day{Date: "Torsdag 2026-03-05", Accesses: l.N("extract.accesses", 12*30), Count: 12 * 30}
	for k := 0; k < 30; k++ {
		// Words of growing length push the count to every place on the line.
		what := "läste " + strings.Repeat("a", k) + " " + l.N("extract.times", 12)
		d.Rows = append(d.Rows, extract.Row{Time: "14:02", Who: "Åsa Öberg", Unit: "Vårdcentralen Ängsbacken",
			Provider: "Region Exempelland", What: what, Count: 12, Purpose: "vård och behandling"})
		rows++
	}
	if err := w.Day(&d); err != nil {
		t.Fatal(err)
	}
	if err := w.End(&extract.Summary{Text: "Slut."}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got := strings.Count(pdftotext(t, path), "12 gånger"); got != rows {
		t.Errorf("%q on one line %d times, want %d", "12 gånger", got, rows)
	}
}
