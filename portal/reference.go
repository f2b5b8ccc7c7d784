package portal

import (
	"strings"
	"time"
)

// Reference data (DESIGN.md section 2): who is who. The values are parsed
// from text by ParseDate, ParseBool and ParseTimestamp (and ParsePersonalID,
// ParseHSAID); Validate then checks what a single field cannot: required
// fields, known kinds and the order of dates. Validation errors carry an
// "import.*" message id and never quote a personal id.

// Provider is a care provider (vårdgivare).
type Provider struct {
	HSAID HSAID
	OrgNr string // "232100-0016"; may be empty
	Name  string
}

// Unit is a care unit (vårdenhet) under a provider.
type Unit struct {
	HSAID         HSAID
	ProviderHSAID HSAID
	Name          string
	Protected     bool
}

// Staff is a member of staff as the HSA directory knows them.
type Staff struct {
	HSAID             HSAID
	PersonalID        PersonalID // may be zero: not every directory export has it
	GivenName         string
	FamilyName        string
	Title             string
	ProtectedIdentity bool
	EmployedFrom      time.Time // a date; zero when unknown
	EmployedTo        time.Time // a date; zero while employed
}

// EmployedOn reports whether the staff member was employed on day (a date).
func (s *Staff) EmployedOn(day time.Time) bool {
	return (s.EmployedFrom.IsZero() || !day.Before(s.EmployedFrom)) &&
		(s.EmployedTo.IsZero() || !day.After(s.EmployedTo))
}

// Assignment is a medarbetaruppdrag: the role a staff member acts in at a
// unit, e.g. "Sjuksköterska på Kirurgkliniken".
type Assignment struct {
	StaffHSAID HSAID
	UnitHSAID  HSAID
	Name       string
	ValidFrom  time.Time // a date; zero means since always
	ValidTo    time.Time // a date; zero means until further notice
}

// Patient is one row of the population register: patients and everyone the
// review rules compare them to.
type Patient struct {
	PersonalID        PersonalID
	GivenName         string
	FamilyName        string
	Street            string
	PostalCode        string
	City              string
	ProtectedIdentity bool
	DeceasedOn        time.Time // a date; zero when alive
	VIP               bool
}

// RelationKind says what person A is to person B.
type RelationKind string

const (
	RelationSpouse    RelationKind = "spouse"
	RelationParent    RelationKind = "parent"   // A is B's parent
	RelationChild     RelationKind = "child"    // A is B's child
	RelationGuardian  RelationKind = "guardian" // A is B's guardian
	RelationSibling   RelationKind = "sibling"
	RelationHousehold RelationKind = "household" // A and B live together
)

// RelationKinds lists every relation kind.
var RelationKinds = []RelationKind{RelationSpouse, RelationParent, RelationChild,
	RelationGuardian, RelationSibling, RelationHousehold}

// Symmetric reports whether A and B can be swapped without changing the meaning.
func (k RelationKind) Symmetric() bool {
	return k == RelationSpouse || k == RelationSibling || k == RelationHousehold
}

