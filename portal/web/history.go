package web

import (
	"errors"
	"hash/fnv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// historyPageSize bounds the rows one history page shows.
const historyPageSize = 25

// Periods the history offers; dates typed in from/to win over them.
const (
	period12m = "12m"
	period3y  = "3y"
	periodAll = "all"
)

// historyQuery is the history's filter form as typed (GET query): a
// bookmarkable view that changes nothing.
type historyQuery struct {
	Period      string
	From, To    string // YYYY-MM-DD, typed; either one makes the period custom
	Unit        string // opaque key of a care unit (optionKey)
	Person      string // opaque key of a person
	Emergency   bool
	Other       bool
	Unexplained bool
	Page        int
}

func parseHistoryQuery(q url.Values) historyQuery {
	h := historyQuery{
		Period: strings.TrimSpace(q.Get("period")), From: q.Get("from"), To: q.Get("to"),
		Unit: q.Get("unit"), Person: q.Get("person"),
		Emergency: q.Get("emergency") == "1", Other: q.Get("other") == "1", Unexplained: q.Get("unexplained") == "1",
	}
	if len(h.From) > 40 {
		h.From = h.From[:40]
	}
	if len(h.To) > 40 {
		h.To = h.To[:40]
	}
	if h.Period == "" {
		h.Period = period12m
	}
	h.Page, _ = strconv.Atoi(q.Get("page"))
	if h.Page < 1 || h.Page > 1_000_000 {
		h.Page = 1
	}
	return h
}

// values is the query as a URL carries it, without the language (the
// link adds it) and with only what differs from the plain view, page
// included: an entry's link carries it, so its way back returns to the
// same page of the same filtered history.
func (h historyQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string, on bool) {
		if on {
			v.Set(k, val)
		}
	}
	set("period", h.Period, h.Period != period12m)
	set("from", h.From, h.From != "")
	set("to", h.To, h.To != "")
	set("unit", h.Unit, h.Unit != "")
	set("person", h.Person, h.Person != "")
	set("emergency", "1", h.Emergency)
	set("other", "1", h.Other)
	set("unexplained", "1", h.Unexplained)
	set("page", strconv.Itoa(h.Page), h.Page > 1)
	return v
}

// fieldErr is a message for one form field, already in the reader's
// language; the template links it to its field with aria-describedby.
type fieldErrs map[string]string

// span resolves the query's period in Stockholm days: [from, to), from
// zero for everything kept. Typed dates win over the period's choice.
func (h historyQuery) span(loc *i18n.Localizer, now time.Time) (from, to time.Time, errs fieldErrs) {
	errs = fieldErrs{}
	n := now.In(portal.Stockholm)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, portal.Stockholm)
	to = today.AddDate(0, 0, 1)
	if strings.TrimSpace(h.From) != "" || strings.TrimSpace(h.To) != "" {
		if strings.TrimSpace(h.From) != "" {
			d, err := extract.ParseDay(h.From)
			if err != nil {
				errs["from"] = loc.T("web.error.date")
			}
			from = d
		}
		if strings.TrimSpace(h.To) != "" {
			d, err := extract.ParseDay(h.To)
			if err != nil {
				errs["to"] = loc.T("web.error.date")
			}
			to = d.AddDate(0, 0, 1)
		}
		if len(errs) == 0 && !from.IsZero() && !to.After(from) {
			errs["to"] = loc.T("web.error.order")
		}
		return from, to, errs
	}
	switch h.Period {
	case period12m:
		from = today.AddDate(-1, 0, 0)
	case period3y:
		from = today.AddDate(-3, 0, 0)
	case periodAll:
	default:
		errs["period"] = loc.T("web.history.error.period")
	}
	return from, to, errs
}

// optionKey is the opaque key of a care unit or person in the history's
// filters: it names them in a URL without a code or a name.
func optionKey(parts ...string) string {
	f := fnv.New64a()
	for _, p := range parts {
		f.Write([]byte(p))
		f.Write([]byte{0})
	}
	return strconv.FormatUint(f.Sum64(), 36)
}

// option is one choice of a select.
type option struct {
	Key, Label string
	N          int // accesses
}

// histRow is one row of the period's history. It points into the extract
// rather than copying its row: the page filters and sorts all of a
// period's rows and shows 25 (shownRow).
type histRow struct {
	*extract.Row
	Date string
	unit string
	who  string
}

// shownRow is a row as the page shows it, in fields of its own: the
// template reads each directly, where a field promoted from an embedded
// struct costs a reflective search (and allocations) on every access.
type shownRow struct {
	Key, URL, Date, Time       string
	Who, Title, Unit, Provider string
	What, Purpose, Explanation string
	Basis                      string // in words
	Unexplained, Emergency     bool
}

// rowLabels are the words every shown row repeats, looked up once a page.
type rowLabels struct {
	Unexplained, Emergency, Purpose, Basis, Why string
}

