package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("cases", "cli.cmd.cases", cmdCases)
}

// cmdCases is the reviewers' and auditors' view of the case queue: list in
// the order it is worked, show one case with its accesses, evidence and
// explanations. It acts as the system for the operator named by --by, and
// since cases name patients every read is recorded in log_reads.
func cmdCases(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{msg: a.texts.T("cases.error.sub")}
	}
	switch args[0] {
	case "-h", "--help", "help":
		return a.subHelp("cases", "cli.cmd.cases")
	case "list":
		return casesList(ctx, a, args[1:])
	case "show":
		return casesShow(ctx, a, args[1:])
	}
	return usageError{msg: a.texts.T("cases.error.sub")}
}

// parseAll parses flags wherever they stand among the positional
// arguments ("show 2026-000042 --json") and returns the positional ones.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// subHelp prints the one-line usage of a command with sub-commands.
func (a *app) subHelp(name, usage string) error {
	fmt.Fprintln(a.stderr, a.texts.T("cli.synopsis", map[string]any{"Name": name, "Synopsis": a.texts.T(usage)}))
	return flag.ErrHelp
}

// operator is the person named by --by, acting as the system; missing is
// the message that asks for them.
func (a *app) operator(by, missing string) (portal.Actor, error) {
	actor := portal.SystemActor(by)
	if actor.Validate() != nil {
		return actor, usageError{msg: a.texts.T(missing)}
	}
	return actor, nil
}

func casesList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("cases list")
	source := fs.String("source", "", a.help("cases.source"))
	status := fs.String("status", "", a.help("cases.status"))
	provider := fs.String("provider", "", a.help("cases.provider"))
	limit := fs.Int("limit", 100, a.help("cases.limit"))
	asJSON := fs.Bool("json", false, a.help("cases.json"))
	by := fs.String("by", a.getenv("USER"), a.help("cases.by"))
	if pos, err := parseAll(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{msg: a.texts.T("cases.error.sub")}
	}
	if *source != "" && !portal.CaseSource(*source).Valid() {
		return usageError{msg: a.texts.T("cases.error.source")}
	}
	if *status != "" && !portal.CaseStatus(*status).Valid() {
		return usageError{msg: a.texts.T("cases.error.status")}
	}
	actor, err := a.operator(*by, "cases.error.reader")
	if err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	list, err := st.ListCases(ctx, actor, store.CaseFilter{Source: portal.CaseSource(*source),
		Status: portal.CaseStatus(*status), Provider: portal.HSAID(strings.TrimSpace(*provider)), Limit: *limit})
	if err != nil {
		return err
	}
	if err := st.RecordCaseList(ctx, actor, list, "case_cli"); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, c := range list {
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, a.texts.T("cases.none"))
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{a.texts.T("cases.col.number"), a.texts.T("cases.col.priority"),
		a.texts.T("cases.col.source"), a.texts.T("cases.col.status"), a.texts.T("cases.col.actor"),
		a.texts.T("cases.col.patient"), a.texts.T("cases.col.events"), a.texts.T("cases.col.narrative")}, "\t"))
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\n", c.Number, c.Priority, a.texts.T("cases.source."+string(c.Source)),
			a.texts.T("cases.status."+string(c.Status)), termSafe(c.Staff), patientText(c.PatientID, c.PatientIDKind),
			c.Events, termSafe(c.Narrative(a.texts.Lang)))
	}
	return tw.Flush()
}

func patientText(id, kind string) string {
	if id == "" {
		return "-"
	}
	return portal.PersonalIDFromDB(id, portal.IDKind(kind), "").Formatted()
}

// caseJSON is `cases show --json`: stable keys and raw codes.
type caseJSON struct {
	store.CaseSummary
	Signals  []string              `json:"signals"`
	Rules    []ruleJSON            `json:"rule_hits"`
	Events   []store.CaseEventView `json:"events"`
	Flags    []store.CaseFlagView  `json:"flags"`
	Sample   *store.SampleView     `json:"sample,omitempty"`
	Timeline []timelineJSON        `json:"timeline"`
	Earlier  []store.CaseSummary   `json:"earlier_cases"`
}

type ruleJSON struct {
	Rule     string `json:"rule"`
	Severity int    `json:"severity"`
}

type timelineJSON struct {
	Kind  portal.TimelineKind `json:"kind"`
	Actor string              `json:"actor"`
	At    time.Time           `json:"at"`
	Text  string              `json:"text,omitempty"`
	From  portal.CaseStatus   `json:"from,omitempty"`
	To    portal.CaseStatus   `json:"to,omitempty"`
}

func casesShow(ctx context.Context, a *app, args []string) error {
	fs := a.flags("cases show")
	asJSON := fs.Bool("json", false, a.help("cases.json"))
	by := fs.String("by", a.getenv("USER"), a.help("cases.by"))
	pos, err := parseAll(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: a.texts.T("cases.error.show")}
	}
	actor, err := a.operator(*by, "cases.error.reader")
	if err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	d, err := st.CaseDetail(ctx, actor, pos[0], "case_cli")
	if portal.ErrorCode(err) == portal.NotFound {
		return &portal.Error{Code: portal.NotFound, MsgID: "cases.error.not_found", Detail: "no such case", Err: err}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(showJSON(d))
	}
	a.printCase(d)
	return nil
}

