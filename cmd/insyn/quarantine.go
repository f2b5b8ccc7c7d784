package main

import (
	"context"
	"encoding/json"
	"fmt"
)

func init() {
	register("quarantine", "cli.cmd.quarantine", cmdQuarantine)
}

func cmdQuarantine(ctx context.Context, a *app, args []string) error {
	fs := a.flags("quarantine")
	asJSON := fs.Bool("json", false, a.help("quarantine.json"))
	limit := fs.Int("limit", 100, a.help("quarantine.limit"))
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	entries, err := st.ListQuarantine(ctx, *limit)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if *asJSON {
			b, _ := json.Marshal(e)
			fmt.Fprintln(a.stdout, string(b))
			continue
		}
		reason := a.texts.T("quarantine.reason." + e.Reason)
		fmt.Fprintf(a.stdout, "%s:%d (%s, %s) %s: %s\n", e.SourceFile, e.Line, e.Format,
			a.texts.T("quarantine.record", map[string]any{"N": e.RecordNo}), reason, e.Detail)
	}
	if len(entries) == 0 {
		a.printf("quarantine.empty", nil)
	}
	return nil
}
