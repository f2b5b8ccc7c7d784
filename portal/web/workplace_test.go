package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Staff of the workplace tests: a reviewer, a head of unit and a member
// of staff without any role, at two providers.
const (
	wpRegion   = portal.HSAID("SE2321000016-0001")
	wpCompany  = portal.HSAID("SE5565594230-0002")
	wpUnit     = portal.HSAID("SE2321000016-1001")
	wpReviewer = "SE2321000016-9001"
	wpHead     = "SE2321000016-9003"
	wpNobody   = "SE2321000016-9004"
	wpCoReview = "SE5565594230-9005" // reviewer at the company
)

// seedWorkplace loads the providers, units and staff and grants roles.
func seedWorkplace(t *testing.T, st *store.Store) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'), ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')
		 ON CONFLICT DO NOTHING`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst') ON CONFLICT DO NOTHING`,
		`INSERT INTO staff (hsa_id, given_name, family_name, title) VALUES ('SE2321000016-9001', 'Rita', 'Granskare', 'Jurist'),
		 ('SE2321000016-9003', 'Hedda', 'Chef', 'Enhetschef'), ('SE2321000016-9004', 'Nils', 'Utanroll', 'Sjuksköterska'),
		 ('SE5565594230-9005', 'Conny', 'Bolagsson', 'Jurist') ON CONFLICT DO NOTHING`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sys := portal.SystemActor("test")
	for _, g := range []store.RoleGrant{
		{Staff: wpReviewer, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleReviewer}},
		{Staff: wpHead, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleHeadOfUnit, Unit: wpUnit}},
		{Staff: wpCoReview, Grant: portal.Grant{Provider: wpCompany, Role: portal.RoleReviewer}},
	} {
		if err := st.GrantRole(context.Background(), sys, g); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaffStartAndNoRole(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	seedWorkplace(t, e.st)
	// A staff login lands on the staff start page.
	c := newClient(t)
	resp, _ := e.login(t, c, wpReviewer, nil)
	if loc := resp.Header.Get("Location"); loc != "/personal" {
		t.Fatalf("staff login goes to %q", loc)
	}
	status, body := page(t, c, e.base+"/personal")
	if status != 200 || !strings.Contains(body, "granskare hos Region Exempelland") || !strings.Contains(body, `href="/granskning?lang=sv"`) ||
		strings.Contains(body, `href="/oversikt`) {
		t.Fatalf("reviewer's start: %d\n%s", status, body)
	}
	status, body = page(t, e.signIn(t, wpHead), e.base+"/personal?lang=en")
	if status != 200 || !strings.Contains(body, "head of unit of Vårdcentralen Ängsbacken") || strings.Contains(body, `href="/granskning`) {
		t.Fatalf("head's start: %d\n%s", status, body)
	}
	// Without a role: the page saying so, on every staff path, and no menu.
	nobody := e.signIn(t, wpNobody)
	for _, p := range []string{"/personal"} {
		status, body := page(t, nobody, e.base+p)
		if status != http.StatusForbidden || !strings.Contains(body, "Du har ingen roll i Insyn") || strings.Contains(body, "Personalmeny") {
			t.Errorf("%s without a role: %d\n%s", p, status, body)
		}
	}
	// A revoke takes effect on the next request.
	if err := e.st.RevokeRole(context.Background(), portal.SystemActor("test"),
		store.RoleGrant{Staff: wpHead, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleHeadOfUnit, Unit: wpUnit}}); err != nil {
		t.Fatal(err)
	}
	if status, _ := page(t, e.signIn(t, wpHead), e.base+"/personal"); status != http.StatusForbidden {
		t.Errorf("after the revoke: %d", status)
	}
	// A patient: staff pages do not exist. No session: to log in.
	pat := e.signIn(t, unknownPID)
	if status, _ := page(t, pat, e.base+"/personal"); status != http.StatusNotFound {
		t.Errorf("patient on /personal: %d", status)
	}
	anon := newClient(t)
	resp2, err := anon.Get(e.base + "/personal")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp2.Header.Get("Location"), "/login") {
		t.Errorf("no session: %d %q", resp2.StatusCode, resp2.Header.Get("Location"))
	}
}
