package extract

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// DejaVu Sans (fonts-dejavu-core, see fonts/LICENSE) covers å, ä, ö and
// every other letter of the names a Swedish extract meets.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Page geometry, in millimetres, for A4 landscape.
const (
	pageW, pageH = 297.0, 210.0
	margin       = 12.0
	footerTop    = pageH - 17.0 // the table ends above the footer
	lineH        = 3.6          // body line height
	padY         = 1.0          // space above and below a row's text
	cellMargin   = 1.2
	bodySize     = 8.0
	family       = "dejavu"
)

var (
	colorText    = [3]int{20, 20, 20}
	colorMuted   = [3]int{90, 90, 90}
	colorAlert   = [3]int{170, 20, 20}
	colorRule    = [3]int{200, 200, 200}
	fillHeader   = [3]int{225, 230, 238}
	fillDay      = [3]int{242, 242, 242}
	fillAlertRow = [3]int{253, 236, 236}
)

// column widths sum to the page width inside the margins (273 mm).
var colWidths = [6]float64{22, 46, 58, 46, 44, 57}

// PDFWriter is a Sink that lays the extract out with fpdf: header and
// legend on the first page, the table with its column headers repeated on
// every page, "Page X of Y", and a footer on complaints. It adds no words
// of its own: every text comes from the Extract.
type PDFWriter struct {
	w       io.Writer
	pdf     *fpdf.Fpdf
	x       Extract
	created time.Time
	inTable bool   // column headers belong at the top of new pages
	day     string // the day being drawn, repeated after a page break
	font    fontState
	ruleSet bool    // draw colour and width set on this page
	sumY    float64 // where on the first page the summary goes, once it is known
}

// summaryH is the room kept on the first page for the summary: its counts
// are known only at the end, when fpdf can still draw on page 1.
const summaryH = 3 * 4.2

// fontState is the font and colour last selected. fpdf writes a font
// operator on every SetFont, even an unchanged one; skipping those halves
// the size of each page, which fpdf keeps in memory until the end.
type fontState struct {
	bold  bool
	size  float64
	color [3]int
	set   bool
}

// NewPDFWriter writes the PDF to w when the extract ends. created stamps
// the document (so the same extract gives the same bytes).
func NewPDFWriter(w io.Writer, created time.Time) *PDFWriter {
	return &PDFWriter{w: w, created: created}
}

type line struct {
	text  string
	bold  bool
	color [3]int
}

type segment = line

func (p *PDFWriter) Begin(x *Extract) error {
	p.x = *x
	p.x.Days = nil
	p.open(x.Title+" · "+x.Header.PatientRef, x.Header.Subtitle, x.Lang)
	pdf := p.pdf
	y := p.heading(x.Title, x.Header.Subtitle, x.Header.Fields)
	y += 3
	p.sumY = y
	y += summaryH + 2
	y += p.paragraph(margin, y, pageW-2*margin, []segment{{text: x.Footer.Accessible, color: colorMuted}}, 8, 3.6) + 3

	// Legend in two columns.
	p.setFont(true, 9.5, colorText)
	pdf.Text(margin, y+3.5, clean(x.Legend.Title))
	y += 5.5
	colW := (pageW - 2*margin - 8) / 2
	items := x.Legend.Items
	for i := 0; i < len(items); i += 2 {
		h := 0.0
		for j := 0; j < 2 && i+j < len(items); j++ {
			it := items[i+j]
			hh := p.paragraph(margin+float64(j)*(colW+8), y, colW,
				[]segment{{text: it.Label, bold: true, color: colorText}, {text: it.Value, color: colorText}}, 7.5, 3.3)
			h = max(h, hh)
		}
		y += h + 1
	}
	pdf.SetY(y + 3)
	return pdf.Error()
}

