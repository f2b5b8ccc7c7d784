package demoidp

import (
	"context"
	"crypto/rsa"
	"errors"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the provider's in-memory state: pending authorization
// requests, codes, access tokens and who signed in. Only the authorization
// code flow is served; everything else answers "not supported".
type storage struct {
	client *client
	key    signingKey
	claims claimNames

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code -> request id
	tokens   map[string]token  // access token id -> token
	users    map[string]user   // sub -> user
}

type claimNames struct{ personalID, coordination, hsaID string }

// user is one person who signed in; sub is an opaque pseudonym, as the
// Swedish profile's providers give, never the personal id itself.
type user struct {
	personalID   string // 12 digits, personnummer
	coordination string // 12 digits, samordningsnummer
	hsaID        string
}

type token struct {
	subject, clientID string
	expires           time.Time
}

var errUnsupported = errors.New("demoidp: not supported by the demo provider")

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	for _, p := range r.Prompt {
		if p == oidc.PromptNone {
			return nil, oidc.ErrLoginRequired() // every login shows the form
		}
	}
	req := &authRequest{
		id: randomID(), clientID: r.ClientID, redirectURI: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, responseType: r.ResponseType, responseMode: r.ResponseMode,
	}
	if r.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r, nil
	}
	return nil, errors.New("demoidp: unknown auth request")
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("demoidp: unknown code")
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code has been redeemed, so a code works
// once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// complete marks a request as signed in by sub.
func (s *storage) complete(id, sub string, u user) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return errors.New("demoidp: unknown auth request")
	}
	s.users[sub] = u
	r.subject, r.done, r.authTime = sub, true, time.Now()
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	id, exp := randomID(), time.Now().Add(5*time.Minute)
	clientID := ""
	if ar, ok := r.(*authRequest); ok {
		clientID = ar.clientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = token{subject: r.GetSubject(), clientID: clientID, expires: exp}
	return id, exp, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errUnsupported
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errUnsupported
}

// TerminateSession forgets the tokens of a user who logged out.
func (s *storage) TerminateSession(_ context.Context, sub, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.subject == sub && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenOrID)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.id {
		return nil, errors.New("demoidp: unknown client")
	}
	return s.client, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.id || secret != s.client.secret {
		return errors.New("demoidp: wrong client credentials")
	}
	return nil
}

// SetUserinfoFromScopes puts the identity claims into the ID token and the
// userinfo answer.
func (s *storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, sub, _ string, _ []string) error {
	return s.setUserinfo(ui, sub)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("demoidp: token invalid or expired")
	}
	return s.setUserinfo(ui, t.subject)
}

func (s *storage) setUserinfo(ui *oidc.UserInfo, sub string) error {
	s.mu.Lock()
	u, ok := s.users[sub]
	s.mu.Unlock()
	if !ok {
		return errors.New("demoidp: unknown user")
	}
	ui.Subject = sub
	if u.personalID != "" {
		ui.AppendClaims(s.claims.personalID, u.personalID)
	}
	if u.coordination != "" {
		ui.AppendClaims(s.claims.coordination, u.coordination)
	}
	if u.hsaID != "" {
		ui.AppendClaims(s.claims.hsaID, u.hsaID)
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errUnsupported
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnsupported
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errUnsupported
}

func (s *storage) Health(context.Context) error { return nil }

// signingKey is the provider's RSA key, made at start.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }
