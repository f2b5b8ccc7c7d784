package i18n

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// allowSame lists ids whose Swedish and English texts are rightly equal.
var allowSame = map[string]bool{"app.name": true}

func TestLanguagesHaveSameIDs(t *testing.T) {
	c := MustLoad(time.UTC)
	sv, en := c.IDs("sv"), c.IDs("en")
	if len(sv) == 0 {
		t.Fatal("no Swedish messages loaded")
	}
	if !reflect.DeepEqual(sv, en) {
		t.Fatalf("message ids differ between sv and en:\nsv only: %v\nen only: %v", diff(sv, en), diff(en, sv))
	}
}

func TestSwedishIsNotEnglish(t *testing.T) {
	c := MustLoad(time.UTC)
	sv, en := c.For("sv"), c.For("en")
	plural := pluralIDs(t)
	if len(plural) == 0 {
		t.Fatal("no plural messages found: the plural check would check nothing")
	}
	for _, id := range c.IDs("sv") {
		if allowSame[id] {
			continue
		}
		// A plural message is compared in its plural form; T on it, like
		// T on a missing message, panics and fails the test.
		s, e := "", ""
		for _, n := range []int{1, 2} {
			if plural[id] {
				s, e = s+sv.N(id, n), e+en.N(id, n)
			} else {
				s, e = sv.T(id), en.T(id)
			}
		}
		if s == e {
			t.Errorf("%s: Swedish text equals English text %q", id, s)
		}
	}
}

func TestDateFormats(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	c := MustLoad(loc)
	at := time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC) // 14:02 in Stockholm (CET)
	if got := c.For("sv").DateTime(at); got != "2026-03-05 14:02" {
		t.Errorf("sv: %q", got)
	}
	if got := c.For("en").DateTime(at); got != "5 Mar 2026, 14:02" {
		t.Errorf("en: %q", got)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"": "sv", "en-GB,en;q=0.9": "en", "sv-SE": "sv", "de": "sv", "de,en;q=0.5": "en"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// Every quarantine reason the domain defines has words in both languages.
func TestQuarantineReasonsHaveWords(t *testing.T) {
	c := MustLoad(time.UTC)
	for _, r := range []string{"malformed", "placeholder", "missing_field", "invalid_field", "not_access_log", "too_large", "unknown_format"} {
		for _, l := range Languages {
			if !c.For(l).Has("quarantine.reason." + r) {
				t.Errorf("%s: no text for quarantine reason %s", l, r)
			}
		}
	}
}

func TestNumber(t *testing.T) {
	c := MustLoad(time.UTC)
	for n, want := range map[int64][2]string{0: {"0", "0"}, 999: {"999", "999"}, 1000: {"1\u00a0000", "1,000"}, 300000: {"300\u00a0000", "300,000"}, -1234567: {"-1\u00a0234\u00a0567", "-1,234,567"}} {
		if got := c.For("sv").Number(n); got != want[0] {
			t.Errorf("sv %d: %q", n, got)
		}
		if got := c.For("en").Number(n); got != want[1] {
			t.Errorf("en %d: %q", n, got)
		}
	}
}

func TestPercent(t *testing.T) {
	c := MustLoad(time.UTC)
	for share, want := range map[float64][2]string{0: {"0,0", "0.0"}, 0.9889: {"98,9", "98.9"}, 1: {"100,0", "100.0"}} {
		if got := c.For("sv").Percent(share); got != want[0] {
			t.Errorf("sv %v: %q", share, got)
		}
		if got := c.For("en").Percent(share); got != want[1] {
			t.Errorf("en %v: %q", share, got)
		}
	}
}

// pluralIDs lists the messages that have plural forms ("one", "other")
// rather than one text.
func pluralIDs(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	eachMessageFile(t, func(_ string, m map[string]json.RawMessage) {
		for id, v := range m {
			if len(v) > 0 && v[0] == '{' {
				out[id] = true
			}
		}
	})
	return out
}

// eachMessageFile hands fn every message file's language (AREA.LANG.json)
// and its messages, undecoded.
func eachMessageFile(t *testing.T, fn func(lang string, m map[string]json.RawMessage)) {
	t.Helper()
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		parts := strings.Split(e.Name(), ".")
		fn(parts[max(len(parts)-2, 0)], m)
	}
}

