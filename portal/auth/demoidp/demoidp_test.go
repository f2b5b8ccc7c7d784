package demoidp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func start(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := Start(ctx, Options{ClientID: "c", ClientSecret: "s", RedirectURIs: []string{"http://127.0.0.1:1/cb"},
		Citizens: []Citizen{{PersonalID: "19121212-1212", Name: "Tolvan Tolvansson"}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOnlyOnLoopback(t *testing.T) {
	for _, issuer := range []string{"http://10.1.2.3:9000", "https://idp.example", "http://0.0.0.0:1"} {
		if _, err := New(issuer, Options{}); err == nil {
			t.Errorf("%s accepted", issuer)
		}
	}
}

func TestDiscoveryOffersS256AndEndSession(t *testing.T) {
	s := start(t)
	resp, err := http.Get(s.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer     string   `json:"issuer"`
		EndSession string   `json:"end_session_endpoint"`
		Methods    []string `json:"code_challenge_methods_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&d)
	if d.Issuer != s.Issuer || d.EndSession == "" || !strings.Contains(strings.Join(d.Methods, " "), "S256") {
		t.Errorf("discovery %+v", d)
	}
}

// startAuthorization starts an authorization request and returns its id.
func startAuthorization(t *testing.T, s *Server) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {"c"}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "nonce": {"n"}}
	resp, err := c.Get(s.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	id := loc.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return id
}

func TestLoginPageIsAPlainForm(t *testing.T) {
	s := start(t)
	id := startAuthorization(t, s)
	resp, err := http.Get(s.Issuer + "/login?authRequestID=" + id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	for _, want := range []string{`name="subject" type="text"`, "Tolvan Tolvansson (19121212-1212)", `value="` + id + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("login page has script")
	}
	// A bad subject comes back with a message, keeping what was typed.
	resp, err = http.PostForm(s.Issuer+"/login", url.Values{"id": {id}, "subject": {"19121212-1213<b>"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `value="19121212-1213&lt;b&gt;"`) || !strings.Contains(string(b), `role="alert"`) {
		t.Errorf("bad subject: %d\n%s", resp.StatusCode, b)
	}
	// An unknown request cannot be completed.
	resp, err = http.PostForm(s.Issuer+"/login", url.Values{"id": {"nope"}, "subject": {"19121212-1212"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown request: %d", resp.StatusCode)
	}
}
