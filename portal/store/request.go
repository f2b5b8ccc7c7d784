package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	qInsertRequest = `
INSERT INTO extract_requests (provider_hsa_id, patient_id, patient_id_kind, patient_id_root, period_from, period_to,
                              channel, received_at, lang, registered_by, registered_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING key`

	qRequestColumns = `
SELECT r.id, r.key, r.provider_hsa_id, r.patient_id, r.patient_id_kind, r.patient_id_root,
       r.period_from, r.period_to, r.channel, r.received_at, r.lang, r.status,
       r.registered_by, r.registered_at, COALESCE(r.produced_by, '') AS produced_by, r.produced_at,
       COALESCE(r.delivered_by, '') AS delivered_by, r.delivered_at,
       COALESCE(NULLIF(btrim(p.given_name || ' ' || p.family_name), ''), '') AS patient_name,
       COALESCE(pr.name, '') AS provider_name
FROM extract_requests r
LEFT JOIN patients p ON p.personal_id = r.patient_id AND p.id_kind = r.patient_id_kind
LEFT JOIN providers pr ON pr.hsa_id = r.provider_hsa_id`

	// qRequestByKey finds a request of one of the clerk's providers; any
	// other answers no row, which the caller reports as not found.
	qRequestByKey = qRequestColumns + `
WHERE r.key = $1 AND r.provider_hsa_id = ANY($2)`

	// qListRequests lists the clerk's providers' requests: the unanswered
	// ones by deadline (those past it first, then those closest to it; the
	// deadline grows with the day of receipt), then the delivered ones,
	// newest first.
	qListRequests = qRequestColumns + `
WHERE r.provider_hsa_id = ANY($1)
ORDER BY (r.status = 'delivered'),
         CASE WHEN r.status <> 'delivered' THEN r.received_at END ASC,
         r.delivered_at DESC, r.id DESC
LIMIT $2`

	qLockRequest = `SELECT 1 FROM extract_requests WHERE id = $1 FOR UPDATE`

	qSaveRequest = `
UPDATE extract_requests SET status = $2, produced_by = NULLIF($3, ''), produced_at = $4,
       delivered_by = NULLIF($5, ''), delivered_at = $6
WHERE id = $1`
)

// RequestInput is a request as a clerk registers it.
type RequestInput struct {
	Provider   portal.HSAID
	Patient    portal.PersonalID
	From, To   time.Time // first and last day (Stockholm midnights); From zero: everything logged
	Channel    portal.RequestChannel
	ReceivedAt time.Time
	Lang       string
}

// RequestView is a request as the clerk's pages show it.
type RequestView struct {
	portal.ExtractRequest
	PatientName  string // from the population register; "" when not registered
	ProviderName string
}

type requestRow struct {
	ID           int64        `db:"id"`
	Key          string       `db:"key"`
	Provider     string       `db:"provider_hsa_id"`
	PatientID    string       `db:"patient_id"`
	PatientKind  string       `db:"patient_id_kind"`
	PatientRoot  string       `db:"patient_id_root"`
	From         sql.NullTime `db:"period_from"`
	To           time.Time    `db:"period_to"`
	Channel      string       `db:"channel"`
	ReceivedAt   time.Time    `db:"received_at"`
	Lang         string       `db:"lang"`
	Status       string       `db:"status"`
	RegisteredBy string       `db:"registered_by"`
	RegisteredAt time.Time    `db:"registered_at"`
	ProducedBy   string       `db:"produced_by"`
	ProducedAt   sql.NullTime `db:"produced_at"`
	DeliveredBy  string       `db:"delivered_by"`
	DeliveredAt  sql.NullTime `db:"delivered_at"`
	PatientName  string       `db:"patient_name"`
	ProviderName string       `db:"provider_name"`
}

// day reads a DATE column (midnight UTC as lib/pq gives it) as that day's
// start in Stockholm.
func dateDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, portal.Stockholm)
}

func (r requestRow) view() RequestView {
	v := RequestView{PatientName: r.PatientName, ProviderName: r.ProviderName}
	v.ExtractRequest = portal.ExtractRequest{ID: r.ID, Key: r.Key, Provider: portal.HSAID(r.Provider),
		Patient: portal.PersonalIDFromDB(r.PatientID, portal.IDKind(r.PatientKind), r.PatientRoot),
		To:      dateDay(r.To), Channel: portal.RequestChannel(r.Channel), ReceivedAt: r.ReceivedAt, Lang: r.Lang,
		Status: portal.RequestStatus(r.Status), RegisteredBy: r.RegisteredBy, RegisteredAt: r.RegisteredAt,
		ProducedBy: r.ProducedBy, ProducedAt: r.ProducedAt.Time, DeliveredBy: r.DeliveredBy, DeliveredAt: r.DeliveredAt.Time}
	if r.From.Valid {
		v.From = dateDay(r.From.Time)
	}
	return v
}

