package main

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/seed"
)

func init() {
	register("seed", "--out DIR [--patients N] [--staff N] [--days N] [--events N] [--seed N] [--start YYYY-MM-DD]", cmdSeed)
}

// cmdSeed writes a synthetic region (DESIGN.md section 7) and prints what
// it wrote.
func cmdSeed(ctx context.Context, a *app, args []string) error {
	fs := a.flags("seed")
	out := fs.String("out", "", "directory to write the region into")
	patients := fs.Int("patients", seed.DefaultPatients, "people in the population register")
	staff := fs.Int("staff", seed.DefaultStaff, "staff members")
	days := fs.Int("days", seed.DefaultDays, "days of log")
	events := fs.Int("events", seed.DefaultEvents, "access events in the log")
	seedN := fs.Uint64("seed", seed.DefaultSeed, "random seed; the same options give the same files")
	start := fs.String("start", seed.DefaultStart.Format(time.DateOnly), "the day after the period")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usageError{msg: a.texts.T("seed.usage")}
	}
	startDay, err := time.ParseInLocation(time.DateOnly, *start, portal.Stockholm)
	if err != nil {
		return usageError{msg: a.texts.T("seed.error.start")}
	}
	opts := seed.Options{Patients: *patients, Staff: *staff, Days: *days, Events: *events, Seed: *seedN, Start: startDay}
	if err := opts.Validate(); err != nil {
		return usageError{msg: a.errorText(err)}
	}
	sum, err := seed.Generate(opts, *out)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.texts.T("seed.summary", map[string]any{
		"Dir":       *out,
		"From":      a.texts.Date(sum.From),
		"To":        a.texts.Date(sum.To),
		"Providers": sum.Providers,
		"Units":     sum.Units,
		"Staff":     sum.Staff,
		"Patients":  sum.Patients,
		"Relations": sum.CareRelations,
		"Events":    sum.Events,
		"Files":     sum.Files,
		"Planted":   sum.Planted,
	}))
	return nil
}
