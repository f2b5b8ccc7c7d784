package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	// qGrantsFor is a member of staff's roles, read on every request of a
	// staff page so that a revoke takes effect at once.
	qGrantsFor = `
SELECT provider_hsa_id, role, COALESCE(unit_hsa_id, '') AS unit_hsa_id
FROM staff_roles WHERE staff_hsa_id = $1
ORDER BY provider_hsa_id, role, unit_hsa_id`

	qStaffName = `
SELECT CASE WHEN protected_identity THEN '' ELSE btrim(given_name || ' ' || family_name) END
FROM staff WHERE hsa_id = $1`

	// qRoleRefs tells which of a grant's references exist: the staff
	// member, the provider, and the unit as one of that provider's.
	qRoleRefs = `
SELECT EXISTS (SELECT 1 FROM staff WHERE hsa_id = $1) AS staff,
       EXISTS (SELECT 1 FROM providers WHERE hsa_id = $2) AS provider,
       ($3 = '' OR EXISTS (SELECT 1 FROM units WHERE hsa_id = $3)) AS unit,
       ($3 = '' OR EXISTS (SELECT 1 FROM units WHERE hsa_id = $3 AND provider_hsa_id = $2)) AS unit_of_provider`

	qInsertRole = `
INSERT INTO staff_roles (staff_hsa_id, provider_hsa_id, role, unit_hsa_id, granted_by, granted_at)
VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6)
ON CONFLICT DO NOTHING`

	qDeleteRole = `
DELETE FROM staff_roles
WHERE staff_hsa_id = $1 AND provider_hsa_id = $2 AND role = $3 AND unit_hsa_id IS NOT DISTINCT FROM NULLIF($4, '')`

	qInsertRoleChange = `
INSERT INTO role_changes (at, action, by_kind, by_id, by_name, staff_hsa_id, provider_hsa_id, role, unit_hsa_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''))`

	qReferenceNames = `
SELECT hsa_id, name FROM providers WHERE hsa_id = ANY($1)
UNION ALL
SELECT hsa_id, name FROM units WHERE hsa_id = ANY($1)`

	// qListRoles lists the roles of the providers the reader administers
	// ($1 false: all of them, for the system), with names to show.
	qListRoles = `
SELECT r.staff_hsa_id,
       CASE WHEN s.protected_identity THEN '' ELSE btrim(s.given_name || ' ' || s.family_name) END AS staff_name,
       r.provider_hsa_id, p.name AS provider_name, r.role,
       COALESCE(r.unit_hsa_id, '') AS unit_hsa_id, COALESCE(u.name, '') AS unit_name,
       r.granted_by, r.granted_at
FROM staff_roles r
JOIN staff s ON s.hsa_id = r.staff_hsa_id
JOIN providers p ON p.hsa_id = r.provider_hsa_id
LEFT JOIN units u ON u.hsa_id = r.unit_hsa_id
WHERE (NOT $1 OR r.provider_hsa_id = ANY($2)) AND ($3 = '' OR r.provider_hsa_id = $3)
ORDER BY p.name, r.provider_hsa_id, r.role, staff_name, r.staff_hsa_id, unit_name`
)

// RoleGrant is a role given to (or taken from) one member of staff.
type RoleGrant struct {
	Staff portal.HSAID
	portal.Grant
}

// RoleView is one held role as a list shows it.
type RoleView struct {
	Staff        portal.HSAID `db:"staff_hsa_id" json:"staff_hsa_id"`
	StaffName    string       `db:"staff_name" json:"staff_name"` // empty for protected identity
	Provider     portal.HSAID `db:"provider_hsa_id" json:"provider_hsa_id"`
	ProviderName string       `db:"provider_name" json:"provider_name"`
	Role         portal.Role  `db:"role" json:"role"`
	Unit         portal.HSAID `db:"unit_hsa_id" json:"unit_hsa_id,omitempty"`
	UnitName     string       `db:"unit_name" json:"unit_name,omitempty"`
	GrantedBy    string       `db:"granted_by" json:"granted_by"`
	GrantedAt    time.Time    `db:"granted_at" json:"granted_at"`
}

