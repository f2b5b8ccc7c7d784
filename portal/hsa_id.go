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
	if len(s) < 3 || len(s) > 31 {
		return "", Errorf(Invalid, "error.hsa_id.format", "hsa id has the wrong length")
	}
	if !isUpper(s[0]) || !isUpper(s[1]) {
		return "", Errorf(Invalid, "error.hsa_id.format", "hsa id must start with a country code")
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !isUpper(c) && !(c >= 'a' && c <= 'z') && c != '-' {
			return "", Errorf(Invalid, "error.hsa_id.format", "hsa id has an invalid character")
		}
	}
	return HSAID(s), nil
}

// LooksLikeHSAID tells whether a text could be an HSA-id; the extract uses it
// to refuse to show codes where a name should be.
func LooksLikeHSAID(s string) bool {
	_, err := ParseHSAID(s)
	return err == nil && strings.ContainsAny(s, "0123456789")
}

func (h HSAID) String() string { return string(h) }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
