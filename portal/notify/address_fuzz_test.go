package notify_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/insyn/insyn/portal/notify"
)

// FuzzParseAddress: an accepted address is printable, bounded, stable
// under a second parse, and cannot add a header or a recipient to a mail.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"tolvan@example.se", " A@B.SE ", "a@localhost", "\"quoted local\"@example.se", "a@b.se\r\nBcc: c@d.se",
		"Tolvan <t@example.se>", "a@[127.0.0.1]", "å@ö.se", "a@b@c.se", ""} {
		f.Add(s)
	}
	c := notify.Composer{Texts: texts, BaseURL: "https://insyn.example.se", From: "insyn@example.se"}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := notify.ParseAddress(in)
		if err != nil || got == "" {
			return
		}
		if len(got) > notify.MaxAddress || strings.ContainsAny(got, "\r\n<>,;") || strings.IndexFunc(got, unicode.IsControl) >= 0 {
			t.Fatalf("%q accepted as %q", in, got)
		}
		if again, err := notify.ParseAddress(got); err != nil || again != got {
			t.Fatalf("%q → %q → %q, %v", in, got, again, err)
		}
		m, err := c.Compose(notify.Notice{Key: "k", UnsubToken: "u", Kind: notify.KindDigest, To: got, Lang: "sv", Month: "2026-03"}, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		head := string(m.Bytes[:strings.Index(string(m.Bytes), "\r\n\r\n")])
		if strings.Count(head, "\r\n") != 11 || strings.Count(head, "To: ") != 1 {
			t.Fatalf("%q changed the header:\n%s", got, head)
		}
	})
}