// open starts the document: fonts, metadata, the footer and the first
// page. Every PDF Insyn makes (extracts, control reports) starts here, so
// they share one look.
func (p *PDFWriter) open(title, subject, lang string) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(cellMargin)
	pdf.AliasNbPages("{nb}")
	// Title, subject and language for readers and assistive technology;
	// fpdf cannot tag the structure, so the PDF names its accessible web
	// version (Footer.Accessible) on its first and last page.
	pdf.SetTitle(clean(title), true)
	pdf.SetSubject(clean(subject), true)
	pdf.SetCreator("Insyn", true)
	pdf.SetLang(lang)
	pdf.SetCreationDate(p.created)
	pdf.SetModificationDate(p.created)
	pdf.SetCatalogSort(true)
	pdf.SetFooterFunc(p.footer)
	p.pdf = pdf
	p.addPage()
}

// heading draws the title, the subtitle and the labelled header fields at
// the top of the first page and returns where it ended.
func (p *PDFWriter) heading(title, subtitle string, fields []Field) float64 {
	pdf := p.pdf
	y := margin
	p.setFont(true, 16, colorText)
	pdf.Text(margin, y+5, clean(title))
	y += 8
	p.setFont(false, 10, colorMuted)
	pdf.Text(margin, y+3.5, clean(subtitle))
	y += 8

	// Header fields: a label column as wide as its longest label, and the
	// value column.
	labelW := 42.0
	p.setFont(true, 9, colorText)
	for _, f := range fields {
		labelW = max(labelW, pdf.GetStringWidth(clean(f.Label))+2*cellMargin+4)
	}
	labelW = min(labelW, (pageW-2*margin)/3)
	for _, f := range fields {
		h := p.paragraph(margin, y, labelW, []segment{{text: f.Label, bold: true, color: colorText}}, 9, 4.2)
		h2 := p.paragraph(margin+labelW, y, pageW-2*margin-labelW, []segment{{text: f.Value, color: colorText}}, 9, 4.2)
		y += max(h, h2)
	}
	return y
}

// paragraph draws segments one after another as wrapped lines in a box of
// width w at (x, y) and returns its height. Each segment starts a line.
func (p *PDFWriter) paragraph(x, y, w float64, segs []segment, size, lh float64) float64 {
	var lines []line
	for _, s := range segs {
		lines = append(lines, p.wrap(s, w, size)...)
	}
	for i, l := range lines {
		p.setFont(l.bold, size, l.color)
		p.pdf.SetXY(x, y+float64(i)*lh)
		p.pdf.CellFormat(w, lh, l.text, "", 0, "L", false, 0, "")
	}
	return float64(len(lines)) * lh
}

// wrap splits a segment into lines that fit width w at the given size.
func (p *PDFWriter) wrap(s segment, w, size float64) []line {
	text := clean(s.text)
	if text == "" {
		return nil
	}
	p.setFont(s.bold, size, s.color)
	parts := p.split(text, w)
	out := make([]line, 0, len(parts))
	for _, t := range parts {
		out = append(out, line{text: t, bold: s.bold, color: s.color})
	}
	return out
}

// split breaks text into lines of width w in the current font. fpdf's
// SplitText breaks at any space, the no-break space too; text that has one
// ("4 gånger", "1 §") is wrapped here at ordinary spaces only.
func (p *PDFWriter) split(text string, w float64) []string {
	if !strings.ContainsRune(text, nbsp) {
		return p.pdf.SplitText(text, w)
	}
	avail := w - 2*cellMargin
	var out []string
	cur := ""
	for _, word := range strings.Split(text, " ") {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if cur == "" || p.pdf.GetStringWidth(try) <= avail {
			cur = try
			continue
		}
		out = append(out, p.longWord(cur, w)...)
		cur = word
	}
	return append(out, p.longWord(cur, w)...)
}

// longWord keeps a word that fits on one line whole; one wider than the
// line breaks where fpdf would, at a no-break space if need be.
func (p *PDFWriter) longWord(s string, w float64) []string {
	if p.pdf.GetStringWidth(s) <= w-2*cellMargin {
		return []string{s}
	}
	return p.pdf.SplitText(s, w)
}

const nbsp = '\u00a0'

