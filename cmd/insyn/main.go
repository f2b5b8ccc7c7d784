// Command insyn is Insyn's one binary: the server, the demo and the staff
// tools (migrate, import, ingest, seed, extract, review). See DESIGN.md
// section 7 for the command-line contract.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/web"
)

// app is what every sub-command receives: streams, logger, clock, texts.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	logLevel       *slog.LevelVar // warn for tools; serve and demo raise it to info
	clock          portal.Clock
	catalog        *i18n.Catalog   // every message file, loaded once; for what speaks another language (web, extract, mail)
	texts          *i18n.Localizer // the command's own messages, in INSYN_LANG
	getenv         func(string) string
	demoInbox      web.DemoInbox // the demo's mail, shown on /demo/inkorg (notify.go)
}

type command struct {
	run   func(ctx context.Context, a *app, args []string) error
	usage string // message id of its one-line summary, shown by `insyn help`
}

var commands = map[string]command{}

// register is called from each sub-command's file; usage is the message id
// of the command's one-line summary.
func register(name, usage string, run func(ctx context.Context, a *app, args []string) error) {
	commands[name] = command{run: run, usage: usage}
}

// usageError makes the CLI exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		log:      slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		logLevel: level,
		clock:    portal.SystemClock{},
		getenv:   os.Getenv,
	}
	os.Exit(a.main(ctx, os.Args[1:]))
}

// main runs one sub-command and maps its error to an exit code.
func (a *app) main(ctx context.Context, args []string) int {
	lang := a.getenvDefault("INSYN_LANG", "sv")
	a.loadTexts(lang)
	if !slices.Contains(i18n.Languages, lang) {
		// Said in Swedish, the default, rather than quietly in it.
		fmt.Fprintln(a.stderr, a.texts.T("cli.unknown_lang", map[string]any{"Lang": termSafe(lang)}))
		return 2
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.printUsage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintln(a.stderr, a.texts.T("cli.unknown_command", map[string]any{"Name": termSafe(args[0])}))
		return 2
	}
	err := cmd.run(ctx, a, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var fe flagError
	if errors.As(err, &fe) {
		fmt.Fprintln(a.stderr, a.flagErrorText(fe))
		return 2
	}
	var ue usageError
	if errors.As(err, &ue) {
		for _, line := range strings.Split(ue.msg, "\n") { // a usage may have lines of its own
			fmt.Fprintln(a.stderr, termSafe(line))
		}
		return 2
	}
	fmt.Fprintln(a.stderr, a.errorText(err))
	return 1
}

// errorText is the one sentence a person reads: the localized message of an
// application error, else the error itself (internal errors name no
// personal data, see portal.Error).
func (a *app) errorText(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok { // errors.Join: several inputs, say each
		lines := make([]string, 0, len(j.Unwrap()))
		for _, e := range j.Unwrap() {
			lines = append(lines, a.errorText(e))
		}
		return strings.Join(lines, "\n")
	}
	var pe *portal.Error
	if errors.As(err, &pe) && pe.MsgID != "" && a.texts.Has(pe.MsgID) {
		data := make(map[string]any, len(pe.Data))
		for k, v := range pe.Data { // file names and the like come from input
			if s, ok := v.(string); ok {
				v = termSafe(s)
			}
			data[k] = v
		}
		return a.texts.T(pe.MsgID, data)
	}
	return a.texts.T("cli.failed", map[string]any{"Error": termSafe(err.Error())})
}

func (a *app) printUsage() {
	fmt.Fprintln(a.stderr, a.texts.T("cli.usage"))
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(a.stderr, "  insyn %-10s %s\n", n, a.texts.T(commands[n].usage))
	}
}

// loadTexts loads the catalog once and picks the command's language,
// unless a test has set them.
func (a *app) loadTexts(lang string) {
	if a.catalog == nil {
		a.catalog = i18n.MustLoad(portal.Stockholm)
	}
	if a.texts == nil {
		a.texts = a.catalog.For(lang)
	}
}

// printf prints one localized line for the person at the terminal.
func (a *app) printf(id string, data map[string]any) {
	fmt.Fprintln(a.stderr, a.texts.T(id, data))
}

func (a *app) getenvDefault(key, def string) string {
	if v := a.getenv(key); v != "" {
		return v
	}
	return def
}

// flags builds a FlagSet whose errors come back as usage errors and whose
// help is in the reader's language.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("insyn "+name, flag.ContinueOnError)
	// The flag package's own error line is English; parse returns the
	// error and main words it in the reader's language, once.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		// The command's synopsis first: a command such as import says
		// with it what it takes, which no flag does.
		width := 0
		fs.VisitAll(func(f *flag.Flag) { width = max(width, len(f.Name)) })
		if c, ok := commands[name]; ok {
			fmt.Fprintln(a.stderr, a.texts.T("cli.synopsis", map[string]any{"Name": name, "Synopsis": a.texts.T(c.usage)}))
			if width > 0 {
				fmt.Fprintln(a.stderr, a.texts.T("cli.flags"))
			}
		} else if width > 0 {
			fmt.Fprintln(a.stderr, a.texts.T("cli.flags_usage", map[string]any{"Name": name}))
		}
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				def = " (" + a.texts.T("cli.flag_default", map[string]any{"Value": f.DefValue}) + ")"
			}
			fmt.Fprintf(a.stderr, "  --%-*s %s%s\n", max(width, 10), f.Name, f.Usage, def)
		})
	}
	return fs
}

// help is a flag's description in the reader's language.
func (a *app) help(id string) string { return a.texts.T("flag." + id) }

// parse parses flags, turning a bad flag into a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError{err: err}
	}
	return nil
}

// flagError is a bad flag; it exits 2 like a usage error, worded by
// flagErrorText.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }

// flagErrors are the flag package's errors (failf in go/src/flag/flag.go),
// which it words in English only, and what each group of them is.
var flagErrors = []struct {
	re   *regexp.Regexp
	id   string
	keys []string
}{
	{regexp.MustCompile(`^flag provided but not defined: -(.*)$`), "cli.flag.unknown", []string{"Flag"}},
	{regexp.MustCompile(`^flag needs an argument: -(.*)$`), "cli.flag.no_value", []string{"Flag"}},
	{regexp.MustCompile(`^invalid value (".*") for flag -([^:]*): `), "cli.flag.bad_value", []string{"Value", "Flag"}},
	{regexp.MustCompile(`^invalid boolean value (".*") for -([^:]*): `), "cli.flag.bad_bool", []string{"Value", "Flag"}},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), "cli.flag.syntax", []string{"Value"}},
}

// flagErrorText says what was wrong with a flag in the reader's language
// (below the list of the command's flags, which fs.Usage has printed).
func (a *app) flagErrorText(fe flagError) string {
	msg := fe.err.Error()
	data := map[string]any{"Value": termSafe(msg)}
	id := "cli.flag.syntax"
	for _, f := range flagErrors {
		m := f.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		id = f.id
		for i, k := range f.keys {
			v := m[i+1]
			switch k {
			case "Flag":
				v = "--" + v
			case "Value":
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				}
			}
			data[k] = termSafe(v)
		}
		break
	}
	return a.texts.T(id, data)
}
