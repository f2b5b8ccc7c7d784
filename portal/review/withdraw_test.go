package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// TestLateCareWithdrawsHits: care relations imported after a run explain
// accesses that rules fired on only because they were unexplained. Those
// hits are withdrawn; a case left with nothing that no reviewer has
// started on is closed with a timeline entry saying why; a case a
// reviewer has started stays open; a case with a hit that still stands
// keeps it, its priority and narrative following the evidence.
func TestLateCareWithdrawsHits(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	alone, touched, half, self := pid(t, 1), pid(t, 2), pid(t, 3), pid(t, 4)
	exec(t, s, `UPDATE staff SET personal_id = $1 WHERE hsa_id = '`+bo+`'`, self.Digits())
	later := at.Add(90 * 24 * time.Hour)
	insert(t, s,
		access(alone, anna, unit, unit, at), access(alone, anna, unit, unit, at.Add(time.Hour)),
		access(touched, anna, unit, unit, at),
		access(half, anna, unit, unit, at), access(half, anna, lab, lab, later),
		access(self, bo, unit, unit, at))
	run(t, s)
	caseOf := func(p portal.PersonalID, staff string) (id int64, status string, priority int, narrative string) {
		t.Helper()
		row := s.DB().QueryRow(`SELECT id, status, priority, narrative_en FROM cases WHERE patient_id = $1 AND staff_hsa_id = $2`,
			p.Digits(), staff)
		if err := row.Scan(&id, &status, &priority, &narrative); err != nil {
			t.Fatalf("case of %s: %v", p.Digits(), err)
		}
		return
	}
	aloneID, _, _, _ := caseOf(alone, anna)
	touchedID, _, _, _ := caseOf(touched, anna)
	halfID, _, halfPrio, _ := caseOf(half, anna)
	selfID, _, selfPrio, _ := caseOf(self, bo)
	// A reviewer has started on one case (a note is enough).
	exec(t, s, `INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text) VALUES ($1, 'note', 'staff', 'rev', $2, 'tittar')`,
		touchedID, at)

	visit := func(p portal.PersonalID) portal.CareRelation {
		return portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareVisit, StartsAt: at.Add(-24 * time.Hour)}
	}
	care(t, s, visit(alone), visit(touched), visit(half), visit(self))

	standing := func(caseID int64) (live, withdrawn int) { return standingHits(t, s, caseID) }
	if live, wd := standing(aloneID); live != 0 || wd != 2 {
		t.Errorf("alone: %d hits stand, %d withdrawn", live, wd)
	}
	var status, outcome, text string
	if err := s.DB().QueryRow(`SELECT c.status, c.outcome, t.text FROM cases c
		JOIN case_timeline t ON t.case_id = c.id AND t.kind = 'closed' AND t.actor_kind = 'system'
		WHERE c.id = $1`, aloneID).Scan(&status, &outcome, &text); err != nil {
		t.Fatalf("alone not closed with a timeline entry: %v", err)
	}
	if status != "closed" || outcome != "justified" || !strings.Contains(text, "vårdkontakter") {
		t.Errorf("alone: %s %s %q", status, outcome, text)
	}

	if live, wd := standing(touchedID); live != 0 || wd != 1 {
		t.Errorf("touched: %d hits stand, %d withdrawn", live, wd)
	}
	if _, st, _, _ := caseOf(touched, anna); st != "new" {
		t.Errorf("a case a reviewer started was closed: %s", st)
	}

	// Half: the lab's read 90 days later is still unexplained, its hit stands.
	if live, wd := standing(halfID); live != 1 || wd != 1 {
		t.Errorf("half: %d hits stand, %d withdrawn", live, wd)
	}
	_, st, prio, narrative := caseOf(half, anna)
	if st != "new" || prio == halfPrio || !strings.Contains(narrative, "1 of 2") {
		t.Errorf("half after the import: %s, priority %d (was %d), %q", st, prio, halfPrio, narrative)
	}

	// Self fires on every access, explained or not: its hit stands, the
	// no care relation hit beside it is withdrawn, the case stays.
	if live, wd := standing(selfID); live != 1 || wd != 1 {
		t.Errorf("self: %d hits stand, %d withdrawn", live, wd)
	}
	if _, st, prio, _ := caseOf(self, bo); st != "new" || prio >= selfPrio {
		t.Errorf("self after the import: %s, priority %d (was %d)", st, prio, selfPrio)
	}

	// The next run opens nothing again for what was withdrawn.
	if res := run(t, s); res.Events != 0 || res.Hits != 0 {
		t.Errorf("run after the import: %+v", res)
	}
}

