package extract

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// SittingWindow is how close in time an access must follow the previous
// one by the same person at the same unit to belong to the same sitting,
// shown as one row (DESIGN.md section 4). A sitting ends at midnight: the
// extract is laid out by day.
const SittingWindow = 30 * time.Minute

// Source is what the extract reads: *store.Store.
type Source interface {
	ExtractSubject(ctx context.Context, actor portal.Actor, patient portal.PersonalID, provider portal.HSAID) (store.ExtractSubject, error)
	EventsForPatient(ctx context.Context, actor portal.Actor, q store.ExtractQuery, fn func(*store.ExtractEvent) error) (int, error)
	EventTime(ctx context.Context, actor portal.Actor, patient portal.PersonalID, id int64) (time.Time, error) // Entry
}

// Build reads the patient's events that req.Actor may read and hands the
// extract to sink as it goes. The read is recorded in log_reads by the
// store; a patient the actor may not read is NotFound.
func Build(ctx context.Context, src Source, cat *i18n.Catalog, req Request, sink Sink) (Summary, error) {
	if err := req.Validate(); err != nil {
		return Summary{}, err
	}
	l := cat.For(req.Lang)
	subj, err := src.ExtractSubject(ctx, req.Actor, req.Patient, req.Provider)
	if err != nil {
		return Summary{}, err
	}
	x := Frame(l, req, subj)
	return build(ctx, src, l, req, &x, sink)
}

// Rows is Build for a reader that shows the days and the summary but not
// the extract's frame (the history page and the overview): it leaves out
// the header's own read (the patient's name, when the logs begin) and the
// frame's words, which cost a first view of the history a round trip and
// a tenth of its time. The reader's permission is checked as Build's is,
// by EventsForPatient. One care provider's part of the log is Build's
// alone: it names the provider in the frame, and refuses one unknown.
func Rows(ctx context.Context, src Source, cat *i18n.Catalog, req Request, sink Sink) (Summary, error) {
	if err := req.Validate(); err != nil {
		return Summary{}, err
	}
	if req.Provider != "" {
		return Summary{}, errors.New("extract: Rows reads no care provider's part alone; Build does")
	}
	l := cat.For(req.Lang)
	return build(ctx, src, l, req, &Extract{Lang: l.Lang}, sink)
}

// build hands sink the frame x, then the days and the summary of the
// events req reads.
func build(ctx context.Context, src Source, l *i18n.Localizer, req Request, x *Extract, sink Sink) (Summary, error) {
	if err := sink.Begin(x); err != nil {
		return Summary{}, err
	}
	b := newBuilder(l, sink)
	b.child = req.Actor.ActsFor()
	q := store.ExtractQuery{Patient: req.Patient, From: req.From, To: req.To, Provider: req.Provider, Channel: req.Channel}
	if _, err := src.EventsForPatient(ctx, req.Actor, q, b.Add); err != nil {
		return Summary{}, err
	}
	return b.Finish()
}

