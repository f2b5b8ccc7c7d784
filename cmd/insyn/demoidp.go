package main

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth/demoidp"
	"github.com/insyn/insyn/portal/store"
)

// startDemoProvider starts the demo's own OpenID provider on loopback, its
// login page offering sample citizens (from st when it is not nil: people
// with accesses) and the staff demoStaff gave roles, and
// points the portal at it through the environment `serve` reads: the demo
// logs in exactly as production does. The client secret and session key
// are new on every start.
func (a *app) startDemoProvider(ctx context.Context, st *store.Store, addr string, staff ...demoidp.StaffMember) error {
	base := "http://" + addr
	secret, key := randomHex(32), randomHex(32)
	idp, err := demoidp.Start(ctx, demoidp.Options{
		ClientID: "insyn-demo", ClientSecret: secret,
		RedirectURIs:           []string{base + "/auth/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
		Citizens:               append(a.sampleCitizens(ctx, st, 5), a.sampleGuardian(a.clock.Now())...),
		Staff:                  staff,
		PersonalIDClaim:        a.getenv("OIDC_PERSONAL_ID_CLAIM"),
		HSAIDClaim:             a.getenv("OIDC_HSA_ID_CLAIM"),
		Log:                    a.log,
	})
	if err != nil {
		return err
	}
	env := map[string]string{
		"OIDC_ISSUER": idp.Issuer, "OIDC_CLIENT_ID": "insyn-demo", "OIDC_CLIENT_SECRET": secret,
		"OIDC_REDIRECT_URL": base + "/auth/callback", "INSYN_BASE_URL": base, "INSYN_SESSION_KEY": key,
	}
	outer := a.getenv
	a.getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return outer(k)
	}
	a.printf("demo.idp", map[string]any{"URL": idp.Issuer + "/"})
	return nil
}

// sampleCitizens are n people of the demo region offered on the login
// page: from the store, living people without protected identity whose
// records were accessed in the last 12 months (the overview's period), one
// of them with an access nothing explains, so a visitor sees a history and
// what Insyn says of an unexplained access; without a store or such people,
// the first n living people without protected identity in the region's
// population register.
func (a *app) sampleCitizens(ctx context.Context, st *store.Store, n int) []demoidp.Citizen {
	if st != nil {
		sys := portal.SystemActor("insyn demo")
		found, err := st.SampleCitizens(ctx, sys, a.clock.Now().AddDate(-1, 0, 0), n)
		if err == nil && len(found) == 0 { // a region seeded long ago: accesses of any time
			found, err = st.SampleCitizens(ctx, sys, time.Time{}, n)
		}
		if err != nil {
			a.log.Warn("demo: sample citizens", "error", err)
		}
		var out []demoidp.Citizen
		for _, c := range found {
			if pid, err := portal.ParsePersonalID(c.PersonalID); err == nil {
				out = append(out, demoidp.Citizen{PersonalID: pid.Formatted(), Name: c.GivenName + " " + c.FamilyName})
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return a.registerCitizens(n)
}

// registerCitizens are the first n living people without protected
// identity in the demo region's population register.
func (a *app) registerCitizens(n int) []demoidp.Citizen {
	f, err := os.Open(filepath.Join(a.getenvDefault("INSYN_DATA", "var"), "demo-region", "population.csv"))
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []demoidp.Citizen
	for len(out) < n {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) || (err != nil && !errors.Is(err, csv.ErrFieldCount)) {
			break
		}
		if get(rec, "protected_identity") == "true" || get(rec, "deceased_on") != "" {
			continue
		}
		pid, err := portal.ParsePersonalID(get(rec, "personal_id"))
		if err != nil {
			continue
		}
		out = append(out, demoidp.Citizen{PersonalID: pid.Formatted(), Name: get(rec, "given_name") + " " + get(rec, "family_name")})
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
