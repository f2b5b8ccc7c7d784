package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
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

// TestReviewerAndPatientReadTheSameDistance: an access at 09:00 explained
// by a visit at 14:00 on the 29th calendar day before it is "29 dagar
// tidigare" for the patient and for the reviewer alike (the reviewer's
// page counted whole 24-hour spans since the visit: 28).
func TestReviewerAndPatientReadTheSameDistance(t *testing.T) {
	t.Parallel()
	e, _, _ := caseWorld(t)
	ctx := context.Background()
	tolvan, _ := portal.ParsePersonalID(tolvanLogin)
	visit := time.Date(2025, 5, 30, 14, 0, 0, 0, portal.Stockholm)
	at := time.Date(2025, 6, 28, 9, 0, 0, 0, portal.Stockholm)
	if _, err := e.st.DB().Exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, 'SE2321000016-1001', 'visit', $2)`,
		tolvan.Digits(), visit); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.InsertEvents(ctx, []portal.Event{{SourceSystem: "SYS-EXEMPEL", SourceLogID: "distance-1", OccurredAt: at,
		ActorHSAID: "SE2321000016-5001", ActorName: "Åsa Öberg", ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: tolvan, ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.st.DB().Get(&id, `SELECT id FROM access_events WHERE source_log_id = 'distance-1'`); err != nil {
		t.Fatal(err)
	}
	cs, err := e.st.FileFlag(ctx, portal.PatientActor(tolvan, ""), portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{id}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("flag: %v", err)
	}
	rev, pat := e.signIn(t, wpReviewer), e.signIn(t, tolvanLogin)
	for lang, want := range map[string]string{"sv": "(29\u00a0dagar tidigare)", "en": "(29\u00a0days earlier)"} {
		_, body := page(t, pat, e.base+"/historik?period=all&lang="+lang)
		if !strings.Contains(body, want) {
			t.Errorf("%s: the patient's history does not say %q", lang, want)
		}
		_, body = page(t, rev, e.base+"/granskning/arende/"+cs[0].Key+"?lang="+lang)
		if !strings.Contains(body, want) {
			t.Errorf("%s: the case page does not say %q:\n%s", lang, want, body)
		}
	}
}

// TestReviewerAndPatientNameTheSameCareContact: the care contact that
// explains an access has the same name on the case page as in the
// patient's history: a booking is "en bokad tid", "an appointment" for
// both (the reviewer read "bokning", "a booking").
func TestReviewerAndPatientNameTheSameCareContact(t *testing.T) {
	t.Parallel()
	e, _, _ := caseWorld(t)
	ctx := context.Background()
	tolvan, _ := portal.ParsePersonalID(tolvanLogin)
	at := time.Date(2025, 6, 12, 9, 0, 0, 0, portal.Stockholm)
	if _, err := e.st.DB().Exec(`INSERT INTO care_relations (personal_id, unit_hsa_id, kind, starts_at) VALUES ($1, 'SE2321000016-1001', 'booking', $2)`,
		tolvan.Digits(), at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.InsertEvents(ctx, []portal.Event{{SourceSystem: "SYS-EXEMPEL", SourceLogID: "booking-1", OccurredAt: at,
		ActorHSAID: "SE2321000016-5001", ActorName: "Åsa Öberg", ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: tolvan, ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.st.DB().Get(&id, `SELECT id FROM access_events WHERE source_log_id = 'booking-1'`); err != nil {
		t.Fatal(err)
	}
	cs, err := e.st.FileFlag(ctx, portal.PatientActor(tolvan, ""), portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{id}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("flag: %v", err)
	}
	rev, pat := e.signIn(t, wpReviewer), e.signIn(t, tolvanLogin)
	for lang, want := range map[string][2]string{
		"sv": {"hade en bokad tid på", "förklaras av en bokad tid på"},
		"en": {"had an appointment at", "explained by an appointment at"},
	} {
		_, body := page(t, pat, e.base+"/historik?period=all&lang="+lang)
		if !strings.Contains(body, want[0]) {
			t.Errorf("%s: the patient's history does not say %q", lang, want[0])
		}
		_, body = page(t, rev, e.base+"/granskning/arende/"+cs[0].Key+"?lang="+lang)
		if !strings.Contains(body, want[1]) {
			t.Errorf("%s: the case page does not say %q:\n%s", lang, want[1], body)
		}
	}
}
