package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal/notify"
)

// TestComposeWatchlistAndChild: the watchlist's mail says only that a
// watched person opened the record, in either language; a child's mail
// says "your child" and never holds the child or the recipient's own
// wording; a kind a guardian cannot choose is refused for a child.
func TestComposeWatchlistAndChild(t *testing.T) {
	c := notify.Composer{Texts: texts, BaseURL: "https://insyn.example.se", From: "insyn@example.se"}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		n          notify.Notice
		want, nope []string
	}{
		{notify.Notice{Kind: notify.KindWatchlist, Lang: "sv"}, []string{"bevakningslista", "Logga in", "/login?lang=sv"}, []string{"barn"}},
		{notify.Notice{Kind: notify.KindWatchlist, Lang: "en"}, []string{"watchlist", "Log in", "/login?lang=en"}, []string{"child"}},
		{notify.Notice{Kind: notify.KindWatchlist, Lang: "sv", ForChild: true}, []string{"ditt barns journal", "fyller 13"}, []string{"din journal"}},
		{notify.Notice{Kind: notify.KindEmergency, Lang: "en", ForChild: true, Count: 2}, []string{"child's record", "2 times", "turns 13"}, []string{"your record"}},
		{notify.Notice{Kind: notify.KindNewProvider, Lang: "sv", ForChild: true, Count: 1}, []string{"ditt barns journal"}, []string{"din journal"}},
	} {
		tc.n.Key, tc.n.UnsubToken, tc.n.To = "k1", strings.Repeat("a", 64), "guardian@example.se"
		m, err := c.Compose(tc.n, at)
		if err != nil {
			t.Fatal(err)
		}
		all := m.Subject + "\n" + m.Text
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%+v: no %q in\n%s", tc.n, w, all)
			}
		}
		for _, w := range append(tc.nope, "{{", "notify.mail") {
			if strings.Contains(all, w) {
				t.Errorf("%+v: %q in\n%s", tc.n, w, all)
			}
		}
	}
	if _, err := c.Compose(notify.Notice{Kind: notify.KindDigest, Lang: "sv", ForChild: true, Month: "2026-03"}, at); err == nil {
		t.Error("a digest for a child composed")
	}
	if !notify.KindWatchlist.Optional() || notify.KindDigest.ForChild() || !notify.KindWatchlist.ForChild() {
		t.Error("kinds")
	}
}
