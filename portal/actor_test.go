package portal_test

import (
	"slices"
	"testing"

	"github.com/insyn/insyn/portal"
)

func TestActorPermissions(t *testing.T) {
	tolvan, _ := portal.ParsePersonalID("191212121212")
	sara, _ := portal.ParsePersonalID("199001012385")
	reserve, _ := portal.ReserveID("1.2.752.97.3.1.3", "191212121212")
	region, company := portal.HSAID("SE2321000016-0001"), portal.HSAID("SE5565594230-0002")
	clerk := portal.StaffActor("SE2321000016-9001", "Anna", portal.Grant{Provider: region, Role: portal.RoleClerk},
		portal.Grant{Provider: region, Role: portal.RoleReviewer}, portal.Grant{Provider: company, Role: portal.RoleAdmin})
	for _, c := range []struct {
		name          string
		a             portal.Actor
		patient       portal.PersonalID
		read          bool
		region, comp  bool
		eventProvider []portal.HSAID
	}{
		{"own log", portal.PatientActor(tolvan, ""), tolvan, true, true, true, nil},
		{"another's log", portal.PatientActor(sara, ""), tolvan, false, true, true, nil},
		{"same digits, reserve number", portal.PatientActor(reserve, ""), tolvan, false, true, true, nil},
		{"clerk", clerk, tolvan, true, true, false, []portal.HSAID{region}},
		{"admin only", portal.StaffActor("SE2321000016-9001", "A", portal.Grant{Provider: region, Role: portal.RoleAdmin}),
			tolvan, false, false, false, []portal.HSAID{}},
		{"system", portal.SystemActor("Kim"), tolvan, true, true, true, nil},
		{"nameless system", portal.SystemActor(" "), tolvan, false, false, false, nil},
		{"nobody", portal.Actor{}, tolvan, false, false, false, nil},
		{"no patient", portal.SystemActor("Kim"), portal.PersonalID{}, false, true, true, nil},
	} {
		if got := portal.CanReadPatientEvents(c.a, c.patient); got != c.read {
			t.Errorf("%s: CanReadPatientEvents = %v", c.name, got)
		}
		if got := portal.CanReadProviderEvents(c.a, region); got != c.region {
			t.Errorf("%s: CanReadProviderEvents(region) = %v", c.name, got)
		}
		if got := portal.CanReadProviderEvents(c.a, company); got != c.comp {
			t.Errorf("%s: CanReadProviderEvents(company) = %v", c.name, got)
		}
		if got := c.a.EventProviders(); !slices.Equal(got, c.eventProvider) || (got == nil) != (c.eventProvider == nil) {
			t.Errorf("%s: EventProviders = %#v", c.name, got)
		}
	}
	if !clerk.Has(portal.RoleAdmin, company) || clerk.Has(portal.RoleAdmin, region) {
		t.Error("Has")
	}
	for a, id := range map[*portal.Actor]string{{Kind: portal.ActorPatient, Patient: tolvan}: "191212121212", &clerk: "SE2321000016-9001"} {
		if a.ID() != id {
			t.Errorf("%s: ID %q", a.Kind, a.ID())
		}
	}
	if got := portal.SystemActor(" Kim ").ID(); got != "system:Kim" {
		t.Errorf("system ID %q", got)
	}
}
