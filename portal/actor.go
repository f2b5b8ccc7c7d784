package portal

import (
	"slices"
	"strings"
)

// ActorKind says in which capacity someone acts through Insyn.
type ActorKind string

const (
	// ActorPatient is a citizen logged in with eID, acting for themselves.
	ActorPatient ActorKind = "patient"
	// ActorStaff is a member of staff logged in with their HSA-id; what
	// they may do depends on their roles per care provider.
	ActorStaff ActorKind = "staff"
	// ActorSystem is the command line acting for an operator who runs
	// Insyn itself: no scoping, but every read is still recorded.
	ActorSystem ActorKind = "system"
)

// Role is what a member of staff may do at one care provider (DESIGN.md
// section 6). Roles are granted per care provider by an admin.
type Role string

const (
	RoleReviewer   Role = "reviewer"     // cases and controls of the provider
	RoleClerk      Role = "clerk"        // patients' extract requests for the provider's events
	RoleHeadOfUnit Role = "head_of_unit" // statements and control reports for a unit
	RoleAdmin      Role = "admin"        // reference data, rules, roles, quarantine
)

// Roles are the roles in the order pages and the CLI list them.
var Roles = []Role{RoleReviewer, RoleClerk, RoleHeadOfUnit, RoleAdmin}

// ParseRole reads a role as the CLI and forms spell it: "head-of-unit"
// and "head_of_unit" are the same role.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	if !slices.Contains(Roles, r) {
		return "", Errorf(Invalid, "role.error.role", "unknown role")
	}
	return r, nil
}

// Grant is one role held at one care provider; a head of unit's names the
// unit they answer for (a unit of that provider), the other roles none.
type Grant struct {
	Provider HSAID
	Role     Role
	Unit     HSAID // RoleHeadOfUnit only
}

// Validate checks the grant's shape; whether its staff, provider and unit
// exist (and the unit is the provider's) the store checks.
func (g Grant) Validate() error {
	switch {
	case !slices.Contains(Roles, g.Role):
		return Errorf(Invalid, "role.error.role", "unknown role")
	case g.Provider == "":
		return Errorf(Invalid, "role.error.provider_missing", "grant without provider")
	case g.Role == RoleHeadOfUnit && g.Unit == "":
		return Errorf(Invalid, "role.error.unit_missing", "head of unit without unit")
	case g.Role != RoleHeadOfUnit && g.Unit != "":
		return Errorf(Invalid, "role.error.unit_not_allowed", "only a head of unit names a unit")
	}
	return nil
}

// CanGrant tells whether the actor may grant or revoke g: an admin of g's
// care provider, or the system (the command line, which is how the first
// admin is made). Nobody else, and no patient.
func (a Actor) CanGrant(g Grant) bool {
	switch a.Kind {
	case ActorSystem:
		return a.Validate() == nil
	case ActorStaff:
		return a.Validate() == nil && g.Provider != "" && a.Has(RoleAdmin, g.Provider)
	}
	return false
}

// Actor is who does something through Insyn. Every store read of patient
// data takes one and filters on it in SQL, so a forgotten check in a page
// cannot widen what is returned.
type Actor struct {
	Kind    ActorKind
	Patient PersonalID // ActorPatient: whose portal this is
	// For is the child a guardian (ActorPatient) acts for; zero otherwise.
	// Subject() is whose data is read, ID() still the guardian's.
	For    PersonalID
	HSAID  HSAID   // ActorStaff
	Name   string  // what a person sees, e.g. "produced by"; the operator's name for ActorSystem
	Grants []Grant // ActorStaff
}

// PatientActor is a patient acting for themselves.
func PatientActor(p PersonalID, name string) Actor {
	return Actor{Kind: ActorPatient, Patient: p, Name: name}
}

// StaffActor is a member of staff with their roles.
func StaffActor(id HSAID, name string, grants ...Grant) Actor {
	return Actor{Kind: ActorStaff, HSAID: id, Name: name, Grants: grants}
}

// SystemActor is the command line acting for the operator named name.
func SystemActor(name string) Actor {
	return Actor{Kind: ActorSystem, Name: strings.TrimSpace(name)}
}

