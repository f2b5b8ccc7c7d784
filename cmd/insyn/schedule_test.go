package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store/storetest"
)

// logBuffer is a log the schedule's goroutine writes while the test reads.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeReviewEvery(t *testing.T) {
	env := map[string]string{}
	a := &app{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(k string) string { return env[k] }}
	for in, want := range map[string]time.Duration{"": 5 * time.Minute, "0": 0, "30s": 30 * time.Second, " 1h ": time.Hour} {
		env["INSYN_REVIEW_EVERY"] = in
		if got, err := a.reviewEvery(reviewEveryServe); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"5", "soon", "10ms", "-1m"} {
		env["INSYN_REVIEW_EVERY"] = in
		if _, err := a.reviewEvery(reviewEveryServe); portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("%q accepted: %v", in, err)
		}
	}
}

// TestServeSchedulesReviews: serve's schedule runs a review at its
// interval, logging counts without personal ids, and skips a turn while
// another run holds the review lock rather than queueing behind it.
func TestServeSchedulesReviews(t *testing.T) {
	st := storetest.Open(t, portal.SystemClock{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := st.InsertEvents(ctx, []portal.Event{{SourceSystem: "S", SourceLogID: "1", OccurredAt: time.Now().Add(-time.Hour),
		ActorHSAID: "SE2321000016-5001", ActorUnit: portal.Party{HSAID: "SE2321000016-1001"}, Activity: portal.ActivityRead,
		Purpose: portal.PurposeCare, Patient: mustPID(t, "191212121212"), ResourceType: "Journalanteckning"}}); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	a := &app{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(&logs, nil))}
	// Another run holds the lock while the schedule starts.
	tx, err := st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('insyn_review'))`); err != nil {
		t.Fatal(err)
	}
	a.startReviewSchedule(ctx, st, 100*time.Millisecond)
	waitFor(t, &logs, "scheduled review skipped")
	tx.Rollback()
	waitFor(t, &logs, "events=1")
	var runs int
	if err := st.DB().Get(&runs, `SELECT count(*) FROM review_runs`); err != nil || runs < 1 {
		t.Fatalf("%d runs, %v", runs, err)
	}
	if strings.Contains(logs.String(), "191212121212") {
		t.Errorf("a personal id in the log: %s", logs.String())
	}
}

func waitFor(t *testing.T, logs *logBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // a busy machine
	for !strings.Contains(logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log: %s", s, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustPID(t *testing.T, s string) portal.PersonalID {
	t.Helper()
	p, err := portal.ParsePersonalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
