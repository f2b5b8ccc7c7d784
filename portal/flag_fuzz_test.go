package portal_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
)

// FuzzFlagValidate holds Validate to its promise for any text: an accepted
// flag's text is trimmed, valid UTF-8, free of control characters but line
// breaks and tabs, and at most MaxFlagText characters; a refused one names
// only known fields.
func FuzzFlagValidate(f *testing.F) {
	f.Add("unknown_person", "Jag känner inte personen", 1)
	f.Add("other", "", 1)
	f.Add("other", strings.Repeat("å", portal.MaxFlagText), 3)
	f.Add("no_care_then", " \x00 ", 0)
	f.Add("knows_privately", "\xff\xfe", 2)
	f.Fuzz(func(t *testing.T, reason, text string, events int) {
		fl := portal.Flag{Reason: portal.FlagReason(reason), Text: text, Events: make([]int64, events&0xfff)}
		err := fl.Validate()
		if err == nil {
			if fl.Text != strings.TrimSpace(fl.Text) || !utf8.ValidString(fl.Text) || utf8.RuneCountInString(fl.Text) > portal.MaxFlagText {
				t.Fatalf("accepted text %q", fl.Text)
			}
			for _, r := range fl.Text {
				if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
					t.Fatalf("accepted control character %U", r)
				}
			}
			if !fl.Reason.Valid() || len(fl.Events) == 0 {
				t.Fatalf("accepted %+v", fl)
			}
			return
		}
		var fe portal.FieldErrors
		if !errors.As(err, &fe) || len(fe) == 0 {
			t.Fatalf("error %v is no field error", err)
		}
		for name, e := range fe {
			if (name != "reason" && name != "text" && name != "events") || e.Code != portal.Invalid || !strings.HasPrefix(e.MsgID, "flag.error.") {
				t.Fatalf("field %s: %+v", name, e)
			}
		}
	})
}
