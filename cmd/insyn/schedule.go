package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// Review runs on a schedule beside the server, so that what a run finds
// (cases, and the notices written in its transaction: emergency access, a
// new provider, a watched person) does not wait for someone to type
// `insyn review run`. The monthly digests are the notification worker's
// (notify.go, Worker.Digests).

const (
	reviewEveryServe = 5 * time.Minute
	reviewEveryDemo  = 30 * time.Second
)

// reviewEvery is INSYN_REVIEW_EVERY (a Go duration such as 5m; 0 turns
// the schedule off), or def when it is unset.
func (a *app) reviewEvery(def time.Duration) (time.Duration, error) {
	raw := strings.TrimSpace(a.getenv("INSYN_REVIEW_EVERY"))
	if raw == "" {
		return def, nil
	}
	if raw == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < time.Second && d != 0 {
		return 0, portal.Errorf(portal.Invalid, "informed.error.review_every", "INSYN_REVIEW_EVERY is not a duration of at least 1s").
			With("Value", raw)
	}
	return d, nil
}

// startReviewSchedule runs a review every `every` until ctx ends. A run
// never waits for another: when one holds the review lock (a command-line
// run, or another server's schedule) this turn is skipped.
func (a *app) startReviewSchedule(ctx context.Context, st *store.Store, every time.Duration) {
	if every <= 0 {
		a.log.Info("scheduled review off")
		return
	}
	a.log.Info("scheduled review", "every", every.String())
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.scheduledReview(ctx, st)
			}
		}
	}()
}

// scheduledReview is one turn of the schedule; it logs counts only.
func (a *app) scheduledReview(ctx context.Context, st *store.Store) {
	t0 := time.Now()
	res, err := st.RunReview(ctx, store.ReviewRunOptions{NoWait: true}, review.Rules)
	switch {
	case errors.Is(err, store.ErrReviewBusy):
		a.log.Info("scheduled review skipped: another run is under way")
	case err != nil:
		if ctx.Err() == nil {
			a.log.Error("scheduled review", "error", err.Error())
		}
	default:
		a.log.Info("scheduled review", "run", res.Run, "events", res.Events, "explained", res.Explained,
			"hits", res.Hits, "cases_opened", res.CasesOpened, "cases_joined", res.CasesJoined,
			"took_ms", time.Since(t0).Milliseconds())
	}
}
