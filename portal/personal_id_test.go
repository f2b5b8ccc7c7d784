package portal

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// withLuhn completes YYYYMMDDNNN with its check digit.
func withLuhn(eleven string) string { return eleven + string(LuhnDigit(eleven[2:])) }

func TestParsePersonalID(t *testing.T) {
	tests := []struct {
		in   string
		kind IDKind
		msg  string // message id of the error; "" when valid
	}{
		{"191212121212", KindPersonnummer, ""},
		{"19121212-1212", KindPersonnummer, ""},
		{" 191212121212 ", KindPersonnummer, ""},
		{"191212121213", "", "error.personal_id.luhn"},
		{withLuhn("19701263123"), KindSamordningsnummer, ""}, // day 3 + 60
		{withLuhn("20000229123"), KindPersonnummer, ""},      // leap year
		{withLuhn("19000229123"), "", "error.personal_id.date"},
		{withLuhn("20230229123"), "", "error.personal_id.date"},
		{withLuhn("19800431123"), "", "error.personal_id.date"},
		{withLuhn("19801301123"), "", "error.personal_id.date"},
		{withLuhn("19801200123"), "", "error.personal_id.date"},
		{withLuhn("19701292123"), "", "error.personal_id.date"}, // samordning day 32
		{"1212121212", "", "error.personal_id.format"},
		{"19121212x212", "", "error.personal_id.format"},
		{"", "", "error.personal_id.format"},
	}
	for _, tt := range tests {
		id, err := ParsePersonalID(tt.in)
		msg, _ := ErrorMsgID(err)
		if err == nil {
			msg = ""
		}
		if msg != tt.msg || (err == nil && id.Kind() != tt.kind) {
			t.Errorf("ParsePersonalID(%q) = kind %q, error %q; want %q, %q", tt.in, id.Kind(), msg, tt.kind, tt.msg)
		}
	}
}

func TestPersonalIDNeverPrintsItsDigits(t *testing.T) {
	id, _ := ParsePersonalID("191212121212")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("read", "patient", id, "ptr", &id)
	for _, s := range []string{fmt.Sprint(id), fmt.Sprintf("%v %+v %#v %s", id, id, id, id), buf.String(),
		fmt.Sprint(struct{ P PersonalID }{id})} {
		if strings.Contains(s, "121212") {
			t.Errorf("digits leaked: %s", s)
		}
	}
	if id.Digits() != "191212121212" || id.Formatted() != "19121212-1212" || id.BirthDate() != "19121212" {
		t.Errorf("explicit accessors: %q %q %q", id.Digits(), id.Formatted(), id.BirthDate())
	}
}

func TestPersonalIDFromOID(t *testing.T) {
	if id, err := PersonalIDFromOID("urn:oid:1.2.752.129.2.1.3.1", "191212121212"); err != nil || id.Kind() != KindPersonnummer {
		t.Errorf("personnummer OID: %v %v", id.Kind(), err)
	}
	if id, err := PersonalIDFromOID("1.2.752.97.3.1.3", "R12345"); err != nil || id.Kind() != KindReservnummer || id.Root() != "1.2.752.97.3.1.3" {
		t.Errorf("reserve number: %v %v", id.Kind(), err)
	}
	if _, err := PersonalIDFromOID(OIDHSAID, "SE2321000016-1234"); err == nil {
		t.Error("an HSA-id was accepted as a personal id")
	}
	if _, err := PersonalIDFromOID(OIDPersonnummer, "191212121213"); err == nil {
		t.Error("a personnummer OID skipped the Luhn check")
	}
}

func FuzzParsePersonalID(f *testing.F) {
	f.Add("191212121212")
	f.Add("19121212-1212")
	f.Add("19701263123x")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParsePersonalID(s)
		if err != nil {
			return
		}
		again, err := ParsePersonalID(id.Digits())
		if err != nil || again != id || len(id.Digits()) != 12 {
			t.Fatalf("%q parsed to %q, which does not parse back (%v)", s, id.Digits(), err)
		}
	})
}