func rowLabelsFor(loc *i18n.Localizer) rowLabels {
	return rowLabels{Unexplained: loc.T("extract.unexplained.label"), Emergency: loc.T("extract.emergency.label"),
		Purpose: loc.T("web.row.purpose"), Basis: loc.T("web.row.basis"), Why: loc.T("web.row.why")}
}

// historyRows flattens the days newest first, with the rows nothing
// explains ahead of the others.
func historyRows(days []extract.Day) []histRow {
	n := 0
	for _, d := range days {
		n += len(d.Rows)
	}
	out := make([]histRow, 0, n)
	// A period has a handful of units and people: key each once.
	keys := map[[2]string]string{}
	key := func(a, b string) string {
		k := [2]string{a, b}
		if v, ok := keys[k]; ok {
			return v
		}
		v := optionKey(a, b)
		keys[k] = v
		return v
	}
	for _, unexplained := range []bool{true, false} {
		for i := len(days) - 1; i >= 0; i-- {
			d := &days[i]
			for j := len(d.Rows) - 1; j >= 0; j-- {
				r := &d.Rows[j]
				if r.Unexplained != unexplained {
					continue
				}
				out = append(out, histRow{Row: r, Date: d.Date, unit: key(r.Place[0], r.Place[1]), who: key(r.Person[0], r.Person[1])})
			}
		}
	}
	return out
}

// shown is a row as the template reads it, with its entry key, link and
// basis; back is the history's query (historyQuery.values, encoded) that
// the entry's link carries.
func shown(loc *i18n.Localizer, h histRow, back string) shownRow {
	r := h.Row
	key := extract.EntryKey(*r)
	u := link(loc.Lang)("/historik/" + key)
	if back != "" {
		u += "&" + back
	}
	return shownRow{Key: key, URL: u, Date: h.Date, Time: r.Time,
		Who: r.Who, Title: r.Title, Unit: r.Unit, Provider: r.Provider, What: r.What, Purpose: r.Purpose,
		Explanation: r.Explanation, Basis: loc.T("web.basis." + string(extract.BasisOf(*r))),
		Unexplained: r.Unexplained, Emergency: r.Emergency}
}

// options lists the distinct units and people of rows, most accesses first.
func options(rows []histRow) (units, people []option) {
	ui, pi := map[string]int{}, map[string]int{}
	for _, r := range rows {
		if i, ok := ui[r.unit]; ok {
			units[i].N += r.Count
		} else {
			ui[r.unit] = len(units)
			label := r.Unit
			if r.Provider != "" {
				label += ", " + r.Provider
			}
			units = append(units, option{Key: r.unit, Label: label, N: r.Count})
		}
		if i, ok := pi[r.who]; ok {
			people[i].N += r.Count
		} else {
			pi[r.who] = len(people)
			label := r.Who
			if r.Title != "" {
				label += ", " + r.Title
			}
			people = append(people, option{Key: r.who, Label: label, N: r.Count})
		}
	}
	byLabel := func(a, b option) int { return strings.Compare(a.Label, b.Label) }
	slices.SortFunc(units, byLabel)
	slices.SortFunc(people, byLabel)
	return units, people
}

// filter keeps the rows the query asks for; a unit or person that the
// period does not hold is an error beside its field.
func (h historyQuery) filter(loc *i18n.Localizer, rows []histRow, units, people []option) ([]histRow, fieldErrs) {
	errs := fieldErrs{}
	has := func(opts []option, key string) bool {
		return slices.ContainsFunc(opts, func(o option) bool { return o.Key == key })
	}
	if h.Unit != "" && !has(units, h.Unit) {
		errs["unit"] = loc.T("web.history.error.unit")
	}
	if h.Person != "" && !has(people, h.Person) {
		errs["person"] = loc.T("web.history.error.person")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if h.Unit == "" && h.Person == "" && !h.Emergency && !h.Other && !h.Unexplained {
		return rows, nil
	}
	out := rows[:0:0]
	for _, r := range rows {
		switch {
		case h.Unit != "" && r.unit != h.Unit,
			h.Person != "" && r.who != h.Person,
			h.Emergency && !r.Emergency,
			h.Other && !r.OtherProvider,
			h.Unexplained && !r.Unexplained:
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// pageOf cuts page p (from 1) out of n rows: the bounds and the page count.
func pageOf(n, p int) (lo, hi, page, pages int) {
	pages = (n + historyPageSize - 1) / historyPageSize
	if pages == 0 {
		pages = 1
	}
	page = min(max(p, 1), pages)
	lo = (page - 1) * historyPageSize
	hi = min(lo+historyPageSize, n)
	return lo, hi, page, pages
}

func asFieldError(err error, fe **extract.FieldError) bool { return errors.As(err, fe) }
