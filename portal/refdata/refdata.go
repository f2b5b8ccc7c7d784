// Package refdata reads the reference CSV files of DESIGN.md section 2
// (providers, units, staff, assignments, population, relations, care
// relations) and stores them. Files are UTF-8, comma separated (RFC 4180)
// with a header row; columns are matched by name, so their order does not
// matter. Rows stream: each good row is kept, each bad row becomes a
// RowError naming file and line, and reading goes on. A row with text that
// is not UTF-8 or holds a NUL character is such a bad row. A row larger
// than portal.MaxRecordBytes (usually a quote that is never closed, which
// swallows the rest of the file) is reported too, but ends reading of that
// file, since no later row can be found reliably; rows before it are kept.
package refdata

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/csvsafe"
)

// Kind is one kind of reference file.
type Kind string

const (
	Providers   Kind = "providers"
	Units       Kind = "units"
	Staff       Kind = "staff"
	Assignments Kind = "assignments"
	Population  Kind = "population"
	Relations   Kind = "relations"
	Care        Kind = "care"
)

// Kinds lists every kind in dependency order: a kind only refers to kinds
// before it.
var Kinds = []Kind{Providers, Units, Staff, Assignments, Population, Relations, Care}

// ParseKind reads a kind as the command line names it ("care" or
// "care_relations" for care relations).
func ParseKind(s string) (Kind, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "care_relations" {
		return Care, true
	}
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// FileName is the file's name in a region directory ("care_relations.csv").
func (k Kind) FileName() string {
	if k == Care {
		return "care_relations.csv"
	}
	return string(k) + ".csv"
}

// columns are the header names of each kind; required ones must be present.
type columns struct{ required, optional []string }

var specs = map[Kind]columns{
	Providers:   {[]string{"hsa_id", "name"}, []string{"org_nr"}},
	Units:       {[]string{"hsa_id", "provider_hsa_id", "name"}, []string{"protected"}},
	Staff:       {[]string{"hsa_id", "given_name", "family_name"}, []string{"personal_id", "title", "protected_identity", "employed_from", "employed_to"}},
	Assignments: {[]string{"staff_hsa_id", "unit_hsa_id", "name"}, []string{"valid_from", "valid_to"}},
	Population:  {[]string{"personal_id", "given_name", "family_name"}, []string{"street", "postal_code", "city", "protected_identity", "deceased_on", "vip"}},
	Relations:   {[]string{"personal_id_a", "personal_id_b", "kind"}, nil},
	Care:        {[]string{"personal_id", "unit_hsa_id", "kind", "starts_at"}, []string{"staff_hsa_id", "ends_at"}},
}

// RowError is a bad row (or header) of a file. Err is a *portal.Error whose
// message never quotes a personal id.
type RowError struct {
	File string
	Line int
	Err  error
}

func (e RowError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e RowError) Unwrap() error { return e.Err }

// record is one row with its values looked up by column name.
type record struct {
	fields []string
	index  map[string]int
}

// get returns the trimmed value of a column, "" when the file lacks it.
func (r *record) get(col string) string {
	if i, ok := r.index[col]; ok && i < len(r.fields) {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

// read streams the rows of a file of kind k. row is called for each row
// with its line; an error it returns with a *portal.Error inside marks the
// row bad, any other error stops reading. bad receives each bad row. A
// missing required column, an unreadable header or an I/O error is
// returned.
func read(k Kind, name string, r io.Reader, row func(line int, rec *record) error, bad func(RowError)) error {
	spec, ok := specs[k]
	if !ok {
		return fmt.Errorf("refdata: unknown kind %q", k)
	}
	rs := csvsafe.NewRecords(r)
	first, err := rs.Next()
	if errors.Is(err, io.EOF) {
		return portal.Errorf(portal.Invalid, "import.error.empty", "%s has no header row", name).With("File", name)
	}
	if err != nil {
		return fmt.Errorf("refdata: read %s: %w", name, err)
	}
	if first.Fields == nil {
		return portal.Errorf(portal.Invalid, "import.error.header", "%s: unreadable header row", name).With("File", name)
	}
	header := slices.Clone(first.Fields) // Fields are reused by the next row
	if textError(header) != nil {
		return portal.Errorf(portal.Invalid, "import.error.file_encoding", "%s is not UTF-8 text", name).With("File", name)
	}
	rec := &record{index: map[string]int{}}
	known := map[string]bool{}
	for _, c := range append(slices.Clone(spec.required), spec.optional...) {
		known[c] = true
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if _, dup := rec.index[h]; dup {
			return portal.Errorf(portal.Invalid, "import.error.duplicate_column", "%s: column %s appears twice", name, h).
				With("File", name).With("Column", h)
		}
		rec.index[h] = i
		if !known[h] {
			bad(RowError{File: name, Line: 1, Err: portal.Errorf(portal.Invalid, "import.error.unknown_column",
				"unknown column %s is ignored", h).With("Column", h)})
		}
	}
	var missing []string
	for _, c := range spec.required {
		if _, ok := rec.index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return portal.Errorf(portal.Invalid, "import.error.missing_columns", "%s lacks columns %s", name, strings.Join(missing, ", ")).
			With("File", name).With("Columns", strings.Join(missing, ", "))
	}
	width := len(header)
	for {
		r, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("refdata: read %s: %w", name, err)
		}
		line, fields := r.Line, r.Fields
		switch {
		case r.Unclosed:
			bad(RowError{File: name, Line: line, Err: portal.Errorf(portal.Invalid, "import.error.unclosed_quote",
				"a quote is never closed; the rest of the file is one row")})
			continue
		case r.TooLarge:
			bad(RowError{File: name, Line: line, Err: portal.Errorf(portal.Invalid, "import.error.row_too_large",
				"row exceeds %d bytes", portal.MaxRecordBytes).With("Max", portal.MaxRecordBytes)})
			continue
		case r.Err != nil:
			bad(RowError{File: name, Line: line, Err: portal.Errorf(portal.Invalid, "import.error.csv",
				"malformed CSV").With("Line", line)})
			continue
		}
		if err := textError(fields); err != nil {
			bad(RowError{File: name, Line: line, Err: err})
			continue
		}
		if len(fields) != width {
			bad(RowError{File: name, Line: line, Err: portal.Errorf(portal.Invalid, "import.error.field_count",
				"row has %d fields, the header %d", len(fields), width).With("Got", len(fields)).With("Want", width)})
			continue
		}
		rec.fields = fields
		if err := row(line, rec); err != nil {
			var ae *portal.Error
			if errors.As(err, &ae) {
				bad(RowError{File: name, Line: line, Err: err})
				continue
			}
			return err
		}
	}
}

// textError says why fields cannot be stored as text, nil when they can:
// PostgreSQL refuses text that is not UTF-8 or holds a NUL, which a file
// saved as Latin-1 (ANSI) or UTF-16 gives.
func textError(fields []string) error {
	for _, f := range fields {
		if !utf8.ValidString(f) {
			return portal.Errorf(portal.Invalid, "import.error.encoding", "row is not UTF-8 text")
		}
		if strings.IndexByte(f, 0) >= 0 {
			return portal.Errorf(portal.Invalid, "import.error.nul", "row contains a NUL character")
		}
	}
	return nil
}

// Parsers: one row of text to a validated domain value.

func parseProvider(r *record) (portal.Provider, error) {
	p := portal.Provider{HSAID: portal.HSAID(r.get("hsa_id")), OrgNr: r.get("org_nr"), Name: r.get("name")}
	return p, p.Validate()
}

func parseUnit(r *record) (portal.Unit, error) {
	u := portal.Unit{HSAID: portal.HSAID(r.get("hsa_id")), ProviderHSAID: portal.HSAID(r.get("provider_hsa_id")), Name: r.get("name")}
	var err error
	if u.Protected, err = portal.ParseBool("protected", r.get("protected")); err != nil {
		return u, err
	}
	return u, u.Validate()
}

func parseStaff(r *record) (portal.Staff, error) {
	s := portal.Staff{HSAID: portal.HSAID(r.get("hsa_id")), GivenName: r.get("given_name"),
		FamilyName: r.get("family_name"), Title: r.get("title")}
	var err error
	if v := r.get("personal_id"); v != "" {
		if s.PersonalID, err = portal.ParsePersonalID(v); err != nil {
			return s, err
		}
	}
	if s.ProtectedIdentity, err = portal.ParseBool("protected_identity", r.get("protected_identity")); err != nil {
		return s, err
	}
	if s.EmployedFrom, err = portal.ParseDate("employed_from", r.get("employed_from")); err != nil {
		return s, err
	}
	if s.EmployedTo, err = portal.ParseDate("employed_to", r.get("employed_to")); err != nil {
		return s, err
	}
	return s, s.Validate()
}

func parseAssignment(r *record) (portal.Assignment, error) {
	a := portal.Assignment{StaffHSAID: portal.HSAID(r.get("staff_hsa_id")), UnitHSAID: portal.HSAID(r.get("unit_hsa_id")), Name: r.get("name")}
	var err error
	if a.ValidFrom, err = portal.ParseDate("valid_from", r.get("valid_from")); err != nil {
		return a, err
	}
	if a.ValidTo, err = portal.ParseDate("valid_to", r.get("valid_to")); err != nil {
		return a, err
	}
	return a, a.Validate()
}

func parsePatient(r *record) (portal.Patient, error) {
	p := portal.Patient{GivenName: r.get("given_name"), FamilyName: r.get("family_name"),
		Street: r.get("street"), PostalCode: r.get("postal_code"), City: r.get("city")}
	var err error
	if p.PersonalID, err = personalID(r, "personal_id"); err != nil {
		return p, err
	}
	if p.ProtectedIdentity, err = portal.ParseBool("protected_identity", r.get("protected_identity")); err != nil {
		return p, err
	}
	if p.DeceasedOn, err = portal.ParseDate("deceased_on", r.get("deceased_on")); err != nil {
		return p, err
	}
	if p.VIP, err = portal.ParseBool("vip", r.get("vip")); err != nil {
		return p, err
	}
	return p, p.Validate()
}

func parseRelation(r *record) (portal.Relation, error) {
	rel := portal.Relation{Kind: portal.RelationKind(strings.ToLower(r.get("kind")))}
	var err error
	if rel.A, err = personalID(r, "personal_id_a"); err != nil {
		return rel, err
	}
	if rel.B, err = personalID(r, "personal_id_b"); err != nil {
		return rel, err
	}
	return rel, rel.Validate()
}

func parseCare(r *record) (portal.CareRelation, error) {
	c := portal.CareRelation{UnitHSAID: portal.HSAID(r.get("unit_hsa_id")), StaffHSAID: portal.HSAID(r.get("staff_hsa_id")),
		Kind: portal.CareKind(strings.ToLower(r.get("kind")))}
	var err error
	if c.PersonalID, err = personalID(r, "personal_id"); err != nil {
		return c, err
	}
	if c.StartsAt, err = portal.ParseTimestamp("starts_at", r.get("starts_at")); err != nil {
		return c, err
	}
	if c.EndsAt, err = portal.ParseTimestamp("ends_at", r.get("ends_at")); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// personalID parses a required personal id column.
func personalID(r *record, col string) (portal.PersonalID, error) {
	v := r.get(col)
	if v == "" {
		return portal.PersonalID{}, portal.Errorf(portal.Invalid, "import.error.required", "%s is required", col).With("Column", col)
	}
	return portal.ParsePersonalID(v)
}