func showJSON(d store.CaseDetail) caseJSON {
	out := caseJSON{CaseSummary: d.Summary, Signals: []string{}, Rules: []ruleJSON{}, Events: d.Events, Flags: d.Flags,
		Sample: d.Sample, Timeline: []timelineJSON{}, Earlier: d.Earlier}
	for _, s := range d.Signals {
		out.Signals = append(out.Signals, string(s))
	}
	for _, r := range d.Evidence.Rules {
		out.Rules = append(out.Rules, ruleJSON{Rule: r.Rule, Severity: int(r.Severity)})
	}
	for _, t := range d.Case.Timeline {
		out.Timeline = append(out.Timeline, timelineJSON{Kind: t.Kind, Actor: t.ActorID, At: t.At, Text: t.Text, From: t.From, To: t.To})
	}
	if out.Events == nil {
		out.Events = []store.CaseEventView{}
	}
	if out.Flags == nil {
		out.Flags = []store.CaseFlagView{}
	}
	return out
}

// printCase prints a case for a person: words where the extract has them,
// with the HSA-id and time of every access.
func (a *app) printCase(d store.CaseDetail) {
	t, w := a.texts, a.stdout
	c := d.Summary
	line := func(label, value string) { fmt.Fprintf(w, "%-14s %s\n", t.T(label)+":", value) }
	line("cases.col.number", c.Number)
	line("cases.col.source", t.T("cases.source."+string(c.Source)))
	line("cases.col.status", t.T("cases.status."+string(c.Status)))
	line("cases.col.priority", fmt.Sprint(c.Priority))
	line("cases.col.actor", termSafe(strings.TrimSpace(c.StaffName+" "+c.Staff)))
	line("cases.col.provider", termSafe(c.Provider))
	line("cases.col.patient", patientText(c.PatientID, c.PatientIDKind))
	fmt.Fprintln(w, termSafe(c.Narrative(t.Lang)))
	if len(d.Signals) > 0 {
		var s []string
		for _, sig := range d.Signals {
			s = append(s, t.T("cases.signal."+string(sig)))
		}
		line("cases.show.signals", strings.Join(s, ", "))
	}
	// One line per rule in words, with its name for `insyn rules` and how
	// many hits it had.
	for _, r := range d.Evidence.RuleCounts() {
		words := r.Rule
		if id := "controls.rule." + r.Rule; t.Has(id) {
			words = t.T(id)
		}
		line("cases.show.rule", t.N("cases.show.rule_hits", r.Hits, map[string]any{"Words": words, "Rule": termSafe(r.Rule)}))
	}
	for _, f := range d.Flags {
		line("cases.show.flag", extract.FlagReasonWords(t, f.Reason, f.ByGuardian)+" "+t.DateTime(f.CreatedAt)+" "+termSafe(f.Text))
	}
	if d.Sample != nil {
		line("cases.show.sample", t.T("cases.show.sample_line", map[string]any{"Month": d.Sample.Month.Format("2006-01"),
			"Seed": d.Sample.Seed, "Candidates": d.Sample.Candidates, "N": d.Sample.UsersPerUnit}))
	}
	fmt.Fprintln(w, t.N("cases.show.events", len(d.Events)))
	for _, e := range d.Events {
		what := string(e.Activity)
		if id := "extract.activity." + string(e.Activity); t.Has(id) {
			what = t.T(id)
		}
		expl := t.T("cases.show.unexplained")
		if e.Explained() {
			expl = t.T("cases.show.explained", map[string]any{"Kind": t.T("cases.relation." + e.RelationKind),
				"Unit": termSafe(e.RelationUnit), "Date": t.Date(e.RelationStartsAt.Time),
				"Apart": extract.CareApart(t, e.RelationKind, e.OccurredAt, e.RelationStartsAt.Time, e.RelationEndsAt)})
		}
		fmt.Fprintf(w, "  %s  %s  %s  %s  %s  %s  %s\n", t.DateTime(e.OccurredAt), termSafe(e.Staff), what,
			termSafe(e.ResourceType), termSafe(e.UnitName), patientText(e.PatientID, e.PatientIDKind), expl)
	}
	fmt.Fprintln(w, t.T("cases.show.timeline"))
	for _, e := range d.Case.Timeline {
		fmt.Fprintf(w, "  %s  %s  %s %s\n", t.DateTime(e.At), t.T("cases.timeline."+string(e.Kind)),
			termSafe(string(e.To)), termSafe(e.Text))
	}
	if len(d.Earlier) > 0 {
		fmt.Fprintln(w, t.N("cases.show.earlier", len(d.Earlier)))
		for _, o := range d.Earlier {
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", o.Number, t.T("cases.source."+string(o.Source)),
				t.T("cases.status."+string(o.Status)), termSafe(string(o.Outcome)))
		}
	}
}