// RegisterRequest records a patient's extract request for one of the
// clerk's care providers and returns its key. Only a clerk of that
// provider registers: anyone else is refused (Forbidden), naming no
// provider.
func (s *Store) RegisterRequest(ctx context.Context, actor portal.Actor, in RequestInput) (string, error) {
	if !portal.CanHandleRequests(actor, in.Provider) {
		return "", portal.Errorf(portal.Forbidden, "controls.request.error.forbidden", "actor may not register requests here")
	}
	if in.Patient.IsZero() || !in.Channel.Valid() || in.To.IsZero() || in.ReceivedAt.IsZero() {
		return "", portal.Errorf(portal.Invalid, "controls.request.error.incomplete", "request incomplete")
	}
	if in.Lang != "en" {
		in.Lang = "sv"
	}
	var from any
	if !in.From.IsZero() {
		from = in.From.In(portal.Stockholm).Format(time.DateOnly)
	}
	var key string
	err := s.db.GetContext(ctx, &key, qInsertRequest, string(in.Provider), in.Patient.Digits(), string(in.Patient.Kind()),
		in.Patient.Root(), from, in.To.In(portal.Stockholm).Format(time.DateOnly), string(in.Channel), in.ReceivedAt,
		in.Lang, actor.ID(), s.clock.Now())
	if err != nil {
		return "", fmt.Errorf("store: register request: %w", err)
	}
	return key, nil
}

// Request reads one request of the clerk's providers; another provider's
// key, like a made-up one, is not found.
func (s *Store) Request(ctx context.Context, actor portal.Actor, key string) (RequestView, error) {
	return s.readRequest(ctx, s.db, actor, key)
}

func (s *Store) readRequest(ctx context.Context, q sqlx.QueryerContext, actor portal.Actor, key string) (RequestView, error) {
	if actor.Validate() != nil {
		return RequestView{}, portal.Errorf(portal.Invalid, "error.actor", "request read without actor")
	}
	var r requestRow
	err := sqlx.GetContext(ctx, q, &r, qRequestByKey, key, pq.Array(hsaStrings(actor.RequestProviders())))
	if errors.Is(err, sql.ErrNoRows) {
		return RequestView{}, fmt.Errorf("store: request: %w", portal.ErrNotFound)
	}
	if err != nil {
		return RequestView{}, fmt.Errorf("store: request: %w", err)
	}
	return r.view(), nil
}

// ListRequests lists the requests of the clerk's providers in the order
// they are worked: unanswered ones by deadline, those past it first; then
// the delivered ones, newest first. Anyone but a clerk gets Forbidden.
func (s *Store) ListRequests(ctx context.Context, actor portal.Actor, limit int) ([]RequestView, error) {
	providers := actor.RequestProviders()
	if actor.Validate() != nil || len(providers) == 0 {
		return nil, portal.Errorf(portal.Forbidden, "controls.request.error.forbidden", "only clerks list requests")
	}
	if limit <= 0 {
		limit = 500
	}
	var rows []requestRow
	if err := s.db.SelectContext(ctx, &rows, qListRequests, pq.Array(hsaStrings(providers)), limit); err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	out := make([]RequestView, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, nil
}

// ProduceRequest records that the extract of the request was made.
func (s *Store) ProduceRequest(ctx context.Context, actor portal.Actor, key string) (RequestView, error) {
	return s.workRequest(ctx, actor, key, func(r *portal.ExtractRequest, at time.Time) error { return r.Produce(actor, at) })
}

// DeliverRequest records that the extract reached the patient.
func (s *Store) DeliverRequest(ctx context.Context, actor portal.Actor, key string) (RequestView, error) {
	return s.workRequest(ctx, actor, key, func(r *portal.ExtractRequest, at time.Time) error { return r.Deliver(actor, at) })
}

// workRequest locks the request, lets the domain change it and saves it.
func (s *Store) workRequest(ctx context.Context, actor portal.Actor, key string, change func(*portal.ExtractRequest, time.Time) error) (RequestView, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return RequestView{}, fmt.Errorf("store: request: %w", err)
	}
	defer tx.Rollback()
	v, err := s.readRequest(ctx, tx, actor, key)
	if err != nil {
		return RequestView{}, err
	}
	if _, err := tx.ExecContext(ctx, qLockRequest, v.ID); err != nil {
		return RequestView{}, fmt.Errorf("store: lock request: %w", err)
	}
	if v, err = s.readRequest(ctx, tx, actor, key); err != nil { // as it stands under the lock
		return RequestView{}, err
	}
	if err := change(&v.ExtractRequest, s.clock.Now()); err != nil {
		return RequestView{}, err
	}
	r := v.ExtractRequest
	if _, err := tx.ExecContext(ctx, qSaveRequest, r.ID, string(r.Status), r.ProducedBy, nullTime(r.ProducedAt),
		r.DeliveredBy, nullTime(r.DeliveredAt)); err != nil {
		return RequestView{}, fmt.Errorf("store: save request: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return RequestView{}, fmt.Errorf("store: save request: %w", err)
	}
	return v, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
