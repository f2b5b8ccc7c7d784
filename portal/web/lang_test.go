package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// englishBrowser sends every request as a browser set to English would.
type englishBrowser struct{}

func (englishBrowser) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	return http.DefaultTransport.RoundTrip(r)
}

// A reader who chose Swedish in an English browser stays in Swedish after
// a redirect: here the login, whose callback has no ?lang of its own.
func TestChosenSwedishOutlastsAcceptLanguageEnglish(t *testing.T) {
	t.Parallel()
	e := startAuthEnv(t)
	c := newClient(t)
	c.Transport = englishBrowser{}
	f := &flow{}
	authURL := next(t, f.get(t, c, e.base+"/login?lang=sv"))
	loginURL := next(t, f.get(t, c, authURL))
	lu, _ := url.Parse(loginURL)
	resp, err := c.PostForm(e.idp.Issuer+"/login", url.Values{"id": {lu.Query().Get("authRequestID")}, "subject": {unknownPID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp = f.get(t, c, next(t, f.get(t, c, next(t, resp))))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/oversikt?lang=sv" {
		t.Fatalf("login chosen in Swedish lands on %d %q, want /oversikt?lang=sv", resp.StatusCode, loc)
	}
}
