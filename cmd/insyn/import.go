package main

import (
	"context"
	"fmt"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/refdata"
)

func init() {
	register("import", "cli.cmd.import", cmdImport)
}

// cmdImport imports one reference CSV file, or every one in a directory
// ("all DIR"). It prints one summary line per file on stdout and each bad
// row as "file:line: reason" on stderr; any bad row makes it exit 1, with
// the good rows stored.
func cmdImport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("import")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{msg: a.texts.T("import.usage")}
	}
	what, path := fs.Arg(0), fs.Arg(1)
	var kind refdata.Kind
	if what != "all" {
		var ok bool
		if kind, ok = refdata.ParseKind(what); !ok {
			return usageError{msg: a.texts.T("import.unknown_kind", map[string]any{"Kind": what})}
		}
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	im := &refdata.Importer{Store: st, OnError: func(e refdata.RowError) {
		fmt.Fprintf(a.stderr, "%s:%d: %s\n", termSafe(e.File), e.Line, a.errorText(e.Err))
	}}
	var results []refdata.Result
	if what == "all" {
		results, err = im.ImportDir(ctx, path)
		if err == nil && len(results) == 0 {
			err = portal.Errorf(portal.Invalid, "import.no_files", "no reference files").With("Dir", path)
		}
	} else {
		var res refdata.Result
		res, err = im.ImportFile(ctx, kind, path)
		results = append(results, res)
	}
	failed := 0
	for _, r := range results {
		if r.Rows == 0 && r.Failed == 0 && err != nil {
			continue // the file itself failed; err says why
		}
		fmt.Fprintln(a.stdout, a.texts.N("import.summary", r.Rows, map[string]any{
			"File": r.File, "Errors": a.texts.N("import.errors", r.Failed)}))
		failed += r.Failed
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return portal.Errorf(portal.Invalid, "import.some_failed", "%d rows failed", failed)
	}
	return nil
}
