package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// roleWorld: two providers with a unit each, three members of staff.
func roleWorld(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t, nil)
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'),
		 ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst')`,
		`INSERT INTO staff (hsa_id, given_name, family_name) VALUES
		 ('SE2321000016-9001', 'Rita', 'Granskare'), ('SE2321000016-9002', 'Ada', 'Admin'),
		 ('SE2321000016-9003', 'Hedda', 'Chef')`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func grantOf(staff portal.HSAID, role portal.Role, provider, unit portal.HSAID) store.RoleGrant {
	return store.RoleGrant{Staff: staff, Grant: portal.Grant{Provider: provider, Role: role, Unit: unit}}
}

func TestRolesGrantRevokeAndAudit(t *testing.T) {
	ctx := context.Background()
	s := roleWorld(t)
	sys := portal.SystemActor("Olle Operatör")
	const rita, ada, hedda = portal.HSAID("SE2321000016-9001"), portal.HSAID("SE2321000016-9002"), portal.HSAID("SE2321000016-9003")
	// The system makes the first admin; that admin grants at their own
	// provider only.
	if err := s.GrantRole(ctx, sys, grantOf(ada, portal.RoleAdmin, region, "")); err != nil {
		t.Fatal(err)
	}
	admin, err := s.StaffActor(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	if admin.Name != "Ada Admin" || !admin.Has(portal.RoleAdmin, region) {
		t.Fatalf("admin actor %+v", admin)
	}
	if err := s.GrantRole(ctx, admin, grantOf(rita, portal.RoleReviewer, region, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, grantOf(rita, portal.RoleReviewer, region, "")); err != nil {
		t.Fatalf("granting a held role again: %v", err)
	}
	if err := s.GrantRole(ctx, admin, grantOf(hedda, portal.RoleHeadOfUnit, region, "SE2321000016-1001")); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, grantOf(rita, portal.RoleReviewer, company, "")); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("admin of region granting at the company: %v", err)
	}
	for _, tc := range []struct {
		g    store.RoleGrant
		want string
	}{
		{grantOf("SE2321000016-9999", portal.RoleClerk, region, ""), "role.error.unknown_staff"},
		{grantOf(rita, portal.RoleClerk, "SE2321000016-0099", ""), "role.error.unknown_provider"},
		{grantOf(hedda, portal.RoleHeadOfUnit, region, "SE2321000016-1099"), "role.error.unknown_unit"},
		{grantOf(hedda, portal.RoleHeadOfUnit, region, "SE5565594230-2001"), "role.error.unit_of_other_provider"},
		{grantOf(hedda, portal.RoleHeadOfUnit, region, ""), "role.error.unit_missing"},
		{grantOf(rita, portal.RoleClerk, region, "SE2321000016-1001"), "role.error.unit_not_allowed"},
		{grantOf(rita, "boss", region, ""), "role.error.role"},
	} {
		err := s.GrantRole(ctx, sys, tc.g)
		if id, _ := portal.ErrorMsgID(err); id != tc.want {
			t.Errorf("%+v: %v, want %s", tc.g, err, tc.want)
		}
	}
	// Patients and plain staff grant nothing.
	tolvan, _ := portal.ParsePersonalID("191212121212")
	for _, who := range []portal.Actor{portal.PatientActor(tolvan, ""), portal.StaffActor(rita, "Rita", portal.Grant{Provider: region, Role: portal.RoleReviewer})} {
		if err := s.GrantRole(ctx, who, grantOf(rita, portal.RoleAdmin, region, "")); portal.ErrorCode(err) != portal.Forbidden {
			t.Errorf("%s granted admin: %v", who.Kind, err)
		}
	}
	grants, err := s.GrantsFor(ctx, hedda)
	if err != nil || len(grants) != 1 || grants[0] != (portal.Grant{Provider: region, Role: portal.RoleHeadOfUnit, Unit: "SE2321000016-1001"}) {
		t.Fatalf("hedda's grants %+v %v", grants, err)
	}
	h := portal.StaffActor(hedda, "", grants...)
	if !h.Has(portal.RoleHeadOfUnit, region) || !h.HasRole(portal.RoleHeadOfUnit) || len(h.HeadOfUnits()) != 1 || h.HasRole(portal.RoleReviewer) {
		t.Errorf("head of unit actor %+v", h)
	}
	roles, err := s.ListRoles(ctx, admin, "")
	if err != nil || len(roles) != 3 {
		t.Fatalf("admin's list: %+v %v", roles, err)
	}
	if _, err := s.ListRoles(ctx, h, ""); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("head of unit listed roles: %v", err)
	}
	// Revoke: at once, recorded; revoking again is not found.
	if err := s.RevokeRole(ctx, admin, grantOf(rita, portal.RoleReviewer, region, "")); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.GrantsFor(ctx, rita); len(g) != 0 {
		t.Errorf("rita still holds %+v", g)
	}
	if err := s.RevokeRole(ctx, admin, grantOf(rita, portal.RoleReviewer, region, "")); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("revoking a role not held: %v", err)
	}
	var audit []struct {
		Action string `db:"action"`
		By     string `db:"by_id"`
		Staff  string `db:"staff_hsa_id"`
		Role   string `db:"role"`
	}
	if err := s.DB().Select(&audit, `SELECT action, by_id, staff_hsa_id, role FROM role_changes ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := []string{"grant system:Olle Operatör SE2321000016-9002 admin", "grant SE2321000016-9002 SE2321000016-9001 reviewer",
		"grant SE2321000016-9002 SE2321000016-9003 head_of_unit", "revoke SE2321000016-9002 SE2321000016-9001 reviewer"}
	if len(audit) != len(want) {
		t.Fatalf("audit %+v", audit)
	}
	for i, a := range audit {
		if got := a.Action + " " + a.By + " " + a.Staff + " " + a.Role; got != want[i] {
			t.Errorf("audit %d: %q, want %q", i, got, want[i])
		}
	}
}
