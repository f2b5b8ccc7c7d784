package extract

import (
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Sittings: accesses by one person at one unit, each within 30 minutes of
// the one before, are one row; a read right after an emergency access
// joins it even at another unit; another person, another unit or a longer
// pause starts a new row.
func TestSittings(t *testing.T) {
	cat := i18n.MustLoad(portal.Stockholm)
	t0 := time.Date(2026, 3, 5, 9, 0, 0, 0, portal.Stockholm)
	ev := func(min int, actor, unit string, act portal.Activity, info string) store.ExtractEvent {
		return store.ExtractEvent{ID: int64(1000 + min), OccurredAt: t0.Add(time.Duration(min) * time.Minute), ActorHSAID: actor, UnitHSAID: unit,
			RefActorName: "Person " + actor, RefUnitName: "Enhet " + unit, Activity: act, Purpose: portal.PurposeCare,
			ResourceType: info}
	}
	read, em := portal.ActivityRead, portal.ActivityEmergency
	for _, c := range []struct {
		name   string
		events []store.ExtractEvent
		rows   []string // What of each row
		counts []int
	}{
		{"a chain of reads 25 minutes apart", []store.ExtractEvent{
			ev(0, "a", "u", read, "Journalanteckning"), ev(25, "a", "u", read, "Provsvar"), ev(50, "a", "u", read, "Journalanteckning")},
			[]string{"läste en journalanteckning 2\u00a0gånger och ett provsvar"}, []int{3}},
		{"a pause of 31 minutes", []store.ExtractEvent{
			ev(0, "a", "u", read, "Journalanteckning"), ev(31, "a", "u", read, "Journalanteckning")},
			[]string{"läste en journalanteckning", "läste en journalanteckning"}, []int{1, 1}},
		{"another unit", []store.ExtractEvent{
			ev(0, "a", "u", read, "Journalanteckning"), ev(5, "a", "v", read, "Journalanteckning")},
			[]string{"läste en journalanteckning", "läste en journalanteckning"}, []int{1, 1}},
		{"another person", []store.ExtractEvent{
			ev(0, "a", "u", read, "Journalanteckning"), ev(5, "b", "u", read, "Journalanteckning")},
			[]string{"läste en journalanteckning", "läste en journalanteckning"}, []int{1, 1}},
		{"reads after an emergency access, at another unit", []store.ExtractEvent{
			ev(0, "a", "u", em, "Läkemedelslista"), ev(5, "a", "v", read, "Provsvar"), ev(20, "a", "v", read, "Röntgensvar")},
			[]string{"använde nödåtkomst och läste läkemedelslistan; läste ett provsvar och ett röntgensvar"}, []int{3}},
		{"an emergency access after reads", []store.ExtractEvent{
			ev(0, "a", "u", read, "Provsvar"), ev(5, "a", "u", em, "Läkemedelslista")},
			[]string{"läste ett provsvar; använde nödåtkomst och läste läkemedelslistan"}, []int{2}},
		{"midnight ends a sitting", []store.ExtractEvent{
			ev(14*60+55, "a", "u", read, "Provsvar"), ev(15*60+5, "a", "u", read, "Provsvar")},
			[]string{"läste ett provsvar", "läste ett provsvar"}, []int{1, 1}},
	} {
		var col Collect
		b := newBuilder(cat.For("sv"), &col)
		col.Begin(&Extract{})
		for i := range c.events {
			if err := b.Add(&c.events[i]); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		var counts []int
		var ids []int64
		emergency := false
		for _, d := range col.Extract.Days {
			for _, r := range d.Rows {
				if len(r.Events) != r.Count {
					t.Errorf("%s: row %q counts %d accesses and keys %d events", c.name, r.What, r.Count, len(r.Events))
				}
				ids = append(ids, r.Events...)
				rows, counts = append(rows, r.What), append(counts, r.Count)
				emergency = emergency || r.Emergency
			}
		}
		for i := range c.events {
			if i >= len(ids) || ids[i] != c.events[i].ID {
				t.Errorf("%s: rows key events %v, want every event once in order", c.name, ids)
				break
			}
		}
		if len(rows) != len(c.rows) || sum.Rows != len(c.rows) || sum.Events != len(c.events) {
			t.Errorf("%s: rows %q (summary %d rows, %d events)", c.name, rows, sum.Rows, sum.Events)
			continue
		}
		for i := range rows {
			if rows[i] != c.rows[i] || counts[i] != c.counts[i] {
				t.Errorf("%s: row %d %q ×%d, want %q ×%d", c.name, i, rows[i], counts[i], c.rows[i], c.counts[i])
			}
		}
		if want := c.events[0].Activity == em || c.events[len(c.events)-1].Activity == em; emergency != want {
			t.Errorf("%s: emergency %v", c.name, emergency)
		}
	}
}
