package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/insyn/insyn/extract"
)

func init() {
	register("quality", "cli.cmd.quality", cmdQuality)
}

// cmdQuality prints the data-quality list for administrators: activity,
// purpose and information-type codes the extract shows only as a fallback
// text, the HSA-ids of users, care units and care providers without a
// name, and per source system the events whose local time did not exist
// or existed twice (the daylight-saving changes). The table is in the administrator's language; --json gives stable
// field keys and raw codes.
func cmdQuality(ctx context.Context, a *app, args []string) error {
	fs := a.flags("quality")
	fromArg := fs.String("from", "", a.help("quality.from"))
	toArg := fs.String("to", "", a.help("quality.to"))
	asJSON := fs.Bool("json", false, a.help("quality.json"))
	if err := parse(fs, args); err != nil {
		return err
	}
	from, to, err := a.period(*fromArg, *toArg)
	if err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	counts, err := st.CodeCounts(ctx, from, to)
	if err != nil {
		return err
	}
	local, err := st.LocalTimeCounts(ctx, from, to)
	if err != nil {
		return err
	}
	counts = append(counts, local...)
	issues := extract.Quality(a.texts, counts)
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, q := range issues {
			if err := enc.Encode(q); err != nil {
				return err
			}
		}
		return nil
	}
	if len(issues) == 0 {
		fmt.Fprintln(a.stdout, a.texts.T("extract.quality.none"))
		return nil
	}
	fmt.Fprintln(a.stdout, a.texts.T("extract.quality.title"))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.texts.T("extract.quality.col.field"), a.texts.T("extract.quality.col.code"),
		a.texts.T("extract.quality.col.count"), a.texts.T("extract.quality.col.shown"))
	for _, q := range issues {
		code := q.Code
		if code == "" {
			code = a.texts.T("extract.quality.empty_code")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", q.Label, code, q.Count, q.Shown)
	}
	return tw.Flush()
}