// Frame builds everything but the days: title, header, legend, labels and
// footer.
func Frame(l *i18n.Localizer, req Request, subj store.ExtractSubject) Extract {
	name := plainName(subj.PatientName)
	if name == "" {
		name = l.T("extract.person.unknown")
	}
	last := req.To.Add(-time.Nanosecond)
	period := l.T("extract.period.until", map[string]any{"To": l.Date(last)})
	switch {
	case !req.From.IsZero() && l.Date(req.From) == l.Date(last):
		period = l.T("extract.period.day", map[string]any{"Day": l.Date(req.From)})
	case !req.From.IsZero():
		period = l.T("extract.period.range", map[string]any{"From": l.Date(req.From), "To": l.Date(last)})
	}
	provider := plainName(subj.ProviderName)
	if provider == "" {
		provider = l.T("extract.provider.all")
	}
	by := strings.TrimSpace(req.Actor.Name)
	switch {
	case req.Actor.ActsFor(): // not "yourself": the child did not ask for it
		by = l.T("extract.header.produced_guardian")
	case req.Actor.Kind == portal.ActorPatient:
		by = l.T("extract.header.produced_self")
	case by == "":
		by = l.T("extract.person.unknown")
	}
	if req.Actor.Kind == portal.ActorStaff && len(subj.IssuerProviders) > 0 {
		// Staff issue an extract for their care provider: name it.
		by = l.T("extract.header.produced_for", map[string]any{"By": by, "Provider": joinList(l, subj.IssuerProviders)})
	}
	id := req.Patient.Formatted()
	logs := l.T("extract.header.logs_none")
	if b := subj.LogsBegin; !b.IsZero() {
		logs = l.T("extract.header.logs_value", map[string]any{
			"Date": l.Date(time.Date(b.Year(), b.Month(), 1, 12, 0, 0, 0, portal.Stockholm))})
	}
	x := Extract{
		Lang:  l.Lang,
		Title: l.T("extract.title"),
		Header: Header{
			Subtitle: l.T("extract.subtitle"),
			Fields: []Field{
				{l.T("extract.header.name"), name},
				{l.T(idKindMsg(req.Patient.Kind())), id},
				{l.T("extract.header.period"), period},
				{l.T("extract.header.provider"), provider},
				{l.T("extract.header.produced"), l.T("extract.header.produced_value",
					map[string]any{"When": l.DateTime(req.ProducedAt), "By": by})},
				{l.T("extract.header.logs"), logs},
			},
			PatientRef: name + ", " + id,
		},
		Legend: Legend{Title: l.T("extract.legend.title")},
		Labels: Labels{
			Time: l.T("extract.col.time"), Who: l.T("extract.col.who"), Where: l.T("extract.col.where"),
			What: l.T("extract.col.what"), Why: l.T("extract.col.why"), Explanation: l.T("extract.col.explanation"),
			Owner: l.T("extract.label.owner"), Emergency: l.T("extract.emergency.label"),
			Unexplained: l.T("extract.unexplained.label"),
			Continued:   l.T("extract.label.continued"),
			Page:        l.T("extract.page", map[string]any{"Page": "{page}", "Pages": "{pages}"}),
		},
		Footer: Footer{
			AboutTitle: l.T("extract.footer.about_title"), About: l.T("extract.footer.contains"),
			ComplaintTitle: l.T("extract.footer.complaint_title"), Complaint: l.T("extract.footer.complaint"),
			Short: l.T("extract.footer.short"), ContactsTitle: l.T("extract.footer.contacts_title"),
			Accessible: l.T("extract.footer.accessible"),
		},
	}
	if req.Actor.ActsFor() {
		// A guardian reads of the child's record, care and consent, not
		// their own: each text that would say "din journal" has a variant.
		x.Header.Subtitle = l.T("extract.subtitle_child")
		x.Footer.About, x.Footer.Complaint = l.T("extract.footer.contains_child"), l.T("extract.footer.complaint_child")
	}
	if req.WebURL != "" {
		x.Footer.Accessible = l.T("extract.footer.accessible_url", map[string]any{"URL": req.WebURL})
	}
	for _, k := range []string{"sitting", "unexplained", "explanation", "emergency", "what", "why", "owner", "protected"} {
		text := "extract.legend." + k + ".text"
		if req.Actor.ActsFor() && l.Has(text+"_child") {
			text += "_child"
		}
		x.Legend.Items = append(x.Legend.Items, Field{Label: l.T("extract.legend." + k + ".term"), Value: l.T(text)})
	}
	return x
}

// builder turns events into rows, one per sitting, and hands each
// finished day to the sink.
type builder struct {
	l       *i18n.Localizer
	sink    Sink
	day     Day
	dayKey  int // the open day, year*10000 + month*100 + day; 0 before the first
	s       sitting
	events  int
	rows    int
	unexpl  int                // accesses nothing explains
	unexplR int                // ... and the rows they are on
	aliases map[string]string  // staff with protected identity → their pseudonym in this extract
	words   map[wordKey]string // codes already put into words: a message renders a template each time
	phrases map[phraseKey]string
	names   map[string]string // names as read → as they may be shown (plainName)
	provs   []string          // care providers that acted, in order of appearance
	keeps   bool              // the sink keeps each day's rows (rowKeeper)
	child   bool              // a guardian reads a child's log: the explanations speak of "barnet", not "du"
}

// rowKeeper is a Sink that keeps the rows of the days it is handed (and
// never appends to them): the builder then writes no later day over them,
// and the sink need not copy them.
type rowKeeper interface{ keepsRows() bool }

