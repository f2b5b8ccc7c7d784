package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// reviewSubcommands are the sub-commands of `insyn review` other than
// run, each in a file of its own; cmdReview dispatches to them.
var reviewSubcommands = map[string]func(ctx context.Context, a *app, args []string) error{
	"sample": cmdReviewSample,
}

// cmdReviewSample draws the month's random sample (DESIGN.md section 5):
// per care unit N users with accesses in the month, a case for each. The
// seed is printed: with it and the month the draw can be repeated by hand.
func cmdReviewSample(ctx context.Context, a *app, args []string) error {
	fs := a.flags("review sample")
	monthArg := fs.String("month", "", a.help("sample.month"))
	n := fs.Int("users-per-unit", review.DefaultUsersPerUnit, a.help("sample.users"))
	seed := fs.Int64("seed", 0, a.help("sample.seed"))
	by := fs.String("by", a.getenv("USER"), a.help("sample.by"))
	if pos, err := parseAll(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{msg: a.texts.T("sample.error.sub")}
	}
	month, err := time.ParseInLocation("2006-01", strings.TrimSpace(*monthArg), a.texts.Location())
	if err != nil {
		return usageError{msg: a.texts.T("sample.error.month")}
	}
	if *n <= 0 || *n > 10000 {
		return usageError{msg: a.texts.T("sample.error.users")}
	}
	seedGiven := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			seedGiven = true
		}
	})
	actor, err := a.operator(*by, "sample.error.reader")
	if err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	res, err := st.DrawSample(ctx, actor, store.SampleQuery{Month: month, UsersPerUnit: *n, Seed: *seed, SeedGiven: seedGiven})
	if err != nil {
		return err
	}
	m := res.Month.Format("2006-01")
	fmt.Fprintln(a.stdout, a.texts.T("sample.cli.seed", map[string]any{"Month": m, "Seed": res.Seed, "N": res.UsersPerUnit}))
	cases := 0
	for _, u := range res.Units {
		cases += len(u.Cases)
		fmt.Fprintln(a.stdout, a.texts.T("sample.cli.unit", map[string]any{"Unit": termSafe(u.Unit),
			"Drawn": len(u.Drawn), "Candidates": u.Candidates, "Cases": strings.Join(u.Cases, ", ")}))
	}
	if len(res.AlreadyDrawn) > 0 {
		fmt.Fprintln(a.stdout, a.texts.N("sample.cli.already", len(res.AlreadyDrawn), map[string]any{"Month": m}))
	}
	fmt.Fprintln(a.stdout, a.texts.N("sample.cli.done", cases))
	return nil
}
