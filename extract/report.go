package extract

import (
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// Report is a document in the extract's look that is not an extract (the
// monthly control report of a care unit): a title, labelled fields, and
// sections of text and tables. Like the extract, every text is already in
// the reader's language; WriteReportPDF adds no words of its own.
type Report struct {
	Lang      string
	Title     string
	Subtitle  string
	Ref       string // what the page footers name beside the title, e.g. the unit
	Fields    []Field
	Sections  []ReportSection
	Footer    string // a short line on every page
	PageLabel string // "Sida {page} av {pages}"
}

// ReportSection is a heading, an optional paragraph and an optional table.
type ReportSection struct {
	Title   string
	Text    string
	Columns []string
	Widths  []float64 // relative widths of the columns
	Rows    []ReportRow
	Empty   string // said instead of the table when it has no rows
}

// ReportRow is one table row; an alert row is tinted as an extract's
// emergency rows are.
type ReportRow struct {
	Cells []string
	Alert bool
}

// WriteReportPDF lays the report out with the extract's fonts, colours,
// header and footer. created stamps the document.
func WriteReportPDF(w io.Writer, r Report, created time.Time) error {
	p := &PDFWriter{w: w, created: created}
	p.x = Extract{Lang: r.Lang, Title: r.Title, Header: Header{Subtitle: r.Subtitle, PatientRef: r.Ref},
		Labels: Labels{Page: r.PageLabel}, Footer: Footer{Short: r.Footer}}
	p.open(r.Title+" · "+r.Ref, r.Subtitle, r.Lang)
	y := p.heading(r.Title, r.Subtitle, r.Fields) + 4
	p.pdf.SetY(y)
	for _, s := range r.Sections {
		p.section(s)
	}
	if err := p.pdf.Error(); err != nil {
		return fmt.Errorf("extract: report: %w", err)
	}
	if err := p.pdf.Output(p.w); err != nil {
		return fmt.Errorf("extract: report: %w", err)
	}
	return nil
}

// section draws a heading (kept with what follows it), its paragraph and
// its table, whose column headers repeat on every page it runs onto.
func (p *PDFWriter) section(s ReportSection) {
	pdf := p.pdf
	width := pageW - 2*margin
	var text []line
	if s.Text != "" {
		text = p.wrap(segment{text: s.Text, color: colorText}, width, 9)
	}
	need := 7 + float64(len(text))*4.2 + 12
	if pdf.GetY()+need > footerTop {
		p.addPage()
		pdf.SetY(margin)
	}
	y := pdf.GetY() + 2
	p.setFont(true, 11, colorText)
	pdf.Text(margin, y+4, clean(s.Title))
	y += 7
	if s.Text != "" {
		y += p.paragraph(margin, y, width, []segment{{text: s.Text, color: colorText}}, 9, 4.2) + 1.5
	}
	pdf.SetY(y)
	if len(s.Columns) == 0 {
		pdf.SetY(y + 3)
		return
	}
	if len(s.Rows) == 0 {
		if s.Empty != "" {
			y += p.paragraph(margin, y, width, []segment{{text: s.Empty, color: colorMuted}}, 9, 4.2)
		}
		pdf.SetY(y + 4)
		return
	}
	widths := scaleWidths(s.Widths, len(s.Columns), width)
	head := make([][]line, len(s.Columns))
	for i, c := range s.Columns {
		head[i] = p.wrap(segment{text: c, bold: true, color: colorText}, widths[i], bodySize)
	}
	p.tableRow(head, widths, true, false)
	for _, r := range s.Rows {
		cells := make([][]line, len(s.Columns))
		for i := range s.Columns {
			if i < len(r.Cells) {
				cells[i] = p.wrap(segment{text: r.Cells[i], color: colorText}, widths[i], bodySize)
			}
		}
		if pdf.GetY()+float64(maxLines(cells))*lineH+2*padY > footerTop {
			p.addPage()
			pdf.SetY(margin)
			p.tableRow(head, widths, true, false)
		}
		p.tableRow(cells, widths, false, r.Alert)
	}
	pdf.SetY(pdf.GetY() + 4)
}

// tableRow draws one row of wrapped cells at the current y.
func (p *PDFWriter) tableRow(cells [][]line, widths []float64, header, alert bool) {
	pdf := p.pdf
	n := maxLines(cells)
	h := float64(n)*lineH + 2*padY
	y := pdf.GetY()
	switch {
	case header:
		p.fill(margin, y, pageW-2*margin, h, fillHeader)
	case alert:
		p.fill(margin, y, pageW-2*margin, h, fillAlertRow)
	}
	x := margin
	for i, col := range cells {
		for k, l := range col {
			p.setFont(l.bold, bodySize, l.color)
			pdf.SetXY(x, y+padY+float64(k)*lineH)
			pdf.CellFormat(widths[i], lineH, l.text, "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	if !header {
		p.rule(y + h)
	}
	pdf.SetY(y + h)
}

// scaleWidths makes relative widths fill the page; missing ones are equal.
func scaleWidths(rel []float64, n int, total float64) []float64 {
	out := make([]float64, n)
	sum := 0.0
	for i := range out {
		out[i] = 1
		if i < len(rel) && rel[i] > 0 {
			out[i] = rel[i]
		}
		sum += out[i]
	}
	for i := range out {
		out[i] = out[i] / sum * total
	}
	return out
}

// ActivityWords is an activity in plain words ("läste"), as the extract
// says it: other pages name accesses in the same words.
func ActivityWords(loc *i18n.Localizer, a portal.Activity) string {
	id, _ := activityMsg(a)
	return loc.T(id)
}

// AccessWords is one access in the extract's words ("läste en
// journalanteckning", "read a clinical note"): staff pages that list
// single accesses word them as the patient's history does.
func AccessWords(loc *i18n.Localizer, a portal.Activity, resourceType string) string {
	info, _ := infoMsg(resourceType)
	return loc.T(whatMsg(a), map[string]any{"Info": loc.T(info)})
}

// FlagReasonWords is a flag's reason as its filer chose it, for the staff
// who read the flag: a guardian chose among the child's reasons ("Barnet
// hade ingen vård på enheten då"), the patient among their own.
func FlagReasonWords(loc *i18n.Localizer, reason portal.FlagReason, byGuardian bool) string {
	id := "web.flag.reason." + string(reason)
	if byGuardian && loc.Has(id+"_child") {
		id += "_child"
	}
	return loc.T(id)
}

// CareApart is how far an access at at lies from the care relation of
// kind (from start, to end when it has one) that explains it, in the words
// of the patient's history ("29 dagar tidigare", "2 days later"; "" within
// it): calendar days in the reader's time zone, by the computation the
// extract uses, so a reviewer reads the distance the patient reads.
func CareApart(loc *i18n.Localizer, kind string, at, start time.Time, end sql.NullTime) string {
	last := start
	if end.Valid {
		last = end.Time
	}
	switch days := relationDays(loc, kind, !end.Valid, at, start, last); {
	case days > 0:
		return loc.N("extract.explain.later", days)
	case days < 0:
		return loc.N("extract.explain.earlier", -days)
	}
	return ""
}

// TitleWords is a staff title in the reader's language when it is a known
// one ("Sjuksköterska" is "nurse" in English, in lower case as running text writes titles), else the title as given:
// staff pages name people's titles as the extract does.
func TitleWords(loc *i18n.Localizer, title string) string {
	if id, ok := titleMsg(title); ok && title != "" {
		return loc.T(id)
	}
	return title
}

// PurposeWords is a purpose in plain words, as the extract says it.
func PurposeWords(loc *i18n.Localizer, p portal.Purpose, code string) string {
	id, _ := purposeMsg(p, code)
	return loc.T(id)
}