// sitting is one person's accesses at one unit, each within
// SittingWindow of the one before (DESIGN.md section 4): one row.
type sitting struct {
	open        bool
	actor, unit string
	emergency   bool
	dayKey      int
	first, last time.Time
	count       int
	events      []int64
	row         Row // who and where, from the first access
	acts        []actKinds
	owners      []string
	purposes    []string
	explanation string
	other       bool // another care provider's records: coherent record keeping
}

// actKinds is what one activity touched in a sitting, in order.
type actKinds struct {
	what  string // message id: "extract.what.read"
	kinds []kindCount
}

type kindCount struct {
	text string
	n    int
}

func newBuilder(l *i18n.Localizer, sink Sink) *builder {
	k, _ := sink.(rowKeeper)
	return &builder{l: l, sink: sink, aliases: map[string]string{}, words: map[wordKey]string{},
		phrases: map[phraseKey]string{}, names: map[string]string{}, keeps: k != nil && k.keepsRows()}
}

// name is plainName(s), worked out once per extract: every row carries
// the names of its person, unit and care provider, and a patient's log
// holds a handful of each.
func (b *builder) name(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := b.names[s]; ok {
		return v
	}
	v := plainName(s)
	if len(b.names) >= maxPhrases {
		clear(b.names)
	}
	b.names[s] = v
	return v
}

// phraseKey names a message with its data: the id, up to two texts, a
// count and two moments (Unix nanoseconds), as one call site uses them.
type phraseKey struct {
	id     string
	a, b   string
	n      int
	t1, t2 int64
}

// maxPhrases bounds the phrases one builder keeps: a long extract has
// as many explanations as dates, and the PDF keeps its memory flat.
const maxPhrases = 4096

// phrase is the message k names, rendered once per extract: go-i18n runs
// a template for every call, and an extract says the same few things on
// row after row ("läste en journalanteckning", "4 gånger", a day's count).
func (b *builder) phrase(k phraseKey, render func() string) string {
	if s, ok := b.phrases[k]; ok {
		return s
	}
	s := render()
	if len(b.phrases) >= maxPhrases {
		clear(b.phrases)
	}
	b.phrases[k] = s
	return s
}

// wordKey names a code of field, as one or two texts (kept apart: joining
// them cost an allocation per event).
type wordKey struct{ field, a, b string }

// word is the text for a code of field, worded once per extract.
func (b *builder) word(k wordKey, render func() string) string {
	if w, ok := b.words[k]; ok {
		return w
	}
	w := render()
	b.words[k] = w
	return w
}

// Add takes the next event (in time order).
func (b *builder) Add(ev *store.ExtractEvent) error {
	b.events++
	at := ev.OccurredAt.In(b.l.Location())
	y, m, d := at.Date()
	dk := y*10000 + int(m)*100 + d // a number: formatting a key cost an allocation per event
	emergency := ev.Emergency || ev.Activity == portal.ActivityEmergency
	actor, unit := ev.ActorHSAID, ev.UnitHSAID
	if actor == "" {
		actor = "name:" + ev.LogActorName
	}
	if unit == "" {
		unit = "name:" + ev.LogUnitName
	}
	// Reads right after an emergency access belong to it, wherever the
	// person then acts.
	s := &b.s
	if s.open && s.dayKey == dk && s.actor == actor && (s.unit == unit || s.emergency) &&
		!at.Before(s.last) && at.Sub(s.last) <= SittingWindow {
		b.take(ev, at, emergency)
		return nil
	}
	if err := b.flushSitting(); err != nil {
		return err
	}
	if dk != b.dayKey {
		if err := b.flushDay(); err != nil {
			return err
		}
		b.dayKey = dk
		b.day = Day{Date: b.l.T("extract.weekday."+strconv.Itoa(int(at.Weekday()))) + " " + b.l.Date(at), Rows: b.nextRows()}
	}
	b.s = sitting{open: true, actor: actor, unit: unit, dayKey: dk, first: at, acts: s.acts[:0],
		owners: s.owners[:0], purposes: s.purposes[:0], events: s.events[:0]}
	b.s.row = b.whoWhere(ev)
	b.take(ev, at, emergency)
	return nil
}

