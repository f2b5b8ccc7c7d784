package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Notifications (DESIGN.md section 9): a patient's settings, the outbox
// and its delivery record. Every notice is written in the transaction of
// what caused it: an emergency access or a new provider in the review run
// that first sees the event (enqueueRunNotices), a flag's change of status
// in workCase (enqueueFlagChange), a confirmation with the address change,
// a digest by the monthly job. The worker (portal/notify) claims notices
// under a lease and records every attempt.

// MaxAddressChanges is how many times a patient may change their address
// (or ask for the confirmation again) in an hour: each sends a mail to an
// address nobody has confirmed yet.
const MaxAddressChanges = 5

// ConfirmValidity is how long a confirmation link works.
const ConfirmValidity = 7 * 24 * time.Hour

const (
	qSettings = `
SELECT kinds, lang, address, confirmed_at IS NOT NULL AS confirmed FROM notify_settings
WHERE patient_id = $1 AND patient_id_kind = $2`

	qEnsureSettings = `
INSERT INTO notify_settings (patient_id, patient_id_kind, patient_id_root, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`

	qLockSettings = `
SELECT address FROM notify_settings WHERE patient_id = $1 AND patient_id_kind = $2 FOR UPDATE`

	qAddressChanges = `
SELECT count(*) FROM notify_address_changes WHERE patient_id = $1 AND patient_id_kind = $2 AND at > $3`

	qRecordAddressChange = `
INSERT INTO notify_address_changes (patient_id, patient_id_kind, at) VALUES ($1, $2, $3)`

	qSaveSettings = `
UPDATE notify_settings SET kinds = $3, lang = $4, updated_at = $5 WHERE patient_id = $1 AND patient_id_kind = $2`

	// qSetAddress sets a new address, unconfirmed, with the hash of its
	// confirmation token (NULL when the address is removed).
	qSetAddress = `
UPDATE notify_settings SET address = $3, confirmed_at = NULL, confirm_hash = $4, confirm_expires = $5, updated_at = $6
WHERE patient_id = $1 AND patient_id_kind = $2`

	qInsertNotice = `
INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, to_address, created_at, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT DO NOTHING`

	qConfirmable = `
SELECT lang FROM notify_settings WHERE confirm_hash = $1 AND confirm_expires > $2`

	qConfirm = `
UPDATE notify_settings SET confirmed_at = $2, confirm_hash = NULL, confirm_expires = NULL, updated_at = $2
WHERE confirm_hash = $1 AND confirm_expires > $2
RETURNING lang`

	qUnsubscribable = `
SELECT n.kind, COALESCE(s.lang, 'sv') AS lang FROM notify_notices n
LEFT JOIN notify_settings s ON s.patient_id = n.patient_id AND s.patient_id_kind = n.patient_id_kind
WHERE n.unsub_token = $1`

	// An opt-out removes the notice's kind; a confirmation's removes the
	// address it was sent to (someone gave an address not theirs), if it
	// is still the one set.
	qUnsubscribe = `
WITH n AS (SELECT patient_id, patient_id_kind, kind, to_address FROM notify_notices
           WHERE unsub_token = $1 AND subject_id IS NULL)
UPDATE notify_settings s SET
    kinds = CASE WHEN n.kind = 'confirm' THEN s.kinds ELSE array_remove(s.kinds, n.kind) END,
    address = CASE WHEN n.kind = 'confirm' THEN '' ELSE s.address END,
    confirmed_at = CASE WHEN n.kind = 'confirm' THEN NULL ELSE s.confirmed_at END,
    confirm_hash = CASE WHEN n.kind = 'confirm' THEN NULL ELSE s.confirm_hash END,
    confirm_expires = CASE WHEN n.kind = 'confirm' THEN NULL ELSE s.confirm_expires END,
    updated_at = $2
FROM n
WHERE s.patient_id = n.patient_id AND s.patient_id_kind = n.patient_id_kind
  AND (n.kind <> 'confirm' OR s.address = n.to_address)`

	// qUnsubscribeChild: a notice about a child stops that kind for that
	// child only, leaving the guardian's own choices as they are.
	qUnsubscribeChild = `
UPDATE notify_guardians g SET kinds = array_remove(g.kinds, n.kind), updated_at = $2
FROM notify_notices n
WHERE n.unsub_token = $1 AND g.child_id = n.subject_id AND g.child_kind = n.subject_kind
  AND g.guardian_id = n.patient_id AND g.guardian_kind = n.patient_id_kind`

	qPatientNotices = `
SELECT kind, status, created_at, sent_at FROM notify_notices
WHERE patient_id = $1 AND patient_id_kind = $2 ORDER BY created_at DESC, id DESC LIMIT $3`

	// qClaim takes the due notices no live lease holds, skipping those
	// another worker is claiming right now, with what decides where (and
	// whether) each goes. A notice about a child goes only while the
	// guardian still chose its kind and may still act for the child (under
	// 13 today): the kinds are then empty and the notice is cancelled.
	qClaim = `
SELECT n.id, n.key, n.unsub_token, n.kind, n.attempts, n.payload, COALESCE(n.to_address, '') AS to_address,
       COALESCE(s.address, '') AS address, COALESCE(s.confirmed_at IS NOT NULL, false) AS confirmed,
       COALESCE(CASE WHEN n.subject_id IS NULL THEN s.kinds ELSE
           (SELECT g.kinds FROM notify_guardians g
            WHERE g.child_id = n.subject_id AND g.child_kind = n.subject_kind
              AND g.guardian_id = n.patient_id AND g.guardian_kind = n.patient_id_kind
              AND insyn_may_act_for(n.patient_id, n.subject_id, n.subject_kind,
                                    ($1::timestamptz AT TIME ZONE 'Europe/Stockholm')::date)) END, '{}') AS kinds,
       n.subject_id IS NOT NULL AS for_child, COALESCE(s.lang, 'sv') AS lang
FROM notify_notices n
LEFT JOIN notify_settings s ON s.patient_id = n.patient_id AND s.patient_id_kind = n.patient_id_kind
WHERE n.status = 'pending' AND n.next_attempt_at <= $1 AND (n.lease_until IS NULL OR n.lease_until <= $1)
ORDER BY n.next_attempt_at, n.id
LIMIT $2
FOR UPDATE OF n SKIP LOCKED`

	// An attempt left open by a worker whose lease ran out was cut short:
	// the message may or may not have reached the server.
	qInterrupted = `
UPDATE notify_attempts SET finished_at = $2, outcome = 'interrupted'
WHERE notice_id = ANY($1) AND finished_at IS NULL`

	qCancelNotices = `
UPDATE notify_notices SET status = 'cancelled', lease_owner = NULL, lease_until = NULL WHERE id = ANY($1)`

	qLeaseNotices = `
UPDATE notify_notices SET attempts = attempts + 1, lease_owner = $2, lease_until = $3 WHERE id = ANY($1)`

	qOpenAttempts = `
INSERT INTO notify_attempts (notice_id, n, worker, started_at)
SELECT id, attempts, $2, $3 FROM notify_notices WHERE id = ANY($1)`

	// qRecordNotice closes a delivery, only under the worker's own lease
	// and attempt: a worker whose lease ran out changes nothing. A sent
	// confirmation forgets its token (the settings keep only its hash).
	qRecordNotice = `
UPDATE notify_notices SET status = $4, sent_at = $5, next_attempt_at = COALESCE($6, next_attempt_at),
       lease_owner = NULL, lease_until = NULL,
       payload = CASE WHEN $4 = 'sent' THEN payload - 'token' ELSE payload END
WHERE id = $1 AND lease_owner = $2 AND attempts = $3`

	qRecordAttempt = `
UPDATE notify_attempts SET finished_at = $3, outcome = $4, smtp_code = NULLIF($5, 0), detail = $6
WHERE notice_id = $1 AND n = $2 AND finished_at IS NULL`

	// qActiveRunKinds tells whether anyone waits for a review run's
	// notices, so a run with no subscriber costs one index probe.
	qActiveRunKinds = `
SELECT EXISTS (SELECT 1 FROM notify_settings WHERE confirmed_at IS NOT NULL AND kinds && '{emergency,new_provider}')
    OR EXISTS (SELECT 1 FROM notify_guardians WHERE kinds && '{emergency,new_provider}')`

	// qRunRecipients is who a run's notices go to, by whose record they
	// are about (subj): a patient with a confirmed address for their own
	// record, and a guardian with a confirmed address for a child under 13
	// whose notices they chose (child_id set). $2 is the run's time.
	qRunRecipients = `
WITH rcpt AS (
    SELECT s.patient_id AS subj_id, s.patient_id_kind AS subj_kind, s.patient_id AS to_id,
           s.patient_id_kind AS to_kind, s.kinds, NULL::text AS child_id, NULL::text AS child_kind
    FROM notify_settings s WHERE s.confirmed_at IS NOT NULL
    UNION ALL
    SELECT g.child_id, g.child_kind, g.guardian_id, g.guardian_kind, g.kinds, g.child_id, g.child_kind
    FROM notify_guardians g
    JOIN notify_settings s ON s.patient_id = g.guardian_id AND s.patient_id_kind = g.guardian_kind
    WHERE s.confirmed_at IS NOT NULL
      AND insyn_may_act_for(g.guardian_id, g.child_id, g.child_kind, ($2::timestamptz AT TIME ZONE 'Europe/Stockholm')::date)
)`

	// runNoticeInsert is the head of a run's notice: one per recipient and
	// record, keyed by the run (and for a guardian by a hash of the child,
	// so two children make two notices and the key holds no personal id).
	runNoticeInsert = `
INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, created_at, next_attempt_at, subject_id, subject_kind)
`
	runNoticeDedupe = `'run:' || $1::bigint || COALESCE(':child:' || md5(child_id), '')`

	// qRunEmergency writes one notice per opted-in recipient with
	// emergency accesses among the run's events in the record (run_marked
	// holds every one), counting the occasions (person and day), not the
	// events of each.
	qRunEmergency = qRunRecipients + runNoticeInsert + `
SELECT s.to_id, s.to_kind, 'emergency', ` + runNoticeDedupe + `,
       jsonb_build_object('count', count(DISTINCT (r.actor_hsa_id, r.day))), $2, $2, s.child_id, s.child_kind
FROM rcpt s
JOIN run_marked r ON r.patient_id = s.subj_id AND r.patient_id_kind = s.subj_kind
WHERE 'emergency' = ANY(s.kinds) AND (r.emergency OR r.activity = 'emergency')
GROUP BY s.to_id, s.to_kind, s.child_id, s.child_kind
ON CONFLICT DO NOTHING`

	// qRunNewProvider writes one notice per opted-in recipient whose
	// record the run shows a provider reading that had no access to it
	// stored besides this run's events (run_scope says which those are).
	qRunNewProvider = qRunRecipients + `, cand AS (
    SELECT DISTINCT s.to_id, s.to_kind, s.child_id, s.child_kind, r.patient_id, r.patient_id_kind, r.provider_hsa_id
    FROM rcpt s
    JOIN run_actor_patients r ON r.patient_id = s.subj_id AND r.patient_id_kind = s.subj_kind
    WHERE 'new_provider' = ANY(s.kinds) AND r.provider_hsa_id <> ''
), fresh AS (
    SELECT c.* FROM cand c
    WHERE NOT EXISTS (
        SELECT 1 FROM access_events e
        LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_provider_hsa_id = ''
        WHERE e.patient_id = c.patient_id AND e.patient_id_kind = c.patient_id_kind
          AND COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, '') = c.provider_hsa_id
          AND NOT EXISTS (SELECT 1 FROM run_scope rs WHERE ` + scopeByTable + `))
)` + runNoticeInsert + `
SELECT to_id, to_kind, 'new_provider', ` + runNoticeDedupe + `, jsonb_build_object('count', count(*)), $2, $2, child_id, child_kind
FROM fresh GROUP BY to_id, to_kind, child_id, child_kind
ON CONFLICT DO NOTHING`

	// qFlagChange writes a notice for the patient whose flag the case
	// carries, keyed by the timeline entry that recorded the change.
	qFlagChange = `
INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, created_at, next_attempt_at)
SELECT s.patient_id, s.patient_id_kind, 'flag_change',
       'case:' || c.id || ':' || (SELECT max(id) FROM case_timeline WHERE case_id = c.id), $2, $2
FROM cases c
JOIN notify_settings s ON s.patient_id = c.patient_id AND s.patient_id_kind = c.patient_id_kind
WHERE c.id = $1 AND s.confirmed_at IS NOT NULL AND 'flag_change' = ANY(s.kinds)
  AND EXISTS (SELECT 1 FROM flags f WHERE f.case_id = c.id AND f.patient_id = c.patient_id
                                      AND f.patient_id_kind = c.patient_id_kind)
ON CONFLICT DO NOTHING`

	// qRunWatchlist writes one notice per opted-in recipient of a record
	// among a run's watchlist hits (watchlistHits, by patient): that a
	// person on the list they keep (the patient's own, or the one a
	// guardian keeps for the child, migration 00023) opened the record,
	// never who. A guardian is not told of the other guardian's list.
	qRunWatchlist = qRunRecipients + runNoticeInsert + `
SELECT s.to_id, s.to_kind, 'watchlist', ` + runNoticeDedupe + `, jsonb_build_object('count', m.n), $2, $2, s.child_id, s.child_kind
FROM unnest($3::text[], $4::text[]) AS h(id, kind)
JOIN rcpt s ON s.subj_id = h.id AND s.subj_kind = h.kind
CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM rule_hits rh
    WHERE rh.run_id = $1 AND rh.rule = 'watchlist' AND rh.patient_id = h.id AND rh.patient_id_kind = h.kind
      AND EXISTS (SELECT 1 FROM watchlist w
                  WHERE w.patient_id = rh.patient_id AND w.patient_id_kind = rh.patient_id_kind
                    AND w.staff_hsa_id = rh.staff_hsa_id AND w.watched_by = CASE WHEN s.child_id IS NULL THEN '' ELSE s.to_id END
                    AND rh.occurred_at >= w.added_at AND (w.removed_at IS NULL OR rh.occurred_at < w.removed_at))) m
WHERE 'watchlist' = ANY(s.kinds) AND m.n > 0
ON CONFLICT DO NOTHING`

	qDigestMonth = `
INSERT INTO notify_digest_months (month, done_at, notices) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING RETURNING month`

	// qDigests counts each opted-in patient's accesses of the month and
	// those nothing explains (the history page's definition), records the
	// read in log_reads and writes the digest, once per patient and month.
	qDigests = `
WITH p AS (
    SELECT patient_id, patient_id_kind FROM notify_settings
    WHERE confirmed_at IS NOT NULL AND 'digest' = ANY(kinds)
), c AS (
    SELECT p.patient_id, p.patient_id_kind, count(e.id) AS n,
           count(e.id) FILTER (WHERE r.relation_id IS NULL) AS unexplained
    FROM p
    LEFT JOIN access_events e ON e.patient_id = p.patient_id AND e.patient_id_kind = p.patient_id_kind
                              AND e.occurred_at >= $2 AND e.occurred_at < $3
    LEFT JOIN LATERAL (SELECT x.relation_id FROM insyn_explaining_relation(e.patient_id, e.actor_hsa_id,
                       e.actor_unit_hsa_id, e.occurred_at) x LIMIT 1) r ON e.id IS NOT NULL
    GROUP BY p.patient_id, p.patient_id_kind
), reads AS (
    INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, period_from, period_to, rows)
    SELECT $1, 'system', 'notify', 'Insyn', patient_id, 'notify_digest', $2, $3, n FROM c
)
INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, created_at, next_attempt_at)
SELECT patient_id, patient_id_kind, 'digest', $4::text,
       jsonb_build_object('count', n, 'unexplained', unexplained, 'month', $4::text), $1, $1
FROM c
ON CONFLICT DO NOTHING`

	qDigestCount = `UPDATE notify_digest_months SET notices = $2 WHERE month = $1`
)

