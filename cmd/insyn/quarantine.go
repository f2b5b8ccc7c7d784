package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/insyn/insyn/portal/ingest"
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
		a.texts.T("quarantine.reason."+e.Reason), termSafe(a.detailText(e.Detail)), size)
}

// knownDetails are the parsers' most frequent whole details (every file
// of a directory that is not a log, every template), worded for the reader.
var knownDetails = map[string]string{
	"template message: fields contain ? placeholders":                             "quarantine.detail.template_message",
	"template row: fields contain ? placeholders":                                 "quarantine.detail.template_row",
	"unknown log format: XML whose first element is in no known log namespace":    "quarantine.detail.xml_not_log",
	"unknown log format: neither JSON, XML nor a CSV header with Insyn's columns": "quarantine.detail.not_log",
	ingest.NoRecordOfFormat: "quarantine.detail.no_record_of_format",
}

// detailText words a detail that is a list of fields ("user id, acting
// care unit", as the parsers store it, in English) in the reader's
// language. Any other detail, a parser's own sentence, is shown as stored.
func (a *app) detailText(detail string) string {
	if id, ok := knownDetails[detail]; ok {
		return a.texts.T(id)
	}
	parts := strings.Split(detail, ", ")
	for i, p := range parts {
		id := "quarantine.field." + strings.ReplaceAll(p, " ", "_")
		if !a.texts.Has(id) {
			return detail
		}
		parts[i] = a.texts.T(id)
	}
	return strings.Join(parts, ", ")
}