// take adds one access to the open sitting.
func (b *builder) take(ev *store.ExtractEvent, at time.Time, emergency bool) {
	l, s := b.l, &b.s
	s.count++
	s.other = s.other || otherProvider(ev)
	s.events = append(s.events, ev.ID)
	s.last = at
	s.emergency = s.emergency || emergency
	what := whatMsg(ev.Activity)
	kind := b.word(wordKey{field: "info", a: ev.ResourceType}, func() string {
		id, _ := infoMsg(ev.ResourceType)
		return l.T(id)
	})
	i := 0
	for i < len(s.acts) && s.acts[i].what != what {
		i++
	}
	if i == len(s.acts) {
		s.acts = append(s.acts, actKinds{what: what})
	}
	a := &s.acts[i]
	j := 0
	for j < len(a.kinds) && a.kinds[j].text != kind {
		j++
	}
	if j == len(a.kinds) {
		a.kinds = append(a.kinds, kindCount{text: kind})
	}
	a.kinds[j].n++
	if owner := b.owner(ev); owner != "" {
		s.owners = addOnce(s.owners, owner)
		// Whose records were read is a provider to contact too.
		if prov := firstName(b.name(ev.RefOwnerProvName), b.name(ev.LogOwnerProvName)); prov != "" {
			b.provs = addOnce(b.provs, prov)
		}
	}
	purpose := b.word(wordKey{"purpose", string(ev.Purpose), ev.PurposeCode}, func() string {
		id, _ := purposeMsg(ev.Purpose, ev.PurposeCode)
		return l.T(id)
	})
	s.purposes = addOnce(s.purposes, purpose)
	if s.explanation == "" {
		s.explanation = b.explain(ev, at)
	}
}

// whoWhere renders who acted and where.
func (b *builder) whoWhere(ev *store.ExtractEvent) Row {
	l := b.l
	var r Row
	title := firstName(b.name(ev.RefActorTitle), b.name(ev.LogActorTitle))
	r.Title = b.word(wordKey{"title", ev.RefActorTitle, ev.LogActorTitle}, func() string {
		return TitleWords(l, title)
	})
	if ev.ActorProtected {
		// A stable pseudonym per person in this extract, and nothing that
		// could point at them.
		alias, ok := b.aliases[ev.ActorHSAID]
		switch {
		case ok:
		case ev.ProtectedOrder > 0: // the same in every extract of the patient
			alias = pseudonym(ev.ProtectedOrder - 1)
		default: // by order in this extract
			alias = pseudonym(len(b.aliases))
		}
		b.aliases[ev.ActorHSAID] = alias
		r.Who = b.phrase(phraseKey{id: "extract.person.protected", a: alias}, func() string {
			return l.T("extract.person.protected", map[string]any{"Alias": alias})
		})
		r.Person = [2]string{alias, "\x00protected"}
	} else {
		name := firstName(b.name(ev.RefActorName), b.name(ev.LogActorName))
		r.Who = firstName(name, l.T("extract.person.unknown"))
		r.Person = [2]string{name, title}
	}
	unit := firstName(b.name(ev.RefUnitName), b.name(ev.LogUnitName))
	r.Unit = firstName(unit, l.T("extract.unit.unknown"))
	prov := firstName(b.name(ev.RefProviderName), b.name(ev.LogProviderName))
	r.Place = [2]string{unit, prov}
	r.Provider = firstName(prov, l.T("extract.provider.unknown"))
	if prov != "" {
		b.provs = addOnce(b.provs, prov)
	}
	return r
}

// pseudonym is the n-th letter name: A, B, ..., Z, AA, AB, ...
func pseudonym(n int) string {
	s := ""
	for n++; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s
}

// owner names whose records were read, when not the acting unit's.
func (b *builder) owner(ev *store.ExtractEvent) string {
	if !ownerDiffers(ev) {
		return ""
	}
	unit := firstName(b.name(ev.RefOwnerUnitName), b.name(ev.LogOwnerUnitName))
	prov := firstName(b.name(ev.RefOwnerProvName), b.name(ev.LogOwnerProvName))
	switch {
	case unit != "" && prov != "":
		return unit + ", " + prov
	case unit != "" || prov != "":
		return unit + prov
	}
	return b.l.T("extract.unit.unknown")
}