// TestPlainMessagesKeptPerLanguage: a message kept after its first use
// stays in its own language, and messages with data are never kept.
func TestPlainMessagesKeptPerLanguage(t *testing.T) {
	c := MustLoad(time.UTC)
	sv, en := c.For("sv"), c.For("en")
	for range 2 {
		if got := sv.T("error.not_found"); got != "Det du sökte finns inte." {
			t.Fatalf("sv: %q", got)
		}
		if got := en.T("error.not_found"); got != "What you were looking for does not exist." {
			t.Fatalf("en: %q", got)
		}
		if got := c.For("en").T("extract.error.date", map[string]any{"Date": "x1"}); !strings.Contains(got, "x1") {
			t.Fatalf("with data: %q", got)
		}
		if got := c.For("en").T("extract.error.date", map[string]any{"Date": "y2"}); !strings.Contains(got, "y2") {
			t.Fatalf("with other data: %q", got)
		}
	}
}

// TestReviewerAndPatientNameTheRelationAlike: the care relation that
// explains an access is named with the same word on the reviewer's case
// page as in the sentence the patient reads about it.
func TestReviewerAndPatientNameTheRelationAlike(t *testing.T) {
	c := MustLoad(time.UTC)
	for _, lang := range []string{"sv", "en"} {
		l := c.For(lang)
		for _, kind := range []string{"visit", "booking", "referral", "team"} {
			word := strings.TrimPrefix(strings.TrimPrefix(l.T("cases.relation."+kind), "a "), "an ")
			patient := l.T("extract.explain."+kind, map[string]any{"Unit": "X", "Date": "", "Apart": ""})
			if !strings.Contains(strings.ToLower(patient), word) {
				t.Errorf("%s %s: the reviewer reads %q, the patient %q", lang, kind, word, patient)
			}
		}
	}
}

// TestCareContactIsOneTerm: what a person reads in the portal about the
// care that explains an access calls it a care contact (vårdkontakt), as
// the patient's extract and the case narratives do, never a care relation.
func TestCareContactIsOneTerm(t *testing.T) {
	avoid := map[string]string{"sv": "vårdrelation", "en": "care relation"}
	eachMessageFile(t, func(lang string, m map[string]json.RawMessage) {
		if avoid[lang] == "" {
			return
		}
		for id, v := range m {
			page := false
			for _, p := range []string{"workplace.", "controls.", "review.withdrawn.", "review.restored.", "web.", "extract.", "admin."} {
				page = page || strings.HasPrefix(id, p)
			}
			if page && strings.Contains(strings.ToLower(string(v)), avoid[lang]) {
				t.Errorf("%s %s: %s", lang, id, v)
			}
		}
	})
}

// TestEmergencyAccessIsOneTerm: everything a person reads (pages, mails,
// settings, the extract and its PDF) calls an access without consent in
// an emergency nödåtkomst, as the law's commentary and the mails do, and
// emergency access in English; never nödöppning beside it.
func TestEmergencyAccessIsOneTerm(t *testing.T) {
	avoid := map[string][]string{"sv": {"nödöppn"}, "en": {"emergency opening", "emergency flag", "break the glass", "break-glass"}}
	eachMessageFile(t, func(lang string, m map[string]json.RawMessage) {
		for id, v := range m {
			for _, a := range avoid[lang] {
				if strings.Contains(strings.ToLower(string(v)), a) {
					t.Errorf("%s %s says %q: %s", lang, id, a, v)
				}
			}
		}
	})
}

// TestPeriodEndIsOneLabel: the last day of a period has one English label
// on the patient's pages and the staff's ("To and including" beside "Up to
// and including").
func TestPeriodEndIsOneLabel(t *testing.T) {
	l := MustLoad(time.UTC).For("en")
	if patient, staff := l.T("web.history.to"), l.T("controls.page.field.to"); patient != staff {
		t.Errorf("the patient reads %q, the staff %q", patient, staff)
	}
}
