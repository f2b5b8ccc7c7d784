package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/auth/demoidp"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/insyn/insyn/portal/web"
)

// authEnv is Insyn with login through the real demo provider, both on
// loopback; the provider sits behind a recorder that lets a test watch and
// tamper with what passes.
type authEnv struct {
	base   string
	srv    *web.Server
	st     *store.Store
	clock  *portal.FixedClock
	idp    *demoidp.Server
	logs   *syncBuffer
	rec    *recorder
	client auth.Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder wraps the provider: it records the authorization and token
// requests and can rewrite the authorization query or the token response.
type recorder struct {
	mu            sync.Mutex
	authorize     url.Values
	token         url.Values
	editAuthorize func(url.Values)
	editToken     func(map[string]any)
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/authorize":
			q := r.URL.Query()
			rc.mu.Lock()
			rc.authorize = q
			if rc.editAuthorize != nil {
				rc.editAuthorize(q)
				r.URL.RawQuery = q.Encode()
			}
			rc.mu.Unlock()
		case "/oauth/token":
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			rc.mu.Lock()
			rc.token = form
			edit := rc.editToken
			rc.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
			if edit != nil {
				rw := httptest.NewRecorder()
				h.ServeHTTP(rw, r)
				var m map[string]any
				if err := json.Unmarshal(rw.Body.Bytes(), &m); err == nil {
					edit(m)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rw.Code)
				json.NewEncoder(w).Encode(m)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

type envOption func(*web.Config)

func startAuthEnv(t *testing.T, opts ...envOption) *authEnv {
	t.Helper()
	e := &authEnv{clock: &portal.FixedClock{T: time.Now()}, logs: &syncBuffer{}, rec: &recorder{}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.st = storetest.Open(t, e.clock)
	webLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	idpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + webLn.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	e.idp, err = demoidp.New("http://"+idpLn.Addr().String(), demoidp.Options{
		ClientID: "insyn-test", ClientSecret: "test-secret",
		RedirectURIs: []string{e.base + "/auth/callback"}, PostLogoutRedirectURIs: []string{e.base + "/"},
		Citizens: []demoidp.Citizen{{PersonalID: "19121212-1212", Name: "Tolvan Tolvansson"}},
		Log:      log,
	})
	if err != nil {
		t.Fatal(err)
	}
	demoidp.ServeHandler(ctx, idpLn, e.rec.wrap(e.idp.Handler()))
	env := map[string]string{
		"OIDC_ISSUER": e.idp.Issuer, "OIDC_CLIENT_ID": "insyn-test", "OIDC_CLIENT_SECRET": "test-secret",
		"INSYN_BASE_URL": e.base, "INSYN_SESSION_KEY": strings.Repeat("ab", 32),
	}
	e.client, err = auth.ConfigFromEnv(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	client, err := auth.NewClient(e.client, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: e.st, Texts: i18n.MustLoad(portal.Stockholm), Log: log, Clock: e.clock,
		Auth: client, Sessions: auth.NewSessions(e.st, e.clock, e.client.SessionKey)}
	for _, o := range opts {
		o(&cfg)
	}
	e.srv, err = web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { e.srv.Serve(ctx, webLn); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// newClient is a browser without JavaScript that follows no redirects by
// itself, so each step of the flow can be checked.
func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// flow records every URL a login passed through.
type flow struct{ urls []string }

func (f *flow) get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	f.urls = append(f.urls, u)
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func next(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode/100 != 3 {
		t.Fatalf("%s: status %d, want a redirect", resp.Request.URL, resp.StatusCode)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

// login runs the whole flow as a browser would, up to the redirect back to
// Insyn's callback, which beforeCallback may alter; it returns the
// callback's response.
func (e *authEnv) login(t *testing.T, c *http.Client, subject string, beforeCallback func(*url.URL)) (*http.Response, *flow) {
	t.Helper()
	return e.loginFrom(t, c, e.base+"/login", subject, beforeCallback)
}

// loginFrom is login started at start: /login itself, or a page behind
// the login that sends there.
func (e *authEnv) loginFrom(t *testing.T, c *http.Client, start, subject string, beforeCallback func(*url.URL)) (*http.Response, *flow) {
	t.Helper()
	f := &flow{}
	if !strings.HasPrefix(start, e.base+"/login") {
		start = next(t, f.get(t, c, start))
	}
	authURL := next(t, f.get(t, c, start))
	loginURL := next(t, f.get(t, c, authURL))
	lu, _ := url.Parse(loginURL)
	f.urls = append(f.urls, loginURL)
	resp, err := c.PostForm(e.idp.Issuer+"/login", url.Values{"id": {lu.Query().Get("authRequestID")}, "subject": {subject}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb := next(t, f.get(t, c, next(t, resp)))
	cu, _ := url.Parse(cb)
	if beforeCallback != nil {
		beforeCallback(cu)
	}
	return f.get(t, c, cu.String()), f
}

func (e *authEnv) sessions(t *testing.T) int64 {
	t.Helper()
	n, err := e.st.CountSessions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// page GETs a page of Insyn and returns status and body.
func page(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csrfToken reads the hidden form token from a page.
func csrfToken(t *testing.T, body string) string {
	t.Helper()
	const marker = `name="_csrf" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatal("no csrf field on the page")
	}
	rest := body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
