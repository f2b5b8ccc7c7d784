package portal_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
)

// FuzzWatchQuery: whatever is typed, a query WatchQuery accepts is a few
// lower-case words of letters (and - or '), enough letters in all, none of
// LIKE's wildcards; anything else is refused as Invalid, never a panic.
func FuzzWatchQuery(f *testing.F) {
	for _, s := range []string{"Anna Berg", "ab", "%%%", "Åsa Ö", strings.Repeat("a", 61), "a_b_c", "\xff\xfe", "en två tre fyra"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		words, err := portal.WatchQuery(q)
		if err != nil {
			if portal.ErrorCode(err) != portal.Invalid {
				t.Fatalf("%q: %v", q, err)
			}
			return
		}
		letters := 0
		if len(words) == 0 || len(words) > portal.MaxWatchWords {
			t.Fatalf("%q: %d words", q, len(words))
		}
		for _, w := range words {
			if w == "" || strings.ContainsAny(w, `%_\ `) || strings.ToLower(w) != w || !utf8.ValidString(w) {
				t.Fatalf("%q: word %q", q, w)
			}
			letters += utf8.RuneCountInString(w)
		}
		if letters < portal.MinWatchQuery {
			t.Fatalf("%q: %d letters", q, letters)
		}
	})
}