// notifyPatient is the actor's patient, for the settings: a patient only.
func notifyPatient(actor portal.Actor) (portal.PersonalID, error) {
	if actor.Kind != portal.ActorPatient || actor.Patient.IsZero() {
		return portal.PersonalID{}, portal.Errorf(portal.Forbidden, "case.error.forbidden", "settings are a patient's own")
	}
	return actor.Patient, nil
}

type settingsRow struct {
	Kinds     pq.StringArray `db:"kinds"`
	Lang      string         `db:"lang"`
	Address   string         `db:"address"`
	Confirmed bool           `db:"confirmed"`
}

// NotifySettings reads the patient's own settings; a patient who never
// saved any has none chosen, in lang.
func (s *Store) NotifySettings(ctx context.Context, actor portal.Actor, lang string) (notify.Settings, error) {
	p, err := notifyPatient(actor)
	if err != nil {
		return notify.Settings{}, err
	}
	var r settingsRow
	err = s.db.GetContext(ctx, &r, qSettings, p.Digits(), string(p.Kind()))
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Settings{Lang: lang}, nil
	}
	if err != nil {
		return notify.Settings{}, fmt.Errorf("store: notify settings: %w", err)
	}
	out := notify.Settings{Lang: r.Lang, Address: r.Address, Confirmed: r.Confirmed}
	for _, k := range r.Kinds {
		out.Kinds = append(out.Kinds, notify.Kind(k))
	}
	return out, nil
}

