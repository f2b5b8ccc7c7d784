package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// termSafe makes text from input (a file name, an error naming one) safe
// to print on a terminal: control and format characters (escape sequences,
// bidirectional overrides) and bytes that are not UTF-8 are written as
// escapes, and so is the backslash, so the output is unambiguous.
func termSafe(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x80 && r != 0x7f && r >= 0x20:
			b.WriteByte(byte(r))
		case !unicode.IsGraphic(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			return true // non-ASCII: look closer
		}
	}
	return false
}

func writeRuneEscape(b *strings.Builder, r rune) {
	switch {
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// jsonTermSafe escapes, in encoding/json output, the characters
// encoding/json leaves raw but a terminal may act on (DEL, C1 controls,
// bidirectional overrides and other format characters). They can only
// occur inside JSON strings, where \uXXXX is the same character, so the
// line stays valid JSON with the same values.
func jsonTermSafe(js []byte) string {
	s := string(js)
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if (r < 0x80 && r != 0x7f) || (r >= 0x80 && unicode.IsGraphic(r)) {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16Surrogates(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
