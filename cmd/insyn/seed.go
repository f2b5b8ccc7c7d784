package main

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/seed"
)

func init() {
	register("seed", "cli.cmd.seed", cmdSeed)
}

// cmdSeed writes a synthetic region (DESIGN.md section 7) and prints what
// it wrote.
func cmdSeed(ctx context.Context, a *app, args []string) error {
	fs := a.flags("seed")
	out := fs.String("out", "", a.help("seed.out"))
	patients := fs.Int("patients", seed.DefaultPatients, a.help("seed.patients"))
	staff := fs.Int("staff", seed.DefaultStaff, a.help("seed.staff"))
	days := fs.Int("days", seed.DefaultDays, a.help("seed.days"))
	events := fs.Int("events", seed.DefaultEvents, a.help("seed.events"))
	seedN := fs.Uint64("seed", seed.DefaultSeed, a.help("seed.seed"))
	start := fs.String("start", seed.DefaultStart.Format(time.DateOnly), a.help("seed.start"))
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
