package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// flow is what a login needs to remember between the redirect to the
// provider and the callback. It travels in a short-lived cookie sealed with
// AES-GCM under a key derived from INSYN_SESSION_KEY, so starting a login
// writes nothing at our side and the values are bound to this browser.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code verifier
	Lang     string `json:"l"`
	Next     string `json:"x,omitempty"` // the page the person wanted when sent to log in
	Expires  int64  `json:"e"`           // unix seconds
}

// flowTTL bounds how long a person may take at the provider.
const flowTTL = 10 * time.Minute

var errFlow = errors.New("auth: login flow cookie missing, forged or expired")

func sealFlow(key []byte, f flow) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte("insyn-login"))), nil
}

func openFlow(key []byte, s string, now time.Time) (flow, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return flow{}, err
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < aead.NonceSize() {
		return flow{}, errFlow
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte("insyn-login"))
	if err != nil {
		return flow{}, errFlow
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil || now.Unix() > f.Expires {
		return flow{}, errFlow
	}
	return f, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(subkey(key, "login-flow"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}
