package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/lib/pq"
)

// eventsInScope keeps a read of events e to the reader's scope (readScope,
// parameters $4 and $6 to $10): a patient reads only their own events,
// staff only those their care providers acted in or own (the unit's
// provider where the log names none; a reader not limited to providers
// never evaluates those subqueries), and a guardian a child's events only
// while the child is under 13.
const eventsInScope = `AND ($6 = '' OR (e.patient_id = $6 AND e.patient_id_kind = $7))
      AND (NOT $4 OR e.actor_provider_hsa_id = ANY($8) OR e.owner_provider_hsa_id = ANY($8)
           OR EXISTS (SELECT 1 FROM units u WHERE u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
                                              AND u.provider_hsa_id = ANY($8))
           OR EXISTS (SELECT 1 FROM units ou WHERE ou.hsa_id = e.owner_unit_hsa_id AND e.owner_unit_hsa_id <> ''
                                               AND ou.provider_hsa_id = ANY($8)))
      AND insyn_may_act_for($9, $6, $7, $10::date)`

const (
	// qExtractEvents reads one patient's events in a period with the names
	// the log itself carried (the reference data's come from the directory,
	// directory.go, not from joins), and the best care relation that
	// explains each access (DESIGN.md section 5), as the review and the
	// case pages see it. They are picked all at once: the patient's
	// relations joined by the definition's parts, each event keeping its
	// first by preference, distance and id, which is
	// insyn_explaining_relation's pick (TestRunAgreesWithFunction).
	// Evaluated per event it cost 7 µs each, doubling the read of 500.
	qExtractEvents = `
WITH protected AS (
    -- The staff with protected identity who ever accessed the patient,
    -- within the reader's scope, numbered by their first access: the
    -- extract names them by this number, so the same person keeps the same
    -- pseudonym in every extract of the patient, whatever its period.
    SELECT e.actor_hsa_id, row_number() OVER (ORDER BY min(e.occurred_at), e.actor_hsa_id) AS n
    FROM access_events e
    JOIN staff st ON st.hsa_id = e.actor_hsa_id AND st.protected_identity
    WHERE e.patient_id = $1 AND e.patient_id_kind = $5 AND e.actor_hsa_id <> ''
      ` + eventsInScope + `
    GROUP BY e.actor_hsa_id
), ev AS MATERIALIZED (
    SELECT e.id, e.occurred_at, e.actor_hsa_id, e.actor_name, e.actor_title,
           e.actor_unit_hsa_id, e.actor_unit_name, e.actor_provider_hsa_id, e.actor_provider_name,
           e.owner_unit_hsa_id, e.owner_unit_name, e.owner_provider_hsa_id, e.owner_provider_name,
           e.activity, e.activity_code, e.purpose, e.purpose_code, e.resource_type, e.emergency, e.coherent
    FROM access_events e
    WHERE e.patient_id = $1 AND e.patient_id_kind = $5 AND e.occurred_at >= $2 AND e.occurred_at < $3
      ` + eventsInScope + `
), explained_now AS (
    SELECT DISTINCT ON (ev.id, ev.occurred_at) ev.id, ev.occurred_at, c.id AS relation_id
    FROM ev
    JOIN care_relations c ON c.personal_id = $1
         AND insyn_care_covers(c.kind, c.starts_at, c.ends_at, ev.occurred_at)
         AND insyn_care_who(c.unit_hsa_id, c.staff_hsa_id, ev.actor_unit_hsa_id, ev.actor_hsa_id)
    ORDER BY ev.id, ev.occurred_at,
             insyn_care_preference(c.staff_hsa_id, c.kind, c.starts_at, c.ends_at, ev.actor_hsa_id, ev.occurred_at),
             insyn_care_distance(c.starts_at, ev.occurred_at), c.id
)
SELECT e.id, e.occurred_at, e.actor_hsa_id,
       e.actor_name AS log_actor_name, e.actor_title AS log_actor_title,
       e.actor_unit_hsa_id, e.actor_unit_name AS log_unit_name, e.actor_provider_name AS log_provider_name,
       e.owner_unit_hsa_id, e.owner_unit_name AS log_owner_unit_name,
       e.owner_provider_hsa_id, e.actor_provider_hsa_id, e.owner_provider_name AS log_owner_provider_name,
       e.activity, e.activity_code, e.purpose, e.purpose_code, e.resource_type,
       e.emergency, e.coherent,
       COALESCE(c.kind, '') AS relation_kind, c.starts_at AS relation_starts_at,
       c.ends_at AS relation_ends_at, COALESCE(c.unit_hsa_id, '') AS relation_unit_hsa_id,
       COALESCE(c.staff_hsa_id <> '' AND c.staff_hsa_id = e.actor_hsa_id, false) AS relation_by_staff,
       COALESCE(pr.n, 0) AS protected_order
FROM ev e
LEFT JOIN explained_now n ON n.id = e.id AND n.occurred_at = e.occurred_at
LEFT JOIN care_relations c ON c.id = n.relation_id
LEFT JOIN protected pr ON pr.actor_hsa_id = e.actor_hsa_id
ORDER BY e.occurred_at, e.id`

	qInsertLogRead = `
INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel,
                       period_from, period_to, provider_hsa_id, rows)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, (SELECT gen FROM reference_generation) AS reference_generation`

	// last_value with is_called: a sequence never drawn from reads 0.
	qDataGeneration = `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM insyn_data_generation`

	qCountLogRead = `UPDATE log_reads SET rows = $2 WHERE id = $1`

	// qExtractPatient is the patient from the population register, if
	// there (the kind too: a reserve number may share its digits with
	// someone's personnummer), and the first month Insyn holds logs for
	// (qLogsBegin): one round trip for the header.
	qExtractPatient = `
SELECT p.personal_id IS NOT NULL AS registered, COALESCE(p.given_name, '') AS given_name,
       COALESCE(p.family_name, '') AS family_name, COALESCE(p.protected_identity, false) AS protected_identity,
       (` + qLogsBegin + `) AS logs_begin
FROM (SELECT) one
LEFT JOIN patients p ON p.personal_id = $1 AND p.id_kind = $2`

	// The newest name a log gave the patient, for patients missing from the
	// population register (reserve numbers, people who moved in).
	// Staff see only the names their own providers' logs gave.
	qExtractPatientFromLog = `
SELECT patient_name FROM access_events
WHERE patient_id = $1 AND patient_id_kind = $2
  AND (NOT $3 OR actor_provider_hsa_id = ANY($4) OR owner_provider_hsa_id = ANY($4))
ORDER BY (patient_name <> '') DESC, occurred_at DESC LIMIT 1`

	qExtractProvider = `SELECT name FROM providers WHERE hsa_id = $1`

	qProviderNames = `SELECT name FROM providers WHERE hsa_id = ANY($1) ORDER BY name`

	// qLogsBegin is the first month Insyn holds logs for, from the name of
	// the oldest monthly partition (access_events_YYYY_MM): the catalogue
	// answers at once, where min(occurred_at) would scan a month of events.
	qLogsBegin = `SELECT to_date(min(substring(c.relname FROM '^access_events_([0-9]{4}_[0-9]{2})$')), 'YYYY_MM')
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'access_events'::regclass`

	// qCodeCounts lists, with counts, the codes the extract may not know
	// and the names the extract may have to fall back on: every activity
	// and purpose the parsers could not map, every information type, and,
	// per HSA-id, the events whose actor, unit or care provider has no name
	// in the reference data, with the name the log gave (the caller decides
	// whether that passes for a name). Staff with protected identity are
	// not missing a name.
	qCodeCounts = `
SELECT 'activity' AS field, activity_code AS code, '' AS name, count(*) AS n
FROM access_events WHERE activity = 'other' AND occurred_at >= $1 AND occurred_at < $2
GROUP BY activity_code
UNION ALL
SELECT 'purpose', purpose_code, '', count(*)
FROM access_events WHERE purpose = 'other' AND occurred_at >= $1 AND occurred_at < $2
GROUP BY purpose_code
UNION ALL
SELECT 'resource', resource_type, '', count(*)
FROM access_events WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY resource_type
UNION ALL
SELECT 'actor_name', e.actor_hsa_id, e.actor_name, count(*)
FROM access_events e LEFT JOIN staff st ON st.hsa_id = e.actor_hsa_id AND e.actor_hsa_id <> ''
WHERE e.occurred_at >= $1 AND e.occurred_at < $2
  AND NOT COALESCE(st.protected_identity, false)
  AND btrim(COALESCE(st.given_name, '') || ' ' || COALESCE(st.family_name, '')) = ''
GROUP BY e.actor_hsa_id, e.actor_name
UNION ALL
SELECT 'unit_name', e.actor_unit_hsa_id, e.actor_unit_name, count(*)
FROM access_events e LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND COALESCE(u.name, '') = ''
GROUP BY e.actor_unit_hsa_id, e.actor_unit_name
UNION ALL
SELECT 'provider_name', COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id, ''), e.actor_provider_name, count(*)
FROM access_events e
LEFT JOIN units u ON u.hsa_id = e.actor_unit_hsa_id AND e.actor_unit_hsa_id <> ''
LEFT JOIN providers p ON p.hsa_id = COALESCE(NULLIF(e.actor_provider_hsa_id, ''), u.provider_hsa_id)
WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND COALESCE(p.name, '') = ''
GROUP BY 2, e.actor_provider_name
ORDER BY 1, 4 DESC, 2, 3`
)