// SaveNotifySettings saves the patient's choices. A new address starts
// unconfirmed and a confirmation is written to the outbox in the same
// transaction; changing the address is limited to MaxAddressChanges an
// hour (a FieldErrors on "address"). It reports whether a confirmation
// was sent.
func (s *Store) SaveNotifySettings(ctx context.Context, actor portal.Actor, set notify.Settings) (bool, error) {
	p, err := notifyPatient(actor)
	if err != nil {
		return false, err
	}
	if err := set.Validate(); err != nil {
		return false, err
	}
	now := s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: notify settings: %w", err)
	}
	defer tx.Rollback()
	old, err := lockSettings(ctx, tx, p, now)
	if err != nil {
		return false, err
	}
	kinds := make([]string, len(set.Kinds))
	for i, k := range set.Kinds {
		kinds[i] = string(k)
	}
	if _, err := tx.ExecContext(ctx, qSaveSettings, p.Digits(), string(p.Kind()), pq.Array(kinds), set.Lang, now); err != nil {
		return false, fmt.Errorf("store: notify settings: %w", err)
	}
	sent := false
	if set.Address != old {
		if sent, err = s.changeAddress(ctx, tx, p, set.Address, now); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: notify settings: %w", err)
	}
	return sent, nil
}

// ResendConfirmation writes a new confirmation of the patient's
// unconfirmed address (the old link stops working); it counts against
// the same hourly limit. Nothing to confirm is NotFound.
func (s *Store) ResendConfirmation(ctx context.Context, actor portal.Actor) error {
	p, err := notifyPatient(actor)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: resend confirmation: %w", err)
	}
	defer tx.Rollback()
	addr, err := lockSettings(ctx, tx, p, now)
	if err != nil {
		return err
	}
	var confirmed bool
	if err := tx.GetContext(ctx, &confirmed, `SELECT confirmed_at IS NOT NULL FROM notify_settings
		WHERE patient_id = $1 AND patient_id_kind = $2`, p.Digits(), string(p.Kind())); err != nil {
		return fmt.Errorf("store: resend confirmation: %w", err)
	}
	if addr == "" || confirmed {
		return fmt.Errorf("store: nothing to confirm: %w", portal.ErrNotFound)
	}
	if _, err := s.changeAddress(ctx, tx, p, addr, now); err != nil {
		return err
	}
	return tx.Commit()
}

