package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// notifyWorld is a store on a settable clock with the region, the
// company and their units, and Tolvan and Sara as patients.
func notifyWorld(t *testing.T) (*store.Store, *portal.FixedClock, portal.Actor, portal.Actor) {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2026, 4, 2, 8, 0, 0, 0, portal.Stockholm)}
	s := storetest.Open(t, clock)
	for _, q := range []string{
		`INSERT INTO providers (hsa_id, name) VALUES ('SE2321000016-0001', 'Region Exempelland'),
		 ('SE5565594230-0002', 'Vårdbolaget Norrsken AB')`,
		`INSERT INTO units (hsa_id, provider_hsa_id, name) VALUES
		 ('SE2321000016-1001', 'SE2321000016-0001', 'Vårdcentralen Ängsbacken'),
		 ('SE5565594230-2001', 'SE5565594230-0002', 'Norrskenskliniken Öst')`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tolvan, _ := portal.ParsePersonalID("191212121212")
	sara, _ := portal.ParsePersonalID("199001012385")
	return s, clock, portal.PatientActor(tolvan, ""), portal.PatientActor(sara, "")
}

func access(id string, p portal.PersonalID, at time.Time, prov, unit portal.HSAID, emergency bool) portal.Event {
	return portal.Event{SourceSystem: "S", SourceLogID: id, OccurredAt: at, ActorHSAID: "SE2321000016-5001",
		ActorProvider: portal.Party{HSAID: prov}, ActorUnit: portal.Party{HSAID: unit},
		Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: p, EmergencyClaimed: emergency,
		ResourceType: "Journalanteckning"}
}

