package notify_test

import (
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
)

func TestParseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"  tolvan@Example.SE ":      "tolvan@example.se",
		"Tolvan.T+insyn@example.se": "Tolvan.T+insyn@example.se",
		"a@localhost":               "a@localhost",
	} {
		if got, err := notify.ParseAddress(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"tolvan", "tolvan@", "@example.se", "Tolvan <t@example.se>", "t@example", "t@.se", "t@example.se.",
		"a@b.se, c@d.se", "t@exa mple.se", "t\r\n@example.se", "t@example.se\nBcc: x@y.se", "\xff@example.se",
		strings.Repeat("a", 250) + "@example.se", "t@[127.0.0.1]"} {
		if got, err := notify.ParseAddress(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		} else if portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	s := notify.Settings{Kinds: []notify.Kind{notify.KindDigest, notify.KindEmergency, notify.KindDigest}, Lang: "en", Address: " a@example.se"}
	if err := s.Validate(); err != nil || len(s.Kinds) != 2 || s.Kinds[0] != notify.KindEmergency || s.Address != "a@example.se" {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []notify.Settings{
		{Kinds: []notify.Kind{"confirm"}, Lang: "sv", Address: "a@example.se"},
		{Kinds: []notify.Kind{"everything"}, Lang: "sv", Address: "a@example.se"},
		{Kinds: []notify.Kind{notify.KindDigest}, Lang: "sv"},
		{Lang: "fi"},
	} {
		err := bad.Validate()
		if fe, ok := err.(portal.FieldErrors); !ok || len(fe) != 1 {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