// TestShortenedCareRestoresHits: a hit withdrawn because a late care
// import explained its access stands again when a later import shortens
// that relation so the access is unexplained once more. The case the
// system closed for it opens again, saying why; a case a reviewer closed
// stays closed.
func TestShortenedCareRestoresHits(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	alone, closed := pid(t, 1), pid(t, 2)
	insert(t, s, access(alone, anna, unit, unit, at), access(alone, anna, unit, unit, at.Add(time.Hour)),
		access(closed, anna, unit, unit, at))
	run(t, s)
	caseOf := func(p portal.PersonalID) (id int64, status string) {
		t.Helper()
		if err := s.DB().QueryRow(`SELECT id, status FROM cases WHERE patient_id = $1 AND staff_hsa_id = $2`,
			p.Digits(), anna).Scan(&id, &status); err != nil {
			t.Fatalf("case of %s: %v", p.Digits(), err)
		}
		return
	}
	aloneID, _ := caseOf(alone)
	closedID, _ := caseOf(closed)
	// A reviewer starts on one case; after the import explains it, they close it.
	exec(t, s, `INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, text) VALUES ($1, 'note', 'staff', 'rev', $2, 'tittar')`,
		closedID, at)
	// An admission from 60 days before, still open: it explains both.
	stay := func(p portal.PersonalID, ends time.Time) portal.CareRelation {
		return portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareAdmission,
			StartsAt: at.Add(-60 * 24 * time.Hour), EndsAt: ends}
	}
	care(t, s, stay(alone, time.Time{}), stay(closed, time.Time{}))
	if _, st := caseOf(alone); st != "closed" {
		t.Fatalf("alone after the first import: %s", st)
	}
	exec(t, s, `UPDATE cases SET status = 'closed', outcome = 'justified', decided_at = $2 WHERE id = $1`, closedID, at)
	exec(t, s, `INSERT INTO case_timeline (case_id, kind, actor_kind, actor_id, at, from_status, to_status)
		VALUES ($1, 'closed', 'staff', 'rev', $2, 'new', 'closed')`, closedID, at)

	// The stay ended 40 days before the accesses: more than 30 days after
	// it, so it no longer explains them.
	ended := at.Add(-40 * 24 * time.Hour)
	care(t, s, stay(alone, ended), stay(closed, ended))

	standing := func(caseID int64) (live, withdrawn int) { return standingHits(t, s, caseID) }
	if live, wd := standing(aloneID); live != 2 || wd != 0 {
		t.Errorf("alone: %d hits stand, %d withdrawn", live, wd)
	}
	var status string
	var outcome *string
	var text string
	if err := s.DB().QueryRow(`SELECT c.status, c.outcome, t.text FROM cases c
		JOIN case_timeline t ON t.case_id = c.id AND t.kind = 'status' AND t.actor_kind = 'system' AND t.to_status = 'new'
		WHERE c.id = $1`, aloneID).Scan(&status, &outcome, &text); err != nil {
		t.Fatalf("alone not reopened with a timeline entry: %v", err)
	}
	if status != "new" || outcome != nil || !strings.Contains(text, "vårdkontakter") {
		t.Errorf("alone reopened: %s %v %q", status, outcome, text)
	}
	if live, _ := standing(closedID); live != 1 {
		t.Errorf("closed by a reviewer: %d hits stand", live)
	}
	if _, st := caseOf(closed); st != "closed" {
		t.Errorf("a case a reviewer closed was opened again: %s", st)
	}
	var explained int
	if err := s.DB().QueryRow(`SELECT count(*) FROM event_explanation_evidence WHERE explained`).Scan(&explained); err != nil || explained != 0 {
		t.Errorf("%d accesses still explained (%v)", explained, err)
	}
}

