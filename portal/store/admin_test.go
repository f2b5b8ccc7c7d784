package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestAdminRuleEffects: per rule, the provider's decided cases it raised
// counted once each however many hits, open cases, withdrawn hits and
// other providers left out.
func TestAdminRuleEffects(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	var run int64
	if err := s.DB().Get(&run, `INSERT INTO review_runs (started_at) VALUES (now()) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	const region, company = "SE2321000016-0001", "SE5565594230-0002"
	n := 0
	newCase := func(provider, outcome string) int64 {
		t.Helper()
		n++
		status := "decided"
		var out any = outcome
		if outcome == "" {
			status, out = "new", nil
		}
		var id int64
		key := strings.Repeat(string(rune('a'+n)), 26)
		if err := s.DB().Get(&id, `INSERT INTO cases (key, number, source, status, outcome, patient_id, patient_id_kind, staff_hsa_id,
			provider_hsa_id, created_at, updated_at) VALUES ($1, 'A-' || $1, 'rule', $2, $3, '191212121212', 'personnummer',
			'SE2321000016-5001', $4, now(), now()) RETURNING id`, key, status, out, provider); err != nil {
			t.Fatal(err)
		}
		return id
	}
	ev := int64(0)
	hit := func(c int64, rule, provider string, withdrawn bool) {
		t.Helper()
		ev++
		if _, err := s.DB().Exec(`INSERT INTO rule_hits (run_id, case_id, rule, severity, event_id, occurred_at, staff_hsa_id,
			provider_hsa_id, patient_id, patient_id_kind, withdrawn_at)
			VALUES ($1, $2, $3, 'high', $4, now(), 'SE2321000016-5001', $5, '191212121212', 'personnummer',
			CASE WHEN $6 THEN now() END)`, run, c, rule, ev, provider, withdrawn); err != nil {
			t.Fatal(err)
		}
	}
	a := newCase(region, "unjustified")
	hit(a, "vip", region, false)
	hit(a, "vip", region, false) // a second hit: the case counts once
	hit(a, "relative", region, false)
	b := newCase(region, "justified")
	hit(b, "vip", region, false)
	hit(b, "relative", region, true)                            // withdrawn: not counted
	hit(newCase(region, ""), "vip", region, false)              // open
	hit(newCase(company, "unjustified"), "vip", company, false) // another provider
	got, err := s.RuleEffects(ctx, portal.HSAID(region))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.RuleEffect{{Rule: "relative", Decided: 1, Unjustified: 1}, {Rule: "vip", Decided: 2, Unjustified: 1}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("effects %+v, want %+v", got, want)
	}
}
