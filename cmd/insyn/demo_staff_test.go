package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestDemoStaffGrantsRoles: the demo gives a reviewer, a clerk, an admin
// and a head for each unit of the region's first provider, lists one of
// each (and one without a role) for the login page, and a second start
// changes nothing.
func TestDemoStaffGrantsRoles(t *testing.T) {
	data := t.TempDir()
	dsn := storetest.DSN(t)
	if r := cli(t, "", nil, "seed", "--out", data+"/demo-region", "--patients", "300", "--staff", "60", "--days", "7", "--events", "2000", "--seed", "3"); r.code != 0 {
		t.Fatalf("seed: %d %s", r.code, r.stderr)
	}
	if r := cli(t, dsn, nil, "import", "all", data+"/demo-region"); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	env := map[string]string{"INSYN_DATA": data}
	var errb bytes.Buffer
	a := &app{stdout: io.Discard, stderr: &errb, log: slog.New(slog.DiscardHandler), clock: portal.SystemClock{},
		getenv: func(k string) string { return env[k] }}
	a.loadTexts("sv")
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, portal.SystemClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	staff, err := a.demoStaff(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, m := range staff {
		roles = append(roles, m.Role)
	}
	got := strings.Join(roles, "|")
	if len(staff) != 5 || !strings.HasPrefix(got, "granskare|utdragshandläggare|administratör|enhetschef, ") || !strings.HasSuffix(got, "|ingen roll") {
		t.Fatalf("demo staff %+v", staff)
	}
	all, err := st.ListRoles(ctx, portal.SystemActor("test"), "")
	if err != nil {
		t.Fatal(err)
	}
	heads := 0
	for _, r := range all {
		if r.Role == portal.RoleHeadOfUnit {
			heads++
		}
	}
	if heads < 2 || len(all) != heads+3 {
		t.Errorf("%d roles, %d heads of unit", len(all), heads)
	}
	if g, _ := st.GrantsFor(ctx, portal.HSAID(staff[4].HSAID)); len(g) != 0 {
		t.Errorf("the member of staff without a role holds %+v", g)
	}
	if _, err := a.demoStaff(ctx, st); err != nil {
		t.Fatal(err)
	}
	again, _ := st.ListRoles(ctx, portal.SystemActor("test"), "")
	if len(again) != len(all) {
		t.Errorf("a second start changed the roles: %d → %d", len(all), len(again))
	}
}