// Validate checks that the actor is someone: an actor without identity can
// neither be scoped nor recorded.
func (a Actor) Validate() error {
	switch a.Kind {
	case ActorPatient:
		if a.Patient.IsZero() {
			return Errorf(Invalid, "error.actor", "patient actor without personal id")
		}
		if a.For == a.Patient {
			return Errorf(Invalid, "error.actor", "patient acting for themselves")
		}
	case ActorStaff:
		if a.HSAID == "" || !a.For.IsZero() {
			return Errorf(Invalid, "error.actor", "staff actor without hsa id, or acting for a child")
		}
	case ActorSystem:
		if strings.TrimSpace(a.Name) == "" {
			return Errorf(Invalid, "error.actor", "system actor without operator name")
		}
	default:
		return Errorf(Invalid, "error.actor", "unknown actor kind")
	}
	return nil
}

// ID is the actor's identity as log_reads records it: the personal id's
// digits for a patient, the HSA-id for staff, "system:" and the operator's
// name for the command line. It is stored, never logged or shown.
func (a Actor) ID() string {
	switch a.Kind {
	case ActorPatient:
		return a.Patient.Digits()
	case ActorStaff:
		return string(a.HSAID)
	case ActorSystem:
		return "system:" + strings.TrimSpace(a.Name)
	}
	return ""
}

// Has tells whether a member of staff holds role at provider (a head of
// unit: for any of its units).
func (a Actor) Has(role Role, provider HSAID) bool {
	if a.Kind != ActorStaff {
		return false
	}
	for _, g := range a.Grants {
		if g.Role == role && g.Provider == provider {
			return true
		}
	}
	return false
}

// HasRole tells whether a member of staff holds role at any care provider:
// which staff pages they see.
func (a Actor) HasRole(role Role) bool {
	return len(a.ProvidersFor(role)) > 0
}

// ProvidersFor lists the care providers where a member of staff holds
// role, sorted and without repeats; nil for anyone else.
func (a Actor) ProvidersFor(role Role) []HSAID {
	if a.Kind != ActorStaff {
		return nil
	}
	var out []HSAID
	for _, g := range a.Grants {
		if g.Role == role && !slices.Contains(out, g.Provider) {
			out = append(out, g.Provider)
		}
	}
	slices.Sort(out)
	return out
}

// HeadOfUnits lists the units a member of staff is head of, sorted.
func (a Actor) HeadOfUnits() []HSAID {
	if a.Kind != ActorStaff {
		return nil
	}
	var out []HSAID
	for _, g := range a.Grants {
		if g.Role == RoleHeadOfUnit && g.Unit != "" && !slices.Contains(out, g.Unit) {
			out = append(out, g.Unit)
		}
	}
	slices.Sort(out)
	return out
}

// eventReadingRoles may read a patient's access events, each only where the
// events belong to their own care provider: the clerk produces extracts of
// "their own care provider's events" and the reviewer works that
// provider's cases. Heads of unit and admins see control reports,
// reference data and quarantine, not a patient's log.
var eventReadingRoles = []Role{RoleClerk, RoleReviewer}

// EventProviders lists the care providers whose events a member of staff
// may read, sorted and without repeats; nil for anyone else (a patient is
// scoped by person, the system not at all).
func (a Actor) EventProviders() []HSAID {
	if a.Kind != ActorStaff {
		return nil
	}
	out := []HSAID{}
	for _, g := range a.Grants {
		if slices.Contains(eventReadingRoles, g.Role) && !slices.Contains(out, g.Provider) {
			out = append(out, g.Provider)
		}
	}
	slices.Sort(out)
	return out
}

// CanReadPatientEvents tells whether the actor may read any of patient's
// access events: a patient their own, staff those of the care providers
// where they hold a reading role (the store narrows the rows with
// CanReadProviderEvents), the system all.
func CanReadPatientEvents(a Actor, patient PersonalID) bool {
	if a.Validate() != nil || patient.IsZero() {
		return false
	}
	switch a.Kind {
	case ActorPatient:
		// A guardian reads the child they act for (the store checks in SQL
		// that they may), and then not their own log.
		return a.Subject() == patient
	case ActorStaff:
		return len(a.EventProviders()) > 0
	case ActorSystem:
		return true
	}
	return false
}

// CanReadProviderEvents tells whether the actor may read events that
// belong to provider (the provider whose staff acted, or who owns the
// records read). Patients are scoped by person, not by provider.
func CanReadProviderEvents(a Actor, provider HSAID) bool {
	switch a.Kind {
	case ActorStaff:
		return provider != "" && slices.Contains(a.EventProviders(), provider)
	case ActorPatient, ActorSystem:
		return a.Validate() == nil
	}
	return false
}
