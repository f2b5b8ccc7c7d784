package web

import (
	"testing"
	"time"
)

func viewOf(rows int, gen int64, built time.Time) *historyView {
	return &historyView{rows: make([]histRow, rows), gen: gen, built: built}
}

func TestHistoryCacheKeepsWithinItsBounds(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := newHistoryCache(300, time.Minute) // a view costs its rows and one
	c.put("a", "s1", viewOf(74, 1, now))
	c.put("b", "s1", viewOf(74, 1, now))
	c.put("c", "s2", viewOf(74, 1, now))
	if _, ok := c.get("a", 1, now); !ok { // a is now the most recently used
		t.Fatal("a view just kept is gone")
	}
	c.put("d", "s2", viewOf(74, 1, now)) // 300: all kept
	c.put("e", "s2", viewOf(74, 1, now)) // 375: b, the least recently used, goes
	if _, ok := c.get("b", 1, now); ok {
		t.Error("the least recently used view outlived the bound")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, ok := c.get(k, 1, now); !ok {
			t.Errorf("%s was dropped", k)
		}
	}
	if c.rows > c.maxRows {
		t.Errorf("%d rows kept, bound %d", c.rows, c.maxRows)
	}
	c.put("big", "s1", viewOf(75, 1, now)) // over a quarter of the bound
	if _, ok := c.get("big", 1, now); ok {
		t.Error("a view larger than a quarter of the bound was kept")
	}
	// Another generation or an old view is built again, and forgotten.
	if _, ok := c.get("a", 2, now); ok {
		t.Error("a view of an older generation was served")
	}
	if _, ok := c.get("a", 1, now); ok {
		t.Error("a stale view was kept after it was found stale")
	}
	if _, ok := c.get("c", 1, now.Add(time.Minute)); ok {
		t.Error("a view older than the limit was served")
	}
	// Logout forgets the session's views only.
	c.put("f", "s1", viewOf(10, 1, now))
	c.dropSession("s1")
	if _, ok := c.get("f", 1, now); ok {
		t.Error("a view outlived its session's logout")
	}
	if _, ok := c.get("d", 1, now); !ok {
		t.Error("logout of one session dropped another's view")
	}
	if c.rows != 150 || len(c.byKey) != 2 || c.order.Len() != 2 {
		t.Errorf("bookkeeping: %d rows, %d keys, %d in order", c.rows, len(c.byKey), c.order.Len())
	}
}
