package main

import (
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/jmoiron/sqlx"
)

// TestRolesCLI: grant, list and revoke from the command line (how the
// first admin is made), with unknown references refused in words.
func TestRolesCLI(t *testing.T) {
	dsn := storetest.DSN(t)
	db := sqlx.MustConnect("postgres", dsn)
	defer db.Close()
	db.MustExec(`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'), ('SE5565594230-0002', 'Norrsken AB')`)
	db.MustExec(`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken')`)
	db.MustExec(`INSERT INTO staff (hsa_id, given_name, family_name) VALUES ('SE2321000016-9001', 'Ada', 'Admin'), ('SE2321000016-9003', 'Hedda', 'Chef')`)

	r := cli(t, dsn, nil, "roles", "grant", "--staff", "SE2321000016-9001", "--role", "admin", "--provider", "SE2321000016-0001", "--by", "Olle")
	if r.code != 0 || !strings.Contains(r.stderr, "är nu administratör") {
		t.Fatalf("grant admin: %d %q", r.code, r.stderr)
	}
	r = cli(t, dsn, nil, "roles", "grant", "--staff", "SE2321000016-9003", "--role", "head-of-unit", "--provider", "SE2321000016-0001",
		"--unit", "SE2321000016-1001", "--by", "Olle")
	if r.code != 0 {
		t.Fatalf("grant head of unit: %d %q", r.code, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--staff", "SE2321000016-9999", "--role", "clerk", "--provider", "SE2321000016-0001"}, 1, "ingen anställd"},
		{[]string{"--staff", "SE2321000016-9001", "--role", "clerk", "--provider", "SE2321000016-0099"}, 1, "ingen vårdgivare"},
		{[]string{"--staff", "SE2321000016-9003", "--role", "head-of-unit", "--provider", "SE2321000016-0001", "--unit", "SE2321000016-1099"}, 1, "ingen enhet"},
		{[]string{"--staff", "SE2321000016-9003", "--role", "head-of-unit", "--provider", "SE2321000016-0001", "--unit", "SE5565594230-2001"}, 1, "annan vårdgivare"},
		{[]string{"--staff", "SE2321000016-9003", "--role", "head-of-unit", "--provider", "SE2321000016-0001"}, 2, "ange enhetens HSA-id"},
		{[]string{"--staff", "SE2321000016-9003", "--role", "boss", "--provider", "SE2321000016-0001"}, 2, "Rollen måste vara"},
		{[]string{"--staff", "19121212-1212", "--role", "clerk", "--provider", "SE2321000016-0001"}, 2, "--staff måste vara ett HSA-id"},
		{[]string{"--role", "clerk", "--provider", "SE2321000016-0001"}, 2, "Användning"},
	} {
		r := cli(t, dsn, nil, append([]string{"roles", "grant", "--by", "Olle"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("grant %v: exit %d %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
		if strings.Contains(r.stderr, "19121212") {
			t.Errorf("a personal id echoed: %q", r.stderr)
		}
	}
	r = cli(t, dsn, nil, "roles", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "Ada Admin") || !strings.Contains(r.stdout, "enhetschef") ||
		!strings.Contains(r.stdout, "Vårdcentralen Ängsbacken") {
		t.Fatalf("list: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, dsn, nil, "roles", "revoke", "--staff", "SE2321000016-9001", "--role", "admin", "--provider", "SE2321000016-0001", "--by", "Olle")
	if r.code != 0 || !strings.Contains(r.stderr, "inte längre") {
		t.Fatalf("revoke: %d %q", r.code, r.stderr)
	}
	r = cli(t, dsn, nil, "roles", "revoke", "--staff", "SE2321000016-9001", "--role", "admin", "--provider", "SE2321000016-0001", "--by", "Olle")
	if r.code != 1 || !strings.Contains(r.stderr, "har inte den rollen") {
		t.Fatalf("revoke again: %d %q", r.code, r.stderr)
	}
	var changes int
	if err := db.Get(&changes, `SELECT count(*) FROM role_changes WHERE by_id = 'system:Olle'`); err != nil || changes != 3 {
		t.Errorf("%d role changes recorded (%v), want 3", changes, err)
	}
	if r := cli(t, dsn, nil, "roles", "list", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"role":"head_of_unit"`) {
		t.Errorf("list --json: %q", r.stdout)
	}
}
