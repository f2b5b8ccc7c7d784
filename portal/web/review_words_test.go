package web_test

import (
	"regexp"
	"strings"
	"testing"
)

// caseAccessLine is one access of the case page's list.
var caseAccessLine = regexp.MustCompile(`(?s)<li class="entry[^"]*">\s*<p><strong>[^<]*</strong>(.*?)</p>`)

// TestCasePageWordsAccessesAsTheHistory: the case page lists each access
// in the words of the patient's history, in the page's language, after a
// single dash: "– läste en journalanteckning", "– read a clinical note",
// never the record system's type ("Journalanteckning") after a second
// dash.
func TestCasePageWordsAccessesAsTheHistory(t *testing.T) {
	t.Parallel()
	e, key, _ := caseWorld(t)
	rev := e.signIn(t, wpReviewer)
	for lang, want := range map[string]string{"sv": " – läste en journalanteckning", "en": " – read a clinical note"} {
		status, body := page(t, rev, e.base+"/granskning/arende/"+key+"?lang="+lang)
		if status != 200 {
			t.Fatalf("%s: %d", lang, status)
		}
		lines := caseAccessLine.FindAllStringSubmatch(body, -1)
		if len(lines) == 0 {
			t.Fatalf("%s: no access lines\n%s", lang, body)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l[1], want) || strings.Count(l[1], " – ") != 1 || strings.Contains(l[1], "Journalanteckning") {
				t.Errorf("%s: access line %q, want it to start %q with one dash", lang, l[1], want)
			}
		}
	}
}
