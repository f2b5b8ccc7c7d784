package review_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

const carl = "SE2321000016-5003" // left on 1 June

// TestRules: for every implemented rule, accesses that must hit and
// accesses that must not (explained where the rule fires only on the
// unexplained), then the grouping of hits into cases.
func TestRules(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	annaPID := pid(t, 100)
	exec(t, s, `UPDATE staff SET personal_id = $1 WHERE hsa_id = '`+anna+`'`, annaPID.Digits())
	exec(t, s, `UPDATE staff SET personal_id = $1 WHERE hsa_id = '`+bo+`'`, pid(t, 109).Digits())
	exec(t, s, `INSERT INTO staff (hsa_id, given_name, family_name, title, employed_to) VALUES
	             ('`+carl+`', 'Carl', 'Al', 'läkare', '2025-06-01')`)
	exec(t, s, `INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name) VALUES ('`+anna+`', '`+unit+`', 'Sjuksköterska på Kirurgen'),
	             ('`+anna+`', '`+unit+`', 'Administration på Kirurgen'), ('`+bo+`', '`+unit+`', 'Sjuksköterska på Kirurgen')`)
	person := func(n int, family, street, postal string, protected, vip bool, deceased any) portal.PersonalID {
		p := pid(t, n)
		exec(t, s, `INSERT INTO patients (personal_id, given_name, family_name, street, postal_code, protected_identity, vip, deceased_on)
		            VALUES ($1, 'X', $2, $3, $4, $5, $6, $7)`, p.Digits(), family, street, postal, protected, vip, deceased)
		return p
	}
	self := person(100, "Berg", "Storgatan 1", "11111", false, false, nil)
	sibling := person(102, "Holm", "", "", false, false, nil)
	stranger := person(103, "Lund", "Annan väg 3", "22222", false, false, nil)
	family := person(104, "berg", " storgatan  1 ", "11111", false, false, nil)
	housemate := person(105, "Ek", "STORGATAN 1, lgh 1102", "11111", false, false, nil)
	housemateCared := person(106, "Ek", "Storgatan 1", "11111", false, false, nil)
	neighbour := person(107, "Sjö", "Storgatan 9", "11111", false, false, nil)
	colleague := person(109, "Ek", "", "", false, false, nil)
	protected := person(110, "Ö", "", "", true, false, nil)
	vip := person(111, "Kung", "", "", false, true, nil)
	dead := person(112, "Död", "", "", false, false, "2025-06-01")
	noCare := person(113, "Ny", "", "", false, false, nil)
	oldCare := person(114, "Gammal", "", "", false, false, nil)
	exec(t, s, `INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, 'sibling')`, sibling.Digits(), annaPID.Digits())
	visit := func(p portal.PersonalID, when time.Time) portal.CareRelation {
		return portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: when}
	}
	care(t, s, visit(sibling, at), visit(housemateCared, at), visit(protected, at.Add(-time.Hour)),
		visit(vip, at.Add(-time.Hour)), visit(colleague, at.Add(-time.Hour)), visit(oldCare, at.AddDate(-1, 0, 0)))

	type want struct {
		ev   portal.Event
		rule string
		hit  bool
	}
	n := 0
	a := func(p portal.PersonalID, actor, acting string, mod ...func(*portal.Event)) portal.Event {
		n++
		e := access(p, actor, acting, acting, at.Add(time.Duration(n)*time.Minute))
		for _, m := range mod {
			m(&e)
		}
		return e
	}
	earlier := func(e *portal.Event) { e.OccurredAt = time.Date(2025, 5, 20, 10, 0, 0, 0, time.UTC) }
	emergency := func(e *portal.Event) { e.Activity = portal.ActivityEmergency }
	admin := func(e *portal.Event) { e.Purpose = portal.PurposeAdministration }
	stats := func(e *portal.Event) { e.Purpose = portal.PurposeStatistics }
	cases := []want{
		{a(self, anna, unit), "self", true},
		{a(stranger, anna, unit), "self", false},
		{a(sibling, anna, unit), "relative", true}, // explained: relative fires on every access
		{a(stranger, anna, unit), "relative", false},
		{a(family, anna, unit), "relative", true},
		{a(housemate, anna, unit), "household", true},
		{a(housemateCared, anna, unit), "household", false},
		{a(neighbour, anna, unit), "neighbourhood", true},
		{a(housemate, anna, unit), "neighbourhood", false},
		{a(stranger, anna, unit), "neighbourhood", false},
		{a(colleague, anna, lab), "colleague", true},
		{a(colleague, anna, unit), "colleague", false},
		{a(protected, anna, lab), "protected_identity", true},
		{a(protected, anna, unit), "protected_identity", false},
		{a(vip, anna, lab), "vip", true},
		{a(vip, anna, unit), "vip", false},
		{a(dead, anna, unit), "deceased", true},
		{a(dead, anna, unit, earlier), "deceased", false},
		{a(stranger, anna, unit, emergency), "emergency", true},
		{a(stranger, anna, unit), "emergency", true}, // the same sitting, after breaking the glass
		{a(sibling, anna, unit), "emergency", false},
		{a(stranger, carl, unit), "after_employment", true},
		{a(stranger, carl, unit, earlier), "after_employment", false},
		{a(noCare, anna, lab, admin), "non_care_purpose", true},
		{a(noCare, anna, unit, admin), "non_care_purpose", false},
		{a(housemateCared, anna, unit, stats), "non_care_purpose", true}, // a visit explains care, not statistics
		{a(noCare, anna, unit), "no_care_relation", true},
		{a(oldCare, anna, unit), "no_care_relation", false},
	}
	var evs []portal.Event
	for _, c := range cases {
		evs = append(evs, c.ev)
	}
	// Bo's spree the next day: 25 patients, against Anna's two.
	next := at.Add(24 * time.Hour)
	evs = append(evs, access(stranger, anna, unit, unit, next), access(noCare, anna, unit, unit, next))
	for i := range 25 {
		evs = append(evs, access(pid(t, 200+i), bo, unit, unit, next.Add(time.Duration(i)*time.Second)))
	}
	insert(t, s, evs...)
	res := run(t, s)
	hits := ruleHits(t, s)
	for _, c := range cases {
		if got := hits[c.rule+"/"+c.ev.SourceLogID]; got != c.hit {
			t.Errorf("%s on %s (%s): hit %v, want %v", c.rule, c.ev.Patient.Digits(), c.ev.SourceLogID, got, c.hit)
		}
	}
	spree, annaVolume := 0, 0
	for k := range hits {
		if strings.HasPrefix(k, "volume/") {
			spree++
		}
	}
	for _, c := range cases {
		if hits["volume/"+c.ev.SourceLogID] {
			annaVolume++
		}
	}
	if spree != 25 || annaVolume != 0 {
		t.Errorf("volume hits: %d of Bo's 25, %d of Anna's", spree, annaVolume)
	}
	var sev string
	if err := s.DB().Get(&sev, `SELECT severity FROM rule_hits WHERE rule = 'colleague'`); err != nil || sev != "medium" {
		t.Errorf("colleague at another unit than Bo's: severity %q, %v", sev, err)
	}

	// Cases: one per (actor, provider, patient); a later hit joins it.
	var groups, opened int
	if err := s.DB().Get(&groups, `SELECT count(DISTINCT (staff_hsa_id, provider_hsa_id, patient_id)) FROM rule_hits`); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&opened, `SELECT count(*) FROM cases WHERE source = 'rule'`); err != nil {
		t.Fatal(err)
	}
	if opened != groups || res.CasesOpened != int64(groups) || res.CasesJoined != 0 {
		t.Errorf("%d groups, %d cases, run says %+v", groups, opened, res)
	}
	insert(t, s, a(self, anna, unit))
	res = run(t, s)
	if res.CasesOpened != 0 || res.CasesJoined != 1 {
		t.Errorf("a new self hit: %+v", res)
	}
	var events int
	if err := s.DB().Get(&events, `SELECT count(*) FROM case_events ce JOIN cases c ON c.id = ce.case_id
		WHERE c.patient_id = $1 AND c.staff_hsa_id = $2`, self.Digits(), anna); err != nil || events != 2 {
		t.Errorf("self case holds %d events, %v", events, err)
	}

	// Switched off for the provider: no more hits of that rule.
	off := false
	if err := s.SetRule(context.Background(), store.RuleChange{Provider: prov, Rule: "self", Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	insert(t, s, a(self, anna, unit))
	run(t, s)
	var selfHits int
	if err := s.DB().Get(&selfHits, `SELECT count(*) FROM rule_hits WHERE rule = 'self'`); err != nil || selfHits != 2 {
		t.Errorf("self switched off: %d self hits in all, %v", selfHits, err)
	}
	rs, err := s.Rules(context.Background(), prov)
	if err != nil || len(rs) != 14 {
		t.Fatalf("rules: %d, %v", len(rs), err)
	}
	for _, r := range rs {
		if r.Rule == "self" && (r.Enabled || r.Provider != prov || r.Severity != "high") {
			t.Errorf("self for the provider: %+v", r)
		}
	}
}

func ruleHits(t testing.TB, s *store.Store) map[string]bool {
	t.Helper()
	rows, err := s.DB().Query(`SELECT h.rule, e.source_log_id FROM rule_hits h
		JOIN access_events e ON e.id = h.event_id AND e.occurred_at = h.occurred_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var r, id string
		if err := rows.Scan(&r, &id); err != nil {
			t.Fatal(err)
		}
		out[r+"/"+id] = true
	}
	return out
}

// TestActorNamedTwoWays: one person's accesses to the same record on the
// same day, one log naming their personal id and provider and another
// leaving both to the reference data, are one actor to the rules: the
// relative and watchlist rules hit each access once, and volume counts the
// patient once.
func TestActorNamedTwoWays(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	annaPID := pid(t, 100)
	sibling := pid(t, 102)
	exec(t, s, `UPDATE staff SET personal_id = $1 WHERE hsa_id = '`+anna+`'`, annaPID.Digits())
	exec(t, s, `INSERT INTO patients (personal_id, given_name, family_name) VALUES ($1, 'X', 'Holm')`, sibling.Digits())
	exec(t, s, `INSERT INTO relations (personal_id_a, personal_id_b, kind) VALUES ($1, $2, 'sibling')`, sibling.Digits(), annaPID.Digits())
	exec(t, s, `INSERT INTO watchlist (key, patient_id, patient_id_kind, staff_hsa_id, added_at)
	            VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaa', $1, 'personnummer', $2, $3)`, sibling.Digits(), anna, at.Add(-time.Hour))
	named := access(sibling, anna, unit, unit, at)
	named.ActorPersonalID = annaPID
	named.ActorProvider = portal.Party{HSAID: prov}
	bare := access(sibling, anna, lab, unit, at.Add(time.Hour))
	insert(t, s, named, bare)
	run(t, s)
	var got []struct {
		Rule string `db:"rule"`
		N    int    `db:"n"`
	}
	if err := s.DB().Select(&got, `SELECT rule, count(*) AS n FROM rule_hits
		WHERE rule IN ('relative', 'watchlist') GROUP BY rule ORDER BY rule`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Rule != "relative" || got[0].N != 2 || got[1].Rule != "watchlist" || got[1].N != 2 {
		t.Errorf("hits per rule: %+v, want relative and watchlist on each of the two accesses", got)
	}
	var patients int
	if err := s.DB().Get(&patients, `SELECT patients FROM review_actor_days WHERE actor_hsa_id = $1`, anna); err != nil || patients != 1 {
		t.Errorf("Anna's day: %d patients, %v", patients, err)
	}
}