// lockSettings makes sure the patient's row exists and locks it, so
// concurrent saves take turns (and the rate limit counts right); it
// returns the address set now.
func lockSettings(ctx context.Context, tx *sqlx.Tx, p portal.PersonalID, now time.Time) (string, error) {
	if _, err := tx.ExecContext(ctx, qEnsureSettings, p.Digits(), string(p.Kind()), p.Root(), now); err != nil {
		return "", fmt.Errorf("store: notify settings: %w", err)
	}
	var addr string
	if err := tx.GetContext(ctx, &addr, qLockSettings, p.Digits(), string(p.Kind())); err != nil {
		return "", fmt.Errorf("store: notify settings: %w", err)
	}
	return addr, nil
}

// changeAddress sets addr unconfirmed and writes its confirmation, within
// the hourly limit; an empty addr just removes the address.
func (s *Store) changeAddress(ctx context.Context, tx *sqlx.Tx, p portal.PersonalID, addr string, now time.Time) (bool, error) {
	var n int
	if err := tx.GetContext(ctx, &n, qAddressChanges, p.Digits(), string(p.Kind()), now.Add(-time.Hour)); err != nil {
		return false, fmt.Errorf("store: address changes: %w", err)
	}
	if n >= MaxAddressChanges {
		return false, portal.FieldErrors{"address": portal.Errorf(codeRateLimited, "notify.error.rate_limited", "address changed too often")}
	}
	if _, err := tx.ExecContext(ctx, qRecordAddressChange, p.Digits(), string(p.Kind()), now); err != nil {
		return false, fmt.Errorf("store: address changes: %w", err)
	}
	if addr == "" {
		_, err := tx.ExecContext(ctx, qSetAddress, p.Digits(), string(p.Kind()), "", nil, nil, now)
		return false, err
	}
	token, err := newToken()
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256([]byte(token))
	if _, err := tx.ExecContext(ctx, qSetAddress, p.Digits(), string(p.Kind()), addr, sum[:], now.Add(ConfirmValidity), now); err != nil {
		return false, fmt.Errorf("store: set address: %w", err)
	}
	payload, _ := json.Marshal(map[string]string{"token": token})
	dedupe := "address:" + fmt.Sprint(now.UnixNano()) + ":" + token[:8]
	if _, err := tx.ExecContext(ctx, qInsertNotice, p.Digits(), string(p.Kind()), string(notify.KindConfirm), dedupe,
		string(payload), addr, now); err != nil {
		return false, fmt.Errorf("store: confirmation notice: %w", err)
	}
	return true, nil
}

