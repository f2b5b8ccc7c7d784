package main

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth/demoidp"
	"github.com/insyn/insyn/portal/store"
)

// demoStaff grants roles to a few staff of the synthetic region's first
// care provider, as its admin would, and returns them for the login page:
// a reviewer, an extract clerk, an admin, a head of unit for every unit of
// the provider (so a statement can be asked about any of its cases; the
// first is listed), and one member of staff without any role. The choice
// is a pure function of the region's files, so the same seed names the
// same people (README names them). Granting again changes nothing.
func (a *app) demoStaff(ctx context.Context, st *store.Store) ([]demoidp.StaffMember, error) {
	dir := filepath.Join(a.getenvDefault("INSYN_DATA", "var"), "demo-region")
	pick, err := pickDemoStaff(dir)
	if err != nil || pick.provider == "" {
		return nil, err
	}
	sys := portal.SystemActor("insyn demo")
	grant := func(staff portal.HSAID, role portal.Role, unit portal.HSAID) error {
		return st.GrantRole(ctx, sys, store.RoleGrant{Staff: staff, Grant: portal.Grant{Provider: pick.provider, Role: role, Unit: unit}})
	}
	var out []demoidp.StaffMember
	for _, r := range []struct {
		who  demoPerson
		role portal.Role
	}{{pick.reviewer, portal.RoleReviewer}, {pick.clerk, portal.RoleClerk}, {pick.admin, portal.RoleAdmin}} {
		if r.who.hsa == "" {
			continue
		}
		if err := grant(r.who.hsa, r.role, ""); err != nil {
			return nil, err
		}
		out = append(out, demoidp.StaffMember{HSAID: string(r.who.hsa), Name: r.who.name, Role: a.texts.T("role.name." + string(r.role))})
	}
	for i, h := range pick.heads {
		if err := grant(h.who.hsa, portal.RoleHeadOfUnit, h.unit); err != nil {
			return nil, err
		}
		if i == 0 {
			out = append(out, demoidp.StaffMember{HSAID: string(h.who.hsa), Name: h.who.name,
				Role: a.texts.T("role.name.head_of_unit") + ", " + h.unitName})
		}
	}
	if pick.none.hsa != "" {
		out = append(out, demoidp.StaffMember{HSAID: string(pick.none.hsa), Name: pick.none.name, Role: a.texts.T("demo.no_role")})
	}
	return out, nil
}

type demoPerson struct {
	hsa  portal.HSAID
	name string
}

type demoHead struct {
	who      demoPerson
	unit     portal.HSAID
	unitName string
}

type demoPick struct {
	provider                     portal.HSAID
	reviewer, clerk, admin, none demoPerson
	heads                        []demoHead
}

// pickDemoStaff chooses from the region's CSVs: the first provider; staff
// employed now, without protected identity, assigned to one of its units,
// in the staff file's order.
func pickDemoStaff(dir string) (demoPick, error) {
	var p demoPick
	providers, err := readCSV(filepath.Join(dir, "providers.csv"))
	if err != nil || len(providers) == 0 {
		return p, err
	}
	p.provider = portal.HSAID(providers[0]["hsa_id"])
	units, err := readCSV(filepath.Join(dir, "units.csv"))
	if err != nil {
		return p, err
	}
	unitName := map[string]string{}
	var order []string
	for _, u := range units {
		if u["provider_hsa_id"] == string(p.provider) && u["protected"] != "true" {
			unitName[u["hsa_id"]] = u["name"]
			order = append(order, u["hsa_id"])
		}
	}
	assignments, err := readCSV(filepath.Join(dir, "assignments.csv"))
	if err != nil {
		return p, err
	}
	unitsOf := map[string][]string{}
	for _, as := range assignments {
		if _, ok := unitName[as["unit_hsa_id"]]; ok {
			unitsOf[as["staff_hsa_id"]] = append(unitsOf[as["staff_hsa_id"]], as["unit_hsa_id"])
		}
	}
	staff, err := readCSV(filepath.Join(dir, "staff.csv"))
	if err != nil {
		return p, err
	}
	var people []demoPerson
	firstOf := map[string]demoPerson{} // unit → its first eligible member of staff
	for _, s := range staff {
		if s["protected_identity"] == "true" || s["employed_to"] != "" || len(unitsOf[s["hsa_id"]]) == 0 {
			continue
		}
		who := demoPerson{hsa: portal.HSAID(s["hsa_id"]), name: s["given_name"] + " " + s["family_name"]}
		people = append(people, who)
		for _, u := range unitsOf[s["hsa_id"]] {
			if _, ok := firstOf[u]; !ok && len(people) > 4 { // the first four have other roles
				firstOf[u] = who
			}
		}
	}
	roles := []*demoPerson{&p.reviewer, &p.clerk, &p.admin, &p.none}
	for i := 0; i < len(roles) && i < len(people); i++ {
		*roles[i] = people[i]
	}
	for _, u := range order {
		if who, ok := firstOf[u]; ok {
			p.heads = append(p.heads, demoHead{who: who, unit: portal.HSAID(u), unitName: unitName[u]})
		}
	}
	return p, nil
}

// readCSV reads a small region file into rows keyed by its header.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		row := make(map[string]string, len(head))
		for i, h := range head {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		out = append(out, row)
	}
}