func (k RelationKind) valid() bool {
	for _, v := range RelationKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Relation links two people of the population register.
type Relation struct {
	A, B PersonalID
	Kind RelationKind
}

// Canonical orders A and B of a symmetric relation, so that a pair given
// both ways is stored once.
func (r Relation) Canonical() Relation {
	if r.Kind.Symmetric() && r.B.Digits() < r.A.Digits() {
		r.A, r.B = r.B, r.A
	}
	return r
}

// CareKind is the kind of care relation between a patient and a unit.
type CareKind string

const (
	CareVisit     CareKind = "visit"
	CareAdmission CareKind = "admission"
	CareBooking   CareKind = "booking"
	CareReferral  CareKind = "referral"
	CareTeam      CareKind = "team"
)

// CareKinds lists every care relation kind.
var CareKinds = []CareKind{CareVisit, CareAdmission, CareBooking, CareReferral, CareTeam}

func (k CareKind) valid() bool {
	for _, v := range CareKinds {
		if k == v {
			return true
		}
	}
	return false
}

// CareRelation links a patient to a unit (and perhaps one staff member) for
// a visit, admission, booking, referral or team; it is what explains an
// access (DESIGN.md section 5).
type CareRelation struct {
	PersonalID PersonalID
	UnitHSAID  HSAID
	StaffHSAID HSAID // may be empty
	Kind       CareKind
	StartsAt   time.Time
	EndsAt     time.Time // zero when open-ended
}

// Validate checks a provider.
func (p *Provider) Validate() error {
	if err := requireHSAID("hsa_id", p.HSAID); err != nil {
		return err
	}
	if p.OrgNr != "" && !validOrgNr(p.OrgNr) {
		return Errorf(Invalid, "import.error.org_nr", "organisation number has the wrong format")
	}
	return requireText("name", p.Name)
}

// Validate checks a unit.
func (u *Unit) Validate() error {
	if err := requireHSAID("hsa_id", u.HSAID); err != nil {
		return err
	}
	if err := requireHSAID("provider_hsa_id", u.ProviderHSAID); err != nil {
		return err
	}
	return requireText("name", u.Name)
}

// Validate checks a staff member.
func (s *Staff) Validate() error {
	if err := requireHSAID("hsa_id", s.HSAID); err != nil {
		return err
	}
	if err := requireText("given_name", s.GivenName); err != nil {
		return err
	}
	if err := requireText("family_name", s.FamilyName); err != nil {
		return err
	}
	if err := checkLen("title", s.Title); err != nil {
		return err
	}
	return dateOrder("employed_from", "employed_to", s.EmployedFrom, s.EmployedTo)
}

// Validate checks an assignment.
func (a *Assignment) Validate() error {
	if err := requireHSAID("staff_hsa_id", a.StaffHSAID); err != nil {
		return err
	}
	if err := requireHSAID("unit_hsa_id", a.UnitHSAID); err != nil {
		return err
	}
	if err := requireText("name", a.Name); err != nil {
		return err
	}
	return dateOrder("valid_from", "valid_to", a.ValidFrom, a.ValidTo)
}

// Validate checks a population row.
func (p *Patient) Validate() error {
	if p.PersonalID.IsZero() {
		return required("personal_id")
	}
	if err := requireText("given_name", p.GivenName); err != nil {
		return err
	}
	if err := requireText("family_name", p.FamilyName); err != nil {
		return err
	}
	for _, f := range []struct{ col, v string }{{"street", p.Street}, {"postal_code", p.PostalCode}, {"city", p.City}} {
		if err := checkLen(f.col, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a relation.
func (r *Relation) Validate() error {
	if r.A.IsZero() {
		return required("personal_id_a")
	}
	if r.B.IsZero() {
		return required("personal_id_b")
	}
	if r.A.Digits() == r.B.Digits() {
		return Errorf(Invalid, "import.error.same_person", "a relation needs two different people")
	}
	if !r.Kind.valid() {
		return Errorf(Invalid, "import.error.relation_kind", "unknown relation kind").
			With("Kinds", "spouse, parent, child, guardian, sibling, household")
	}
	return nil
}

// Validate checks a care relation.
func (c *CareRelation) Validate() error {
	if c.PersonalID.IsZero() {
		return required("personal_id")
	}
	if err := requireHSAID("unit_hsa_id", c.UnitHSAID); err != nil {
		return err
	}
	if c.StaffHSAID != "" {
		if err := requireHSAID("staff_hsa_id", c.StaffHSAID); err != nil {
			return err
		}
	}
	if !c.Kind.valid() {
		return Errorf(Invalid, "import.error.care_kind", "unknown care relation kind").
			With("Kinds", "visit, admission, booking, referral, team")
	}
	if c.StartsAt.IsZero() {
		return required("starts_at")
	}
	if !c.EndsAt.IsZero() && c.EndsAt.Before(c.StartsAt) {
		return Errorf(Invalid, "import.error.order", "ends_at is before starts_at").
			With("From", "starts_at").With("To", "ends_at")
	}
	return nil
}

// Active reports whether the relation holds at t.
func (c *CareRelation) Active(t time.Time) bool {
	return !t.Before(c.StartsAt) && (c.EndsAt.IsZero() || !t.After(c.EndsAt))
}

// ParseDate reads a date "YYYY-MM-DD"; empty text is the zero time. col
// names the column for the error message.
func ParseDate(col, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, Errorf(Invalid, "import.error.date", "%s is not a date YYYY-MM-DD", col).With("Column", col)
	}
	return t, nil
}

// ParseBool reads "true" or "false" (any case); empty text is false.
func ParseBool(col, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, Errorf(Invalid, "import.error.bool", "%s is not true or false", col).With("Column", col)
}

// timestampLayouts are read in Europe/Stockholm unless they carry an offset.
var timestampLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05", time.DateOnly}

// ParseTimestamp reads RFC 3339 ("2026-03-05T14:02:00+01:00") or a wall
// clock time in Europe/Stockholm ("2026-03-05 14:02"); empty text is the
// zero time.
func ParseTimestamp(col, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range timestampLayouts {
		if t, err := time.ParseInLocation(l, s, Stockholm); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Errorf(Invalid, "import.error.timestamp", "%s is not a time", col).With("Column", col)
}

const maxTextLen = 256

func required(col string) error {
	return Errorf(Invalid, "import.error.required", "%s is required", col).With("Column", col)
}

func requireText(col, s string) error {
	if strings.TrimSpace(s) == "" {
		return required(col)
	}
	return checkLen(col, s)
}

func checkLen(col, s string) error {
	if len(s) > maxTextLen {
		return Errorf(Invalid, "import.error.too_long", "%s is longer than %d bytes", col, maxTextLen).
			With("Column", col).With("Max", maxTextLen)
	}
	return nil
}

func requireHSAID(col string, h HSAID) error {
	if h == "" {
		return required(col)
	}
	if _, err := ParseHSAID(string(h)); err != nil {
		return Errorf(Invalid, "import.error.hsa_id", "%s is not an HSA-id", col).With("Column", col)
	}
	return nil
}

func dateOrder(fromCol, toCol string, from, to time.Time) error {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return Errorf(Invalid, "import.error.order", "%s is before %s", toCol, fromCol).
			With("From", fromCol).With("To", toCol)
	}
	return nil
}

// validOrgNr accepts ten digits, optionally with a hyphen after six, whose
// last digit is the Luhn check digit.
func validOrgNr(s string) bool {
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	return len(s) == 10 && allDigits(s) && luhnValid(s)
}
