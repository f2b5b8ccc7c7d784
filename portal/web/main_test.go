package web_test

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/insyn/insyn/portal/web"
	"log/slog"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// startServer runs the real server on a free loopback port.
func startServer(t *testing.T) string {
	t.Helper()
	base, _ := startServerOn(t)
	return base
}

// startServerOn is startServer that also gives its store.
func startServerOn(t *testing.T) (string, *store.Store) {
	t.Helper()
	st := storetest.Open(t, nil)
	srv, err := web.New(web.Config{Store: st, Texts: i18n.MustLoad(portal.Stockholm),
		Log: slog.New(slog.DiscardHandler), Clock: &portal.FixedClock{T: time.Date(2026, 3, 31, 12, 0, 0, 0, portal.Stockholm)}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String(), st
}