// standingHits counts a case's rule hits that stand and those withdrawn.
func standingHits(t *testing.T, s *store.Store, caseID int64) (live, withdrawn int) {
	t.Helper()
	if err := s.DB().QueryRow(`SELECT count(*) FILTER (WHERE withdrawn_at IS NULL), count(*) FILTER (WHERE withdrawn_at IS NOT NULL)
		FROM rule_hits WHERE case_id = $1`, caseID).Scan(&live, &withdrawn); err != nil {
		t.Fatal(err)
	}
	return live, withdrawn
}

// TestRestoredHitJoinsOpenCase: when a hit stands again but the case the
// system closed for it cannot open again, because a later run opened
// another case for the same person and patient, the hit moves to the open
// case, so a reviewer sees it there.
func TestRestoredHitJoinsOpenCase(t *testing.T) {
	s := world(t)
	at := time.Date(2025, 6, 12, 10, 0, 0, 0, time.UTC)
	later := at.Add(100 * 24 * time.Hour)
	p := pid(t, 1)
	insert(t, s, access(p, anna, unit, unit, at))
	run(t, s)
	var firstID int64
	if err := s.DB().QueryRow(`SELECT id FROM cases WHERE patient_id = $1`, p.Digits()).Scan(&firstID); err != nil {
		t.Fatal(err)
	}
	// A stay ending on the day of the access explains it; the case closes.
	stay := func(ends time.Time) portal.CareRelation {
		return portal.CareRelation{PersonalID: p, UnitHSAID: unit, Kind: portal.CareAdmission,
			StartsAt: at.Add(-60 * 24 * time.Hour), EndsAt: ends}
	}
	care(t, s, stay(at))
	// A read at the lab 100 days later, which nothing explains, opens a
	// second case for the same person and patient.
	insert(t, s, access(p, anna, lab, lab, later))
	run(t, s)
	var openID int64
	if err := s.DB().QueryRow(`SELECT id FROM cases WHERE patient_id = $1 AND status = 'new'`, p.Digits()).Scan(&openID); err != nil {
		t.Fatal(err)
	}
	if openID == firstID {
		t.Fatal("the first case was not closed")
	}
	// The stay is shortened: the first access is unexplained again.
	care(t, s, stay(at.Add(-40*24*time.Hour)))

	if live, _ := standingHits(t, s, firstID); live != 0 {
		t.Errorf("%d hits stand on the closed case", live)
	}
	if live, _ := standingHits(t, s, openID); live != 2 {
		t.Errorf("%d hits stand on the open case, want both accesses'", live)
	}
	var events, joined int
	if err := s.DB().QueryRow(`SELECT (SELECT count(*) FROM case_events WHERE case_id = $1),
		(SELECT count(*) FROM case_timeline WHERE case_id = $1 AND kind = 'joined' AND text LIKE '%stängt ärende%')`,
		openID).Scan(&events, &joined); err != nil {
		t.Fatal(err)
	}
	if events != 2 || joined != 1 {
		t.Errorf("open case: %d events, %d timeline entries for the move", events, joined)
	}
	var status string
	if err := s.DB().QueryRow(`SELECT status FROM cases WHERE id = $1`, firstID).Scan(&status); err != nil || status != "closed" {
		t.Errorf("first case: %s (%v)", status, err)
	}
}
