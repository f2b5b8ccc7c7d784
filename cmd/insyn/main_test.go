package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

type result struct {
	stdout, stderr string
	code           int
}

// cli runs the real command line in-process against dsn.
func cli(t *testing.T, dsn string, stdin io.Reader, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	env := map[string]string{"DATABASE_URL": dsn, "INSYN_LANG": "sv"}
	a := &app{
		stdin: stdin, stdout: &out, stderr: &errb,
		log: slog.New(slog.NewTextHandler(&errb, &slog.HandlerOptions{Level: level})), logLevel: level,
		clock:  &portal.FixedClock{T: time.Date(2026, 11, 23, 10, 0, 0, 0, portal.Stockholm)},
		getenv: func(k string) string { return env[k] },
	}
	code := a.main(context.Background(), args)
	return result{out.String(), errb.String(), code}
}

// appIn is the command line with no database, speaking lang, its errors
// written to stderr.
func appIn(lang string, stderr io.Writer) *app {
	return &app{stdout: io.Discard, stderr: stderr, logLevel: new(slog.LevelVar), log: slog.New(slog.DiscardHandler),
		clock: portal.SystemClock{}, getenv: func(k string) string {
			if k == "INSYN_LANG" {
				return lang
			}
			return ""
		}}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"nosuchcommand"}, {"ingest"}, {"ingest", "--format", "xml", "x"}, {"ingest", "--nosuchflag"}} {
		r := cli(t, "", nil, args...)
		if r.code != 2 {
			t.Errorf("insyn %v: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
	}
	if r := cli(t, "", nil, "nosuchcommand"); !strings.Contains(r.stderr, "Okänt kommando") {
		t.Errorf("unknown command message not Swedish: %q", r.stderr)
	}
	// A language Insyn does not speak is said, not quietly replaced.
	if r := cliIn(t, "de", "", "stats"); r.code != 2 || !strings.Contains(r.stderr, "INSYN_LANG=de är inget språk Insyn talar") {
		t.Errorf("INSYN_LANG=de: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := cliIn(t, "en", "", "nosuchcommand"); r.code != 2 || !strings.Contains(r.stderr, "Unknown command") {
		t.Errorf("INSYN_LANG=en: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestIngestFromStdinPrintsSummary(t *testing.T) {
	dsn := storetest.DSN(t)
	csv, err := os.ReadFile(filepath.Join("..", "..", "portal", "ingest", "csvlog", "testdata", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := cli(t, dsn, bytes.NewReader(csv), "ingest", "-")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"read":7,"stored":2,"duplicates":0,"quarantined":5}` {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "5 loggposter kunde inte tolkas") {
		t.Errorf("stderr %q", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "191212121212") {
		t.Error("a personal id was printed")
	}
}

// The reason and, where it names fields or is one of the frequent
// sentences, the detail are in the reader's language.
func TestQuarantineListsReasonsInSwedish(t *testing.T) {
	dsn := storetest.DSN(t)
	csv, _ := os.ReadFile(filepath.Join("..", "..", "portal", "ingest", "csvlog", "testdata", "events.csv"))
	cli(t, dsn, bytes.NewReader(csv), "ingest", "-")
	r := cli(t, dsn, nil, "quarantine")
	for _, want := range []string{"-:4 (csv, post 3) Ogiltig uppgift: patientens id", "-:7 (csv, post 6) Mall med platshållare (?) i stället för värden: gäller raden"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("quarantine list lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Every command's summary and every flag's help exist in both languages
// (a missing message would panic).
func TestHelpInBothLanguages(t *testing.T) {
	for name := range commands {
		for _, lang := range []string{"sv", "en"} {
			var errb bytes.Buffer
			a := appIn(lang, &errb)
			if code := a.main(context.Background(), []string{name, "--help"}); code != 0 {
				t.Errorf("%s --help (%s): exit %d", name, lang, code)
			}
			if !strings.Contains(errb.String(), "insyn "+name) {
				t.Errorf("%s --help (%s): %q", name, lang, errb.String())
			}
		}
	}
}

// A bad flag is said once, in the reader's language, naming the flag as the
// README writes it (--name), and exits 2; the flag package's English line
// is not printed.
func TestBadFlagsInReadersLanguage(t *testing.T) {
	cases := []struct {
		args   []string
		sv, en string
	}{
		{[]string{"extract", "--bogus"}, "Flaggan --bogus finns inte.", "There is no flag --bogus."},
		{[]string{"quarantine", "--limit", "x"}, `Värdet "x" passar inte för flaggan --limit.`, `The value "x" does not fit the flag --limit.`},
		{[]string{"quarantine", "--limit"}, "Flaggan --limit behöver ett värde.", "The flag --limit needs a value."},
		{[]string{"cases", "list", "--json=ja"}, "Flaggan --json slår på något", "The flag --json switches something on"},
		{[]string{"review", "run", "---from"}, `Flaggan "---from" går inte att läsa`, `The flag "---from" cannot be read`},
	}
	for _, c := range cases {
		for lang, want := range map[string]string{"sv": c.sv, "en": c.en} {
			var errb bytes.Buffer
			a := appIn(lang, &errb)
			code := a.main(context.Background(), c.args)
			if code != 2 || !strings.Contains(errb.String(), want) {
				t.Errorf("insyn %v (%s): exit %d, stderr lacks %q:\n%s", c.args, lang, code, want, errb.String())
			}
			for _, english := range []string{"flag provided", "invalid value", "needs an argument", "bad flag syntax", "invalid boolean"} {
				if strings.Contains(errb.String(), english) {
					t.Errorf("insyn %v (%s): the flag package's own text %q was printed:\n%s", c.args, lang, english, errb.String())
				}
			}
		}
	}
}

// `insyn ingest good missing`: the good file is stored, the missing one is
// named in Swedish (not the operating system's English), exit 1.
func TestIngestMissingPathStoresTheRest(t *testing.T) {
	dsn := storetest.DSN(t)
	csv := filepath.Join("..", "..", "portal", "ingest", "csvlog", "testdata", "events.csv")
	missing := filepath.Join(t.TempDir(), "saknas.xml")
	r := cli(t, dsn, nil, "ingest", missing, csv)
	if r.code != 1 || strings.TrimSpace(r.stdout) != `{"read":7,"stored":2,"duplicates":0,"quarantined":5}` {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, missing+" finns inte och lästes inte in.") || strings.Contains(r.stderr, "no such file") {
		t.Errorf("stderr %q", r.stderr)
	}
	if !strings.Contains(r.stderr, "5 loggposter kunde inte tolkas") {
		t.Errorf("the quarantine line is missing: %q", r.stderr)
	}
}

// A command's help starts with its synopsis, so one without flags (import)
// still says what it takes, and --by says what the name is for in each
// command rather than an extract's wording everywhere.
func TestHelpSaysWhatEachCommandTakes(t *testing.T) {
	for _, c := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"import", "--help"}, "Användning: insyn import providers|units|staff", ""},
		{[]string{"migrate", "--help"}, "Användning: insyn migrate uppdatera", "Flaggor:"},
		{[]string{"cases", "list", "--help"}, "vem som läser ärendena", "utdraget"},
		{[]string{"cases", "show", "--help"}, "vem som läser ärendena", "utdraget"},
		{[]string{"review", "sample", "--help"}, "vem som drar stickprovet", "utdraget"},
		{[]string{"review", "sample", "--help"}, "  --by             vem", ""}, // aligned with --users-per-unit
	} {
		r := cli(t, "", nil, c.args...)
		if r.code != 0 || !strings.Contains(r.stderr, c.want) || (c.not != "" && strings.Contains(r.stderr, c.not)) {
			t.Errorf("insyn %v: exit %d, want %q and not %q:\n%s", c.args, r.code, c.want, c.not, r.stderr)
		}
	}
}

// A flag's value that cannot be read as written (a date, a month, a period
// that ends before it starts, a personal id) exits 2 in every command, the
// message in words; a well-formed value that finds nothing is a failure (1).
func TestBadInputExitsTwoInEveryCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"extract", "--patient", "191212121212", "--from", "garbage", "--by", "A", "--out", "x.pdf"}, "Datumet garbage ska skrivas ÅÅÅÅ-MM-DD"},
		{[]string{"extract", "--patient", "191212121213", "--by", "A", "--out", "x.pdf"}, "Personnumret är felaktigt"},
		{[]string{"review", "run", "--from", "garbage"}, "Datumet garbage ska skrivas ÅÅÅÅ-MM-DD"},
		{[]string{"quality", "--to", "2026-02-30"}, "Datumet 2026-02-30 finns inte."},
		{[]string{"review", "sample", "--month", "garbage", "--by", "x"}, "ÅÅÅÅ-MM"},
		{[]string{"controls", "report", "--unit", "SE2321000016-1001", "--month", "garbage", "--out", "x.pdf", "--by", "x"}, "ÅÅÅÅ-MM"},
		{[]string{"seed", "--out", t.TempDir(), "--start", "garbage"}, ""},
	} {
		r := cli(t, "", nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.TrimSpace(r.stderr) == "" {
			t.Errorf("insyn %v: exit %d stderr %q, want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// A period that ends before it starts is refused in words, not reviewed or
// counted as empty; a usage of two lines prints as two lines, not with an
// escaped newline.
func TestPeriodBackwardsAndMultiLineUsage(t *testing.T) {
	for _, args := range [][]string{
		{"review", "run", "--from", "2026-10-02", "--to", "2026-10-01"},
		{"quality", "--from", "2026-10-02", "--to", "2026-10-01"},
	} {
		r := cli(t, "", nil, args...)
		if r.code != 2 || strings.TrimSpace(r.stderr) != "Perioden slutar innan den börjar." {
			t.Errorf("insyn %v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
	r := cli(t, "", nil, "review", "nosuch")
	if r.code != 2 || strings.Contains(r.stderr, `\x0a`) || strings.Count(r.stderr, "\n") != 2 {
		t.Errorf("review usage: exit %d stderr %q", r.code, r.stderr)
	}
}

// `insyn rules list` says what its columns are and what each rule looks for.
func TestRulesListHasHeaderAndWords(t *testing.T) {
	r := cli(t, storetest.DSN(t), nil, "rules", "list")
	lines := strings.Split(r.stdout, "\n")
	if r.code != 0 || !strings.HasPrefix(lines[0], "Regel ") || !strings.Contains(lines[0], "Allvarlighet") {
		t.Fatalf("exit %d, first line %q (%s)", r.code, lines[0], r.stderr)
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "household ") && !strings.Contains(l, "samma adress") {
			t.Errorf("household without words: %q", l)
		}
	}
}

// A DATABASE_URL that cannot be reached is named as the setting to look at.
func TestUnreachableDatabaseNamesTheSetting(t *testing.T) {
	r := cli(t, "postgres://insyn@127.0.0.1:1/none?connect_timeout=1", nil, "quarantine")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Databasen som DATABASE_URL pekar på går inte att nå (") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}