func (p *PDFWriter) setFont(bold bool, size float64, c [3]int) {
	if p.font.set && p.font.bold == bold && p.font.size == size {
		if p.font.color != c {
			p.textColor(c)
		}
		return
	}
	style := ""
	if bold {
		style = "B"
	}
	p.pdf.SetFont(family, style, size)
	p.font = fontState{bold: bold, size: size, set: true}
	p.textColor(c)
}

// textColor sets the text colour and the fill colour alike: when they
// differ, fpdf wraps every text in a save/restore of the graphics state.
func (p *PDFWriter) textColor(c [3]int) {
	p.pdf.SetTextColor(c[0], c[1], c[2])
	p.pdf.SetFillColor(c[0], c[1], c[2])
	p.font.color = c
}

// fill paints a rectangle and gives the fill colour back to the text.
func (p *PDFWriter) fill(x, y, w, h float64, c [3]int) {
	p.pdf.SetFillColor(c[0], c[1], c[2])
	p.pdf.Rect(x, y, w, h, "F")
	p.pdf.SetFillColor(p.font.color[0], p.font.color[1], p.font.color[2])
}

// addPage starts a page; fpdf selects the font again itself, so the
// remembered state is dropped.
func (p *PDFWriter) addPage() {
	p.pdf.AddPage()
	p.font.set = false
	p.ruleSet = false
}

func (p *PDFWriter) headerCells() [][]line {
	l := p.x.Labels
	heads := []string{l.Time, l.Who, l.Where, l.What, l.Why, l.Explanation}
	cells := make([][]line, len(heads))
	for i, h := range heads {
		cells[i] = p.wrap(segment{text: h, bold: true, color: colorText}, colWidths[i], bodySize)
	}
	return cells
}

// columnHeadersHeight is the height columnHeaders will take.
func (p *PDFWriter) columnHeadersHeight() float64 {
	return float64(maxLines(p.headerCells()))*lineH + 2*padY
}

func (p *PDFWriter) columnHeaders() {
	pdf := p.pdf
	cells := p.headerCells()
	n := maxLines(cells)
	h := float64(n)*lineH + 2*padY
	y := pdf.GetY()
	p.fill(margin, y, pageW-2*margin, h, fillHeader)
	p.drawCells(cells, 0, n, y)
	pdf.SetY(y + h)
}

// newPage ends the page and starts the next with the column headers and,
// in the middle of a day, the day repeated as continued.
func (p *PDFWriter) newPage() {
	p.addPage()
	p.pdf.SetY(margin)
	if !p.inTable {
		return
	}
	p.columnHeaders()
	if p.day != "" {
		p.dayHeader(p.day + " " + p.x.Labels.Continued)
	}
}

// dayHeaderHeight is the height dayHeader will take for text.
func (p *PDFWriter) dayHeaderHeight(text string) float64 {
	return float64(len(p.wrap(segment{text: text, bold: true, color: colorText}, pageW-2*margin, 8.5)))*4 + 2*padY
}

func (p *PDFWriter) dayHeader(text string) {
	pdf := p.pdf
	lines := p.wrap(segment{text: text, bold: true, color: colorText}, pageW-2*margin, 8.5)
	h := float64(len(lines))*4 + 2*padY
	y := pdf.GetY()
	p.fill(margin, y, pageW-2*margin, h, fillDay)
	for i, l := range lines {
		p.setFont(true, 8.5, l.color)
		pdf.SetXY(margin, y+padY+float64(i)*4)
		pdf.CellFormat(pageW-2*margin, 4, l.text, "", 0, "L", false, 0, "")
	}
	pdf.SetY(y + h)
}