// ExtractQuery selects the events of one log extract.
type ExtractQuery struct {
	Patient  portal.PersonalID
	From, To time.Time    // [From, To); a zero From means from the first event
	Provider portal.HSAID // optional: events where this provider acted or owned the records
	Channel  string       // how the log is read, recorded in log_reads: "extract_pdf", "web", ...
}

// ExtractEvent is one event as the extract needs it: the codes (which the
// extract turns into words and never shows), the names from the reference
// data (Ref*) beside the names in the log record itself (Log*), and the care
// relation that explains the access, if any.
type ExtractEvent struct {
	ID         int64     `db:"id"`
	OccurredAt time.Time `db:"occurred_at"`

	ActorHSAID     string `db:"actor_hsa_id"`
	LogActorName   string `db:"log_actor_name"`
	LogActorTitle  string `db:"log_actor_title"`
	RefActorName   string `db:"ref_actor_name"`
	RefActorTitle  string `db:"ref_actor_title"`
	ActorProtected bool   `db:"actor_protected"`

	UnitHSAID          string          `db:"actor_unit_hsa_id"`
	LogUnitName        string          `db:"log_unit_name"`
	RefUnitName        string          `db:"ref_unit_name"`
	ProviderHSAID      string          `db:"actor_provider_hsa_id"`
	LogProviderName    string          `db:"log_provider_name"`
	RefProviderName    string          `db:"ref_provider_name"`
	OwnerUnitHSAID     string          `db:"owner_unit_hsa_id"`
	LogOwnerUnitName   string          `db:"log_owner_unit_name"`
	RefOwnerUnitName   string          `db:"ref_owner_unit_name"`
	OwnerProviderHSAID string          `db:"owner_provider_hsa_id"`
	LogOwnerProvName   string          `db:"log_owner_provider_name"`
	RefOwnerProvName   string          `db:"ref_owner_provider_name"`
	Activity           portal.Activity `db:"activity"`
	ActivityCode       string          `db:"activity_code"`
	Purpose            portal.Purpose  `db:"purpose"`
	PurposeCode        string          `db:"purpose_code"`
	ResourceType       string          `db:"resource_type"`
	Emergency          bool            `db:"emergency"`
	Coherent           bool            `db:"coherent"`
	RelationKind       string          `db:"relation_kind"` // visit, admission, booking, referral, team; "" when unexplained
	RelationStartsAt   sql.NullTime    `db:"relation_starts_at"`
	RelationEndsAt     sql.NullTime    `db:"relation_ends_at"` // NULL: open, or a single moment (visit, booking, referral)
	RelationUnitName   string          `db:"relation_unit_name"`
	RelationUnitHSAID  string          `db:"relation_unit_hsa_id"`
	RelationWithActor  bool            `db:"relation_by_staff"` // the relation names the actor, not only the unit
	// ProtectedOrder numbers a staff member with protected identity among
	// those who accessed the patient, by first access (1, 2, ...): the
	// same in every extract of the patient. 0 for everyone else.
	ProtectedOrder int `db:"-"`
}

