// Package notify is the domain of patients' notifications (DESIGN.md
// section 9): the kinds a patient may opt in to, their settings, the
// notices the store's outbox holds, the mail each becomes (text only, in
// the patient's language, never record content, a staff name or a personal
// id) and the worker that hands them to an SMTP server.
package notify

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
)

// Kind is what a notice is about.
type Kind string

const (
	// KindEmergency: someone opened the patient's record by emergency access.
	KindEmergency Kind = "emergency"
	// KindNewProvider: a care provider that had never accessed the record did.
	KindNewProvider Kind = "new_provider"
	// KindDigest: the month's accesses, counted.
	KindDigest Kind = "digest"
	// KindFlagChange: one of the patient's flags changed status.
	KindFlagChange Kind = "flag_change"
	// KindWatchlist: a person on the patient's watchlist opened the record
	// (the mail never says who: the case does, behind the login).
	KindWatchlist Kind = "watchlist"
	// KindConfirm asks the owner of an address to confirm it; it is not a
	// kind anyone opts in to.
	KindConfirm Kind = "confirm"
)

// Kinds are the kinds a patient may opt in to, in the order the settings
// page offers them.
var Kinds = []Kind{KindEmergency, KindNewProvider, KindWatchlist, KindDigest, KindFlagChange}

// ChildKinds are the kinds a guardian may choose for a child under 13:
// what a review run finds in the child's record. The digest and a flag's
// change stay with the record's own settings.
var ChildKinds = []Kind{KindEmergency, KindNewProvider, KindWatchlist}

// ForChild tells whether a guardian may choose k for a child.
func (k Kind) ForChild() bool {
	for _, x := range ChildKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Optional tells whether k is a kind a patient may opt in to.
func (k Kind) Optional() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Valid tells whether k is any known kind.
func (k Kind) Valid() bool { return k == KindConfirm || k.Optional() }

// MaxAddress is the longest address accepted (RFC 5321's path limit).
const MaxAddress = 254

// Settings are a patient's notification choices as the settings page
// shows and saves them.
type Settings struct {
	Kinds   []Kind
	Lang    string // "sv" or "en": the language of the mails
	Address string // "" for none
	// Confirmed tells whether Address is confirmed (read only).
	Confirmed bool
}

// Has tells whether k is opted in to.
func (s Settings) Has(k Kind) bool {
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Validate trims and normalises the settings and checks them; it returns
// portal.FieldErrors by form field ("kinds", "address", "lang") or nil.
func (s *Settings) Validate() error {
	errs := portal.FieldErrors{}
	seen := map[Kind]bool{}
	var kinds []Kind
	for _, k := range Kinds { // the page's order, once each
		for _, x := range s.Kinds {
			if x == k && !seen[k] {
				seen[k] = true
				kinds = append(kinds, k)
			}
		}
	}
	for _, x := range s.Kinds {
		if !x.Optional() {
			errs["kinds"] = portal.Errorf(portal.Invalid, "notify.error.kind", "unknown kind")
		}
	}
	s.Kinds = kinds
	if s.Lang != "sv" && s.Lang != "en" {
		errs["lang"] = portal.Errorf(portal.Invalid, "notify.error.lang", "choose Swedish or English")
	}
	addr, err := ParseAddress(s.Address)
	switch {
	case err != nil:
		errs["address"] = err.(*portal.Error)
	case addr == "" && len(s.Kinds) > 0:
		errs["address"] = portal.Errorf(portal.Invalid, "notify.error.address_needed", "kinds chosen without an address")
	default:
		s.Address = addr
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ParseAddress checks an e-mail address as typed: a bare addr-spec
// (local@domain, no display name), at most MaxAddress bytes, no control
// characters, a domain with a dot or "localhost". The domain is
// lower-cased. An empty string is no address (no error).
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := func(detail string) error {
		return portal.Errorf(portal.Invalid, "notify.error.address", "address %s", detail)
	}
	if !utf8.ValidString(s) || len(s) > MaxAddress {
		return "", bad("too long or not text")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '<' || r == '>' || r == ',' || r == ';' {
			return "", bad("has characters an address cannot hold")
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad("is not an addr-spec")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local == "" || (domain != "localhost" && (!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, "."))) || strings.HasPrefix(domain, "[") {
		return "", bad("has no usable domain")
	}
	return local + "@" + domain, nil
}
