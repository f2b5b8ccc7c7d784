package web

import (
	"container/list"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
)

// A patient reads their history as a series of views of one period: the
// first page, the next, a filter, back again. Each view needs every row of
// the period (the unexplained come first, the filters list every unit and
// person, the counts cover all), so each used to read and word every event
// again to show 25 rows. The history built for a period is kept for the
// rest of the visit, per session, until the data it was built from
// changes (store.DataGeneration) or historyCacheTTL passes. Every view is
// still checked and recorded in log_reads as a read of the log.
const (
	historyCacheTTL  = 2 * time.Minute
	historyCacheRows = 100_000 // rows kept in all: about 1 KB each, 100 MB at most
)

// historyView is a patient's history for one period, ready to filter and
// page: the rows point into the extract, which the view keeps alive.
type historyView struct {
	x             *extract.Extract
	rows          []histRow
	units, people []option
	events        int // events read to build it: each view records as many
	gen           int64
	built         time.Time

	mu   sync.Mutex
	html map[shownKey]template.HTML // rows as shown, rendered once per way back
}

// shownKey is a row as shown on one page of one filtered view: its link
// carries the way back there (a row is on one page of a filtered view, so
// paging back and forth still finds it rendered).
type shownKey struct {
	row  *extract.Row
	back string
}

// historyCache keeps views in least-recently-used order within a bound
// on their rows. Views are shared by the requests of one session and read
// only.
type historyCache struct {
	mu      sync.Mutex
	maxRows int
	ttl     time.Duration
	rows    int
	order   *list.List // front: most recently used
	byKey   map[string]*list.Element
}

type historyEntry struct {
	key, session string
	v            *historyView
}

func newHistoryCache(maxRows int, ttl time.Duration) *historyCache {
	return &historyCache{maxRows: maxRows, ttl: ttl, order: list.New(), byKey: map[string]*list.Element{}}
}

func cost(v *historyView) int { return len(v.rows) + 1 }

// get returns the view kept under key if it was built at generation gen
// and is young enough.
func (c *historyCache) get(key string, gen int64, now time.Time) (*historyView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*historyEntry)
	if e.v.gen != gen || now.Sub(e.v.built) >= c.ttl {
		c.remove(el)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.v, true
}

// put keeps v under key, dropping the least recently used views beyond
// the bound; a view larger than a quarter of it is not kept.
func (c *historyCache) put(key, session string, v *historyView) {
	if cost(v) > c.maxRows/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	c.byKey[key] = c.order.PushFront(&historyEntry{key: key, session: session, v: v})
	c.rows += cost(v)
	for c.rows > c.maxRows {
		c.remove(c.order.Back())
	}
}

// dropSession forgets every view of a session (at logout).
func (c *historyCache) dropSession(session string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*historyEntry).session == session {
			c.remove(el)
		}
		el = next
	}
}

func (c *historyCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*historyEntry)
	delete(c.byKey, e.key)
	c.rows -= cost(e.v)
}

// historyView returns the history of req's period for the signed-in
// reader, kept or built; either way the read is checked and recorded.
func (s *Server) historyView(c *fiber.Ctx, req extract.Request) (*historyView, error) {
	ctx := c.UserContext()
	gen, err := s.cfg.Store.DataGeneration(ctx)
	if err != nil {
		return nil, err
	}
	sess, ok := session(c) // the routes require one; without it nothing is kept
	key := historyKey(sess, req)
	if ok {
		if v, hit := s.history.get(key, gen, time.Now()); hit {
			q := store.ExtractQuery{Patient: req.Patient, From: req.From, To: req.To, Channel: req.Channel}
			if err := s.cfg.Store.RecordRead(ctx, req.Actor, q, v.events); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
	x, err := s.collect(c, req)
	if err != nil {
		return nil, err
	}
	v := &historyView{x: x, rows: historyRows(x.Days), events: x.Summary.Events, gen: gen, built: time.Now(),
		html: map[shownKey]template.HTML{}}
	v.units, v.people = options(v.rows)
	if ok {
		s.history.put(key, sess.Key(), v)
	}
	return v, nil
}

// historyKey names a view by whose session, who reads whose log (a
// guardian the child's), in which language and period: a view is never
// shared beyond that.
func historyKey(sess auth.Session, req extract.Request) string {
	return sess.Key() + "\x00" + req.Actor.ID() + "\x00" + string(req.Patient.Kind()) + ":" + req.Patient.Digits() +
		"\x00" + req.Lang + "\x00" + strconv.FormatInt(req.From.Unix(), 10) + "-" + strconv.FormatInt(req.To.Unix(), 10)
}

// rowsHTML is rows as the history shows them. Rendering a row costs about
// as much as the rest of a page view, and a visit shows the same rows
// again and again (paging back, a filter, the language kept): each row
// of a view is rendered once (rowHTML).
func (s *Server) rowsHTML(loc *i18n.Localizer, v *historyView, rows []histRow, back string) []template.HTML {
	out := make([]template.HTML, len(rows))
	var labels *rowLabels
	for i, h := range rows {
		k := shownKey{h.Row, back}
		v.mu.Lock()
		html, ok := v.html[k]
		v.mu.Unlock()
		if !ok {
			if labels == nil {
				l := rowLabelsFor(loc)
				labels = &l
			}
			html = rowHTML(shown(loc, h, back), *labels)
			v.mu.Lock()
			v.html[k] = html
			v.mu.Unlock()
		}
		out[i] = html
	}
	return out
}

// rowHTML is one row of the history. It is written here rather than in
// templates/history.html: html/template finds each field by reflection,
// which cost a first view as much as all of the page's other markup, for
// markup this small. Every value is escaped; the link is a path of ours
// with an opaque key.
func rowHTML(r shownRow, l rowLabels) template.HTML {
	var b strings.Builder
	b.Grow(512 + len(r.Explanation))
	esc := func(s string) { template.HTMLEscape(&b, []byte(s)) }
	b.WriteString(`<li class="entry`)
	if r.Unexplained {
		b.WriteString(` unexplained`)
	}
	b.WriteString("\">\n<h3><a href=\"")
	esc(r.URL)
	b.WriteString(`">`)
	esc(r.Date)
	b.WriteString(", ")
	esc(r.Time)
	b.WriteString("</a></h3>\n")
	if r.Unexplained {
		b.WriteString(`<p class="mark">`)
		esc(l.Unexplained)
		b.WriteString("</p>\n")
	}
	if r.Emergency {
		b.WriteString(`<p class="mark emergency">`)
		esc(l.Emergency)
		b.WriteString("</p>\n")
	}
	b.WriteString("<p><strong>")
	esc(r.Who)
	b.WriteString("</strong>")
	if r.Title != "" {
		b.WriteString(", ")
		esc(r.Title)
	}
	b.WriteString("</p>\n<p>")
	esc(r.Unit)
	if r.Provider != "" {
		b.WriteString(", ")
		esc(r.Provider)
	}
	b.WriteString("</p>\n<p>")
	esc(r.What)
	b.WriteString("</p>\n<p>")
	esc(l.Purpose)
	b.WriteString(": ")
	esc(r.Purpose)
	b.WriteString(". ")
	esc(l.Basis)
	b.WriteString(": ")
	esc(r.Basis)
	b.WriteString("</p>\n")
	if r.Explanation != "" {
		b.WriteString(`<p class="why">`)
		esc(l.Why)
		b.WriteString(": ")
		esc(r.Explanation)
		b.WriteString("</p>\n")
	}
	b.WriteString("</li>\n")
	return template.HTML(b.String()) // every value escaped above
}