// columns are pointers to ev's fields in the order qExtractEvents selects
// them.
func (ev *ExtractEvent) columns() []any {
	return []any{&ev.ID, &ev.OccurredAt, &ev.ActorHSAID, &ev.LogActorName, &ev.LogActorTitle,
		&ev.UnitHSAID, &ev.LogUnitName, &ev.LogProviderName,
		&ev.OwnerUnitHSAID, &ev.LogOwnerUnitName,
		&ev.OwnerProviderHSAID, &ev.ProviderHSAID, &ev.LogOwnerProvName,
		&ev.Activity, &ev.ActivityCode, &ev.Purpose, &ev.PurposeCode, &ev.ResourceType,
		&ev.Emergency, &ev.Coherent,
		&ev.RelationKind, &ev.RelationStartsAt, &ev.RelationEndsAt, &ev.RelationUnitHSAID, &ev.RelationWithActor,
		&ev.ProtectedOrder}
}

// ExtractSubject is what an extract's header says about whom it is for.
type ExtractSubject struct {
	PatientName      string
	PatientProtected bool
	ProviderName     string    // "" when no provider was asked for
	LogsBegin        time.Time // the first month Insyn holds logs for (its first day, UTC); zero when it holds none
	IssuerProviders  []string  // staff: the care providers they produce the extract for
}

