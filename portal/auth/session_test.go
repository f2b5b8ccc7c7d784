package auth

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store/storetest"
)

func newSessions(t *testing.T) (*Sessions, *portal.FixedClock) {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2026, 3, 31, 8, 0, 0, 0, portal.Stockholm)}
	st := storetest.Open(t, clock)
	return NewSessions(st, clock, bytes.Repeat([]byte{7}, 32)), clock
}

func patientLogin(t *testing.T) Login {
	t.Helper()
	pid, err := portal.ParsePersonalID("19121212-1212")
	if err != nil {
		t.Fatal(err)
	}
	return Login{Subject: Subject{Kind: PatientSubject, PersonalID: pid}, IDToken: "header.payload.sig"}
}

func TestIdleTimeout(t *testing.T) {
	m, clock := newSessions(t)
	ctx := context.Background()
	id, _, err := m.Start(ctx, patientLogin(t), "")
	if err != nil {
		t.Fatal(err)
	}
	// Activity every 14 minutes keeps the session; 15 idle minutes end it.
	for range 3 {
		clock.T = clock.T.Add(14 * time.Minute)
		s, err := m.Load(ctx, id)
		if err != nil {
			t.Fatalf("session ended after 14 idle minutes: %v", err)
		}
		if s.Subject.PersonalID.Digits() != "191212121212" || s.Subject.Kind != PatientSubject {
			t.Fatal("session lost its subject")
		}
	}
	clock.T = clock.T.Add(IdleTimeout)
	if _, err := m.Load(ctx, id); !IsNoSession(err) {
		t.Fatalf("session alive after 15 idle minutes: %v", err)
	}
	if n, _ := m.store.CountSessions(ctx); n != 0 {
		t.Errorf("expired session left in the table")
	}
}

// TestActivityRecordedAtMostTwiceAMinute: a burst of requests writes the
// session once; the next after touchEvery writes again.
func TestActivityRecordedAtMostTwiceAMinute(t *testing.T) {
	m, clock := newSessions(t)
	ctx := context.Background()
	id, _, err := m.Start(ctx, patientLogin(t), "")
	if err != nil {
		t.Fatal(err)
	}
	lastSeen := func() time.Time {
		row, err := m.store.SessionByHash(ctx, m.hash(id))
		if err != nil {
			t.Fatal(err)
		}
		return row.LastSeenAt
	}
	start := lastSeen()
	clock.T = clock.T.Add(10 * time.Second)
	if _, err := m.Load(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(start) {
		t.Errorf("a request 10 s after the last record wrote the session (%v → %v)", start, got)
	}
	clock.T = clock.T.Add(touchEvery)
	if _, err := m.Load(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(clock.T) {
		t.Errorf("activity %v after the last record not recorded: %v", touchEvery+10*time.Second, got)
	}
}

func TestAbsoluteTimeout(t *testing.T) {
	m, clock := newSessions(t)
	ctx := context.Background()
	start := clock.T
	id, _, err := m.Start(ctx, patientLogin(t), "")
	if err != nil {
		t.Fatal(err)
	}
	// Never idle, yet the session ends 12 hours after login.
	for clock.T.Before(start.Add(AbsoluteTimeout - 10*time.Minute)) {
		clock.T = clock.T.Add(10 * time.Minute)
		if _, err := m.Load(ctx, id); err != nil {
			t.Fatalf("session ended %v after login: %v", clock.T.Sub(start), err)
		}
	}
	clock.T = start.Add(AbsoluteTimeout)
	if _, err := m.Load(ctx, id); !IsNoSession(err) {
		t.Fatalf("session alive 12 hours after login: %v", err)
	}
}

func TestStartRotatesAndStoresOnlyAHash(t *testing.T) {
	m, _ := newSessions(t)
	ctx := context.Background()
	first, _, err := m.Start(ctx, patientLogin(t), "")
	if err != nil {
		t.Fatal(err)
	}
	second, s2, err := m.Start(ctx, patientLogin(t), first)
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatal("same id after a second login")
	}
	if _, err := m.Load(ctx, first); !IsNoSession(err) {
		t.Error("the id before login still opens a session")
	}
	if _, err := m.Load(ctx, second); err != nil {
		t.Error(err)
	}
	var stored int
	if err := m.store.DB().Get(&stored, `SELECT count(*) FROM sessions WHERE id_hash = $1 OR encode(id_hash, 'escape') = $2`, []byte(second), second); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Error("the cookie value itself is stored")
	}
	if len(s2.CSRFToken) < 40 || s2.CheckCSRF("") || s2.CheckCSRF(s2.CSRFToken+"x") || !s2.CheckCSRF(s2.CSRFToken) {
		t.Errorf("csrf token %q checks wrongly", s2.CSRFToken)
	}
	if _, err := m.Load(ctx, ""); !IsNoSession(err) {
		t.Error("an empty cookie opens a session")
	}
}

func TestSweepRemovesOnlyExpired(t *testing.T) {
	m, clock := newSessions(t)
	ctx := context.Background()
	old, _, _ := m.Start(ctx, patientLogin(t), "")
	clock.T = clock.T.Add(10 * time.Minute)
	fresh, _, _ := m.Start(ctx, patientLogin(t), "")
	clock.T = clock.T.Add(6 * time.Minute) // old idle 16 min, fresh 6
	if n, err := m.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want 1", n, err)
	}
	if _, err := m.Load(ctx, fresh); err != nil {
		t.Error("sweep removed a live session")
	}
	if _, err := m.Load(ctx, old); !IsNoSession(err) {
		t.Error("sweep kept an idle session")
	}
}
