package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal/review"
)

// TestNarrativesFollowTheWording: a case's English narrative names the
// staff title in English, and a case stored before the wording changed
// (an older narrative_version, as every case is after migration 00020)
// is written again by the next review run, even with nothing new to
// review.
func TestNarrativesFollowTheWording(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	p := pid(t, 1)
	insert(t, s, access(p, anna, unit, unit, at))
	run(t, s)
	narratives := func() (sv, en string, version int) {
		t.Helper()
		if err := s.DB().QueryRow(`SELECT narrative_sv, narrative_en, narrative_version FROM cases WHERE staff_hsa_id = $1`,
			anna).Scan(&sv, &en, &version); err != nil {
			t.Fatal(err)
		}
		return
	}
	sv, en, version := narratives()
	if !strings.Contains(en, "Anna Berg, nurse at Kirurgen") || strings.Contains(en, "sjuksköterska") {
		t.Errorf("English narrative: %q", en)
	}
	if !strings.Contains(sv, "Anna Berg, sjuksköterska på Kirurgen") {
		t.Errorf("Swedish narrative: %q", sv)
	}
	if version != review.NarrativeVersion {
		t.Errorf("narrative version %d, want %d", version, review.NarrativeVersion)
	}

	// As stored before: the Swedish title in the English sentence.
	exec(t, s, `UPDATE cases SET narrative_en = 'Anna Berg, sjuksköterska at Kirurgen, read a patient''s record.', narrative_version = 0`)
	if res := run(t, s); res.Events != 0 {
		t.Fatalf("second run reviewed %d events", res.Events)
	}
	if _, en2, version := narratives(); en2 != en || version != review.NarrativeVersion {
		t.Errorf("after the run: %q (version %d), want %q", en2, version, en)
	}
}