// readScope is the part of a read's WHERE clause that comes from who reads
// (portal.Actor): it goes into the SQL itself, so a caller that forgot a
// permission check still cannot widen what comes back.
type readScope struct {
	patient     string   // a patient reads only their own events (or their child's): the digits; "" otherwise
	patientKind string   // and only under their own kind of identity
	guardian    string   // a guardian acting for that child: their digits, checked by insyn_may_act_for; "" otherwise
	today       string   // the Swedish date insyn_may_act_for counts the child's age on
	limited     bool     // only events of the providers below (staff, or a provider asked for)
	providers   []string // may be empty: then nothing matches
}

// scopeFor is what actor may read, narrowed to provider when one is asked for.
func scopeFor(actor portal.Actor, provider portal.HSAID) readScope {
	var sc readScope
	switch actor.Kind {
	case portal.ActorPatient:
		sc.patient, sc.patientKind = actor.Subject().Digits(), string(actor.Subject().Kind())
		sc.guardian = guardianID(actor)
	case portal.ActorStaff:
		sc.limited, sc.providers = true, []string{}
		for _, p := range actor.EventProviders() {
			if provider == "" || p == provider {
				sc.providers = append(sc.providers, string(p))
			}
		}
		return sc
	case portal.ActorSystem:
	default:
		// An actor of no known kind reads nothing.
		return readScope{limited: true, providers: []string{}}
	}
	if provider != "" {
		sc.limited, sc.providers = true, []string{string(provider)}
	}
	return sc
}

// mayRead answers a reader who may not read patient as not found: they learn
// nothing, not even that the patient exists.
func mayRead(actor portal.Actor, patient portal.PersonalID) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	if patient.IsZero() {
		return portal.Errorf(portal.Invalid, "error.personal_id.format", "patient is required")
	}
	if !portal.CanReadPatientEvents(actor, patient) {
		return unknownPatient()
	}
	return nil
}

// mayReadLog is mayRead and, for a guardian, that they may still act for
// the child today (a query): what every read of a log checks first.
func (s *Store) mayReadLog(ctx context.Context, actor portal.Actor, patient portal.PersonalID) error {
	if err := mayRead(actor, patient); err != nil {
		return err
	}
	return s.mayActFor(ctx, actor)
}

func unknownPatient() error {
	return &portal.Error{Code: portal.NotFound, MsgID: "extract.error.unknown_patient",
		Detail: "no such patient", Err: portal.ErrNotFound}
}