// subscribe saves settings and confirms the address through the token the
// confirmation notice carries, as the link in its mail would.
func subscribe(t *testing.T, s *store.Store, a portal.Actor, addr string, kinds ...notify.Kind) {
	t.Helper()
	ctx := context.Background()
	sent, err := s.SaveNotifySettings(ctx, a, notify.Settings{Kinds: kinds, Lang: "en", Address: addr})
	if err != nil || !sent {
		t.Fatalf("save: sent %v, %v", sent, err)
	}
	var token string
	if err := s.DB().Get(&token, `SELECT payload->>'token' FROM notify_notices
		WHERE kind = 'confirm' AND patient_id = $1 ORDER BY id DESC LIMIT 1`, a.Patient.Digits()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmAddress(ctx, token); err != nil {
		t.Fatal(err)
	}
}

func notices(t *testing.T, s *store.Store, kind notify.Kind) []map[string]any {
	t.Helper()
	rows, err := s.DB().Queryx(`SELECT patient_id, dedupe, payload::text AS payload, status FROM notify_notices WHERE kind = $1 ORDER BY id`, string(kind))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		m := map[string]any{}
		if err := rows.MapScan(m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestNotifySettingsConfirmAndUnsubscribe(t *testing.T) {
	ctx := context.Background()
	s, clock, tolvan, sara := notifyWorld(t)
	// Kinds without an address, and a broken address: errors by field.
	for _, set := range []notify.Settings{
		{Kinds: []notify.Kind{notify.KindEmergency}, Lang: "sv"},
		{Kinds: []notify.Kind{notify.KindEmergency}, Lang: "sv", Address: "Tolvan <t@example.se>"},
		{Lang: "de", Address: "t@example.se"},
	} {
		_, err := s.SaveNotifySettings(ctx, tolvan, set)
		var fe portal.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 {
			t.Errorf("%+v: %v", set, err)
		}
	}
	if n := count(t, s, "notify_notices"); n != 0 {
		t.Fatalf("refused settings wrote %d notices", n)
	}
	sent, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Kinds: []notify.Kind{notify.KindDigest, notify.KindEmergency, notify.KindDigest},
		Lang: "en", Address: " tolvan@Example.SE "})
	if err != nil || !sent {
		t.Fatalf("save: %v %v", sent, err)
	}
	got, err := s.NotifySettings(ctx, tolvan, "sv")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != "tolvan@example.se" || got.Confirmed || got.Lang != "en" || len(got.Kinds) != 2 ||
		got.Kinds[0] != notify.KindEmergency || got.Kinds[1] != notify.KindDigest {
		t.Errorf("settings %+v", got)
	}
	// Sara's settings are hers: none.
	if other, err := s.NotifySettings(ctx, sara, "sv"); err != nil || other.Address != "" || len(other.Kinds) != 0 {
		t.Errorf("Sara reads %+v (%v)", other, err)
	}
	if _, err := s.NotifySettings(ctx, portal.SystemActor("x"), "sv"); portal.ErrorCode(err) != portal.Forbidden {
		t.Errorf("the system reads a patient's settings: %v", err)
	}
	conf := notices(t, s, notify.KindConfirm)
	if len(conf) != 1 {
		t.Fatalf("confirmations %v", conf)
	}
	var token string
	s.DB().Get(&token, `SELECT payload->>'token' FROM notify_notices WHERE kind = 'confirm'`)
	if _, err := s.ConfirmLang(ctx, token+"x"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("a wrong token: %v", err)
	}
	if l, err := s.ConfirmLang(ctx, token); err != nil || l != "en" {
		t.Errorf("confirmable: %q %v", l, err)
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); got.Confirmed {
		t.Error("GET's check confirmed the address")
	}
	// The link expires after a week.
	clock.T = clock.T.Add(store.ConfirmValidity + time.Minute)
	if _, err := s.ConfirmAddress(ctx, token); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("an expired link confirmed: %v", err)
	}
	clock.T = clock.T.Add(-store.ConfirmValidity)
	if _, err := s.ConfirmAddress(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmAddress(ctx, token); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("a used link confirmed again: %v", err)
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); !got.Confirmed {
		t.Error("not confirmed")
	}
	// Saving the same address keeps it confirmed and sends nothing.
	if sent, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Kinds: []notify.Kind{notify.KindEmergency, notify.KindDigest},
		Lang: "sv", Address: "tolvan@example.se"}); err != nil || sent {
		t.Errorf("same address: sent %v %v", sent, err)
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); !got.Confirmed || got.Lang != "sv" {
		t.Errorf("after saving the same address: %+v", got)
	}
	// Unsubscribing through a digest notice's token stops digests only.
	if _, err := s.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at, unsub_token)
		VALUES ('191212121212', 'personnummer', 'digest', 'x', now(), now(), 'tok')`); err != nil {
		t.Fatal(err)
	}
	if k, _, err := s.Unsubscribable(ctx, "tok"); err != nil || k != notify.KindDigest {
		t.Errorf("unsubscribable %q %v", k, err)
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); len(got.Kinds) != 2 {
		t.Error("GET's check unsubscribed")
	}
	for range 2 { // idempotent
		if k, _, err := s.Unsubscribe(ctx, "tok"); err != nil || k != notify.KindDigest {
			t.Errorf("unsubscribe %q %v", k, err)
		}
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); len(got.Kinds) != 1 || got.Kinds[0] != notify.KindEmergency || !got.Confirmed {
		t.Errorf("after unsubscribing: %+v", got)
	}
	if _, _, err := s.Unsubscribe(ctx, "nope"); portal.ErrorCode(err) != portal.NotFound {
		t.Errorf("unknown token: %v", err)
	}
	// The confirmation's own token removes the address it was sent to.
	var ct string
	s.DB().Get(&ct, `SELECT unsub_token FROM notify_notices WHERE kind = 'confirm'`)
	if _, _, err := s.Unsubscribe(ctx, ct); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.NotifySettings(ctx, tolvan, "sv"); got.Address != "" || got.Confirmed {
		t.Errorf("the confirmation's unsubscribe kept the address: %+v", got)
	}
}

func TestNotifyAddressChangesAreLimited(t *testing.T) {
	ctx := context.Background()
	s, clock, tolvan, sara := notifyWorld(t)
	for i := range store.MaxAddressChanges {
		addr := []string{"a@example.se", "b@example.se"}[i%2]
		if _, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Lang: "sv", Address: addr}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Lang: "sv", Address: "c@example.se"})
	var fe portal.FieldErrors
	if !errors.As(err, &fe) || fe["address"] == nil || fe["address"].MsgID != "notify.error.rate_limited" {
		t.Fatalf("sixth change in an hour: %v", err)
	}
	if err := s.ResendConfirmation(ctx, tolvan); !errors.As(err, &fe) {
		t.Errorf("resend past the limit: %v", err)
	}
	// Kinds and language still save when the address stays.
	if _, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Lang: "en", Address: "a@example.se"}); err != nil {
		t.Errorf("no address change refused: %v", err)
	}
	// Sara has her own limit.
	if _, err := s.SaveNotifySettings(ctx, sara, notify.Settings{Lang: "sv", Address: "s@example.se"}); err != nil {
		t.Error(err)
	}
	clock.T = clock.T.Add(time.Hour + time.Second)
	if _, err := s.SaveNotifySettings(ctx, tolvan, notify.Settings{Lang: "sv", Address: "c@example.se"}); err != nil {
		t.Errorf("an hour later: %v", err)
	}
	if err := s.ResendConfirmation(ctx, tolvan); err != nil {
		t.Errorf("resend: %v", err)
	}
	if n := len(notices(t, s, notify.KindConfirm)); n != store.MaxAddressChanges+3 {
		t.Errorf("%d confirmations", n)
	}
}

func TestReviewRunWritesNotices(t *testing.T) {
	ctx := context.Background()
	s, clock, tolvan, sara := notifyWorld(t)
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, portal.Stockholm)
	region, company := portal.HSAID("SE2321000016-0001"), portal.HSAID("SE5565594230-0002")
	// Before anyone subscribes: the region reads both records.
	if _, err := s.InsertEvents(ctx, []portal.Event{
		access("r1", tolvan.Patient, day, region, "SE2321000016-1001", false),
		access("r2", sara.Patient, day, region, "SE2321000016-1001", false),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunReview(ctx, store.ReviewRunOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	subscribe(t, s, tolvan, "tolvan@example.se", notify.KindEmergency, notify.KindNewProvider)
	subscribe(t, s, sara, "sara@example.se", notify.KindDigest) // not these kinds
	// The region by emergency access (twice in a sitting, and by unit
	// only), the company for the first time, twice.
	if _, err := s.InsertEvents(ctx, []portal.Event{
		access("r3", tolvan.Patient, day.Add(24*time.Hour), region, "SE2321000016-1001", true),
		access("r4", tolvan.Patient, day.Add(24*time.Hour+time.Minute), "", "SE2321000016-1001", true),
		access("c1", tolvan.Patient, day.Add(48*time.Hour), company, "SE5565594230-2001", false),
		access("c2", tolvan.Patient, day.Add(49*time.Hour), company, "SE5565594230-2001", false),
		access("s1", sara.Patient, day.Add(24*time.Hour), company, "SE5565594230-2001", true),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunReview(ctx, store.ReviewRunOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	em, np := notices(t, s, notify.KindEmergency), notices(t, s, notify.KindNewProvider)
	if len(em) != 1 || em[0]["patient_id"] != "191212121212" || em[0]["payload"] != `{"count": 1}` {
		t.Errorf("emergency notices %v", em)
	}
	if len(np) != 1 || np[0]["patient_id"] != "191212121212" || np[0]["payload"] != `{"count": 1}` ||
		np[0]["dedupe"] != "run:"+itoa(res.Run) {
		t.Errorf("new provider notices %v", np)
	}
	// The same provider again later, and a run with nothing new: nothing.
	clock.T = clock.T.Add(time.Hour)
	if _, err := s.InsertEvents(ctx, []portal.Event{access("c3", tolvan.Patient, day.Add(72*time.Hour), company, "SE5565594230-2001", false)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.RunReview(ctx, store.ReviewRunOptions{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(notices(t, s, notify.KindNewProvider)) + len(notices(t, s, notify.KindEmergency)); n != 2 {
		t.Errorf("%d notices after later runs", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestFlagChangesWriteNotices(t *testing.T) {
	ctx := context.Background()
	s, _, tolvan, sara := notifyWorld(t)
	region := portal.HSAID("SE2321000016-0001")
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, portal.Stockholm)
	if _, err := s.InsertEvents(ctx, []portal.Event{
		access("t1", tolvan.Patient, day, region, "SE2321000016-1001", false),
		access("s1", sara.Patient, day, region, "SE2321000016-1001", false),
	}); err != nil {
		t.Fatal(err)
	}
	var tid, sid int64
	s.DB().Get(&tid, `SELECT id FROM access_events WHERE source_log_id = 't1'`)
	s.DB().Get(&sid, `SELECT id FROM access_events WHERE source_log_id = 's1'`)
	subscribe(t, s, tolvan, "tolvan@example.se", notify.KindFlagChange)
	subscribe(t, s, sara, "sara@example.se", notify.KindDigest)
	tc, err := s.FileFlag(ctx, tolvan, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{tid}})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.FileFlag(ctx, sara, portal.Flag{Reason: portal.ReasonUnknownPerson, Events: []int64{sid}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, reviewer, tc[0].Key, "note"); err != nil {
		t.Fatal(err)
	}
	if n := len(notices(t, s, notify.KindFlagChange)); n != 0 {
		t.Fatalf("a note made %d notices", n)
	}
	if _, err := s.TransitionCase(ctx, reviewer, tc[0].Key, portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideCase(ctx, reviewer, tc[0].Key, portal.Decision{Outcome: portal.OutcomeUnjustified,
		Reason: "r", PatientMessage: "Vi har vidtagit åtgärder."}); err != nil {
		t.Fatal(err)
	}
	// Sara did not opt in to flag changes.
	if _, err := s.TransitionCase(ctx, reviewer, sc[0].Key, portal.StatusInvestigating); err != nil {
		t.Fatal(err)
	}
	fc := notices(t, s, notify.KindFlagChange)
	if len(fc) != 2 || fc[0]["patient_id"] != "191212121212" || fc[1]["patient_id"] != "191212121212" ||
		fc[0]["dedupe"] == fc[1]["dedupe"] || fc[0]["payload"] != "{}" {
		t.Errorf("flag change notices %v", fc)
	}
}

func TestDigestsOncePerMonth(t *testing.T) {
	ctx := context.Background()
	s, _, tolvan, sara := notifyWorld(t)
	region := portal.HSAID("SE2321000016-0001")
	if _, err := s.InsertEvents(ctx, []portal.Event{
		access("t1", tolvan.Patient, time.Date(2026, 3, 1, 0, 30, 0, 0, portal.Stockholm), region, "SE2321000016-1001", false),
		access("t2", tolvan.Patient, time.Date(2026, 3, 31, 23, 30, 0, 0, portal.Stockholm), region, "SE2321000016-1001", false),
		access("t3", tolvan.Patient, time.Date(2026, 4, 1, 0, 30, 0, 0, portal.Stockholm), region, "SE2321000016-1001", false),
		access("s1", sara.Patient, time.Date(2026, 3, 5, 0, 30, 0, 0, portal.Stockholm), region, "SE2321000016-1001", false),
	}); err != nil {
		t.Fatal(err)
	}
	subscribe(t, s, tolvan, "tolvan@example.se", notify.KindDigest)
	subscribe(t, s, sara, "sara@example.se", notify.KindEmergency)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, portal.Stockholm)
	n, err := s.EnqueueDigests(ctx, march)
	if err != nil || n != 1 {
		t.Fatalf("digests %d %v", n, err)
	}
	if n, err := s.EnqueueDigests(ctx, march.Add(72*time.Hour)); err != nil || n != 0 {
		t.Errorf("second run %d %v", n, err)
	}
	d := notices(t, s, notify.KindDigest)
	if len(d) != 1 || d[0]["patient_id"] != "191212121212" || d[0]["dedupe"] != "2026-03" ||
		d[0]["payload"] != `{"count": 2, "month": "2026-03", "unexplained": 2}` {
		t.Errorf("digests %v", d)
	}
	var reads int
	s.DB().Get(&reads, `SELECT count(*) FROM log_reads WHERE channel = 'notify_digest' AND patient_id = '191212121212'`)
	if reads != 1 {
		t.Errorf("%d log reads for the digest", reads)
	}
}

func TestClaimLeaseAndRecord(t *testing.T) {
	ctx := context.Background()
	s, clock, tolvan, _ := notifyWorld(t)
	subscribe(t, s, tolvan, "tolvan@example.se", notify.KindEmergency)
	if _, err := s.DB().Exec(`UPDATE notify_notices SET status = 'sent'`); err != nil { // the confirmation
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, created_at, next_attempt_at)
		VALUES ('191212121212', 'personnummer', 'emergency', 'run:1', '{"count": 2}', $1, $1)`, clock.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimNotices(ctx, "w1", 10, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim %v %v", got, err)
	}
	n := got[0]
	if n.To != "tolvan@example.se" || n.Lang != "en" || n.Count != 2 || n.Attempt != 1 || n.Kind != notify.KindEmergency || len(n.Key) != 32 {
		t.Errorf("claimed %+v", n)
	}
	if again, _ := s.ClaimNotices(ctx, "w2", 10, time.Minute); len(again) != 0 {
		t.Errorf("a leased notice claimed again: %+v", again)
	}
	// w1 dies; after its lease w2 takes the notice, with the same key.
	clock.T = clock.T.Add(time.Minute + time.Second)
	got2, err := s.ClaimNotices(ctx, "w2", 10, time.Minute)
	if err != nil || len(got2) != 1 || got2[0].Key != n.Key || got2[0].Attempt != 2 {
		t.Fatalf("reclaim %+v %v", got2, err)
	}
	var interrupted int
	s.DB().Get(&interrupted, `SELECT count(*) FROM notify_attempts WHERE outcome = 'interrupted' AND n = 1`)
	if interrupted != 1 {
		t.Error("the dead worker's attempt is not marked interrupted")
	}
	// The dead worker's late record changes nothing.
	if err := s.RecordDelivery(ctx, "w1", n, notify.Result{Outcome: notify.OutcomeSent}); err != nil {
		t.Fatal(err)
	}
	var status string
	s.DB().Get(&status, `SELECT status FROM notify_notices WHERE id = $1`, n.ID)
	if status != "pending" {
		t.Errorf("a lost lease recorded %s", status)
	}
	// A temporary failure waits for its backoff.
	next := clock.Now().Add(10 * time.Minute)
	if err := s.RecordDelivery(ctx, "w2", got2[0], notify.Result{Outcome: notify.OutcomeRetry, Code: 451, Next: next}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClaimNotices(ctx, "w2", 10, time.Minute); len(c) != 0 {
		t.Error("claimed before its backoff")
	}
	clock.T = next
	got3, _ := s.ClaimNotices(ctx, "w3", 10, time.Minute)
	if len(got3) != 1 || got3[0].Attempt != 3 {
		t.Fatalf("after backoff %+v", got3)
	}
	if err := s.RecordDelivery(ctx, "w3", got3[0], notify.Result{Outcome: notify.OutcomeSent, Code: 250}); err != nil {
		t.Fatal(err)
	}
	var attempts []string
	s.DB().Select(&attempts, `SELECT outcome || ':' || COALESCE(smtp_code::text, '') FROM notify_attempts WHERE notice_id = $1 ORDER BY n`, n.ID)
	if len(attempts) != 3 || attempts[0] != "interrupted:" || attempts[1] != "retry:451" || attempts[2] != "sent:250" {
		t.Errorf("attempts %v", attempts)
	}
	clock.T = clock.T.Add(time.Hour)
	if c, _ := s.ClaimNotices(ctx, "w4", 10, time.Minute); len(c) != 0 {
		t.Error("a sent notice claimed again")
	}
	// Opting out before the send cancels a pending notice.
	if _, err := s.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at)
		VALUES ('191212121212', 'personnummer', 'digest', '2026-03', $1, $1)`, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClaimNotices(ctx, "w4", 10, time.Minute); len(c) != 0 {
		t.Errorf("a notice of a kind not opted in was claimed: %+v", c)
	}
	s.DB().Get(&status, `SELECT status FROM notify_notices WHERE kind = 'digest'`)
	if status != "cancelled" {
		t.Errorf("status %s", status)
	}
}