func (p *PDFWriter) Day(d *Day) error {
	label := d.Date + " · " + d.Accesses
	for i := range d.Rows {
		cells := p.cells(&d.Rows[i])
		if i == 0 {
			// Keep the day's heading with its first row, by the rule row()
			// follows: a row that does not fit moves whole to the next page
			// unless it is taller than a fresh page holds.
			need := p.dayHeaderHeight(label) + float64(min(maxLines(cells), p.freshAvail()))*lineH + 2*padY
			if !p.inTable {
				need += p.columnHeadersHeight()
			}
			if p.pdf.GetY()+need > footerTop {
				p.day = ""
				p.inTable = true
				p.newPage()
			} else if !p.inTable {
				// The table starts with its first day: an empty extract
				// has no column headers.
				p.inTable = true
				p.columnHeaders()
			}
			p.dayHeader(label)
			p.day = label
		}
		p.row(cells, d.Rows[i].Emergency)
	}
	p.day = ""
	return p.pdf.Error()
}

// cells renders a row's texts into wrapped lines per column.
func (p *PDFWriter) cells(r *Row) [][]line {
	who := []segment{{text: r.Who, bold: true, color: colorText}}
	if r.Title != "" {
		who = append(who, segment{text: r.Title, color: colorMuted})
	}
	where := []segment{{text: r.Unit, color: colorText}, {text: r.Provider, color: colorMuted}}
	if r.Owner != "" {
		where = append(where, segment{text: p.x.Labels.Owner + ": " + r.Owner, color: colorText})
	}
	var why []segment
	if r.Emergency {
		why = append(why, segment{text: p.x.Labels.Emergency, bold: true, color: colorAlert})
	}
	why = append(why, segment{text: r.Purpose, color: colorText})
	explanation := []segment{{text: r.Explanation, color: colorMuted}}
	if r.Unexplained {
		explanation = []segment{{text: p.x.Labels.Unexplained, bold: true, color: colorAlert}}
	}
	cols := [6][]segment{
		{{text: r.Time, color: colorText}},
		who, where,
		{{text: r.What, color: colorText}},
		why,
		explanation,
	}
	out := make([][]line, 6)
	for i, segs := range cols {
		for _, s := range segs {
			out[i] = append(out[i], p.wrap(s, colWidths[i], bodySize)...)
		}
	}
	return out
}

// row draws one table row, breaking the page before it when it does not
// fit, and across pages only when it is taller than a whole page.
func (p *PDFWriter) row(cells [][]line, alert bool) {
	pdf := p.pdf
	n := maxLines(cells)
	start := 0
	for start < n {
		y := pdf.GetY()
		avail := int((footerTop - y - 2*padY) / lineH)
		rest := n - start
		if rest > avail {
			fresh := p.freshAvail()
			if rest <= fresh || avail < 1 {
				p.newPage()
				continue
			}
		}
		take := min(rest, avail)
		h := float64(take)*lineH + 2*padY
		if alert {
			p.fill(margin, y, pageW-2*margin, h, fillAlertRow)
		}
		p.drawCells(cells, start, start+take, y)
		p.rule(y + h)
		pdf.SetY(y + h)
		start += take
	}
}

// freshAvail is how many body lines fit on a new page under the column
// headers and the day's heading.
func (p *PDFWriter) freshAvail() int {
	used := margin + p.columnHeadersHeight() + (4 + 2*padY)
	return int((footerTop - used - 2*padY) / lineH)
}

// drawCells draws lines [from, to) of each column, style by style, so
// that the font and colour change a few times per row, not on every line.
func (p *PDFWriter) drawCells(cells [][]line, from, to int, y float64) {
	type style struct {
		bold  bool
		color [3]int
	}
	var styles [8]style
	ns := 0
	for _, col := range cells {
		for k := from; k < to && k < len(col); k++ {
			st := style{col[k].bold, col[k].color}
			seen := false
			for _, s := range styles[:ns] {
				seen = seen || s == st
			}
			if !seen && ns < len(styles) {
				styles[ns] = st
				ns++
			}
		}
	}
	// The current style first: no switch at all for plain rows.
	for i := 1; i < ns; i++ {
		if styles[i].bold == p.font.bold && styles[i].color == p.font.color {
			styles[0], styles[i] = styles[i], styles[0]
		}
	}
	for _, st := range styles[:ns] {
		x := margin
		for i, col := range cells {
			for k := from; k < to && k < len(col); k++ {
				if l := col[k]; l.bold == st.bold && l.color == st.color {
					p.setFont(l.bold, bodySize, l.color)
					p.pdf.SetXY(x, y+padY+float64(k-from)*lineH)
					p.pdf.CellFormat(colWidths[i], lineH, l.text, "", 0, "L", false, 0, "")
				}
			}
			x += colWidths[i]
		}
	}
}