// GrantsFor is a member of staff's roles; none (not an error) for someone
// without any.
func (s *Store) GrantsFor(ctx context.Context, hsa portal.HSAID) ([]portal.Grant, error) {
	var rows []struct {
		Provider string `db:"provider_hsa_id"`
		Role     string `db:"role"`
		Unit     string `db:"unit_hsa_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, qGrantsFor, string(hsa)); err != nil {
		return nil, fmt.Errorf("store: grants: %w", err)
	}
	out := make([]portal.Grant, len(rows))
	for i, r := range rows {
		out[i] = portal.Grant{Provider: portal.HSAID(r.Provider), Role: portal.Role(r.Role), Unit: portal.HSAID(r.Unit)}
	}
	return out, nil
}

// StaffActor is the member of staff hsa as an actor: their name (empty
// when unknown or protected) and their roles as they are now.
func (s *Store) StaffActor(ctx context.Context, hsa portal.HSAID) (portal.Actor, error) {
	grants, err := s.GrantsFor(ctx, hsa)
	if err != nil {
		return portal.Actor{}, err
	}
	var name string
	if err := s.db.GetContext(ctx, &name, qStaffName, string(hsa)); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return portal.Actor{}, fmt.Errorf("store: staff name: %w", err)
	}
	return portal.StaffActor(hsa, name, grants...), nil
}

// GrantRole gives a member of staff a role. Only an admin of the provider
// (or the system) may; the staff member, provider and unit must exist and
// the unit must be the provider's. Granting a role already held changes
// nothing and records nothing.
func (s *Store) GrantRole(ctx context.Context, by portal.Actor, g RoleGrant) error {
	return s.changeRole(ctx, by, g, "grant", qInsertRole)
}

// RevokeRole takes a role away; revoking a role not held is not found.
func (s *Store) RevokeRole(ctx context.Context, by portal.Actor, g RoleGrant) error {
	return s.changeRole(ctx, by, g, "revoke", qDeleteRole)
}

func (s *Store) changeRole(ctx context.Context, by portal.Actor, g RoleGrant, action, q string) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if !by.CanGrant(g.Grant) {
		return portal.Errorf(portal.Forbidden, "role.error.forbidden", "actor may not change roles at this provider")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s role: %w", action, err)
	}
	defer tx.Rollback()
	if action == "grant" {
		if err := checkRoleRefs(ctx, tx, g); err != nil {
			return err
		}
	}
	now := s.clock.Now()
	var res sql.Result
	if action == "grant" {
		res, err = tx.ExecContext(ctx, q, string(g.Staff), string(g.Provider), string(g.Role), string(g.Unit), by.ID(), now)
	} else {
		res, err = tx.ExecContext(ctx, q, string(g.Staff), string(g.Provider), string(g.Role), string(g.Unit))
	}
	if err != nil {
		return fmt.Errorf("store: %s role: %w", action, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s role: %w", action, err)
	}
	switch {
	case n == 0 && action == "revoke":
		return &portal.Error{Code: portal.NotFound, MsgID: "role.error.not_held", Detail: "role not held", Err: portal.ErrNotFound}
	case n == 0:
		return nil // already held: nothing changed, nothing to record
	}
	if _, err := tx.ExecContext(ctx, qInsertRoleChange, now, action, string(by.Kind), by.ID(), strings.TrimSpace(by.Name),
		string(g.Staff), string(g.Provider), string(g.Role), string(g.Unit)); err != nil {
		return fmt.Errorf("store: record role change: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s role: %w", action, err)
	}
	return nil
}

// checkRoleRefs refuses a grant naming staff, a provider or a unit Insyn
// does not know, or a unit of another provider, each with its own message.
func checkRoleRefs(ctx context.Context, q sqlx.QueryerContext, g RoleGrant) error {
	var r struct {
		Staff          bool `db:"staff"`
		Provider       bool `db:"provider"`
		Unit           bool `db:"unit"`
		UnitOfProvider bool `db:"unit_of_provider"`
	}
	if err := sqlx.GetContext(ctx, q, &r, qRoleRefs, string(g.Staff), string(g.Provider), string(g.Unit)); err != nil {
		return fmt.Errorf("store: role references: %w", err)
	}
	switch {
	case !r.Staff:
		return portal.Errorf(portal.Invalid, "role.error.unknown_staff", "unknown staff")
	case !r.Provider:
		return portal.Errorf(portal.Invalid, "role.error.unknown_provider", "unknown provider")
	case !r.Unit:
		return portal.Errorf(portal.Invalid, "role.error.unknown_unit", "unknown unit")
	case !r.UnitOfProvider:
		return portal.Errorf(portal.Invalid, "role.error.unit_of_other_provider", "unit belongs to another provider")
	}
	return nil
}

// ListRoles lists the roles held at the providers the reader administers
// (the system: all), narrowed to provider when it is not empty.
func (s *Store) ListRoles(ctx context.Context, by portal.Actor, provider portal.HSAID) ([]RoleView, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	limited, admin := false, []string{}
	switch by.Kind {
	case portal.ActorSystem:
	case portal.ActorStaff:
		limited, admin = true, hsaStrings(by.ProvidersFor(portal.RoleAdmin))
		if len(admin) == 0 {
			return nil, portal.Errorf(portal.Forbidden, "role.error.forbidden", "only admins list roles")
		}
	default:
		return nil, portal.Errorf(portal.Forbidden, "role.error.forbidden", "only admins list roles")
	}
	out := []RoleView{}
	if err := s.db.SelectContext(ctx, &out, qListRoles, limited, pq.Array(admin), string(provider)); err != nil {
		return nil, fmt.Errorf("store: list roles: %w", err)
	}
	return out, nil
}

// ReferenceNames are the names of the care providers and units among ids
// (staff pages name them); an id Insyn does not know is left out.
func (s *Store) ReferenceNames(ctx context.Context, ids []portal.HSAID) (map[portal.HSAID]string, error) {
	var rows []struct {
		ID   string `db:"hsa_id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, qReferenceNames, pq.Array(hsaStrings(ids))); err != nil {
		return nil, fmt.Errorf("store: reference names: %w", err)
	}
	out := make(map[portal.HSAID]string, len(rows))
	for _, r := range rows {
		out[portal.HSAID(r.ID)] = r.Name
	}
	return out, nil
}

// AdminUnits lists the units of a care provider for its admin, by name:
// the unit a head of unit's role covers is chosen among them. Another
// provider's units are not found.
func (s *Store) AdminUnits(ctx context.Context, actor portal.Actor, provider portal.HSAID) ([]CaseUnit, error) {
	if !actor.Has(portal.RoleAdmin, provider) {
		return nil, fmt.Errorf("store: units: %w", portal.ErrNotFound)
	}
	var out []CaseUnit
	if err := s.db.SelectContext(ctx, &out, qProviderUnits, pq.Array([]string{string(provider)})); err != nil {
		return nil, fmt.Errorf("store: units: %w", err)
	}
	return out, nil
}
