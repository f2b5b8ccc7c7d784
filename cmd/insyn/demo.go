package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/refdata"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/seed"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("demo", "cli.cmd.demo", cmdDemo)
}

// cmdDemo gives a newcomer a running Insyn with data in one command: the
// private cluster, the schema, a synthetic region (seeded and loaded once,
// reused on the next start) and the web server.
func cmdDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags("demo")
	addr := fs.String("addr", a.getenvDefault("INSYN_ADDR", "127.0.0.1:8080"), a.help("demo.addr"))
	opts := seed.Options{}
	fs.IntVar(&opts.Patients, "patients", 10_000, a.help("demo.patients"))
	fs.IntVar(&opts.Events, "events", 300_000, a.help("demo.events"))
	fs.Uint64Var(&opts.Seed, "seed", 1, a.help("demo.seed"))
	if err := parse(fs, args); err != nil {
		return err
	}
	a.logLevel.Set(slog.LevelInfo)
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := a.loadDemoRegion(ctx, st, opts); err != nil {
		return err
	}
	// The reviewers' side as DESIGN.md section 7 has it: explanations and
	// rules over what is new since the last start (all of it the first time).
	res, err := st.RunReview(ctx, store.ReviewRunOptions{}, review.Rules)
	if err != nil {
		return err
	}
	a.printReviewSummary(res)
	staff, err := a.demoStaff(ctx, st)
	if err != nil {
		return err
	}
	for _, m := range staff {
		a.printf("demo.staff", map[string]any{"Name": m.Name, "HSAID": m.HSAID, "Role": m.Role})
	}
	if err := a.startDemoProvider(ctx, st, *addr, staff...); err != nil {
		return err
	}
	if err := a.startDemoMail(ctx, *addr); err != nil { // notify.go
		return err
	}
	return a.serve(ctx, st, *addr)
}

// loadDemoRegion seeds the region once and loads it until a load has
// finished: the marker is written last, so a load cut short by Ctrl-C is
// completed on the next start (import and ingest are idempotent).
func (a *app) loadDemoRegion(ctx context.Context, st *store.Store, opts seed.Options) error {
	dir := filepath.Join(a.getenvDefault("INSYN_DATA", "var"), "demo-region")
	marker := filepath.Join(dir, ".loaded")
	if _, err := os.Stat(marker); err == nil {
		if n, err := st.CountEvents(ctx); err != nil || n > 0 {
			return err // loaded on an earlier start
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "planted.json")); err != nil {
		a.printf("demo.seeding", nil)
		if _, err := seed.Generate(opts, dir); err != nil {
			return err
		}
	}
	a.printf("demo.loading", nil)
	if _, err := refdata.ImportDir(ctx, st, dir); err != nil {
		return err
	}
	inputs, err := ingest.Inputs([]string{filepath.Join(dir, "logs")}, nil)
	if err != nil {
		return err
	}
	counts, err := ingest.Run(ctx, st, inputs, ingest.Options{})
	if err != nil {
		return err
	}
	a.printf("demo.loaded", map[string]any{"Stored": counts.Stored + counts.Duplicates, "Quarantined": counts.Quarantined})
	if err := st.AnalyzeEvents(ctx); err != nil {
		return err
	}
	return os.WriteFile(marker, nil, 0o600)
}
