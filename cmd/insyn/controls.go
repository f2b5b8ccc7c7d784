package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/insyn/insyn/extract/report"
	"github.com/insyn/insyn/portal"
)

func init() {
	register("controls", "cli.cmd.controls", cmdControls)
}

// cmdControls dispatches `insyn controls report`: a care unit's monthly
// control report for its head of unit (DESIGN.md section 7).
func cmdControls(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "help":
			return a.subHelp("controls", "cli.cmd.controls")
		case "report":
			return cmdControlsReport(ctx, a, args[1:])
		}
	}
	return usageError{msg: a.texts.T("controls.cli.usage")}
}

// cmdControlsReport writes the report as PDF. The command acts as the
// system for the operator named by --by, who is named in the report as
// its producer.
func cmdControlsReport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("controls report")
	unitArg := fs.String("unit", "", a.help("controls.unit"))
	monthArg := fs.String("month", "", a.help("controls.month"))
	out := fs.String("out", "", a.help("controls.out"))
	lang := fs.String("lang", "sv", a.help("controls.lang"))
	by := fs.String("by", a.getenv("USER"), a.help("controls.by"))
	if pos, err := parseAll(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{msg: a.texts.T("controls.cli.usage")}
	}
	if strings.TrimSpace(*unitArg) == "" {
		return usageError{msg: a.texts.T("controls.cli.unit_required")}
	}
	unit, err := portal.ParseHSAID(*unitArg)
	if err != nil {
		return usageError{msg: a.texts.T("error.hsa_id.format")}
	}
	month, err := report.ParseMonth(*monthArg)
	if err != nil {
		return usageError{msg: a.texts.T("controls.error.month")}
	}
	if strings.ToLower(filepath.Ext(*out)) != ".pdf" {
		return usageError{msg: a.texts.T("controls.cli.out_pdf")}
	}
	if *lang != "sv" && *lang != "en" {
		return usageError{msg: a.texts.T("controls.cli.lang_bad")}
	}
	actor := portal.SystemActor(*by)
	if actor.Validate() != nil {
		return usageError{msg: a.texts.T("controls.cli.by_required")}
	}
	tmp, err := createBeside(*out, ".insyn-report-*", "controls.cli.write")
	if err != nil {
		return err
	}
	defer tmp.discard()

	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	n, err := report.WriteControlPDF(ctx, tmp, st, a.catalog, report.ControlQuery{
		Unit: unit, Month: month, Lang: *lang, Actor: actor, ProducedAt: a.clock.Now()})
	if err != nil {
		return err
	}
	if err := tmp.commit(); err != nil { // names staff: for the head of unit
		return err
	}
	fmt.Fprintln(a.stderr, a.texts.N("controls.cli.done", n, map[string]any{"File": termSafe(*out)}))
	return nil
}
