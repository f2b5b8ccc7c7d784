package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/ingest/atna"
	"github.com/insyn/insyn/portal/ingest/csvlog"
	"github.com/insyn/insyn/portal/ingest/fhir"
	"github.com/insyn/insyn/portal/ingest/riv1"
	"github.com/insyn/insyn/portal/ingest/riv2"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestTermSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path.csv":        "plain/path.csv",
		"Åsa Öberg/loggar.csv":  "Åsa Öberg/loggar.csv",
		"evil\x1b[31mred\a.csv": `evil\x1b[31mred\x07.csv`,
		"bad\xff\xfe.csv":       `bad\xff\xfe.csv`,
		"csi\u009b31m.csv":      `csi\u009b31m.csv`,
		"rtl\u202eexe.csv":      `rtl\u202eexe.csv`,
		"back\\slash\n.csv":     `back\\slash\x0a.csv`,
		"del\x7f":               `del\x7f`,
	} {
		if got := termSafe(in); got != want {
			t.Errorf("termSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// hostile reports terminal-active bytes in CLI output.
func hostile(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
			return true
		}
	}
	return false
}

// A file name with escape sequences, C1 controls, a bidi override and
// bytes that are not UTF-8 is printed escaped by `insyn quarantine`, and
// its --json output stays valid JSON holding the name as stored. So is an
// error naming such a file.
func TestQuarantinePrintsFileNamesEscaped(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	name := "evil\x1b]0;pwned\a\x1b[2J\u009b31m\u202e\xff.csv"
	csv, err := os.ReadFile(filepath.Join("..", "..", "portal", "ingest", "csvlog", "testdata", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cli(t, dsn, nil, "ingest", dir); r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	r := cli(t, dsn, nil, "quarantine")
	if r.code != 0 || hostile(r.stdout+r.stderr) {
		t.Fatalf("quarantine printed raw control characters: %q", r.stdout)
	}
	if !strings.Contains(r.stdout, `evil\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e`) {
		t.Errorf("escaped name missing:\n%s", r.stdout)
	}
	r = cli(t, dsn, nil, "quarantine", "--json")
	if hostile(r.stdout) {
		t.Fatalf("--json printed raw control characters: %q", r.stdout)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var e struct {
			SourceFile string `json:"source_file"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("--json line is not JSON: %v: %q", err, line)
		}
		if want := filepath.Join(dir, strings.ToValidUTF8(name, "\uFFFD")); e.SourceFile != want {
			t.Fatalf("--json source_file %q, want %q", e.SourceFile, want)
		}
	}
	r = cli(t, dsn, nil, "ingest", filepath.Join(dir, "gone\x1b[31m.csv"))
	if r.code != 1 || hostile(r.stderr) || !strings.Contains(r.stderr, `gone\x1b[31m.csv`) {
		t.Fatalf("error for a missing file: exit %d %q", r.code, r.stderr)
	}
}

// A record kept only in part says so, with its whole length.
func TestQuarantineShowsLengthAndTruncation(t *testing.T) {
	dsn := storetest.DSN(t)
	blob := bytes.Repeat([]byte{0xfe, 0x01}, portal.MaxRecordBytes)
	r := cli(t, dsn, bytes.NewReader(blob), "ingest", "-")
	if r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	r = cli(t, dsn, nil, "quarantine")
	if !strings.Contains(r.stdout, "-:1 (unknown, post 1) Okänt filformat") ||
		!strings.Contains(r.stdout, "[2097152 byte, bara de första 1048576 sparade]") {
		t.Fatalf("quarantine line:\n%s", r.stdout)
	}
}

// FuzzTermSafe: whatever a file name holds, its printed form has no
// control or format character, is valid UTF-8, and differs only when the
// name needed escaping.
func FuzzTermSafe(f *testing.F) {
	for _, s := range []string{"a.csv", "evil\x1b[31m", "\xff\xfe", "\u202e", "Åsa\\", "\U0001F600\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := termSafe(s)
		if !utf8.ValidString(out) || hostile(out) {
			t.Fatalf("termSafe(%q) = %q", s, out)
		}
		for _, r := range out {
			if !unicode.IsGraphic(r) {
				t.Fatalf("termSafe(%q) = %q keeps %U", s, out, r)
			}
		}
		js, _ := json.Marshal(map[string]string{"f": s})
		safe := jsonTermSafe(js)
		var back map[string]string
		if err := json.Unmarshal([]byte(safe), &back); err != nil || back["f"] != string([]rune(s)) {
			t.Fatalf("jsonTermSafe(%s) = %s: %v %q", js, safe, err, back["f"])
		}
		if hostile(safe) {
			t.Fatalf("jsonTermSafe(%s) = %s", js, safe)
		}
	})
}

// The details of a file that is no log are worded (knownDetails): the
// detector's sentences must stay the ones the map knows.
func TestUnknownFormatDetailsAreWorded(t *testing.T) {
	a := &app{}
	a.loadTexts("sv")
	for _, head := range []string{`<?xml version="1.0"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>`, "# Sources\n\nText.\n"} {
		_, err := ingest.Detect([]byte(head))
		if err == nil {
			t.Fatalf("%q detected as a log", head)
		}
		if _, ok := knownDetails[err.Error()]; !ok {
			t.Errorf("detail %q is not worded for the reader", err.Error())
		}
		if got := a.detailText(err.Error()); strings.Contains(got, "unknown log format") {
			t.Errorf("detail in English: %q", got)
		}
	}
	if got := a.detailText("user id, acting care unit"); got != "användarens id, användarens vårdenhet" {
		t.Errorf("fields: %q", got)
	}
	if got := a.detailText("user id, some parser sentence"); got != "user id, some parser sentence" {
		t.Errorf("a detail that is not all fields is shown as stored: %q", got)
	}
}

// englishWords are words of the parsers' English details; none may be
// left in what a Swedish reader of `insyn quarantine` sees.
var englishWords = regexp.MustCompile(`(?i)\b(is|not|the|of|has|cannot|document|record|line|fields|header|message|well-formed|exceeds|holds|template|patient|user|care|time|personal|unexpected|invalid|malformed|mismatched|unsupported|nested|text|resource|column|row)\b`)

// TestEveryQuarantineDetailIsWorded: every detail the parsers store (what
// they write over their own test data and broken input, and each sentence
// and part they make details of) is worded in the reader's language, in
// Swedish without an English word left, never shown as stored.
func TestEveryQuarantineDetailIsWorded(t *testing.T) {
	parsers := map[string]func(io.Reader, portal.Emit) error{
		"riv1": riv1.Parse, "riv2": riv2.Parse, "fhir": fhir.Parse, "atna": atna.Parse, "csvlog": csvlog.Parse}
	details := map[string]bool{}
	collect := func(parse func(io.Reader, portal.Emit) error, r io.Reader) {
		parse(r, func(rec portal.LogRecord) error {
			if rec.Quarantined() {
				details[rec.Detail] = true
			}
			return nil
		})
	}
	for name, parse := range parsers {
		files, err := filepath.Glob(filepath.Join("..", "..", "portal", "ingest", name, "testdata", "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no test data (%v)", name, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // a directory
			}
			collect(parse, bytes.NewReader(b))
			collect(parse, bytes.NewReader(b[:len(b)*2/3])) // cut off part-way
		}
	}
	for _, head := range []string{"", "<a/>", "<?xml version=\"1.0\"?><x:y xmlns:x=\"urn:other\"/>", "# text\n"} {
		if _, err := ingest.Detect([]byte(head)); err != nil {
			details[err.Error()] = true
		}
	}
	// Every sentence and part the parsers make details of, with the
	// patterns' variable parts filled in.
	for d := range knownDetails {
		details[d] = true
	}
	for _, d := range []string{"patient id: personal id fails Luhn check", "not well-formed XML: mismatched end tag (line 148)",
		"resource is not well-formed XML: unexpected end of file", "CSV column patient_id", "row has 4 fields, header has 22",
		"log id, time of access, user id, acting care unit, patient id, activity", "emergency flag"} {
		details[d] = true
	}
	if len(details) < 60 {
		t.Fatalf("only %d details collected", len(details))
	}
	for _, lang := range []string{"sv", "en"} {
		a := &app{}
		a.loadTexts(lang)
		for d := range details {
			got, ok := a.detailWords(d)
			switch {
			case !ok:
				t.Errorf("%s: detail %q is not worded for the reader", lang, d)
			case lang == "sv" && englishWords.MatchString(got):
				t.Errorf("sv: %q is worded %q, English left: %q", d, got, englishWords.FindString(got))
			}
		}
	}
}
