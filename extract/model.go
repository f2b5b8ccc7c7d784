// Package extract turns a patient's access events into a code-free log
// extract (DESIGN.md section 4): rows grouped by day, every text already in
// the reader's language, rendered as JSON or PDF. Events stream through: the
// builder holds one day of rows at a time and hands each finished day to a
// Sink, so an extract of tens of thousands of rows never sits in memory
// twice.
//
// A row is a sitting: the same person at the same unit, reads at most 30
// minutes apart; reads after an emergency access join it. words.go is the
// only map from codes to words, and each phrase and staff name is worked
// out once per extract. Form turns what was typed (command line or web)
// into a Request, with errors naming their field. An entry's URL key is
// the decimal id of its sitting's first event: Entry finds that event's
// day through the store's scoped EventTime (another patient's key is not
// found, like a malformed one) and rebuilds the day with the same builder,
// so the entry is exactly the history's row.
package extract

// Extract is the whole model; Collect builds it in memory, JSONWriter
// streams the same shape.
type Extract struct {
	Lang    string  `json:"lang"`
	Title   string  `json:"title"`
	Header  Header  `json:"header"`
	Legend  Legend  `json:"legend"`
	Labels  Labels  `json:"labels"`
	Days    []Day   `json:"days"`
	Summary Summary `json:"summary"`
	Footer  Footer  `json:"footer"`
}

// Header says whom the extract is for, which period and provider it
// covers, and when and by whom it was produced.
type Header struct {
	Subtitle   string  `json:"subtitle"`
	Fields     []Field `json:"fields"`
	PatientRef string  `json:"-"` // "name, personal id" for the page footers
}

// Field is one labelled value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Legend explains the words the rows use.
type Legend struct {
	Title string  `json:"title"`
	Items []Field `json:"items"`
}

// Labels are the table's column headers and inline labels.
type Labels struct {
	Time        string `json:"time"`
	Who         string `json:"who"`
	Where       string `json:"where"`
	What        string `json:"what"`
	Why         string `json:"why"`
	Explanation string `json:"explanation"`
	Owner       string `json:"owner"`
	Emergency   string `json:"emergency"`
	Unexplained string `json:"unexplained"` // the mark of a row nothing explains
	Continued   string `json:"continued"`
	// Page has the placeholders {page} and {pages}.
	Page string `json:"-"`
}

// Day is one calendar day (Europe/Stockholm) of rows.
type Day struct {
	Date     string `json:"date"`     // "Torsdag 2026-03-05"
	Accesses string `json:"accesses"` // "3 åtkomster"
	Count    int    `json:"count"`    // events that day
	Rows     []Row  `json:"rows"`
}

// Row is one sitting: one person's accesses at one unit, each within
// SittingWindow of the one before, in plain words.
type Row struct {
	At          string   `json:"at"`   // the first access, ISO 8601: "2026-03-05T14:02:00+01:00"
	Time        string   `json:"time"` // "14:02" or "14:02–14:31"
	Who         string   `json:"who"`
	Title       string   `json:"title,omitempty"`
	Unit        string   `json:"unit"`
	Provider    string   `json:"provider"`
	Owner       string   `json:"owner,omitempty"` // whose records, when not the acting unit's
	What        string   `json:"what"`            // "läste en journalanteckning 4 gånger och ett provsvar"
	Kinds       []string `json:"kinds"`           // the kinds of information, each once: "en journalanteckning"
	Count       int      `json:"count"`           // accesses in the sitting
	Purpose     string   `json:"purpose"`
	Emergency   bool     `json:"emergency"`   // shown as Labels.Emergency; the legend explains it
	Unexplained bool     `json:"unexplained"` // nothing Insyn knows explains it: shown as Labels.Unexplained
	Explanation string   `json:"explanation,omitempty"`
	// OtherProvider: the person read records of another care provider
	// than their own (coherent record keeping, which needs the patient's
	// consent or an emergency). The web shows it as the access's basis.
	OtherProvider bool `json:"-"`
	// Events are the ids of the sitting's events in time order: the web
	// portal keys an entry by the first and flags them all. Never shown.
	Events []int64 `json:"-"`
	// Person and Place tell who acted and where in words of no language
	// (the names as the records give them, a protected person's letter):
	// the web's filters key on them, so a filter survives a switch of
	// language. Never shown.
	Person [2]string `json:"-"`
	Place  [2]string `json:"-"`
}

// Summary counts the extract: it is known only when the last row is built,
// and the layouts show it at the top (the PDF goes back to its first page).
type Summary struct {
	Events          int     `json:"events"`
	Rows            int     `json:"rows"`
	Unexplained     int     `json:"unexplained"`      // accesses nothing explains
	UnexplainedRows int     `json:"unexplained_rows"` // rows they are on
	Text            string  `json:"text"`             // "Utdraget visar 1 839 åtkomster vid 212 tillfällen."
	UnexplainedText string  `json:"unexplained_text,omitempty"`
	Contacts        []Field `json:"contacts,omitempty"` // per care provider in the extract: whom to contact
}

// Footer says what the extract contains and how to complain.
type Footer struct {
	AboutTitle     string `json:"about_title"`
	About          string `json:"about"`
	ComplaintTitle string `json:"complaint_title"`
	Complaint      string `json:"complaint"`
	Short          string `json:"short"`
	ContactsTitle  string `json:"contacts_title"`
	Accessible     string `json:"accessible"` // where the accessible (web) version is: the PDF is not tagged
}

// Sink receives an extract as it is built: the frame first, then each day
// with all its rows, then the summary. Implementations lay it out; they
// never add words of their own.
type Sink interface {
	Begin(x *Extract) error
	Day(d *Day) error
	End(s *Summary) error
}

// Collect is a Sink that keeps the whole extract in memory (tests, small
// web pages). It keeps the rows the builder hands it as they are (see
// rowKeeper): a copy of each day cost more than building it.
type Collect struct{ Extract Extract }

func (c *Collect) keepsRows() bool { return true }

func (c *Collect) Begin(x *Extract) error {
	c.Extract = *x
	c.Extract.Days = make([]Day, 0, 64)
	return nil
}
func (c *Collect) Day(d *Day) error {
	d2 := *d
	d2.Rows = d.Rows[:len(d.Rows):len(d.Rows)] // full: an append to them never reaches another day's
	c.Extract.Days = append(c.Extract.Days, d2)
	return nil
}
func (c *Collect) End(s *Summary) error { c.Extract.Summary = *s; return nil }
