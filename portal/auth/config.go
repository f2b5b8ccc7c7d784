// Package auth signs people in through OpenID Connect (authorization code
// flow with PKCE, state and nonce) and keeps their sessions at our side in
// PostgreSQL. Patients are identified by their personal id from a
// configurable claim; staff by their HSA-id (the hook the workplace issue
// builds on).
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/url"
	"strings"

	"github.com/insyn/insyn/portal"
)

// Claims of the Swedish OIDC profile (id.oidc.se) and the staff default.
const (
	ClaimPersonalIdentityNumber = "https://id.oidc.se/claim/personalIdentityNumber"
	ClaimCoordinationNumber     = "https://id.oidc.se/claim/coordinationNumber"
	ClaimEmployeeHSAID          = "employeeHsaId"
	// ScopeNaturalPerson asks a Swedish provider for the personal id claims.
	ScopeNaturalPerson = "https://id.oidc.se/scope/naturalPersonNumber"
)

// Config is the login configuration, read from the environment by
// ConfigFromEnv (the same variables for `serve` and `demo`).
type Config struct {
	Issuer       string // OIDC_ISSUER
	ClientID     string // OIDC_CLIENT_ID
	ClientSecret string // OIDC_CLIENT_SECRET
	RedirectURL  string // OIDC_REDIRECT_URL, default BaseURL + /auth/callback
	BaseURL      string // INSYN_BASE_URL, where people reach Insyn
	// PersonalIDClaims are tried in order: OIDC_PERSONAL_ID_CLAIM (default
	// the personal identity number), then the coordination number.
	PersonalIDClaims []string
	HSAIDClaim       string // OIDC_HSA_ID_CLAIM, default employeeHsaId
	SessionKey       []byte // INSYN_SESSION_KEY, at least 32 bytes
}

// ConfigFromEnv reads the configuration; defaultBase is the base URL when
// INSYN_BASE_URL is unset (http://ADDR/ of the listener).
func ConfigFromEnv(getenv func(string) string, defaultBase string) (Config, error) {
	cfg := Config{
		Issuer:       strings.TrimSpace(getenv("OIDC_ISSUER")),
		ClientID:     strings.TrimSpace(getenv("OIDC_CLIENT_ID")),
		ClientSecret: getenv("OIDC_CLIENT_SECRET"),
		RedirectURL:  strings.TrimSpace(getenv("OIDC_REDIRECT_URL")),
		BaseURL:      strings.TrimRight(strings.TrimSpace(getenv("INSYN_BASE_URL")), "/"),
		HSAIDClaim:   strings.TrimSpace(getenv("OIDC_HSA_ID_CLAIM")),
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = strings.TrimRight(defaultBase, "/")
	}
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = cfg.BaseURL + "/auth/callback"
	}
	pidClaim := strings.TrimSpace(getenv("OIDC_PERSONAL_ID_CLAIM"))
	if pidClaim == "" {
		pidClaim = ClaimPersonalIdentityNumber
	}
	cfg.PersonalIDClaims = []string{pidClaim}
	if pidClaim != ClaimCoordinationNumber {
		cfg.PersonalIDClaims = append(cfg.PersonalIDClaims, ClaimCoordinationNumber)
	}
	if cfg.HSAIDClaim == "" {
		cfg.HSAIDClaim = ClaimEmployeeHSAID
	}
	key, err := parseKey(getenv("INSYN_SESSION_KEY"))
	if err != nil {
		return Config{}, err
	}
	cfg.SessionKey = key
	return cfg, cfg.Validate()
}

// Validate refuses a configuration that cannot log anyone in safely.
func (c Config) Validate() error {
	missing := func(name string) error {
		return &portal.Error{Code: portal.Invalid, MsgID: "auth.config.missing", Data: map[string]any{"Name": name}, Detail: name + " is not set"}
	}
	switch {
	case c.Issuer == "":
		return missing("OIDC_ISSUER")
	case c.ClientID == "":
		return missing("OIDC_CLIENT_ID")
	case len(c.SessionKey) < 32:
		return missing("INSYN_SESSION_KEY")
	}
	for name, raw := range map[string]string{"INSYN_BASE_URL": c.BaseURL, "OIDC_REDIRECT_URL": c.RedirectURL, "OIDC_ISSUER": c.Issuer} {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname()))) {
			// Plain HTTP would send the session cookie in the clear.
			return &portal.Error{Code: portal.Invalid, MsgID: "auth.config.https", Data: map[string]any{"Name": name}, Detail: name + " must be https outside loopback"}
		}
	}
	return nil
}

// SecureCookies tells whether cookies carry Secure: always, except for the
// demo on plain-HTTP loopback, where a browser would drop them.
func (c Config) SecureCookies() bool {
	u, err := url.Parse(c.BaseURL)
	return err != nil || u.Scheme != "http"
}

// IsLoopback tells whether a host name or address is this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseKey accepts the key as base64 (standard or URL alphabet) or hex.
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil // Validate names what is missing
	}
	for _, dec := range []func(string) ([]byte, error){
		hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) >= 32 {
			return b, nil
		}
	}
	return nil, &portal.Error{Code: portal.Invalid, MsgID: "auth.config.key", Detail: "INSYN_SESSION_KEY must be 32 bytes or more, base64 or hex"}
}

// subkey derives independent keys for the session hash and the login-flow
// cookie from the one configured key.
func subkey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("insyn/" + purpose))
	return m.Sum(nil)
}
