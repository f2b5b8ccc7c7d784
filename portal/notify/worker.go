package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/insyn/insyn/portal"
)

// Outcome is how one delivery attempt ended.
type Outcome string

const (
	OutcomeSent  Outcome = "sent"
	OutcomeRetry Outcome = "retry"  // a temporary failure: tried again after a backoff
	OutcomeFail  Outcome = "failed" // refused for good, or out of attempts: kept, never sent
)

// Result is an attempt's outcome as the outbox records it.
type Result struct {
	Outcome Outcome
	Code    int       // the SMTP reply code, 0 when there was none
	Detail  string    // what went wrong, without an address or a personal id
	Next    time.Time // OutcomeRetry: when to try again
}

// Outbox is the store's side of delivery.
type Outbox interface {
	// ClaimNotices leases up to n due notices to worker until now+lease
	// (SELECT … FOR UPDATE SKIP LOCKED), marks the attempts of an expired
	// lease interrupted and opens an attempt for each claimed notice.
	// Notices that can no longer go (opted out, address gone) are
	// cancelled, not returned.
	ClaimNotices(ctx context.Context, worker string, n int, lease time.Duration) ([]Notice, error)
	// RecordDelivery closes the attempt and sets the notice's state, only
	// while worker still holds its lease.
	RecordDelivery(ctx context.Context, worker string, n Notice, r Result) error
	// EnqueueDigests writes the digests of a month once (idempotent per
	// patient and month).
	EnqueueDigests(ctx context.Context, month time.Time) (int, error)
}

// Sender hands a message to an SMTP server.
type Sender interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// Backoff is how long to wait after a notice's attempt-th failed attempt:
// 30 s doubling up to 6 h, times a random factor in [0.5, 1.5) (jitter)
// so notices that failed together do not come back together. r is a
// number in [0, 1).
func Backoff(attempt int, r float64) time.Duration {
	const base, max = 30 * time.Second, 6 * time.Hour
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return time.Duration(float64(d) * (0.5 + r))
}

// MaxAttempts is how many attempts a notice gets (about two days with
// Backoff) before it is marked failed.
const MaxAttempts = 14

// Worker sends the outbox's notices.
type Worker struct {
	Outbox   Outbox
	Sender   Sender
	Composer Composer
	Clock    portal.Clock
	Log      *slog.Logger
	ID       string        // this worker's name in leases and attempts
	Lease    time.Duration // how long a claim is held (default 5 min; longer than a send)
	Batch    int           // notices claimed at a time (default 20)
	Poll     time.Duration // the pause when nothing is due (default 10 s)
	// Digests: run each month's digest job when the month is over.
	Digests bool
}

func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = 5 * time.Minute
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Poll <= 0 {
		w.Poll = 10 * time.Second
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run sends until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	lastDigest := ""
	for {
		if w.Digests {
			lastDigest = w.digests(ctx, lastDigest)
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("notify worker", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.Poll):
		}
	}
}

// digests runs the digest job of the month that last ended, once per
// process and month (the job itself is idempotent).
func (w *Worker) digests(ctx context.Context, last string) string {
	now := w.Clock.Now().In(portal.Stockholm)
	prev := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, portal.Stockholm)
	key := prev.Format("2006-01")
	if key == last {
		return last
	}
	n, err := w.Outbox.EnqueueDigests(ctx, prev)
	if err != nil {
		w.Log.Error("notify digests", "error", err.Error())
		return last
	}
	if n > 0 {
		w.Log.Info("notify digests written", "count", n)
	}
	return key
}

// RunOnce claims the due notices once and sends each; it returns how many
// it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	notices, err := w.Outbox.ClaimNotices(ctx, w.ID, w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for _, n := range notices {
		if ctx.Err() != nil {
			return len(notices), ctx.Err() // the leases expire; another claim resumes
		}
		r := w.deliver(ctx, n)
		// Record even when ctx ended during the send (a shutdown): an
		// attempt left open would later count as interrupted.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := w.Outbox.RecordDelivery(rctx, w.ID, n, r)
		cancel()
		if err != nil {
			return len(notices), err
		}
		w.Log.Info("notice delivery", "event_id", n.ID, "status", string(r.Outcome), "count", n.Attempt)
	}
	return len(notices), nil
}

// deliver composes and sends one notice and says how it went.
func (w *Worker) deliver(ctx context.Context, n Notice) Result {
	now := w.Clock.Now()
	m, err := w.Composer.Compose(n, now)
	if err != nil {
		return Result{Outcome: OutcomeFail, Detail: "compose: " + err.Error()}
	}
	// Bound the send well inside the lease, so no other worker claims the
	// notice while this one may still be handing it over.
	sctx, cancel := context.WithTimeout(ctx, w.Lease/2)
	defer cancel()
	err = w.Sender.Send(sctx, w.Composer.From, n.To, m.Bytes)
	if err == nil {
		return Result{Outcome: OutcomeSent, Code: 250}
	}
	r := Result{Outcome: OutcomeRetry, Detail: err.Error()}
	var se *SMTPError
	if errors.As(err, &se) {
		r.Code = se.Code
		if se.Permanent() {
			r.Outcome = OutcomeFail
			return r
		}
	}
	if n.Attempt >= MaxAttempts {
		r.Outcome = OutcomeFail
		return r
	}
	r.Next = now.Add(Backoff(n.Attempt, rand.Float64()))
	return r
}