// codeRateLimited is the web's 429 code, for a refusal shown beside a field.
const codeRateLimited portal.Code = "rate_limited"

// newToken is 160 random bits in the case keys' alphabet.
func newToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: token: %w", err)
	}
	return caseKeyEncoding.EncodeToString(b[:]), nil
}

// ConfirmLang tells whether token confirms an address now, and the
// language of the patient who set it; not so is NotFound. It changes
// nothing (the confirmation page's GET).
func (s *Store) ConfirmLang(ctx context.Context, token string) (string, error) {
	sum := sha256.Sum256([]byte(token))
	var lang string
	err := s.db.GetContext(ctx, &lang, qConfirmable, sum[:], s.clock.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: confirmation: %w", portal.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: confirmation: %w", err)
	}
	return lang, nil
}

// ConfirmAddress confirms the address whose link carries token; an
// unknown, used or expired token is NotFound.
func (s *Store) ConfirmAddress(ctx context.Context, token string) (string, error) {
	sum := sha256.Sum256([]byte(token))
	var lang string
	err := s.db.GetContext(ctx, &lang, qConfirm, sum[:], s.clock.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: confirm: %w", portal.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: confirm: %w", err)
	}
	return lang, nil
}

// Unsubscribable is the kind a notice's unsubscribe token stops and the
// patient's language; an unknown token is NotFound. It changes nothing.
func (s *Store) Unsubscribable(ctx context.Context, token string) (notify.Kind, string, error) {
	var r struct {
		Kind string `db:"kind"`
		Lang string `db:"lang"`
	}
	err := s.db.GetContext(ctx, &r, qUnsubscribable, token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("store: unsubscribe: %w", portal.ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("store: unsubscribe: %w", err)
	}
	return notify.Kind(r.Kind), r.Lang, nil
}

// Unsubscribe stops what the token's notice was about: its kind, or for a
// confirmation the address. It is idempotent; the token is the only
// authority (RFC 8058: no session, no form token).
func (s *Store) Unsubscribe(ctx context.Context, token string) (notify.Kind, string, error) {
	kind, lang, err := s.Unsubscribable(ctx, token)
	if err != nil {
		return "", "", err
	}
	for _, q := range []string{qUnsubscribe, qUnsubscribeChild} { // one of them matches
		if _, err := s.db.ExecContext(ctx, q, token, s.clock.Now()); err != nil {
			return "", "", fmt.Errorf("store: unsubscribe: %w", err)
		}
	}
	return kind, lang, nil
}

// PatientNotice is one of a patient's notices as the settings page lists
// it: what kind, when, and whether it went.
type PatientNotice struct {
	Kind      notify.Kind  `db:"kind"`
	Status    string       `db:"status"`
	CreatedAt time.Time    `db:"created_at"`
	SentAt    sql.NullTime `db:"sent_at"`
}

// PatientNotices lists the patient's own latest notices.
func (s *Store) PatientNotices(ctx context.Context, actor portal.Actor, limit int) ([]PatientNotice, error) {
	p, err := notifyPatient(actor)
	if err != nil {
		return nil, err
	}
	var out []PatientNotice
	if err := s.db.SelectContext(ctx, &out, qPatientNotices, p.Digits(), string(p.Kind()), limit); err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	return out, nil
}

// claimRow is a due notice with its patient's settings.
type claimRow struct {
	ID         int64          `db:"id"`
	Key        string         `db:"key"`
	UnsubToken string         `db:"unsub_token"`
	Kind       string         `db:"kind"`
	Attempts   int            `db:"attempts"`
	Payload    []byte         `db:"payload"`
	ToAddress  string         `db:"to_address"`
	Address    string         `db:"address"`
	Confirmed  bool           `db:"confirmed"`
	Kinds      pq.StringArray `db:"kinds"`
	Lang       string         `db:"lang"`
	ForChild   bool           `db:"for_child"`
}

// deliverable is where the notice goes now, or "" when it no longer
// goes: a confirmation only to the address it confirms while that is
// still set and unconfirmed; anything else only to a confirmed address
// of a patient still opted in to its kind.
func (r claimRow) deliverable() string {
	if r.Kind == string(notify.KindConfirm) {
		if r.Address == r.ToAddress && !r.Confirmed {
			return r.ToAddress
		}
		return ""
	}
	if !r.Confirmed {
		return ""
	}
	for _, k := range r.Kinds {
		if k == r.Kind {
			return r.Address
		}
	}
	return ""
}

// ClaimNotices implements notify.Outbox.
func (s *Store) ClaimNotices(ctx context.Context, worker string, n int, lease time.Duration) ([]notify.Notice, error) {
	now := s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: claim notices: %w", err)
	}
	defer tx.Rollback()
	var rows []claimRow
	if err := tx.SelectContext(ctx, &rows, qClaim, now, n); err != nil {
		return nil, fmt.Errorf("store: claim notices: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	all := make([]int64, len(rows))
	var take, cancel []int64
	var out []notify.Notice
	for i, r := range rows {
		all[i] = r.ID
		to := r.deliverable()
		if to == "" {
			cancel = append(cancel, r.ID)
			continue
		}
		take = append(take, r.ID)
		nt := notify.Notice{ID: r.ID, Key: r.Key, UnsubToken: r.UnsubToken, Kind: notify.Kind(r.Kind),
			Attempt: r.Attempts + 1, To: to, Lang: r.Lang, ForChild: r.ForChild}
		if err := json.Unmarshal(r.Payload, &nt); err != nil {
			return nil, fmt.Errorf("store: notice payload: %w", err)
		}
		out = append(out, nt)
	}
	steps := []struct {
		q    string
		args []any
	}{
		{qInterrupted, []any{pq.Array(all), now}},
		{qCancelNotices, []any{pq.Array(cancel)}},
		{qLeaseNotices, []any{pq.Array(take), worker, now.Add(lease)}},
		{qOpenAttempts, []any{pq.Array(take), worker, now}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return nil, fmt.Errorf("store: claim notices: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: claim notices: %w", err)
	}
	return out, nil
}

// RecordDelivery implements notify.Outbox. A worker whose lease ran out
// (another worker may have claimed the notice since) records its attempt
// but leaves the notice to the lease's holder.
func (s *Store) RecordDelivery(ctx context.Context, worker string, n notify.Notice, r notify.Result) error {
	now := s.clock.Now()
	status := "pending"
	var sentAt, next any
	switch r.Outcome {
	case notify.OutcomeSent:
		status, sentAt = "sent", now
	case notify.OutcomeFail:
		status = "failed"
	default:
		next = r.Next
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record delivery: %w", err)
	}
	defer tx.Rollback()
	detail := r.Detail
	if len(detail) > 500 {
		detail = detail[:500]
	}
	if _, err := tx.ExecContext(ctx, qRecordAttempt, n.ID, n.Attempt, now, string(r.Outcome), r.Code, quarantineText(detail)); err != nil {
		return fmt.Errorf("store: record attempt: %w", err)
	}
	res, err := tx.ExecContext(ctx, qRecordNotice, n.ID, worker, n.Attempt, status, sentAt, next)
	if err != nil {
		return fmt.Errorf("store: record delivery: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		s.log.Warn("notice lease lost before its delivery was recorded", "event_id", n.ID)
	}
	return tx.Commit()
}

// enqueueRunNotices writes, inside a review run's transaction, the
// notices its events call for: emergency accesses and providers new to a
// record, for patients who opted in and confirmed an address. The review
// run (not ingest) is where they are written: it is the one place that
// sees each event exactly once, after its batch committed, and ingest
// stays as fast as COPY.
func enqueueRunNotices(ctx context.Context, tx *sqlx.Tx, run int64, now time.Time) error {
	var active bool
	if err := tx.GetContext(ctx, &active, qActiveRunKinds); err != nil {
		return fmt.Errorf("store: run notices: %w", err)
	}
	if !active {
		return nil
	}
	for _, q := range []string{qRunEmergency, qRunNewProvider} {
		if _, err := tx.ExecContext(ctx, q, run, now); err != nil {
			return fmt.Errorf("store: run notices: %w", err)
		}
	}
	return nil
}

// enqueueWatchlistNotices writes, inside a review run's transaction and
// after its cases, a notice to each opted-in patient (or guardian) whose
// own watchlist the run's hits concern. A run sees each event once and the notice is keyed
// by the run, so a second run writes nothing for the same accesses.
func enqueueWatchlistNotices(ctx context.Context, tx *sqlx.Tx, run int64, now time.Time) error {
	hits, err := watchlistHits(ctx, tx, run)
	if err != nil || len(hits) == 0 {
		return err
	}
	var ids, kinds []string
	for _, h := range hits { // ordered by patient: one entry each
		if n := len(ids); n > 0 && ids[n-1] == h.PatientID && kinds[n-1] == h.PatientIDKind {
			continue
		}
		ids, kinds = append(ids, h.PatientID), append(kinds, h.PatientIDKind)
	}
	// Each recipient's count is of the hits on the list they keep.
	if _, err := tx.ExecContext(ctx, qRunWatchlist, run, now, pq.Array(ids), pq.Array(kinds)); err != nil {
		return fmt.Errorf("store: watchlist notices: %w", err)
	}
	return nil
}

// enqueueFlagChange writes, inside workCase's transaction, the notice of a
// flag's new status to the patient who flagged, if they opted in.
func enqueueFlagChange(ctx context.Context, tx *sqlx.Tx, caseID int64, from, to portal.CaseStatus, now time.Time) error {
	if from == to {
		return nil
	}
	if _, err := tx.ExecContext(ctx, qFlagChange, caseID, now); err != nil {
		return fmt.Errorf("store: flag notice: %w", err)
	}
	return nil
}

// EnqueueDigests implements notify.Outbox: the digests of the month that
// starts at month (Europe/Stockholm), once. A second run for the month
// writes nothing, and each patient's digest is unique on (patient,
// month) besides.
func (s *Store) EnqueueDigests(ctx context.Context, month time.Time) (int, error) {
	m := month.In(portal.Stockholm)
	from := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, portal.Stockholm)
	to := from.AddDate(0, 1, 0)
	now := s.clock.Now()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: digests: %w", err)
	}
	defer tx.Rollback()
	var got time.Time
	err = tx.GetContext(ctx, &got, qDigestMonth, from.Format("2006-01-02"), now)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // done before
	}
	if err != nil {
		return 0, fmt.Errorf("store: digests: %w", err)
	}
	res, err := tx.ExecContext(ctx, qDigests, now, from, to, from.Format("2006-01"))
	if err != nil {
		return 0, fmt.Errorf("store: digests: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, qDigestCount, from.Format("2006-01-02"), n); err != nil {
		return 0, fmt.Errorf("store: digests: %w", err)
	}
	return int(n), tx.Commit()
}
