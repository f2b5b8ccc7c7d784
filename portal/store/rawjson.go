package store

import (
	"bytes"

	"github.com/insyn/insyn/portal"
)

// PostgreSQL's jsonb refuses some JSON that is well-formed: the escaped
// NUL (\u0000), an unpaired surrogate escape (\ud800), numbers beyond
// numeric's range (at most 131,072 digits before the point and 16,383
// after it) and nesting deep enough to exhaust its parser's stack. Such a
// record is kept as text instead, byte for byte; these bounds are
// conservative, since keeping a record as text only costs the operator a
// jsonb path into it.
const (
	maxJSONBDepth     = 1000 // PostgreSQL parses nested values recursively
	maxJSONBNumberLen = 1000 // digits, sign, point and exponent of one number
	maxJSONBExponent  = 1000 // with the above, far inside numeric's range
)

// jsonbSafe reports whether raw is exactly one JSON object that jsonb takes
// as it is. It is one pass over raw, in place of the json.Valid it
// replaces. raw must be valid UTF-8: the pipeline's CheckText quarantines
// records that are not, before anything reaches the store.
func jsonbSafe(raw []byte) bool {
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	const (
		wantValue        = iota // after ':' or an array's ','
		wantValueOrClose        // after '['
		wantKey                 // after an object's ','
		wantKeyOrClose          // after '{'
		wantColon               // after a key
		wantComma               // after a value: ',' or the closing bracket
	)
	var stack [maxJSONBDepth]byte // the open brackets
	depth, state := 0, wantValue
	for i := 0; ; {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
		if i == len(raw) {
			return false // the object is not closed
		}
		c := raw[i]
		switch state {
		case wantKey, wantKeyOrClose:
			switch {
			case c == '"':
				if i = jsonbString(raw, i); i < 0 {
					return false
				}
				state = wantColon
			case c == '}' && state == wantKeyOrClose:
				depth--
				i++
				state = wantComma
			default:
				return false
			}
		case wantColon:
			if c != ':' {
				return false
			}
			i++
			state = wantValue
		case wantComma:
			switch {
			case c == ',' && stack[depth-1] == '{':
				state = wantKey
			case c == ',':
				state = wantValue
			case c == '}' && stack[depth-1] == '{', c == ']' && stack[depth-1] == '[':
				depth--
			default:
				return false
			}
			i++
		default: // wantValue, wantValueOrClose
			switch c {
			case '{', '[':
				if depth == maxJSONBDepth {
					return false
				}
				stack[depth] = c
				depth++
				i++
				state = wantKeyOrClose
				if c == '[' {
					state = wantValueOrClose
				}
			case ']':
				if state != wantValueOrClose {
					return false
				}
				depth--
				i++
				state = wantComma
			case '"':
				if i = jsonbString(raw, i); i < 0 {
					return false
				}
				state = wantComma
			case 't', 'f', 'n':
				if i = jsonbLiteral(raw, i); i < 0 {
					return false
				}
				state = wantComma
			default:
				if i = jsonbNumber(raw, i); i < 0 {
					return false
				}
				state = wantComma
			}
		}
		if depth == 0 && state == wantComma {
			// The object closed: only white space may follow.
			return len(bytes.TrimLeft(raw[i:], " \t\n\r")) == 0
		}
	}
}

// jsonbString reads the string starting at raw[i] == '"' and returns the
// index after it, or -1 when it is not well-formed or holds an escape jsonb
// refuses.
func jsonbString(raw []byte, i int) int {
	for i++; i < len(raw); {
		c := raw[i]
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c != '\\':
			i++
			continue
		}
		if i+1 >= len(raw) {
			return -1
		}
		switch raw[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			r := portal.JSONHex4(raw, i+2)
			switch {
			case r <= 0: // \u0000, or not four hex digits
				return -1
			case r >= 0xdc00 && r <= 0xdfff: // a low surrogate alone
				return -1
			case r >= 0xd800 && r <= 0xdbff:
				// A high surrogate must be followed by an escaped low one.
				if i+7 >= len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
					return -1
				}
				if lo := portal.JSONHex4(raw, i+8); lo < 0xdc00 || lo > 0xdfff {
					return -1
				}
				i += 12
			default:
				i += 6
			}
		default:
			return -1
		}
	}
	return -1
}

func jsonbLiteral(raw []byte, i int) int {
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(raw[i:], []byte(lit)) {
			return i + len(lit)
		}
	}
	return -1
}

// jsonbNumber reads the number at raw[i:] (JSON's grammar) and returns the
// index after it, or -1 when it is not one or may lie outside numeric's
// range.
func jsonbNumber(raw []byte, i int) int {
	start := i
	digits := func() bool {
		j := i
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(raw) && raw[i] == '-' {
		i++
	}
	switch {
	case i < len(raw) && raw[i] == '0':
		i++
	case !digits():
		return -1
	}
	if i < len(raw) && raw[i] == '.' {
		i++
		if !digits() {
			return -1
		}
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		exp := i
		if !digits() {
			return -1
		}
		for exp < i && raw[exp] == '0' {
			exp++
		}
		if i-exp > 4 || i-exp == 4 && string(raw[exp:i]) > "1000" {
			return -1
		}
	}
	if i-start > maxJSONBNumberLen {
		return -1
	}
	return i
}
