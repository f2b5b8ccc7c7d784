package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("review", "cli.cmd.review", cmdReview)
}

// cmdReview runs `insyn review run`: explanations and rules over the
// accesses no run has reviewed (or those of a period), and one summary line
// with how many it explained and the share.
func cmdReview(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(a.stderr, a.texts.T("review.usage"))
		return flag.ErrHelp
	}
	if len(args) > 0 {
		if sub, ok := reviewSubcommands[args[0]]; ok {
			return sub(ctx, a, args[1:])
		}
	}
	if len(args) == 0 || args[0] != "run" {
		return usageError{msg: a.texts.T("review.usage")}
	}
	fs := a.flags("review run")
	fromArg := fs.String("from", "", a.help("review.from"))
	toArg := fs.String("to", "", a.help("review.to"))
	noWait := fs.Bool("no-wait", false, a.help("review.no_wait"))
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{msg: a.texts.T("review.usage")}
	}
	opt := store.ReviewRunOptions{NoWait: *noWait, Waiting: func() { a.printf("review.waiting", nil) }}
	var err error
	if opt.From, opt.To, err = a.period(*fromArg, *toArg); err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	res, err := st.RunReview(ctx, opt, review.Rules)
	if errors.Is(err, store.ErrReviewBusy) {
		a.printf("review.busy", nil)
		return nil
	}
	if err != nil {
		return err
	}
	a.printReviewSummary(res)
	return nil
}

// printReviewSummary prints a run's one line: events, explained and their
// share, rule hits and cases.
func (a *app) printReviewSummary(res store.ReviewRunResult) {
	fmt.Fprintln(a.stdout, a.texts.N("review.summary", int(res.Events), map[string]any{
		"Explained": res.Explained, "Share": a.texts.Percent(res.Share()),
		"Hits": res.Hits, "Opened": res.CasesOpened, "Joined": res.CasesJoined}))
}

// period reads --from and --to as days (either may be empty: no bound)
// and returns the half-open interval [from, to); a period that ends before
// it starts is refused rather than found empty. A bad date, like any flag
// value that cannot be read, is a usage error (exit 2).
func (a *app) period(fromArg, toArg string) (from, to time.Time, err error) {
	if fromArg != "" {
		if from, err = extract.ParseDay(fromArg); err != nil {
			return from, to, usageError{msg: a.errorText(err)}
		}
	}
	if toArg != "" {
		if to, err = extract.ParseDay(toArg); err != nil {
			return from, to, usageError{msg: a.errorText(err)}
		}
		to = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, usageError{msg: a.texts.T("extract.error.period")}
	}
	return from, to, nil
}

// isHelp reports whether arg asks a command with sub-commands for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }
