package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/insyn/insyn/portal/web"
)

// TestInternalErrorGivesAReference: an internal error shows the request's
// id as a reference to quote, never as an "ärendenummer", the word the
// portal uses for the case numbers of the patient's flags.
func TestInternalErrorGivesAReference(t *testing.T) {
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
	st.Close() // the start page's figures cannot be read: an internal error
	for lang, want := range map[string]string{"sv": "Ange den här referensen om du kontaktar oss:", "en": "Quote this reference if you contact us:"} {
		resp, err := http.Get("http://" + ln.Addr().String() + "/?lang=" + lang)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body := string(b); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, want) || strings.Contains(body, "ärendenummer") {
			t.Errorf("%s: %d\n%s", lang, resp.StatusCode, body)
		}
	}
}
