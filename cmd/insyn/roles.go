package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("roles", "cli.cmd.roles", cmdRoles)
}

// cmdRoles grants, revokes and lists staff roles. The command line acts
// as the system, which may grant anything: that is how a care provider's
// first admin is made; the rest an admin grants in the pages.
func cmdRoles(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(a.stderr, a.texts.T("roles.usage"))
		return flag.ErrHelp
	}
	if len(args) == 0 {
		return usageError{msg: a.texts.T("roles.usage")}
	}
	switch args[0] {
	case "grant", "revoke":
		return rolesChange(ctx, a, args[0], args[1:])
	case "list":
		return rolesList(ctx, a, args[1:])
	}
	return usageError{msg: a.texts.T("roles.usage")}
}

func rolesChange(ctx context.Context, a *app, action string, args []string) error {
	fs := a.flags("roles " + action)
	staff := fs.String("staff", "", a.help("roles.staff"))
	role := fs.String("role", "", a.help("roles.role"))
	provider := fs.String("provider", "", a.help("roles.provider"))
	unit := fs.String("unit", "", a.help("roles.unit"))
	by := fs.String("by", a.getenv("USER"), a.help("roles.by"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *staff == "" || *role == "" || *provider == "" {
		return usageError{msg: a.texts.T("roles.usage")}
	}
	g, err := a.roleGrant(*staff, *role, *provider, *unit)
	if err != nil {
		return err
	}
	actor := portal.SystemActor(*by)
	if actor.Validate() != nil {
		return usageError{msg: a.texts.T("roles.by_missing")}
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	data := map[string]any{"Staff": string(g.Staff), "Role": a.texts.T("role.name." + string(g.Role)), "Provider": string(g.Provider)}
	if action == "grant" {
		if err := st.GrantRole(ctx, actor, g); err != nil {
			return err
		}
		a.printf("roles.granted", data)
		return nil
	}
	if err := st.RevokeRole(ctx, actor, g); err != nil {
		return err
	}
	a.printf("roles.revoked", data)
	return nil
}

// roleGrant reads the flags into a grant; what is malformed is a usage
// error naming the flag, never quoting what was typed beyond the terminal's
// safe form.
func (a *app) roleGrant(staff, role, provider, unit string) (store.RoleGrant, error) {
	r, err := portal.ParseRole(role)
	if err != nil {
		return store.RoleGrant{}, usageError{msg: a.texts.T("role.error.role")}
	}
	var g store.RoleGrant
	g.Role = r
	for _, f := range []struct {
		name, value string
		into        *portal.HSAID
	}{{"staff", staff, &g.Staff}, {"provider", provider, &g.Provider}, {"unit", unit, &g.Unit}} {
		if strings.TrimSpace(f.value) == "" {
			continue
		}
		id, err := portal.ParseHSAID(f.value)
		if err != nil {
			return store.RoleGrant{}, usageError{msg: a.texts.T("roles.bad_hsa_id", map[string]any{"Flag": f.name})}
		}
		*f.into = id
	}
	if err := g.Validate(); err != nil {
		return store.RoleGrant{}, usageError{msg: a.errorText(err)}
	}
	return g, nil
}

func rolesList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("roles list")
	provider := fs.String("provider", "", a.help("roles.provider"))
	asJSON := fs.Bool("json", false, a.help("roles.json"))
	if err := parse(fs, args); err != nil {
		return err
	}
	var prov portal.HSAID
	if *provider != "" {
		id, err := portal.ParseHSAID(*provider)
		if err != nil {
			return usageError{msg: a.texts.T("roles.bad_hsa_id", map[string]any{"Flag": "provider"})}
		}
		prov = id
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	roles, err := st.ListRoles(ctx, portal.SystemActor("insyn roles list"), prov)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, r := range roles {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(roles) == 0 {
		a.printf("roles.none", nil)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, a.texts.T("roles.header")) // tab-separated like the rows
	for _, r := range roles {
		unit := ""
		if r.Unit != "" {
			unit = termSafe(r.UnitName) + " (" + string(r.Unit) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Staff, termSafe(r.StaffName), a.texts.T("role.name."+string(r.Role)),
			termSafe(r.ProviderName)+" ("+string(r.Provider)+")", unit)
	}
	return tw.Flush()
}
