package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
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
	asJSON := fs.Bool("json", false, a.help("sample.json"))
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
	if *asJSON {
		return sampleJSON(a.stdout, res)
	}
	m := res.Month.Format("2006-01")
	fmt.Fprintln(a.stdout, a.texts.T("sample.cli.seed", map[string]any{"Month": m, "Seed": res.Seed, "N": res.UsersPerUnit}))
	cases := 0
	for _, u := range res.Units {
		cases += len(u.Cases)
		// A person reads the unit's name; its HSA-id is for --json.
		// A name that is a code (a log that named the unit by its HSA-id)
		// is no name: the unit is unknown, as an extract says.
		name := strings.TrimSpace(u.UnitName)
		if name == "" || portal.LooksLikeHSAID(name) || extract.IsCodeLike(name) {
			name = a.texts.T("extract.unit.unknown")
		}
		fmt.Fprintln(a.stdout, a.texts.T("sample.cli.unit", map[string]any{"Unit": termSafe(name),
			"Drawn": len(u.Drawn), "Candidates": u.Candidates, "Cases": strings.Join(u.Cases, ", ")}))
	}
	if len(res.AlreadyDrawn) > 0 {
		fmt.Fprintln(a.stdout, a.texts.N("sample.cli.already", len(res.AlreadyDrawn), map[string]any{"Month": m}))
	}
	fmt.Fprintln(a.stdout, a.texts.N("sample.cli.done", cases))
	return nil
}

// sampleJSON writes the draw for programs: one object a line per unit
// drawn, with the codes a person's output leaves out (HSA-ids of the unit,
// its provider and the drawn users), then one for the month. Names come
// from the data and are escaped for the terminal like every JSON line.
func sampleJSON(w io.Writer, res store.SampleResult) error {
	line := func(v map[string]any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, jsonTermSafe(b))
		return err
	}
	month := res.Month.Format("2006-01")
	for _, u := range res.Units {
		if err := line(map[string]any{"month": month, "seed": res.Seed, "unit": u.Unit, "unit_name": u.UnitName,
			"provider": u.Provider, "candidates": u.Candidates, "drawn": u.Drawn, "cases": u.Cases}); err != nil {
			return err
		}
	}
	already := res.AlreadyDrawn
	if already == nil {
		already = []string{}
	}
	return line(map[string]any{"month": month, "seed": res.Seed, "users_per_unit": res.UsersPerUnit, "already_drawn": already})
}
