package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/insyn/insyn/portal"
	"golang.org/x/oauth2"
)

// Client talks to the OpenID provider. Discovery happens on first use and
// is cached once it succeeds, so Insyn starts even while the provider is
// briefly unreachable.
type Client struct {
	cfg   Config
	clock portal.Clock
	http  *http.Client

	mu         sync.Mutex
	provider   *oidc.Provider
	endSession string
}

// NewClient checks the configuration; it does not contact the provider.
func NewClient(cfg Config, clock portal.Clock) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, clock: clock, http: &http.Client{Timeout: 15 * time.Second}}, nil
}

// Config is the client's configuration.
func (c *Client) Config() Config { return c.cfg }

func (c *Client) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.http), c.cfg.Issuer)
	if err != nil {
		return nil, &portal.Error{Code: portal.Internal, MsgID: "auth.error.provider", Detail: "discovery", Err: err}
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err == nil {
		c.endSession = meta.EndSession
	}
	c.provider = p
	return p, nil
}

func (c *Client) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  c.cfg.RedirectURL,
		Scopes:       []string{oidc.ScopeOpenID, ScopeNaturalPerson},
	}
}

// Begin starts a login: the provider's authorization URL (with state, nonce
// and an S256 PKCE challenge) and the sealed flow cookie that remembers them,
// the language and next, the page the person wanted (Login.Next).
func (c *Client) Begin(ctx context.Context, lang, next string) (authURL, flowCookie string, err error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", "", err
	}
	f := flow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Lang: lang, Next: next,
		Expires: c.clock.Now().Add(flowTTL).Unix()}
	cookie, err := sealFlow(c.cfg.SessionKey, f)
	if err != nil {
		return "", "", err
	}
	u := c.oauth(p).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return u, cookie, nil
}

// Login is a finished login.
type Login struct {
	Subject Subject
	IDToken string // raw, kept as the provider's logout hint
	Lang    string // the language the person started in
	Next    string // the page they wanted when sent to log in, as Begin was given it; "" for none
}

// Finish completes a login from the callback's query: the flow cookie must
// open, the state must match, the code is exchanged with the PKCE verifier,
// and the ID token must verify (signature, issuer, audience, expiry) and
// carry our nonce.
func (c *Client) Finish(ctx context.Context, flowCookie string, q url.Values) (Login, error) {
	f, err := openFlow(c.cfg.SessionKey, flowCookie, c.clock.Now())
	if err != nil {
		return Login{}, refused("auth.error.flow", "flow", err)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return Login{}, refused("auth.error.flow", "state mismatch", nil)
	}
	if q.Get("error") != "" {
		// The provider's error code is a fixed word (access_denied, ...).
		return Login{}, refused("auth.error.denied", "provider said "+q.Get("error"), nil)
	}
	p, err := c.discover(ctx)
	if err != nil {
		return Login{}, err
	}
	tok, err := c.oauth(p).Exchange(oidc.ClientContext(ctx, c.http), q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Login{}, refused("auth.error.failed", "code exchange", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Login{}, refused("auth.error.failed", "no id token", nil)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.clock.Now}).Verify(oidc.ClientContext(ctx, c.http), raw)
	if err != nil {
		return Login{}, refused("auth.error.failed", "id token", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Login{}, refused("auth.error.failed", "nonce mismatch", nil)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Login{}, refused("auth.error.failed", "id token claims", err)
	}
	sub, err := subjectFromClaims(claims, c.cfg)
	if err != nil {
		return Login{}, err
	}
	return Login{Subject: sub, IDToken: raw, Lang: f.Lang, Next: f.Next}, nil
}

// LogoutURL is where to send the browser after our session ended: the
// provider's end-session endpoint when it has one, else "". lang, the
// reader's language, comes back to the start page as state.
func (c *Client) LogoutURL(ctx context.Context, lang string) string {
	if _, err := c.discover(ctx); err != nil || c.endSession == "" {
		return ""
	}
	u, err := url.Parse(c.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	// No id_token_hint: the token carries the personal id, and a URL ends
	// up in browser history and proxy logs. client_id identifies us
	// (OpenID Connect RP-Initiated Logout 1.0, section 2).
	q.Set("client_id", c.cfg.ClientID)
	q.Set("post_logout_redirect_uri", c.cfg.BaseURL+"/")
	// The reader's language comes back as state (section 3: the provider
	// adds it to the redirect), since the registered redirect is matched
	// exactly and carries no query; ui_locales asks the provider's own
	// pages for it.
	if lang == "sv" || lang == "en" {
		q.Set("state", lang)
		q.Set("ui_locales", lang)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// refused is a login that must not go on; the reader sees msgID, the log
// the detail and cause (neither names the person).
func refused(msgID, detail string, cause error) error {
	return &portal.Error{Code: portal.Invalid, MsgID: msgID, Detail: fmt.Sprintf("auth: login refused: %s", detail), Err: cause}
}
