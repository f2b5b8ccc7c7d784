package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/insyn/insyn/portal/store"
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
			fmt.Fprintln(a.stdout, jsonTermSafe(b))
			continue
		}
		fmt.Fprintln(a.stdout, a.quarantineLine(e))
	}
	if len(entries) == 0 {
		a.printf("quarantine.empty", nil)
	}
	return nil
}

// quarantineLine is one entry for the terminal. The file name comes from
// the input and is escaped; so is everything else, to be sure.
func (a *app) quarantineLine(e store.QuarantineEntry) string {
	size := a.texts.T("quarantine.size", map[string]any{"Length": e.RawLength})
	if e.RawTruncated {
		size = a.texts.T("quarantine.truncated", map[string]any{"Length": e.RawLength, "Kept": e.RawKept})
	}
	return fmt.Sprintf("%s:%d (%s, %s) %s: %s [%s]", termSafe(e.SourceFile), e.Line, termSafe(e.Format),
		a.texts.T("quarantine.record", map[string]any{"N": e.RecordNo}),
		a.texts.T("quarantine.reason."+e.Reason), termSafe(e.Detail), size)
}
