package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
	"github.com/insyn/insyn/portal/store/storetest"
)

// The demo's SMTP server is wired through INSYN_SMTP_URL, the variable
// serve reads, and the worker serve starts sends the outbox to it.
func TestDemoMailAndNotifier(t *testing.T) {
	var errb bytes.Buffer
	env := map[string]string{}
	a := &app{stdout: io.Discard, stderr: &errb, log: slog.New(slog.DiscardHandler), clock: portal.SystemClock{},
		getenv: func(k string) string { return env[k] }}
	a.loadTexts("sv")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storetest.Open(t, portal.SystemClock{})
	if err := a.startNotifier(ctx, st, "http://127.0.0.1:18080"); err != nil || errb.Len() != 0 {
		t.Fatalf("without INSYN_SMTP_URL: %v %q", err, errb.String())
	}
	if err := a.startDemoMail(ctx, "127.0.0.1:18080"); err != nil {
		t.Fatal(err)
	}
	ib, ok := a.demoInbox.(*inbox.Server)
	if !ok || a.getenv("INSYN_SMTP_URL") != "smtp://"+ib.Addr+"?starttls=off" ||
		!strings.Contains(errb.String(), "http://127.0.0.1:18080/demo/inkorg") {
		t.Fatalf("demo mail: %q, %q", a.getenv("INSYN_SMTP_URL"), errb.String())
	}
	tolvan, _ := portal.ParsePersonalID("191212121212")
	if _, err := st.SaveNotifySettings(ctx, portal.PatientActor(tolvan, ""), notify.Settings{Lang: "sv", Address: "tolvan@example.se"}); err != nil {
		t.Fatal(err)
	}
	if err := a.startNotifier(ctx, st, "http://127.0.0.1:18080"); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	msgs, err := ib.Wait(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].To != "tolvan@example.se" || !strings.Contains(msgs[0].Header.Get("From"), "<insyn@localhost>") ||
		!strings.Contains(msgs[0].Text, "http://127.0.0.1:18080/avisering/bekrafta/") {
		t.Errorf("confirmation %+v", msgs[0])
	}
	if !strings.Contains(errb.String(), "smtp://127.0.0.1:") {
		t.Errorf("the worker's server is not shown: %q", errb.String())
	}
}

func TestServeRefusesABadSMTPURL(t *testing.T) {
	a := &app{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), clock: portal.SystemClock{},
		getenv: func(k string) string {
			if k == "INSYN_SMTP_URL" {
				return "http://mail.example.se"
			}
			return ""
		}}
	a.loadTexts("sv")
	err := a.startNotifier(context.Background(), nil, "http://127.0.0.1:8080")
	if got := a.errorText(err); got != "INSYN_SMTP_URL ska börja med smtp:// eller smtps://." {
		t.Errorf("a bad INSYN_SMTP_URL: %q", got)
	}
}
