package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

func init() {
	register("extract", "cli.cmd.extract", cmdExtract)
}

// cmdExtract writes a patient's log extract as PDF or JSON. The command
// acts as staff (the extract clerk named by --by); the read is recorded in
// log_reads like every read of a patient's log.
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
	extractLang := a.texts.Lang
	if *lang != "" {
		if *lang != "sv" && *lang != "en" {
			return usageError{msg: a.texts.T("extract.error.lang")}
		}
		extractLang = *lang
	}
	if strings.TrimSpace(*patientArg) == "" {
		return usageError{msg: a.texts.T("extract.error.patient_required")}
	}
	// The patient first: a wrong personal id is the mistake to hear about.
	patient, err := portal.ParsePersonalID(*patientArg)
	if err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".pdf" && ext != ".json" {
		return usageError{msg: a.texts.T("extract.error.out")}
	}
	if strings.TrimSpace(*by) == "" {
		return usageError{msg: a.texts.T("extract.error.reader")}
	}
	var provider portal.HSAID
	if *providerArg != "" {
		if provider, err = portal.ParseHSAID(*providerArg); err != nil {
			return err
		}
	}
	now := a.clock.Now()
	var from time.Time
	if *fromArg != "" {
		if from, err = parseDay(*fromArg); err != nil {
			return err
		}
	}
	last := now.In(portal.Stockholm)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, portal.Stockholm)
	if *toArg != "" {
		if last, err = parseDay(*toArg); err != nil {
			return err
		}
	}
	to := last.AddDate(0, 0, 1)
	if !from.IsZero() && from.After(last) {
		return portal.Errorf(portal.Invalid, "extract.error.period", "period ends before it starts")
	}

	// Write beside the target and rename at the end, so a failed run never
	// leaves half an extract behind. The folder is tried before the
	// patient's log is read: a read that cannot be saved is not recorded.
	writeErr := func(err error) error {
		return &portal.Error{Code: portal.Invalid, MsgID: "extract.error.write",
			Data: map[string]any{"File": *out}, Detail: "cannot write the extract", Err: err}
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".insyn-extract-*")
	if err != nil {
		return writeErr(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()

	var sink extract.Sink
	channel := "extract_json"
	if ext == ".pdf" {
		sink, channel = extract.NewPDFWriter(tmp, now), "extract_pdf"
	} else {
		sink = extract.NewJSONWriter(tmp)
	}
	req := extract.Request{
		Patient: patient, From: from, To: to, Provider: provider, Lang: extractLang,
		Reader:  portal.Reader{Kind: portal.ReaderStaff, ID: "cli:" + strings.TrimSpace(*by), Name: strings.TrimSpace(*by)},
		Channel: channel, ProducedAt: now,
	}
	sum, err := extract.Build(ctx, st, i18n.MustLoad(portal.Stockholm), req, sink)
	if err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return writeErr(err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return writeErr(err)
	}
	os.Chmod(*out, 0o600) // a patient's log: readable by its producer only
	a.log.Info("extract written", "count", sum.Events)
	fmt.Fprintln(a.stderr, a.texts.N("extract.cli.done", sum.Events, map[string]any{"File": termSafe(*out)}))
	return nil
}

// parseDay reads YYYY-MM-DD as the start of that day in Stockholm.
func parseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), portal.Stockholm)
	if err != nil {
		return time.Time{}, portal.Errorf(portal.Invalid, "extract.error.date", "date must be YYYY-MM-DD").With("Date", s)
	}
	return t, nil
}
