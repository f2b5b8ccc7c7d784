package extract

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// CollapseWindow is how close in time a read must follow the previous one
// by the same person, on the same kind of information, to be counted on
// the same row.
const CollapseWindow = 30 * time.Minute

// Source is what the extract reads: *store.Store.
type Source interface {
	ExtractSubject(ctx context.Context, actor portal.Actor, patient portal.PersonalID, provider portal.HSAID) (store.ExtractSubject, error)
	EventsForPatient(ctx context.Context, actor portal.Actor, q store.ExtractQuery, fn func(*store.ExtractEvent) error) (int, error)
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
	if err := sink.Begin(&x); err != nil {
		return Summary{}, err
	}
	b := newBuilder(l, sink)
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
	if !req.From.IsZero() {
		period = l.T("extract.period.range", map[string]any{"From": l.Date(req.From), "To": l.Date(last)})
	}
	provider := plainName(subj.ProviderName)
	if provider == "" {
		provider = l.T("extract.provider.all")
	}
	by := strings.TrimSpace(req.Actor.Name)
	if by == "" {
		by = l.T("extract.person.unknown")
	}
	id := req.Patient.Formatted()
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
			},
			PatientRef: name + ", " + id,
		},
		Legend: Legend{Title: l.T("extract.legend.title")},
		Labels: Labels{
			Time: l.T("extract.col.time"), Who: l.T("extract.col.who"), Where: l.T("extract.col.where"),
			What: l.T("extract.col.what"), Why: l.T("extract.col.why"), Explanation: l.T("extract.col.explanation"),
			Owner: l.T("extract.label.owner"), Emergency: l.T("extract.emergency.label"),
			Continued: l.T("extract.label.continued"),
			Page:      l.T("extract.page", map[string]any{"Page": "{page}", "Pages": "{pages}"}),
		},
		Footer: Footer{
			AboutTitle: l.T("extract.footer.about_title"), About: l.T("extract.footer.contains"),
			ComplaintTitle: l.T("extract.footer.complaint_title"), Complaint: l.T("extract.footer.complaint"),
			Short: l.T("extract.footer.short"),
		},
	}
	for _, k := range []string{"what", "why", "emergency", "owner", "explanation", "count"} {
		x.Legend.Items = append(x.Legend.Items, Field{
			Label: l.T("extract.legend." + k + ".term"), Value: l.T("extract.legend." + k + ".text")})
	}
	return x
}

// builder turns events into rows, collapsing repeated reads, and hands
// each finished day to the sink.
type builder struct {
	l      *i18n.Localizer
	sink   Sink
	day    Day
	dayKey string
	g      group
	events int
	rows   int
}

type group struct {
	open        bool
	collapsible bool
	key         groupKey
	dayKey      string
	first, last time.Time
	count       int
	row         Row
}

// groupKey is what must match for reads to collapse into one row.
type groupKey struct {
	actor, unit, info, owner string
	purpose                  portal.Purpose
}

func newBuilder(l *i18n.Localizer, sink Sink) *builder { return &builder{l: l, sink: sink} }

// Add takes the next event (in time order).
func (b *builder) Add(ev *store.ExtractEvent) error {
	b.events++
	at := ev.OccurredAt.In(b.l.Location())
	dk := at.Format("2006-01-02")
	emergency := ev.Emergency || ev.Activity == portal.ActivityEmergency
	collapsible := ev.Activity == portal.ActivityRead && !emergency
	key := groupKey{actor: ev.ActorHSAID, unit: ev.UnitHSAID, info: foldCode(ev.ResourceType),
		owner: ev.OwnerUnitHSAID, purpose: ev.Purpose}
	if key.actor == "" {
		key.actor = "name:" + ev.LogActorName
	}
	if key.unit == "" {
		key.unit = "name:" + ev.LogUnitName
	}
	if b.g.open && collapsible && b.g.collapsible && b.g.key == key && b.g.dayKey == dk &&
		!at.Before(b.g.last) && at.Sub(b.g.last) <= CollapseWindow {
		b.g.count++
		b.g.last = at
		return nil
	}
	if err := b.flushGroup(); err != nil {
		return err
	}
	if dk != b.dayKey {
		if err := b.flushDay(); err != nil {
			return err
		}
		b.dayKey = dk
		b.day = Day{Date: b.l.T("extract.weekday."+strconv.Itoa(int(at.Weekday()))) + " " + b.l.Date(at), Rows: b.day.Rows[:0]}
	}
	b.g = group{open: true, collapsible: collapsible, key: key, dayKey: dk, first: at, last: at, count: 1}
	b.g.row = b.row(ev, at, emergency)
	return nil
}

