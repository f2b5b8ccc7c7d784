package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/portal"
)

func init() {
	register("extract", "cli.cmd.extract", cmdExtract)
}

// cmdExtract writes a patient's log extract as PDF or JSON. The request's
// checks and defaults are extract.Form's, shared with the web; the command
// acts as the system for the operator named by --by, and the read is
// recorded in log_reads with that name like every read of a patient's log.
func cmdExtract(ctx context.Context, a *app, args []string) error {
	fs := a.flags("extract")
	patientArg := fs.String("patient", "", a.help("extract.patient"))
	fromArg := fs.String("from", "", a.help("extract.from"))
	toArg := fs.String("to", "", a.help("extract.to"))
	providerArg := fs.String("provider", "", a.help("extract.provider"))
	lang := fs.String("lang", "", a.help("extract.lang"))
	by := fs.String("by", a.getenv("USER"), a.help("extract.by"))
	out := fs.String("out", "", a.help("extract.out"))
	if err := parse(fs, args); err != nil {
		return err
	}
	// --lang is the extract's language; the command's own messages follow
	// INSYN_LANG like every other command's.
	now := a.clock.Now()
	form := extract.Form{Patient: *patientArg, From: *fromArg, To: *toArg, Provider: *providerArg, Lang: *lang}
	req, err := form.Request(portal.SystemActor(*by), a.texts.Lang, now)
	var fe *extract.FieldError
	byMissing := errors.As(err, &fe) && fe.Field == "by"
	switch {
	case errors.As(err, &fe) && fe.Field == "lang":
		return usageError{msg: a.texts.T(fe.Err.MsgID)}
	case errors.As(err, &fe) && fe.Err.MsgID == "extract.error.patient_missing":
		return usageError{msg: a.texts.T("extract.error.patient_required")} // the flag to use
	case err != nil && !byMissing: // the patient first: a wrong personal id is the mistake to hear about
		return usageError{msg: a.errorText(err)} // a flag's value as typed: exit 2, as every command's
	}
	if ext := strings.ToLower(filepath.Ext(*out)); ext != ".pdf" && ext != ".json" {
		return usageError{msg: a.texts.T("extract.error.out")}
	}
	if byMissing {
		return usageError{msg: a.texts.T("extract.error.reader")} // "--by"
	}

	// The folder is tried before the patient's log is read: a read that
	// cannot be saved is not recorded.
	tmp, err := createBeside(*out, ".insyn-extract-*", "extract.error.write")
	if err != nil {
		return err
	}
	defer tmp.discard()

	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()

	var sink extract.Sink
	channel := "extract_json"
	if strings.ToLower(filepath.Ext(*out)) == ".pdf" {
		sink, channel = extract.NewPDFWriter(tmp, now), "extract_pdf"
	} else {
		sink = extract.NewJSONWriter(tmp)
	}
	req.Channel = channel
	sum, err := extract.Build(ctx, st, a.catalog, req, sink)
	if err != nil {
		return err
	}
	if err := tmp.commit(); err != nil { // a patient's log: readable by its producer only
		return err
	}
	a.log.Info("extract written", "count", sum.Events)
	fmt.Fprintln(a.stderr, a.texts.N("extract.cli.done", sum.Events, map[string]any{"File": termSafe(*out)}))
	return nil
}
