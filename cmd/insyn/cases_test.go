package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// TestSampleAndCasesCommands draws March's sample of the extract's
// fixture region from the command line, draws nothing the second time,
// lists the queue as JSON naming source, HSA-id and personal id, and
// shows one case with its accesses and explanations; every read of a
// case's patients is in log_reads under the operator's name.
func TestSampleAndCasesCommands(t *testing.T) {
	dsn := seededDSN(t)
	r := cli(t, dsn, nil, "review", "sample", "--month", "2026-03", "--users-per-unit", "2", "--by", "revisor")
	if r.code != 0 || !strings.Contains(r.stdout, "frö 202603") || !regexp.MustCompile(`\d+ ärenden? skapad`).MatchString(r.stdout) {
		t.Fatalf("sample: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A person reads the units by name; the HSA-ids are for --json.
	if !strings.Contains(r.stdout, "Vårdcentralen Ängsbacken: ") || regexp.MustCompile(`SE\d{10}-`).MatchString(r.stdout) {
		t.Errorf("sample names units by HSA-id:\n%s", r.stdout)
	}
	js := cli(t, dsn, nil, "review", "sample", "--month", "2026-02", "--by", "revisor", "--json")
	var units []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(js.stdout), "\n") {
		var u map[string]any
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("sample --json: %v: %q", err, line)
		}
		if u["unit"] != nil {
			units = append(units, u)
		}
	}
	if js.code != 0 || len(units) == 0 || !regexp.MustCompile(`^SE\d{10}-`).MatchString(units[0]["unit"].(string)) ||
		units[0]["unit_name"] == "" {
		t.Errorf("sample --json: %d %v\n%s%s", js.code, units, js.stdout, js.stderr)
	}
	again := cli(t, dsn, nil, "review", "sample", "--month", "2026-03", "--by", "revisor")
	if again.code != 0 || !strings.Contains(again.stdout, "redan") || !strings.Contains(again.stdout, "0 ärenden skapade") {
		t.Errorf("second sample: %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	if r := cli(t, dsn, nil, "review", "sample", "--month", "mars", "--by", "x"); r.code != 2 || !strings.Contains(r.stderr, "ÅÅÅÅ-MM") {
		t.Errorf("bad month: %d %q", r.code, r.stderr)
	}

	list := cli(t, dsn, nil, "cases", "list", "--json", "--source", "sample", "--by", "revisor")
	if list.code != 0 {
		t.Fatalf("list: %s", list.stderr)
	}
	var cases []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(list.stdout), "\n") {
		var c map[string]any
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 || cases[0]["source"] != "sample" || cases[0]["actor_hsa_id"] == "" || cases[0]["narrative_sv"] == "" {
		t.Fatalf("cases %v", cases)
	}
	for i := 1; i < len(cases); i++ {
		if cases[i]["priority"].(float64) > cases[i-1]["priority"].(float64) {
			t.Errorf("list not in priority order at %d", i)
		}
	}
	num := cases[0]["number"].(string)
	show := cli(t, dsn, nil, "cases", "show", num, "--json", "--by", "revisor")
	var d struct {
		Number string `json:"number"`
		Source string `json:"source"`
		Staff  string `json:"actor_hsa_id"`
		Sample *struct{ Seed int64 }
		Events []struct {
			PatientID    string `json:"patient_id"`
			RelationKind string `json:"relation_kind"`
		} `json:"events"`
		Timeline []struct{ Kind string } `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &d); err != nil || show.code != 0 {
		t.Fatalf("show: %v %s %s", err, show.stdout, show.stderr)
	}
	if d.Number != num || d.Source != "sample" || d.Sample == nil || d.Sample.Seed != 202603 || len(d.Events) == 0 ||
		d.Events[0].PatientID == "" || len(d.Timeline) != 1 || d.Timeline[0].Kind != "created" {
		t.Errorf("show json %+v", d)
	}
	text := cli(t, dsn, nil, "cases", "show", "--by", "revisor", num)
	if text.code != 0 || !strings.Contains(text.stdout, "stickprov") || !strings.Contains(text.stdout, d.Staff) ||
		!(strings.Contains(text.stdout, "förklaras av") || strings.Contains(text.stdout, "ingen förklaring")) {
		t.Errorf("show text:\n%s%s", text.stdout, text.stderr)
	}
	if r := cli(t, dsn, nil, "cases", "show", "2026-999999", "--by", "revisor"); r.code != 1 || !strings.Contains(r.stderr, "inget sådant ärende") {
		t.Errorf("unknown case: %d %q", r.code, r.stderr)
	}
	if r := cli(t, dsn, nil, "cases", "list", "--source", "nej", "--by", "x"); r.code != 2 {
		t.Errorf("bad source: %d", r.code)
	}
	if r := cli(t, dsn, nil, "cases", "list"); r.code != 2 {
		t.Errorf("no operator: %d %q", r.code, r.stderr)
	}
}

// `insyn cases show` names each rule of a rule case once, in words with its
// name for `insyn rules` and its number of hits, instead of its bare name
// once per hit.
func TestCaseShowNamesEachRuleOnceInWords(t *testing.T) {
	dsn, number := reviewedRuleCase(t)
	show := cli(t, dsn, nil, "cases", "show", number, "--by", "revisor")
	hit := regexp.MustCompile(`^Regelträff: +[^(]*[a-zåäö][^(]* \([a-z_]+\), \d+ träff(ar)?$`)
	seen, n := map[string]bool{}, 0
	for _, line := range strings.Split(show.stdout, "\n") {
		if !strings.HasPrefix(line, "Regelträff:") {
			continue
		}
		n++
		if !hit.MatchString(line) || seen[line] {
			t.Errorf("rule line %q (repeated: %v)", line, seen[line])
		}
		seen[line] = true
	}
	if show.code != 0 || n == 0 {
		t.Fatalf("show: %d, %d rule lines\n%s%s", show.code, n, show.stdout, show.stderr)
	}
}

// `insyn cases show` words every kind of timeline entry, also those the
// reviewer's workplace writes (assigned, a statement asked for and given):
// it panicked on a missing message once a reviewer had asked a head of
// unit for a statement.
func TestCaseShowWordsTheWorkplaceTimeline(t *testing.T) {
	dsn, number := reviewedRuleCase(t)
	s, err := store.Open(context.Background(), dsn, &portal.FixedClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range []portal.TimelineKind{portal.TimelineAssigned, portal.TimelineStatementRequested, portal.TimelineStatement} {
		if _, err := s.DB().Exec(`INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text)
			SELECT id, $2, 'staff', 'SE2321000016-9001', now(), 'text' FROM cases WHERE number = $1`, number, string(k)); err != nil {
			t.Fatal(err)
		}
	}
	for lang, want := range map[string][]string{
		"sv": {"tilldelat", "bad om yttrande", "  yttrande "},
		"en": {"assigned", "statement requested", "  statement "},
	} {
		r := cliIn(t, lang, dsn, "cases", "show", number, "--by", "revisor")
		if r.code != 0 {
			t.Fatalf("%s: show: %d\n%s%s", lang, r.code, r.stdout, r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%s: the timeline does not say %q:\n%s", lang, w, r.stdout)
			}
		}
	}
}

// reviewedRuleCase seeds the region, runs a review and gives the database
// and the number of the rule case first in the queue.
func reviewedRuleCase(t *testing.T) (dsn, number string) {
	t.Helper()
	dsn = seededDSN(t)
	if r := cli(t, dsn, nil, "review", "run"); r.code != 0 {
		t.Fatalf("review run: %d %s", r.code, r.stderr)
	}
	list := cli(t, dsn, nil, "cases", "list", "--json", "--source", "rule", "--by", "revisor")
	first, _, _ := strings.Cut(list.stdout, "\n")
	var c struct{ Number string }
	if err := json.Unmarshal([]byte(first), &c); err != nil || c.Number == "" {
		t.Fatalf("no rule case: %v %q %s", err, list.stdout, list.stderr)
	}
	return dsn, c.Number
}
