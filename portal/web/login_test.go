package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/web"
)

// A personal id the (empty) database has never seen: a valid login.
const unknownPID = "19121212-1212"

func TestLoginWithPKCEStateAndNonceGivesSession(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	resp, f := e.login(t, c, unknownPID, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/oversikt?lang=sv" {
		t.Fatalf("callback: %d to %q, want 303 to the patient's overview", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := e.sessions(t); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
	status, body := page(t, c, e.base+"/me")
	if status != 200 || !strings.Contains(body, "Inloggad") {
		t.Fatalf("/me: %d %q", status, body)
	}
	// PKCE: the challenge was S256 of the verifier sent with the code.
	e.rec.mu.Lock()
	az, tok := e.rec.authorize, e.rec.token
	e.rec.mu.Unlock()
	if az.Get("code_challenge_method") != "S256" || az.Get("state") == "" || az.Get("nonce") == "" {
		t.Fatalf("authorization request lacks S256, state or nonce: %v", az)
	}
	sum := sha256.Sum256([]byte(tok.Get("code_verifier")))
	if tok.Get("code_verifier") == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != az.Get("code_challenge") {
		t.Fatalf("code_verifier %q does not match challenge %q", tok.Get("code_verifier"), az.Get("code_challenge"))
	}
	// No personal id in any URL of the flow or any log line.
	for _, u := range f.urls {
		if strings.Contains(u, "19121212") {
			t.Errorf("personal id in URL %s", u)
		}
	}
	if strings.Contains(e.logs.String(), "19121212") {
		t.Errorf("personal id in the logs:\n%s", e.logs.String())
	}
	if !strings.Contains(e.logs.String(), `"msg":"login"`) {
		t.Errorf("the login was not logged:\n%s", e.logs.String())
	}
}

func TestCoordinationNumberAndStaffLogIn(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	for _, tc := range []struct{ subject, want string }{
		{"19121272-1219", "Inloggad"}, // samordningsnummer (day + 60)
		{"SE2321000016-1234", "som personal"},
	} {
		c := newClient(t)
		if resp, _ := e.login(t, c, tc.subject, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: callback status %d\n%s", tc.subject, resp.StatusCode, e.logs.String())
		}
		if _, body := page(t, c, e.base+"/me"); !strings.Contains(body, tc.want) {
			t.Errorf("%s: /me lacks %q", tc.subject, tc.want)
		}
	}
}

// refusedLogin checks a callback was refused for the given reason and left
// no session behind.
func refusedLogin(t *testing.T, e *authEnv, resp *http.Response, reason string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback status %d, want 400", resp.StatusCode)
	}
	if n := e.sessions(t); n != 0 {
		t.Errorf("%d sessions after a refused login", n)
	}
	if !strings.Contains(e.logs.String(), reason) {
		t.Errorf("log does not name %q:\n%s", reason, e.logs.String())
	}
}

func TestStateMismatchRefused(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	resp, _ := e.login(t, newClient(t), unknownPID, func(u *url.URL) {
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		u.RawQuery = q.Encode()
	})
	refusedLogin(t, e, resp, "state mismatch")
}

func TestCallbackWithoutFlowCookieRefused(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	var cb string
	e.login(t, newClient(t), unknownPID, func(u *url.URL) { cb = u.String(); u.RawQuery = "" })
	// A valid code and state, but in another browser (login CSRF).
	resp, err := newClient(t).Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	refusedLogin(t, e, resp, "flow cookie")
}

func TestNonceMismatchRefused(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	e.rec.editAuthorize = func(q url.Values) { q.Set("nonce", "not-the-nonce-insyn-sent") }
	resp, _ := e.login(t, newClient(t), unknownPID, nil)
	refusedLogin(t, e, resp, "nonce mismatch")
}

func TestTamperedIDTokenRefused(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	// Change the personal id in the payload, keep the signature.
	e.rec.editToken = func(m map[string]any) {
		raw, _ := m["id_token"].(string)
		parts := strings.Split(raw, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		json.Unmarshal(payload, &claims)
		claims[auth.ClaimPersonalIdentityNumber] = "194001079120"
		payload, _ = json.Marshal(claims)
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		m["id_token"] = strings.Join(parts, ".")
	}
	resp, _ := e.login(t, newClient(t), unknownPID, nil)
	refusedLogin(t, e, resp, "signature")
}

func TestExpiredIDTokenRefused(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	resp, _ := e.login(t, newClient(t), unknownPID, func(*url.URL) {
		// The demo provider's ID tokens live 5 minutes; the flow 10.
		e.clock.T = e.clock.T.Add(6 * time.Minute)
	})
	refusedLogin(t, e, resp, "token is expired")
}

func TestSessionIDRotatedAtLogin(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	e.login(t, c, unknownPID, nil)
	base, _ := url.Parse(e.base)
	first := sessionCookie(t, c, base)
	e.login(t, c, unknownPID, nil)
	second := sessionCookie(t, c, base)
	if first == second {
		t.Fatal("session id not rotated at login")
	}
	if n := e.sessions(t); n != 1 {
		t.Errorf("%d sessions, want the old one gone", n)
	}
	old := newClient(t)
	old.Jar.SetCookies(base, []*http.Cookie{{Name: "insyn_session", Value: first}})
	if status, _ := page(t, old, e.base+"/me"); status != http.StatusSeeOther {
		t.Errorf("old session id still opens /me: %d", status)
	}
}

func sessionCookie(t *testing.T, c *http.Client, u *url.URL) string {
	t.Helper()
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "insyn_session" {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	resp, _ := e.login(t, newClient(t), unknownPID, nil)
	var set string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "insyn_session=") {
			set = strings.ToLower(h)
		}
	}
	if !strings.Contains(set, "httponly") || !strings.Contains(set, "samesite=lax") || !strings.Contains(set, "path=/") {
		t.Errorf("session cookie %q lacks HttpOnly, SameSite=Lax or Path=/", set)
	}
	if strings.Contains(set, "secure") {
		t.Errorf("plain-HTTP loopback cookie marked Secure (the browser would drop it): %q", set)
	}
}

func TestLogoutNeedsCSRFTokenAndEndsSession(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	e.login(t, c, unknownPID, nil)
	_, body := page(t, c, e.base+"/me")
	token := csrfToken(t, body)
	for _, form := range []url.Values{{}, {"_csrf": {"wrong"}}, {"_csrf": {token + "x"}}} {
		resp, err := c.PostForm(e.base+"/logout", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("logout with %v: status %d, want 403", form, resp.StatusCode)
		}
		if n := e.sessions(t); n != 1 {
			t.Fatalf("a refused logout ended the session")
		}
	}
	resp, err := c.PostForm(e.base+"/logout?lang=en", url.Values{"_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.idp.Issuer+"/end_session?") {
		t.Fatalf("logout: %d to %q, want 303 to the provider's end_session", resp.StatusCode, loc)
	}
	if strings.Contains(loc, "id_token_hint") {
		t.Errorf("the id token (which carries the personal id) is in the logout URL")
	}
	if n := e.sessions(t); n != 0 {
		t.Errorf("%d sessions after logout", n)
	}
	// The provider accepts the logout and sends the browser back home, in
	// the language the reader logged out in.
	resp2, err := c.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	home := resp2.Header.Get("Location")
	if !strings.HasPrefix(home, e.base+"/?") {
		t.Fatalf("provider's end_session sends to %q (status %d)", home, resp2.StatusCode)
	}
	resp3, err := c.Get(home)
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if got := resp3.Header.Get("Location"); got != "/?lang=en" {
		t.Errorf("the start page after logging out in English sends to %q (status %d)", got, resp3.StatusCode)
	}
	if _, body := page(t, c, e.base+"/?lang=en"); !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("start page after logout:\n%s", body)
	}
}

func TestNoGETRouteChangesState(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	e.login(t, c, unknownPID, nil)
	base, _ := url.Parse(e.base)
	cookie := sessionCookie(t, c, base)
	n := 0
	for _, r := range e.srv.Handler().GetRoutes(true) {
		if r.Method != http.MethodGet || strings.Contains(r.Path, ":") || strings.Contains(r.Path, "*") {
			continue
		}
		n++
		page(t, c, e.base+r.Path)
		if got := sessionCookie(t, c, base); got != cookie {
			t.Errorf("GET %s changed the session cookie", r.Path)
		}
		if s := e.sessions(t); s != 1 {
			t.Errorf("GET %s: %d sessions, want 1", r.Path, s)
		}
	}
	if n < 5 {
		t.Fatalf("only %d GET routes checked", n)
	}
	if status, _ := page(t, c, e.base+"/me"); status != 200 {
		t.Errorf("session gone after GETs: /me %d", status)
	}
	// Logout only through POST.
	if status, _ := page(t, c, e.base+"/logout"); status == http.StatusSeeOther || e.sessions(t) != 1 {
		t.Errorf("GET /logout answered %d", status)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t, func(c *web.Config) { c.LoginLimit = 3 })
	c := newClient(t)
	for i := range 4 {
		resp, err := c.Get(e.base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusSeeOther
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("login %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "60" {
			t.Errorf("no Retry-After on 429")
		}
	}
}

func TestSignedOutVisitorIsSentToLogin(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	resp, err := c.Get(e.base + "/me?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?lang=en" {
		t.Errorf("/me without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A POST without a session changes nothing and goes home.
	resp, err = c.PostForm(e.base+"/logout", url.Values{"_csrf": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("POST /logout without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	resp, err := http.Get(e.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self' " + e.idp.Issuer} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP allows inline code or scripts: %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on plain-HTTP loopback")
	}
	// The page itself has no inline style or script left to block.
	_, body := page(t, http.DefaultClient, e.base+"/")
	if strings.Contains(body, "<style") || strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Error("inline style or script on the start page")
	}
	if status, css := page(t, http.DefaultClient, e.base+"/static/app.css"); status != 200 || !strings.Contains(css, "body{") {
		t.Errorf("stylesheet: %d", status)
	}
}

func TestHSTSOutsideLoopback(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "insyn",
		"INSYN_BASE_URL": "https://insyn.example", "INSYN_SESSION_KEY": strings.Repeat("ab", 32)}
	cfg, err := auth.ConfigFromEnv(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	client, err := auth.NewClient(cfg, portal.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Texts: i18n.MustLoad(portal.Stockholm), Log: discard(), Clock: portal.SystemClock{}, Auth: client})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Handler().Test(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS for an https base URL: %v", resp.Header)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	if status, body := page(t, http.DefaultClient, e.base+"/healthz"); status != 200 || body != "ok" {
		t.Errorf("/healthz: %d %q", status, body)
	}
	if status, body := page(t, http.DefaultClient, e.base+"/readyz"); status != 200 || body != "ready" {
		t.Errorf("/readyz: %d %q", status, body)
	}
	// A schema behind the binary is not ready.
	if _, err := e.st.DB().ExecContext(context.Background(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if status, _ := page(t, http.DefaultClient, e.base+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a missing migration: %d, want 503", status)
	}
	if status, _ := page(t, http.DefaultClient, e.base+"/healthz"); status != 200 {
		t.Errorf("/healthz follows the database: %d", status)
	}
}

// TestLoginComesBackToThePageAsked: a link to a page behind the login (the
// settings link in a notice, a bookmark) comes back to that page after the
// login, query and language kept; a page of the other kind of person, or
// of another site, goes to the usual start.
func TestLoginComesBackToThePageAsked(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	for _, tc := range []struct{ start, subject, want string }{
		{"/installningar?lang=en", unknownPID, "/installningar?lang=en"},
		{"/historik?period=all&page=2", unknownPID, "/historik?page=2&period=all&lang=sv"},
		{"/granskning", unknownPID, "/oversikt?lang=sv"},
		{"/login?lang=sv&next=%2F%2Fevil.example%2Foversikt", unknownPID, "/oversikt?lang=sv"},
		{"/login?next=https%3A%2F%2Fevil.example%2Foversikt", unknownPID, "/oversikt?lang=sv"},
		{"/login?next=%2F%5Cevil.example%2Foversikt", unknownPID, "/oversikt?lang=sv"},
		{"/oversikt", "SE2321000016-9001", "/personal?lang=sv"},
	} {
		resp, _ := e.loginFrom(t, newClient(t), e.base+tc.start, tc.subject, nil)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
			t.Errorf("login from %s: %d to %q, want %q", tc.start, resp.StatusCode, got, tc.want)
		}
	}
}