// explain says which care relation explains the access, with its date and,
// when the access was on another day, how many days lie between. A
// relation with a person whose identity is protected is told by its unit:
// "a visit with this person" would point at them.
func (b *builder) explain(ev *store.ExtractEvent, at time.Time) string {
	l := b.l
	open := !ev.RelationEndsAt.Valid
	id, ok := relationMsg(ev.RelationKind, ev.RelationWithActor && !ev.ActorProtected, open)
	if !ok {
		return ""
	}
	if b.child {
		id += "_child"
	}
	unit := b.name(ev.RelationUnitName)
	if unit == "" {
		unit = l.T("extract.explain.the_unit")
	}
	if !ev.RelationStartsAt.Valid {
		return b.phrase(phraseKey{id: id, a: unit}, func() string {
			return l.T(id, map[string]any{"Unit": unit, "Apart": ""})
		})
	}
	start := ev.RelationStartsAt.Time
	end := start
	if !open {
		end = ev.RelationEndsAt.Time
	}
	days := relationDays(l, ev.RelationKind, open, at, start, end)
	k := phraseKey{id: id, a: unit, n: days, t1: start.UnixNano(), t2: end.UnixNano()}
	return b.phrase(k, func() string {
		data := map[string]any{"Unit": unit, "Apart": "", "Date": l.Date(start), "From": l.Date(start)}
		if !open {
			data["To"] = l.Date(end)
		}
		switch {
		case days > 0:
			data["Apart"] = l.N("extract.explain.later", days)
		case days < 0:
			data["Apart"] = l.N("extract.explain.earlier", -days)
		}
		return l.T(id, data)
	})
}

// relationDays is how many days lie between an access at at and the
// relation [start, end] of kind that explains it: positive after, negative
// before, 0 when the access falls within it (or for a team, which explains
// only the accesses while it holds).
func relationDays(l *i18n.Localizer, kind string, open bool, at, start, end time.Time) int {
	var days int
	switch kind {
	case "team":
		// Explains only the accesses while it holds.
	case "admission":
		if d := dayDiff(l, at, start); d > 0 {
			days = d
		} else if d := dayDiff(l, at, end); !open && d < 0 {
			days = d
		}
	default:
		days = dayDiff(l, at, start)
	}
	return days
}

