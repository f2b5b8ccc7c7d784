package main

import (
	"context"
	"log/slog"

	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/web"
)

func init() {
	register("serve", "cli.cmd.serve", cmdServe)
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve")
	addr := fs.String("addr", a.getenvDefault("INSYN_ADDR", "127.0.0.1:8080"), a.help("serve.addr"))
	if err := parse(fs, args); err != nil {
		return err
	}
	// A missing setting is said before a private database is started for
	// nothing (serve reads the settings again below).
	if _, err := auth.ConfigFromEnv(a.getenv, "http://"+*addr); err != nil {
		return err
	}
	a.logLevel.Set(slog.LevelInfo) // a server logs its requests
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	return a.serve(ctx, st, *addr)
}

// serve runs the web server until ctx ends (SIGINT or SIGTERM), then
// shuts down gracefully. Login is configured from the environment (OIDC_*,
// INSYN_SESSION_KEY, INSYN_BASE_URL); `demo` sets the same variables.
func (a *app) serve(ctx context.Context, st *store.Store, addr string) error {
	cfg, err := auth.ConfigFromEnv(a.getenv, "http://"+addr)
	if err != nil {
		return err
	}
	client, err := auth.NewClient(cfg, a.clock)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Store: st, Texts: a.catalog, Log: a.log, Clock: a.clock,
		Auth: client, Sessions: auth.NewSessions(st, a.clock, cfg.SessionKey), DemoInbox: a.demoInbox})
	if err != nil {
		return err
	}
	def := reviewEveryServe
	if a.demoInbox != nil { // the demo: a reader sees a notice soon after an ingest
		def = reviewEveryDemo
	}
	every, err := a.reviewEvery(def)
	if err != nil {
		return err
	}
	if err := a.startNotifier(ctx, st, cfg.BaseURL); err != nil { // notify.go
		return err
	}
	a.startReviewSchedule(ctx, st, every) // schedule.go
	a.log.Info("listening", "addr", addr)
	a.printf("cli.listening", map[string]any{"URL": cfg.BaseURL + "/"})
	return srv.Listen(ctx, addr)
}