// rule draws a thin grey line across the table.
func (p *PDFWriter) rule(y float64) {
	if !p.ruleSet {
		p.pdf.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
		p.pdf.SetLineWidth(0.2)
		p.ruleSet = true
	}
	p.pdf.Line(margin, y, pageW-margin, y)
}

func (p *PDFWriter) footer() {
	pdf := p.pdf
	y := pageH - 13
	p.rule(y - 1.5)
	page := strings.NewReplacer("{page}", strconv.Itoa(pdf.PageNo()), "{pages}", "{nb}").Replace(p.x.Labels.Page)
	p.setFont(false, 7, colorMuted)
	pdf.SetXY(margin, y)
	pdf.CellFormat(pageW-2*margin-35, 3.5, clean(p.x.Title+" · "+p.x.Header.PatientRef), "", 0, "L", false, 0, "")
	p.setFont(true, 7.5, colorText)
	pdf.SetXY(pageW-margin-35, y)
	pdf.CellFormat(35, 3.5, clean(page), "", 0, "R", false, 0, "")
	p.paragraph(margin, y+3.8, pageW-2*margin-35, []segment{{text: p.x.Footer.Short, color: colorMuted}}, 7, 3.2)
}

func (p *PDFWriter) End(s *Summary) error {
	pdf := p.pdf
	p.day = ""
	p.inTable = false
	w := pageW - 2*margin
	contacts := []segment{{text: p.x.Footer.ContactsTitle, bold: true, color: colorText}}
	for _, c := range s.Contacts {
		contacts = append(contacts, segment{text: c.Value, color: colorText})
	}
	// The counts stand at the top (summaryOnFirstPage); the end says what
	// the extract is, whom to contact and how to complain.
	blocks := [][]segment{
		{{text: p.x.Footer.AboutTitle, bold: true, color: colorText}, {text: p.x.Footer.About, color: colorText}},
	}
	if len(s.Contacts) > 0 {
		blocks = append(blocks, contacts)
	}
	blocks = append(blocks,
		[]segment{{text: p.x.Footer.ComplaintTitle, bold: true, color: colorText}, {text: p.x.Footer.Complaint, color: colorText}})
	y := pdf.GetY() + 4
	for _, b := range blocks {
		var n int
		for _, sg := range b {
			n += len(p.wrap(sg, w, 9))
		}
		if y+float64(n)*4.2 > footerTop {
			p.newPage()
			y = pdf.GetY()
		}
		y += p.paragraph(margin, y, w, b, 9, 4.2) + 3
	}
	p.summaryOnFirstPage(s)
	if err := pdf.Output(p.w); err != nil {
		return fmt.Errorf("extract: pdf: %w", err)
	}
	return nil
}

// summaryOnFirstPage writes the counts, now known, into the room Begin kept
// under the header, and returns to the last page.
func (p *PDFWriter) summaryOnFirstPage(s *Summary) {
	last := p.pdf.PageNo()
	p.pdf.SetPage(1)
	p.font.set = false
	segs := []segment{{text: s.Text, bold: true, color: colorText}}
	color := colorText
	if s.Unexplained > 0 {
		color = colorAlert
	}
	segs = append(segs, segment{text: s.UnexplainedText, color: color})
	p.paragraph(margin, p.sumY, pageW-2*margin, segs, 9, 4.2)
	p.pdf.SetPage(last)
	p.font.set = false
}

// clean makes text safe for the font tables: fpdf indexes glyph widths by
// rune up to U+FFFF, and control characters have no glyph.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r > 0xFFFF || r < 0x20 || r == 0x7f {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF:
			return '\uFFFD'
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

func maxLines(cells [][]line) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return n
}