// ExtractSubject looks up, for actor, the patient (population register,
// else the name the logs of the actor's scope gave) and the provider an
// extract is for. A patient neither registered nor in any such log is
// NotFound, as is an unknown provider, a provider outside a member of
// staff's own, and any patient the actor may not read; a patient reading
// themselves is always found (a login unknown to Insyn has an empty log,
// not an error). It reads no events and records nothing: EventsForPatient,
// which reads the log, records the read.
func (s *Store) ExtractSubject(ctx context.Context, actor portal.Actor, patient portal.PersonalID, provider portal.HSAID) (ExtractSubject, error) {
	var subj ExtractSubject
	if err := mayRead(actor, patient); err != nil {
		return subj, err
	}
	if provider != "" && !portal.CanReadProviderEvents(actor, provider) {
		return subj, unknownProvider()
	}
	if err := s.mayActFor(ctx, actor); err != nil {
		return subj, err
	}
	sc := scopeFor(actor, "")
	var p struct {
		Registered bool         `db:"registered"`
		Given      string       `db:"given_name"`
		Family     string       `db:"family_name"`
		Protected  bool         `db:"protected_identity"`
		LogsBegin  sql.NullTime `db:"logs_begin"`
	}
	// Prepared: planning its catalogue join cost as much as running it.
	q, err := s.prepared(ctx, qExtractPatient)
	if err == nil {
		err = q.GetContext(ctx, &p, patient, string(patient.Kind()))
	}
	if err != nil {
		return subj, fmt.Errorf("store: extract patient: %w", err)
	}
	subj.LogsBegin = p.LogsBegin.Time
	if p.Registered {
		subj.PatientName, subj.PatientProtected = extractJoinName(p.Given, p.Family), p.Protected
	} else {
		err := s.db.GetContext(ctx, &subj.PatientName, qExtractPatientFromLog, patient, string(patient.Kind()),
			sc.limited, pq.Array(sc.providers))
		switch {
		case errors.Is(err, sql.ErrNoRows) && actor.Kind == portal.ActorPatient:
		case errors.Is(err, sql.ErrNoRows):
			return subj, unknownPatient()
		case err != nil:
			return subj, fmt.Errorf("store: extract patient: %w", err)
		}
	}
	if actor.Kind == portal.ActorStaff {
		if err := s.db.SelectContext(ctx, &subj.IssuerProviders, qProviderNames, pq.Array(sc.providers)); err != nil {
			return subj, fmt.Errorf("store: issuer providers: %w", err)
		}
	}
	if provider != "" {
		if err := s.db.GetContext(ctx, &subj.ProviderName, qExtractProvider, string(provider)); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return subj, unknownProvider()
			}
			return subj, fmt.Errorf("store: extract provider: %w", err)
		}
	}
	return subj, nil
}

func unknownProvider() error {
	return &portal.Error{Code: portal.NotFound, MsgID: "extract.error.unknown_provider",
		Detail: "no such care provider", Err: portal.ErrNotFound}
}

// EventsForPatient streams to fn the patient's events in the query's period
// that actor may read, oldest first: a patient only their own, staff only
// those of the care providers where they hold a reading role, the system
// all (filtered in SQL). A patient the actor may not read is NotFound and
// nothing is read. The read is recorded in log_reads with who read, and
// committed, before the first row is read: rows may reach a reader (a
// file, a browser) even when the stream fails half way, and the record of
// the read must not be rolled back with it. The count of delivered rows is
// added at the end. The event passed to fn is reused; fn must copy what it
// keeps. It returns the number of events delivered.
func (s *Store) EventsForPatient(ctx context.Context, actor portal.Actor, q ExtractQuery, fn func(*ExtractEvent) error) (int, error) {
	if err := s.mayReadLog(ctx, actor, q.Patient); err != nil { // before the read is recorded
		return 0, err
	}
	from, _ := openPeriod(q.From, q.To)
	if !q.To.After(from) {
		return 0, portal.Errorf(portal.Invalid, "extract.error.period", "period ends before it starts")
	}
	sc := scopeFor(actor, q.Provider)
	sc.today = s.today()
	readID, refGen, err := s.insertLogRead(ctx, actor, q, sc, 0)
	if err != nil {
		return 0, err
	}
	dir, err := s.directoryAt(ctx, refGen)
	if err != nil {
		return 0, err
	}
	n, err := streamExtractEvents(ctx, s, q.Patient, from, q.To, sc, dir, fn)
	// The count is kept even when the stream failed: it says how much left.
	if _, uerr := s.db.ExecContext(context.WithoutCancel(ctx), qCountLogRead, readID, n); uerr != nil && err == nil {
		err = fmt.Errorf("store: record log read: %w", uerr)
	}
	return n, err
}

// RecordRead records in log_reads a read of the patient's log that the
// reader makes without reading the events again: a page that shows what it
// built from EventsForPatient moments before (rows events). The same
// permission checks as EventsForPatient come first, so a guardian whose
// child turned 13 since is refused here too.
func (s *Store) RecordRead(ctx context.Context, actor portal.Actor, q ExtractQuery, rows int) error {
	if err := s.mayReadLog(ctx, actor, q.Patient); err != nil {
		return err
	}
	sc := scopeFor(actor, q.Provider)
	_, _, err := s.insertLogRead(ctx, actor, q, sc, rows)
	return err
}

