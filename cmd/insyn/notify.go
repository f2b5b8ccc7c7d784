package main

import (
	"context"
	"net/url"
	"os"
	"time"

	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
	"github.com/insyn/insyn/portal/store"
)

// startNotifier runs the notification worker beside the server when
// INSYN_SMTP_URL is set: it sends the outbox's notices and writes each
// month's digests once the month is over. Without the variable notices
// wait in the outbox (none is lost) until a server with it runs.
func (a *app) startNotifier(ctx context.Context, st *store.Store, baseURL string) error {
	raw := a.getenv("INSYN_SMTP_URL")
	if raw == "" {
		return nil
	}
	cfg, err := notify.ParseSMTPURL(raw)
	if err != nil {
		return err
	}
	from := cfg.From
	if from == "" {
		from = "insyn@" + mailDomain(baseURL)
	}
	host, _ := os.Hostname()
	w := &notify.Worker{Outbox: st, Sender: cfg, Clock: a.clock, Log: a.log, ID: host + "/" + randomHex(4),
		Digests:  true,
		Composer: notify.Composer{Texts: a.catalog, BaseURL: baseURL, From: from}}
	if a.demoInbox != nil {
		w.Poll = 2 * time.Second // the demo shows mails soon after they are due
	}
	go w.Run(ctx)
	a.printf("notify.cli.smtp", map[string]any{"URL": cfg.Redacted()})
	return nil
}

// mailDomain is the sender's domain: the base URL's host, or localhost
// for an address.
func mailDomain(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1" {
		return "localhost"
	}
	return u.Hostname()
}

// startDemoMail runs the demo's SMTP server on loopback and points the
// worker at it through INSYN_SMTP_URL, as production would name its own;
// what it receives shows on /demo/inkorg, a page only the demo has.
func (a *app) startDemoMail(ctx context.Context, addr string) error {
	ib, err := inbox.Start("127.0.0.1:0", inbox.Options{})
	if err != nil {
		return err
	}
	context.AfterFunc(ctx, func() { ib.Close() })
	a.demoInbox = ib
	outer := a.getenv
	smtpURL := "smtp://" + ib.Addr + "?starttls=off"
	a.getenv = func(k string) string {
		if k == "INSYN_SMTP_URL" {
			return smtpURL
		}
		return outer(k)
	}
	a.printf("notify.cli.demo_inbox", map[string]any{"URL": "http://" + addr + "/demo/inkorg"})
	return nil
}
