package portal

import (
	"strings"
)

// HSAID is a national directory id of a person, unit, provider or system,
// e.g. "SE2321000016-1234". It is a code: it is stored and matched, but
// never shown to a patient.
type HSAID string

// ParseHSAID checks the shape: a country prefix of two letters, then
// letters, digits and hyphens, at most 31 characters (HSA's limit).
func ParseHSAID(s string) (HSAID, error) {
	s = strings.TrimSpace(s)
	if p := hsaIDProblem(s); p != "" {
		return "", Errorf(Invalid, "error.hsa_id.format", "%s", p)
	}
	return HSAID(s), nil
}

// hsaIDProblem says what keeps s from being an HSA-id, "" when nothing
// does. It allocates nothing: the extract asks it of every name it shows.
func hsaIDProblem(s string) string {
	if len(s) < 3 || len(s) > 31 {
		return "hsa id has the wrong length"
	}
	if !isUpper(s[0]) || !isUpper(s[1]) {
		return "hsa id must start with a country code"
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !isUpper(c) && !(c >= 'a' && c <= 'z') && c != '-' {
			return "hsa id has an invalid character"
		}
	}
	return ""
}

// LooksLikeHSAID tells whether a text could be an HSA-id; the extract uses it
// to refuse to show codes where a name should be.
func LooksLikeHSAID(s string) bool {
	s = strings.TrimSpace(s)
	return hsaIDProblem(s) == "" && strings.ContainsAny(s, "0123456789")
}

// ParseOptionalHSAID reads an HSA-id a log may leave out; ok is false when
// one is given but malformed (for instance a personal id where an HSA-id
// belongs), which the parsers treat as an invalid field.
func ParseOptionalHSAID(s string) (HSAID, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	id, err := ParseHSAID(s)
	return id, err == nil
}

// ParseParty reads a care provider or unit as a log names it.
func ParseParty(id, name string) (Party, bool) {
	h, ok := ParseOptionalHSAID(id)
	return Party{HSAID: h, Name: strings.TrimSpace(name)}, ok
}

func (h HSAID) String() string { return string(h) }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