// insertLogRead writes the log_reads row of one read and returns its id,
// and the reference data's generation (directoryAt) in the same round trip.
func (s *Store) insertLogRead(ctx context.Context, actor portal.Actor, q ExtractQuery, sc readScope, rows int) (id, refGen int64, err error) {
	var periodFrom any
	if !q.From.IsZero() {
		periodFrom = q.From
	}
	// What the reader was allowed to see: the provider asked for, or a
	// member of staff's own providers.
	scope := string(q.Provider)
	if actor.Kind == portal.ActorStaff {
		scope = strings.Join(sc.providers, ",")
	}
	// A guardian's read is theirs (actor.ID()) of the child's log; the
	// channel says it was made as guardian.
	channel := q.Channel
	if actor.ActsFor() {
		channel += ":guardian"
	}
	if err := s.db.QueryRowContext(ctx, qInsertLogRead, s.clock.Now(), string(actor.Kind), actor.ID(),
		strings.TrimSpace(actor.Name), q.Patient, channel, periodFrom, q.To, scope, rows).Scan(&id, &refGen); err != nil {
		return 0, 0, fmt.Errorf("store: record log read: %w", err)
	}
	return id, refGen, nil
}

// DataGeneration is a number that moves whenever events, explanations,
// care relations or the reference data an extract names are written
// (migration 00017): what was built from them at one number is still true
// while the number stays.
func (s *Store) DataGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := s.db.GetContext(ctx, &g, qDataGeneration); err != nil {
		return 0, fmt.Errorf("store: data generation: %w", err)
	}
	return g, nil
}

func streamExtractEvents(ctx context.Context, s *Store, patient portal.PersonalID,
	from, to time.Time, sc readScope, dir *directory, fn func(*ExtractEvent) error) (int, error) {
	q, err := s.prepared(ctx, qExtractEvents)
	if err != nil {
		return 0, fmt.Errorf("store: events for patient: %w", err)
	}
	rows, err := q.QueryContext(ctx, patient, from, to, sc.limited, string(patient.Kind()),
		sc.patient, sc.patientKind, pq.Array(sc.providers), sc.guardian, sc.today)
	if err != nil {
		return 0, fmt.Errorf("store: events for patient: %w", err)
	}
	defer rows.Close()
	var ev ExtractEvent
	// The columns in qExtractEvents's order, named once: scanning by
	// name (StructScan) searched the struct by reflection on every row.
	dest := ev.columns()
	n := 0
	for rows.Next() {
		ev = ExtractEvent{}
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("store: scan event: %w", err)
		}
		dir.name(&ev)
		// Protection is never lifted by the names kept in memory: an
		// import that protects someone may commit after they were loaded,
		// and the events' own read, which numbers the protected staff from
		// the staff table, then says so first.
		ev.ActorProtected = ev.ActorProtected || ev.ProtectedOrder > 0
		n++ // counted before fn: a failing sink may have taken part of it
		if err := fn(&ev); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: events for patient: %w", err)
	}
	return n, nil
}

// CodeCount is one code with how many events carry it. Field is
// "activity", "purpose", "resource", or, for an actor, unit or care provider
// the reference data has no name for, "actor_name", "unit_name" or
// "provider_name": then Code is the HSA-id and Name the name the log gave.
type CodeCount struct {
	Field string `db:"field"`
	Code  string `db:"code"`
	Name  string `db:"name"`
	N     int64  `db:"n"`
}

// CodeCounts counts, for the data-quality list, the activity and purpose
// codes the parsers could not map, every information type, and events whose
// actor, unit or care provider the reference data has no name for, in
// [from, to) (zero: all time).
func (s *Store) CodeCounts(ctx context.Context, from, to time.Time) ([]CodeCount, error) {
	from, to = openPeriod(from, to)
	var out []CodeCount
	if err := s.db.SelectContext(ctx, &out, qCodeCounts, from, to); err != nil {
		return nil, fmt.Errorf("store: code counts: %w", err)
	}
	return out, nil
}

func extractJoinName(given, family string) string {
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}
