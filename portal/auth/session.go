package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// Session timeouts (DESIGN.md section 6; the numbers).
const (
	IdleTimeout     = 15 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// touchEvery spares each request a write: activity is recorded when
	// the last record is this old, so a session idles out at most this
	// much before a full IdleTimeout after its last request.
	touchEvery = 30 * time.Second
)

// ErrNoSession is a missing, unknown or expired session.
var ErrNoSession = &portal.Error{Code: portal.NotFound, MsgID: "auth.error.no_session", Detail: "no session"}

// Session is a signed-in person as the web layer sees it.
type Session struct {
	Subject   Subject
	CSRFToken string // the form token bound to this session
	IDToken   string
	ExpiresAt time.Time
	// Guardian: the patient is someone's guardian, as the relations stood
	// when the session was read for this request.
	Guardian bool
	idHash   []byte
}

// Sessions keeps sessions in PostgreSQL. The cookie carries a random id;
// the table holds only HMAC(key, id), so a database copy opens nothing.
type Sessions struct {
	store   *store.Store
	clock   portal.Clock
	hashKey []byte
}

// NewSessions binds the store, the clock and the configured key.
func NewSessions(st *store.Store, clock portal.Clock, key []byte) *Sessions {
	return &Sessions{store: st, clock: clock, hashKey: subkey(key, "session-id")}
}

func (m *Sessions) hash(id string) []byte {
	h := hmac.New(sha256.New, m.hashKey)
	h.Write([]byte(id))
	return h.Sum(nil)
}

// Start creates the session of a finished login and returns the cookie
// value. Any session the browser still had (previous) ends: the id is
// never reused across a login (session fixation).
func (m *Sessions) Start(ctx context.Context, l Login, previous string) (string, Session, error) {
	if previous != "" {
		if err := m.store.DeleteSession(ctx, m.hash(previous)); err != nil {
			return "", Session{}, err
		}
	}
	id := randomToken()
	now := m.clock.Now()
	row := store.Session{
		IDHash: m.hash(id), SubjectKind: string(l.Subject.Kind),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout),
		IDToken: l.IDToken, CSRFSecret: randomBytes(32),
	}
	switch l.Subject.Kind {
	case PatientSubject:
		p := l.Subject.PersonalID
		row.PersonalID = sql.NullString{String: p.Digits(), Valid: true}
		row.PersonalIDKind = sql.NullString{String: string(p.Kind()), Valid: true}
		row.PersonalIDRoot = sql.NullString{String: p.Root(), Valid: true}
	case StaffSubject:
		row.HSAID = sql.NullString{String: string(l.Subject.HSAID), Valid: true}
	}
	if err := m.store.CreateSession(ctx, row); err != nil {
		return "", Session{}, err
	}
	return id, fromRow(row), nil
}

// Load finds the session of a cookie and records the activity. A session
// idle for IdleTimeout or older than AbsoluteTimeout is deleted and
// ErrNoSession returned.
func (m *Sessions) Load(ctx context.Context, id string) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	h := m.hash(id)
	row, err := m.store.SessionByHash(ctx, h)
	if portal.ErrorCode(err) == portal.NotFound {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	now := m.clock.Now()
	if expired(row, now) {
		if err := m.store.DeleteSession(ctx, h); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := m.store.TouchSession(ctx, h, now); err != nil {
			return Session{}, err
		}
	}
	return fromRow(row), nil
}

func expired(row store.Session, now time.Time) bool {
	return !now.Before(row.ExpiresAt) || !now.Before(row.LastSeenAt.Add(IdleTimeout))
}

// End deletes a session at our side.
func (m *Sessions) End(ctx context.Context, s Session) error {
	return m.store.DeleteSession(ctx, s.idHash)
}

// Sweep deletes every expired session; the server runs it now and then.
func (m *Sessions) Sweep(ctx context.Context) (int64, error) {
	now := m.clock.Now()
	return m.store.DeleteStaleSessions(ctx, now, now.Add(-IdleTimeout))
}

// Key names the session inside this process (a per-session cache): the
// stored hash of its id, never the cookie's value.
func (s Session) Key() string { return string(s.idHash) }

// CheckCSRF compares a submitted form token with the session's in constant
// time.
func (s Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRFToken)) == 1
}

func fromRow(row store.Session) Session {
	sub := Subject{Kind: SubjectKind(row.SubjectKind), PersonalID: row.Patient()}
	if row.HSAID.Valid {
		sub.HSAID = portal.HSAID(row.HSAID.String)
	}
	return Session{Subject: sub, CSRFToken: base64.RawURLEncoding.EncodeToString(row.CSRFSecret),
		IDToken: row.IDToken, ExpiresAt: row.ExpiresAt, Guardian: row.Guardian, idHash: row.IDHash}
}

// IsNoSession tells ErrNoSession apart from a database failure.
func IsNoSession(err error) bool { return errors.Is(err, ErrNoSession) }