// dayDiff is how many calendar days (in the reader's time zone) the day of
// to lies after the day of from; negative when before.
func dayDiff(l *i18n.Localizer, from, to time.Time) int {
	day := func(t time.Time) time.Time {
		t = t.In(l.Location())
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return int(day(to).Sub(day(from)).Hours() / 24)
}

func ownerDiffers(ev *store.ExtractEvent) bool {
	if ev.OwnerUnitHSAID != "" {
		return ev.OwnerUnitHSAID != ev.UnitHSAID
	}
	return ev.OwnerProviderHSAID != "" && ev.OwnerProviderHSAID != ev.ProviderHSAID
}

// flushSitting puts the open sitting on the day as one row: what was done
// to which kinds of information, how often, and one explanation.
func (b *builder) flushSitting() error {
	s := &b.s
	if !s.open {
		return nil
	}
	l := b.l
	r := s.row
	r.Count = s.count
	r.Events = slices.Clone(s.events)
	r.At = s.first.Format(time.RFC3339)
	r.Time = l.Time(s.first)
	if last := l.Time(s.last); last != r.Time {
		r.Time += "–" + last
	}
	phrases := make([]string, 0, len(s.acts))
	r.Kinds = make([]string, 0, 2)
	for _, a := range s.acts {
		kinds := make([]string, 0, len(a.kinds))
		for _, k := range a.kinds {
			r.Kinds = addOnce(r.Kinds, k.text)
			if k.n > 1 {
				kinds = append(kinds, b.phrase(phraseKey{id: "extract.times", a: k.text, n: k.n}, func() string {
					return k.text + " " + l.N("extract.times", k.n)
				}))
			} else {
				kinds = append(kinds, k.text)
			}
		}
		info := b.list(kinds)
		phrases = append(phrases, b.phrase(phraseKey{id: a.what, a: info}, func() string {
			return l.T(a.what, map[string]any{"Info": info})
		}))
	}
	if len(phrases) == 1 {
		r.What = phrases[0]
	} else {
		r.What = strings.Join(phrases, "; ")
	}
	r.Purpose = b.list(s.purposes)
	r.Owner = strings.Join(s.owners, "; ")
	r.Emergency = s.emergency
	r.OtherProvider = s.other
	r.Explanation = s.explanation
	if r.Unexplained = s.explanation == ""; r.Unexplained {
		b.unexpl += s.count
		b.unexplR++
	}
	b.day.Rows = append(b.day.Rows, r)
	b.day.Count += s.count
	b.rows++
	s.open = false
	return nil
}

// list joins texts the reader's way: "a, b och c".
func (b *builder) list(items []string) string {
	if len(items) < 2 {
		return joinList(b.l, items)
	}
	init := strings.Join(items[:len(items)-1], ", ")
	last := items[len(items)-1]
	return b.phrase(phraseKey{id: "extract.list", a: init, b: last}, func() string {
		return b.l.T("extract.list", map[string]any{"Init": init, "Last": last})
	})
}

func joinList(l *i18n.Localizer, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return l.T("extract.list", map[string]any{"Init": strings.Join(items[:len(items)-1], ", "), "Last": items[len(items)-1]})
}

func addOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// nextRows is where the next day's rows go. A sink that streams the days
// (PDF, JSON) is done with a day's rows when it returns, so the day after
// reuses them; one that keeps them (Collect) is handed rows no later day
// writes to, taken from a chunk rather than a slice per day.
func (b *builder) nextRows() []Row {
	rows := b.day.Rows
	if !b.keeps {
		return rows[:0]
	}
	if rest := rows[len(rows):]; cap(rest) >= keptRowsMin {
		return rest
	}
	return make([]Row, 0, keptRowsChunk)
}

// keptRowsChunk is how many rows a chunk has room for; a day starts a new
// one when fewer than keptRowsMin are left. A patient's year is a few
// hundred days of a row or two.
const (
	keptRowsChunk = 256
	keptRowsMin   = 8
)

func (b *builder) flushDay() error {
	if b.dayKey == 0 {
		return nil
	}
	n := b.day.Count
	b.day.Accesses = b.phrase(phraseKey{id: "extract.accesses", n: n}, func() string { return b.l.N("extract.accesses", n) })
	return b.sink.Day(&b.day)
}

// UnexplainedSentence is the summary's sentence about the accesses nothing
// explains ("" when there are none to speak of), with how many of the
// extract's rows they fill, or, for pages that count so, how many sittings
// ("vid 2 tillfällen").
func UnexplainedSentence(l *i18n.Localizer, s Summary, inSittings bool) string {
	switch {
	case s.Events == 0:
		return ""
	case s.Unexplained == 0:
		return l.T("extract.summary.all_explained")
	}
	count := "extract.summary.unexplained_rows"
	if inSittings {
		count = "extract.summary.sittings"
	}
	return l.N("extract.summary.unexplained", s.Unexplained, map[string]any{
		"Rows": l.N(count, s.UnexplainedRows), "Label": l.T("extract.unexplained.label")})
}

// Finish flushes the last row and day and ends the extract with its
// summary: how many accesses, how many nothing explains, and whom to
// contact at each care provider in it.
func (b *builder) Finish() (Summary, error) {
	if err := b.flushSitting(); err != nil {
		return Summary{}, err
	}
	if err := b.flushDay(); err != nil {
		return Summary{}, err
	}
	l := b.l
	s := Summary{Events: b.events, Rows: b.rows, Unexplained: b.unexpl, UnexplainedRows: b.unexplR,
		Text: l.T("extract.summary.empty")}
	if b.events > 0 {
		total := "extract.summary.total"
		if b.child {
			total += "_child"
		}
		s.Text = l.N(total, b.events, map[string]any{"Rows": l.N("extract.summary.sittings", b.rows)})
		s.UnexplainedText = UnexplainedSentence(l, s, false)
	}
	for _, p := range b.provs {
		s.Contacts = append(s.Contacts, Field{Label: p, Value: l.T("extract.contact.provider", map[string]any{"Provider": p})})
	}
	return s, b.sink.End(&s)
}

func firstName(names ...string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}
