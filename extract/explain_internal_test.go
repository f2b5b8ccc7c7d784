package extract

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Explanations say the relation and its date, and how many days lie
// between it and the access when they are not on the same day.
func TestExplanations(t *testing.T) {
	cat := i18n.MustLoad(portal.Stockholm)
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, portal.Stockholm) }
	at := func(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: true} }
	for _, c := range []struct {
		lang   string
		kind   string
		staff  bool
		access time.Time
		start  time.Time
		end    sql.NullTime
		want   string
	}{
		{"sv", "booking", true, day(10, 13, 9), day(11, 9, 10), sql.NullTime{},
			"Du hade en bokad tid hos den här personen 2026-11-09 (27\u00a0dagar senare)."},
		{"en", "booking", true, day(10, 13, 9), day(11, 9, 10), sql.NullTime{},
			"You had an appointment with this person on 9 Nov 2026 (27\u00a0days later)."},
		{"sv", "visit", false, day(3, 6, 9), day(3, 3, 10), sql.NullTime{},
			"Du hade ett besök på Kirurgkliniken 2026-03-03 (3\u00a0dagar tidigare)."},
		{"sv", "visit", false, day(3, 4, 9), day(3, 3, 10), sql.NullTime{},
			"Du hade ett besök på Kirurgkliniken 2026-03-03 (1\u00a0dag tidigare)."},
		{"en", "visit", false, day(3, 2, 23), day(3, 3, 10), sql.NullTime{},
			"You had a visit at Kirurgkliniken on 3 Mar 2026 (1\u00a0day later)."},
		{"sv", "visit", false, day(3, 3, 16), day(3, 3, 10), sql.NullTime{},
			"Du hade ett besök på Kirurgkliniken 2026-03-03."},
		{"sv", "admission", false, day(3, 12, 9), day(3, 10, 8), at(day(3, 14, 12)),
			"Du var inlagd på Kirurgkliniken 2026-03-10–2026-03-14."},
		{"sv", "admission", false, day(4, 6, 9), day(3, 10, 8), at(day(3, 14, 12)),
			"Du var inlagd på Kirurgkliniken 2026-03-10–2026-03-14 (23\u00a0dagar tidigare)."},
		{"sv", "admission", false, day(3, 8, 9), day(3, 10, 8), sql.NullTime{},
			"Du var inlagd på Kirurgkliniken från 2026-03-10 (2\u00a0dagar senare)."},
		{"en", "admission", false, day(3, 12, 9), day(3, 10, 8), at(day(3, 14, 12)),
			"You were admitted to Kirurgkliniken from 10 Mar 2026 to 14 Mar 2026."},
		{"sv", "admission", true, day(3, 12, 9), day(3, 10, 8), sql.NullTime{},
			"Du var inlagd från 2026-03-10 och vårdades av den här personen."},
		{"sv", "team", true, day(3, 12, 9), day(3, 10, 8), sql.NullTime{}, "Den här personen ingick då i ditt vårdteam."},
		{"sv", "team", false, day(3, 12, 9), day(3, 10, 8), sql.NullTime{}, "Du hade då ett vårdteam på Kirurgkliniken."},
	} {
		var col Collect
		b := newBuilder(cat.For(c.lang), &col)
		col.Begin(&Extract{})
		ev := &store.ExtractEvent{OccurredAt: c.access, Activity: portal.ActivityRead, Purpose: portal.PurposeCare,
			ResourceType: "Journalanteckning", RelationKind: c.kind, RelationWithActor: c.staff,
			RelationStartsAt: at(c.start), RelationEndsAt: c.end, RelationUnitName: "Kirurgkliniken"}
		if err := b.Add(ev); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		if got := col.Extract.Days[0].Rows[0].Explanation; got != c.want {
			t.Errorf("%s %s staff=%v:\n got %q\nwant %q", c.lang, c.kind, c.staff, got, c.want)
		}
	}
}

// Every activity reads as a phrase with every kind of information, in
// both languages: no message is missing and the noun is in it.
func TestEveryActivityWithEveryNoun(t *testing.T) {
	cat := i18n.MustLoad(portal.Stockholm)
	acts := []portal.Activity{portal.ActivityRead, portal.ActivityWrite, portal.ActivitySign, portal.ActivityPrint,
		portal.ActivityVerify, portal.ActivityDelete, portal.ActivityEmergency, portal.ActivityOther}
	nouns := map[string]bool{"extract.info.unknown": true}
	for _, id := range infoTypes {
		nouns[id] = true
	}
	for _, lang := range []string{"sv", "en"} {
		l := cat.For(lang)
		for _, a := range acts {
			for id := range nouns {
				info := l.T(id)
				what := l.T(whatMsg(a), map[string]any{"Info": info})
				if len(what) <= len(info) || !strings.Contains(what, info) {
					t.Errorf("%s %s %s: %q", lang, a, id, what)
				}
			}
		}
	}
}
