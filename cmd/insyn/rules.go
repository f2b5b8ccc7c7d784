package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("rules", "cli.cmd.rules", cmdRules)
}

// cmdRules lists or changes the review rules' configuration, the defaults
// or one care provider's.
func cmdRules(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(a.stderr, a.texts.T("rules.usage"))
		return flag.ErrHelp
	}
	if len(args) == 0 {
		return usageError{msg: a.texts.T("rules.usage")}
	}
	switch args[0] {
	case "list":
		return rulesList(ctx, a, args[1:])
	case "set":
		return rulesSet(ctx, a, args[1:])
	}
	return usageError{msg: a.texts.T("rules.usage")}
}

func rulesList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("rules list")
	provider := fs.String("provider", "", a.help("rules.provider"))
	asJSON := fs.Bool("json", false, a.help("rules.json"))
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	rules, err := st.Rules(ctx, *provider)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, r := range rules {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, a.texts.T("rules.header")) // tab-separated like the rows
	for _, r := range rules {
		on := a.texts.T("rules.off")
		if r.Enabled {
			on = a.texts.T("rules.on")
		}
		note := ""
		if _, ok := store.RuleQueries[r.Rule]; !ok {
			note = a.texts.T("rules.not_evaluated")
		}
		words := ""
		if id := "controls.rule." + r.Rule; a.texts.Has(id) {
			words = a.texts.T(id)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Rule, words, on, r.Severity, termSafe(string(r.Params)), note)
	}
	return tw.Flush()
}

func rulesSet(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{msg: a.texts.T("rules.usage")}
	}
	name := args[0]
	fs := a.flags("rules set")
	provider := fs.String("provider", "", a.help("rules.provider"))
	on := fs.Bool("on", false, a.help("rules.on"))
	off := fs.Bool("off", false, a.help("rules.off"))
	severity := fs.String("severity", "", a.help("rules.severity"))
	params := fs.String("params", "", a.help("rules.params"))
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if !review.Known(name) {
		return usageError{msg: a.texts.T("rules.unknown", map[string]any{"Rule": termSafe(name)})}
	}
	c := store.RuleChange{Provider: *provider, Rule: name}
	switch {
	case *on && *off:
		return usageError{msg: a.texts.T("rules.on_off")}
	case *on || *off:
		v := *on
		c.Enabled = &v
	}
	if *severity != "" {
		if !slices.Contains(review.Severities, *severity) {
			return usageError{msg: a.texts.T("rules.bad_severity")}
		}
		c.Severity = severity
	}
	if *params != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(*params), &obj); err != nil || obj == nil {
			return usageError{msg: a.texts.T("rules.bad_params")}
		}
		c.Params = json.RawMessage(*params)
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := st.SetRule(ctx, c); err != nil {
		return err
	}
	a.printf("rules.set", map[string]any{"Rule": name})
	return nil
}
