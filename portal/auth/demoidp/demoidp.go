// Package demoidp is a small OpenID provider for `insyn demo` and the
// tests: a real provider (zitadel/oidc's op package) on loopback, with an
// in-memory storage and a login page that is a plain HTML form with one
// field, `subject` (a personal id; an HSA-id signs in staff). It issues the
// personal id in the Swedish OIDC profile's claim, so Insyn logs in through
// it exactly as through a production provider: there is no bypass.
package demoidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Citizen is a sample person offered on the login page.
type Citizen struct {
	PersonalID string // as typed: "19121212-1212"
	Name       string
}

// StaffMember is a sample member of staff offered on the login page, with
// what the demo made them (e.g. "granskare") so a visitor knows whom to pick.
type StaffMember struct {
	HSAID string
	Name  string
	Role  string
}

// Options configure the provider's one client (Insyn) and its page.
type Options struct {
	ClientID, ClientSecret string
	RedirectURIs           []string // Insyn's callback
	PostLogoutRedirectURIs []string // where logout may return to
	Citizens               []Citizen
	Staff                  []StaffMember
	// Claim names; empty means the Swedish profile's and employeeHsaId.
	PersonalIDClaim, CoordinationClaim, HSAIDClaim string
	Log                                            *slog.Logger
}

// Server is a running demo provider.
type Server struct {
	Issuer  string
	handler http.Handler
	store   *storage
	opts    Options
}

// New builds the provider for issuer (http://127.0.0.1:PORT, loopback only).
func New(issuer string, opts Options) (*Server, error) {
	u, err := url.Parse(issuer)
	if err != nil || !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("demoidp: issuer %q is not on loopback", issuer)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	st := &storage{
		client: &client{id: opts.ClientID, secret: opts.ClientSecret, redirects: opts.RedirectURIs, logouts: opts.PostLogoutRedirectURIs},
		key:    signingKey{id: randomID(), key: rsaKey},
		claims: claimNames{
			personalID:   orDefault(opts.PersonalIDClaim, "https://id.oidc.se/claim/personalIdentityNumber"),
			coordination: orDefault(opts.CoordinationClaim, "https://id.oidc.se/claim/coordinationNumber"),
			hsaID:        orDefault(opts.HSAIDClaim, "employeeHsaId"),
		},
		requests: map[string]*authRequest{}, codes: map[string]string{},
		tokens: map[string]token{}, users: map[string]user{},
	}
	var cryptoKey [32]byte
	rand.Read(cryptoKey[:])
	provider, err := op.NewOpenIDProvider(issuer, &op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.Swedish},
	}, st, op.WithAllowInsecure(), op.WithLogger(opts.Log))
	if err != nil {
		return nil, fmt.Errorf("demoidp: %w", err)
	}
	s := &Server{Issuer: issuer, store: st, opts: opts}
	mux := http.NewServeMux()
	issuerCtx := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	callback := op.AuthCallbackURL(provider)
	mux.HandleFunc("GET /login", s.showLogin)
	mux.Handle("POST /login", issuerCtx.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.submitLogin(w, r, callback) }))
	mux.HandleFunc("GET /logged-out", s.showLoggedOut)
	mux.Handle("/", provider)
	s.handler = headers(mux)
	return s, nil
}

// Handler serves the provider (tests may wrap it).
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on a free loopback port and serves until ctx ends. The
// provider must know its issuer before it serves, hence the listener first.
func Start(ctx context.Context, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demoidp: %w", err)
	}
	s, err := New("http://"+ln.Addr().String(), opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.Serve(ctx, ln)
	return s, nil
}

// Serve serves h on ln in the background until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) {
	ServeHandler(ctx, ln, s.handler)
}

// ServeHandler serves h on ln until ctx ends (tests pass a wrapped handler).
func ServeHandler(ctx context.Context, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
}

// identify turns what was typed into a user and its pseudonymous sub.
func (s *Server) identify(subject string) (string, user, error) {
	if pid, err := portal.ParsePersonalID(subject); err == nil {
		u := user{personalID: pid.Digits()}
		if pid.Kind() == portal.KindSamordningsnummer {
			u = user{coordination: pid.Digits()}
		}
		return s.pseudonym(pid.Digits()), u, nil
	}
	if hsa, err := portal.ParseHSAID(subject); err == nil && portal.LooksLikeHSAID(subject) {
		return s.pseudonym(string(hsa)), user{hsaID: string(hsa)}, nil
	}
	return "", user{}, errors.New("not a personal id or HSA-id")
}

// pseudonym is a stable opaque sub per identity for this provider's life.
func (s *Server) pseudonym(id string) string {
	return hex.EncodeToString(hmacSHA256(s.store.key.key.D.Bytes(), id))[:32]
}

func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
