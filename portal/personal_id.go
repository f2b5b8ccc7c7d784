package portal

import (
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Swedish OIDs for identifiers (DESIGN.md section 2).
const (
	OIDPersonnummer      = "1.2.752.129.2.1.3.1"
	OIDSamordningsnummer = "1.2.752.129.2.1.3.3"
	OIDHSAID             = "1.2.752.129.2.1.4.1"
)

// IDKind tells which national identity scheme a PersonalID belongs to.
type IDKind string

const (
	KindPersonnummer      IDKind = "personnummer"
	KindSamordningsnummer IDKind = "samordningsnummer"
	KindReservnummer      IDKind = "reservnummer"
)

// PersonalID is a patient's or staff member's identity number. It never
// prints its digits through String, %v or slog, so it cannot leak into
// application logs; Digits is the one explicit way to read them.
type PersonalID struct {
	digits string
	kind   IDKind
	root   string // issuing OID, kept for reserve numbers
}

// ParsePersonalID accepts 12 digits with an optional hyphen or plus before
// the last four ("19121212-1212"). It checks the Luhn digit and tells a
// samordningsnummer (day + 60) from a personnummer.
func ParsePersonalID(s string) (PersonalID, error) {
	s = strings.TrimSpace(s)
	if len(s) == 13 && (s[8] == '-' || s[8] == '+') {
		s = s[:8] + s[9:]
	}
	if len(s) != 12 || !allDigits(s) {
		return PersonalID{}, Errorf(Invalid, "error.personal_id.format", "personal id must be 12 digits")
	}
	year := atoi2(s[0:2])*100 + atoi2(s[2:4])
	month := atoi2(s[4:6])
	day := atoi2(s[6:8])
	kind := KindPersonnummer
	if day > 60 {
		kind = KindSamordningsnummer
		day -= 60
	}
	if !dateExists(year, month, day) {
		return PersonalID{}, Errorf(Invalid, "error.personal_id.date", "personal id has an impossible date")
	}
	if !luhnValid(s[2:]) {
		return PersonalID{}, Errorf(Invalid, "error.personal_id.luhn", "personal id fails Luhn check")
	}
	root := OIDPersonnummer
	if kind == KindSamordningsnummer {
		root = OIDSamordningsnummer
	}
	return PersonalID{digits: s, kind: kind, root: root}, nil
}

// ReserveID keeps a region's reserve number as given: local OIDs have no
// common format, so there is no Luhn check.
func ReserveID(root, ext string) (PersonalID, error) {
	ext = strings.TrimSpace(ext)
	if ext == "" || len(ext) > 64 {
		return PersonalID{}, Errorf(Invalid, "error.personal_id.format", "reserve number is empty or too long")
	}
	return PersonalID{digits: ext, kind: KindReservnummer, root: strings.TrimSpace(root)}, nil
}

// PersonalIDFromOID reads an identifier given as OID root + extension, as
// RIV, FHIR and ATNA carry them. A Swedish personnummer or samordningsnummer
// root is checked; an empty root means the extension stands alone; any other
// root is a local reserve number scheme.
func PersonalIDFromOID(root, ext string) (PersonalID, error) {
	root = strings.TrimPrefix(strings.TrimSpace(root), "urn:oid:")
	switch root {
	case "", OIDPersonnummer, OIDSamordningsnummer:
		return ParsePersonalID(ext)
	case OIDHSAID:
		return PersonalID{}, Errorf(Invalid, "error.personal_id.hsa", "identifier is an HSA-id, not a personal id")
	default:
		return ReserveID(root, ext)
	}
}

// PersonalIDFromDB rebuilds a stored id without re-validating it.
func PersonalIDFromDB(digits string, kind IDKind, root string) PersonalID {
	return PersonalID{digits: digits, kind: kind, root: root}
}

func (p PersonalID) Digits() string { return p.digits }
func (p PersonalID) Kind() IDKind   { return p.kind }
func (p PersonalID) Root() string   { return p.root }
func (p PersonalID) IsZero() bool   { return p.digits == "" }

// Formatted is the form people read: "19121212-1212".
func (p PersonalID) Formatted() string {
	if p.kind == KindReservnummer || len(p.digits) != 12 {
		return p.digits
	}
	return p.digits[:8] + "-" + p.digits[8:]
}

// BirthDate returns "YYYYMMDD" with the samordningsnummer offset removed.
func (p PersonalID) BirthDate() string {
	if p.kind == KindReservnummer || len(p.digits) != 12 {
		return ""
	}
	day := atoi2(p.digits[6:8])
	if day > 60 {
		day -= 60
	}
	return fmt.Sprintf("%s%02d", p.digits[:6], day)
}

func (p PersonalID) String() string       { return "[personal id]" }
func (p PersonalID) GoString() string     { return "portal.PersonalID{[redacted]}" }
func (p PersonalID) LogValue() slog.Value { return slog.StringValue("[personal id]") }

// Value stores the digits; it is what SQL parameters receive.
func (p PersonalID) Value() (driver.Value, error) { return p.digits, nil }

// Scan reads stored digits, inferring the kind from their shape.
func (p *PersonalID) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*p = PersonalID{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("portal: scan personal id from %T", src)
	}
	if id, err := ParsePersonalID(s); err == nil {
		*p = id
		return nil
	}
	*p = PersonalID{digits: s, kind: KindReservnummer}
	return nil
}

// LuhnDigit computes the check digit for the 9 digits YYMMDDNNN.
func LuhnDigit(nine string) byte {
	sum := 0
	for i := 0; i < 9; i++ {
		d := int(nine[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func luhnValid(ten string) bool { return LuhnDigit(ten[:9]) == ten[9] }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// dateExists rejects 31 April and 29 February outside leap years.
func dateExists(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 12, 0, 0, 0, time.UTC)
	return t.Day() == day
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
