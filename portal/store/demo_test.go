package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// TestSampleCitizensHaveAccesses: the demo's login page offers people
// whose records were accessed in the period, one with an access nothing
// explains first; never someone with protected identity, a deceased
// person, or someone nobody accessed since.
func TestSampleCitizensHaveAccesses(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	// In personal id order: the unexplained one sorts after the explained.
	pids := map[string]string{"explained": pid(501), "unexplained": pid(502), "protected": pid(503),
		"idle": pid(504), "deceased": pid(505), "old": pid(506)}
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES ('SE2321000016-1001', 'SE2321000016-0001', 'Kirurgen')`,
		fmt.Sprintf(`INSERT INTO patients (personal_id, given_name, family_name, protected_identity, deceased_on) VALUES
		 ('%s', 'Ella', 'Förklarad', false, NULL), ('%s', 'Olle', 'Oförklarad', false, NULL), ('%s', 'Hemlig', 'Person', true, NULL),
		 ('%s', 'Ingen', 'Åtkomst', false, NULL), ('%s', 'Död', 'Person', false, '2026-01-01'), ('%s', 'Gammal', 'Åtkomst', false, NULL)`,
			pids["explained"], pids["unexplained"], pids["protected"], pids["idle"], pids["deceased"], pids["old"]),
		fmt.Sprintf(`INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at) VALUES
		 ('%s', 'SE2321000016-1001', '', 'visit', '2026-03-01 10:00+01')`, pids["explained"]),
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, portal.Stockholm)
	var evs []portal.Event
	for i, name := range []string{"explained", "unexplained", "protected", "deceased", "old"} {
		p, _ := portal.ParsePersonalID(pids[name])
		when := at
		if name == "old" {
			when = at.AddDate(-2, 0, 0)
		}
		evs = append(evs, portal.Event{SourceSystem: "S", SourceLogID: fmt.Sprint("e", i), OccurredAt: when,
			ActorHSAID: "SE2321000016-5001", ActorUnit: portal.Party{HSAID: "SE2321000016-1001"},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, ResourceType: "Anteckning"})
	}
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunReview(ctx, store.ReviewRunOptions{}, review.Rules); err != nil {
		t.Fatal(err)
	}
	since := at.AddDate(-1, 0, 0)
	got, err := s.SampleCitizens(ctx, portal.SystemActor("insyn demo"), since, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].PersonalID != pids["unexplained"] || !got[0].Unexplained ||
		got[1].PersonalID != pids["explained"] || got[1].Unexplained {
		t.Errorf("sample citizens %+v", got)
	}
	if got, _ := s.SampleCitizens(ctx, portal.SystemActor("insyn demo"), since, 1); len(got) != 1 || got[0].PersonalID != pids["unexplained"] {
		t.Errorf("one sample citizen: %+v", got)
	}
	if _, err := s.SampleCitizens(ctx, portal.PatientActor(evs[0].Patient, ""), since, 5); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("a patient asks for sample citizens: %v", err)
	}
}