// row renders one event in plain words.
func (b *builder) row(ev *store.ExtractEvent, at time.Time, emergency bool) Row {
	l := b.l
	var r Row
	if ev.ActorProtected {
		r.Who = l.T("extract.person.protected")
	} else {
		r.Who = firstName(plainName(ev.RefActorName), plainName(ev.LogActorName), l.T("extract.person.unknown"))
		r.Title = firstName(plainName(ev.RefActorTitle), plainName(ev.LogActorTitle))
	}
	r.Unit = firstName(plainName(ev.RefUnitName), plainName(ev.LogUnitName), l.T("extract.unit.unknown"))
	r.Provider = firstName(plainName(ev.RefProviderName), plainName(ev.LogProviderName), l.T("extract.provider.unknown"))
	if ownerDiffers(ev) {
		unit := firstName(plainName(ev.RefOwnerUnitName), plainName(ev.LogOwnerUnitName))
		prov := firstName(plainName(ev.RefOwnerProvName), plainName(ev.LogOwnerProvName))
		switch {
		case unit != "" && prov != "":
			r.Owner = unit + ", " + prov
		case unit != "" || prov != "":
			r.Owner = unit + prov
		default:
			r.Owner = l.T("extract.unit.unknown")
		}
	}
	actID, _ := activityMsg(ev.Activity)
	infoID, _ := infoMsg(ev.ResourceType)
	r.Activity, r.Information = l.T(actID), l.T(infoID)
	r.What = l.T(whatMsg(ev.Activity), map[string]any{"Info": r.Information})
	purposeID, _ := purposeMsg(ev.Purpose, ev.PurposeCode)
	r.Purpose = l.T(purposeID)
	r.Emergency = emergency
	r.Explanation = b.explain(ev, at)
	return r
}

// explain says which care relation explains the access, with its date and,
// when the access was on another day, how many days lie between.
func (b *builder) explain(ev *store.ExtractEvent, at time.Time) string {
	l := b.l
	open := !ev.RelationEndsAt.Valid
	id, ok := relationMsg(ev.RelationKind, ev.RelationWithActor, open)
	if !ok {
		return ""
	}
	unit := plainName(ev.RelationUnitName)
	if unit == "" {
		unit = l.T("extract.explain.the_unit")
	}
	data := map[string]any{"Unit": unit, "Apart": ""}
	if !ev.RelationStartsAt.Valid {
		return l.T(id, data)
	}
	start := ev.RelationStartsAt.Time
	data["Date"], data["From"] = l.Date(start), l.Date(start)
	end := start
	if !open {
		end = ev.RelationEndsAt.Time
		data["To"] = l.Date(end)
	}
	var days int
	switch ev.RelationKind {
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
	switch {
	case days > 0:
		data["Apart"] = l.N("extract.explain.later", days)
	case days < 0:
		data["Apart"] = l.N("extract.explain.earlier", -days)
	}
	return l.T(id, data)
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

func (b *builder) flushGroup() error {
	if !b.g.open {
		return nil
	}
	g := &b.g
	r := g.row
	r.Count = g.count
	r.At = g.first.Format(time.RFC3339)
	r.Time = b.l.Time(g.first)
	if g.count > 1 {
		if last := b.l.Time(g.last); last != r.Time {
			r.Time += "–" + last
		}
		r.What += " " + b.l.N("extract.times", g.count)
	}
	b.day.Rows = append(b.day.Rows, r)
	b.day.Count += g.count
	b.rows++
	g.open = false
	return nil
}

func (b *builder) flushDay() error {
	if b.dayKey == "" {
		return nil
	}
	b.day.Accesses = b.l.N("extract.accesses", b.day.Count)
	return b.sink.Day(&b.day)
}

// Finish flushes the last row and day and ends the extract.
func (b *builder) Finish() (Summary, error) {
	if err := b.flushGroup(); err != nil {
		return Summary{}, err
	}
	if err := b.flushDay(); err != nil {
		return Summary{}, err
	}
	s := Summary{Events: b.events, Rows: b.rows, Text: b.l.T("extract.summary.empty")}
	if b.events > 0 {
		s.Text = b.l.N("extract.summary.total", b.events)
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
