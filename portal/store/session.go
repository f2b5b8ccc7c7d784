package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
)

// Session is one login as stored: the rules (timeouts, rotation) live in
// portal/auth, the store only keeps rows.
type Session struct {
	IDHash         []byte         `db:"id_hash"`
	SubjectKind    string         `db:"subject_kind"` // "patient" or "staff"
	PersonalID     sql.NullString `db:"personal_id"`
	PersonalIDKind sql.NullString `db:"personal_id_kind"`
	PersonalIDRoot sql.NullString `db:"personal_id_root"`
	HSAID          sql.NullString `db:"hsa_id"`
	CreatedAt      time.Time      `db:"created_at"`
	LastSeenAt     time.Time      `db:"last_seen_at"`
	ExpiresAt      time.Time      `db:"expires_at"`
	IDToken        string         `db:"id_token"`
	CSRFSecret     []byte         `db:"csrf_secret"`
	// Guardian is whether the session's patient is anyone's guardian,
	// read with the session (not stored): every page of theirs offers the
	// switch to a child by it, and this saves each a round trip.
	Guardian bool `db:"guardian"`
}

// Patient is the session's personal id (zero for a staff session).
func (s Session) Patient() portal.PersonalID {
	if !s.PersonalID.Valid {
		return portal.PersonalID{}
	}
	return portal.PersonalIDFromDB(s.PersonalID.String, portal.IDKind(s.PersonalIDKind.String), s.PersonalIDRoot.String)
}

const (
	qSessionInsert = `
INSERT INTO sessions (id_hash, subject_kind, personal_id, personal_id_kind, personal_id_root, hsa_id,
                      created_at, last_seen_at, expires_at, id_token, csrf_secret)
VALUES (:id_hash, :subject_kind, :personal_id, :personal_id_kind, :personal_id_root, :hsa_id,
        :created_at, :last_seen_at, :expires_at, :id_token, :csrf_secret)`
	qSessionByHash = `
SELECT id_hash, subject_kind, personal_id, personal_id_kind, personal_id_root, hsa_id,
       created_at, last_seen_at, expires_at, id_token, csrf_secret,
       personal_id IS NOT NULL AND EXISTS (SELECT 1 FROM relations r
                                           WHERE r.personal_id_a = sessions.personal_id AND r.kind = 'guardian') AS guardian
FROM sessions WHERE id_hash = $1`
	qSessionTouch       = `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`
	qSessionDelete      = `DELETE FROM sessions WHERE id_hash = $1`
	qSessionDeleteStale = `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`
	qSessionCount       = `SELECT count(*) FROM sessions`
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	if _, err := s.db.NamedExecContext(ctx, qSessionInsert, sess); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash finds a session by the hash of its id; portal.ErrNotFound
// when there is none.
func (s *Store) SessionByHash(ctx context.Context, idHash []byte) (Session, error) {
	var sess Session
	err := s.db.GetContext(ctx, &sess, qSessionByHash, idHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, portal.Errorf(portal.NotFound, "error.not_found", "session not found")
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", err)
	}
	return sess, nil
}

// TouchSession records activity for the idle timeout.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, qSessionTouch, idHash, at); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; ending one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.db.ExecContext(ctx, qSessionDelete, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteStaleSessions removes sessions past their absolute expiry or idle
// since before idleBefore, and returns how many.
func (s *Store) DeleteStaleSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, qSessionDeleteStale, now, idleBefore)
	if err != nil {
		return 0, fmt.Errorf("store: delete stale sessions: %w", err)
	}
	return res.RowsAffected()
}

// CountSessions counts stored sessions (tests and operators).
func (s *Store) CountSessions(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, qSessionCount); err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}
