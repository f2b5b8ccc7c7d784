package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func goodEnv() map[string]string {
	return map[string]string{"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "insyn",
		"INSYN_BASE_URL": "https://insyn.example/", "INSYN_SESSION_KEY": strings.Repeat("a1", 32)}
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := ConfigFromEnv(envOf(goodEnv()), "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedirectURL != "https://insyn.example/auth/callback" || !cfg.SecureCookies() {
		t.Errorf("redirect %q secure %v", cfg.RedirectURL, cfg.SecureCookies())
	}
	if cfg.PersonalIDClaims[0] != ClaimPersonalIdentityNumber || cfg.PersonalIDClaims[1] != ClaimCoordinationNumber || cfg.HSAIDClaim != "employeeHsaId" {
		t.Errorf("default claims %v %q", cfg.PersonalIDClaims, cfg.HSAIDClaim)
	}
	// Plain HTTP on loopback (the demo) has no Secure cookies.
	env := goodEnv()
	env["INSYN_BASE_URL"] = ""
	cfg, err = ConfigFromEnv(envOf(env), "http://127.0.0.1:8080")
	if err != nil || cfg.SecureCookies() {
		t.Errorf("loopback demo: %v secure=%v", err, cfg.SecureCookies())
	}
}

func TestConfigRefusesUnsafeOrMissing(t *testing.T) {
	for name, edit := range map[string]func(map[string]string){
		"no issuer":     func(m map[string]string) { delete(m, "OIDC_ISSUER") },
		"no client":     func(m map[string]string) { delete(m, "OIDC_CLIENT_ID") },
		"no key":        func(m map[string]string) { delete(m, "INSYN_SESSION_KEY") },
		"short key":     func(m map[string]string) { m["INSYN_SESSION_KEY"] = "abcd" },
		"http base":     func(m map[string]string) { m["INSYN_BASE_URL"] = "http://insyn.example" },
		"http issuer":   func(m map[string]string) { m["OIDC_ISSUER"] = "http://idp.example" },
		"http redirect": func(m map[string]string) { m["OIDC_REDIRECT_URL"] = "http://10.0.0.1/cb" },
		"garbage base":  func(m map[string]string) { m["INSYN_BASE_URL"] = "::" },
	} {
		env := goodEnv()
		edit(env)
		_, err := ConfigFromEnv(envOf(env), "")
		if portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("%s: %v, want an Invalid error", name, err)
		}
	}
}

func TestSubjectFromClaims(t *testing.T) {
	cfg, _ := ConfigFromEnv(envOf(goodEnv()), "")
	for _, tc := range []struct {
		claims map[string]any
		kind   SubjectKind
		ok     bool
	}{
		{map[string]any{ClaimPersonalIdentityNumber: "191212121212"}, PatientSubject, true},
		{map[string]any{ClaimCoordinationNumber: "191212721219"}, PatientSubject, true},
		{map[string]any{"employeeHsaId": "SE2321000016-1234"}, StaffSubject, true},
		{map[string]any{ClaimPersonalIdentityNumber: "191212121213"}, "", false}, // Luhn
		{map[string]any{ClaimPersonalIdentityNumber: 191212121212}, "", false},   // not a string
		{map[string]any{"sub": "abc"}, "", false},
	} {
		s, err := subjectFromClaims(tc.claims, cfg)
		if (err == nil) != tc.ok || s.Kind != tc.kind {
			t.Errorf("%v: kind %q err %v", tc.claims, s.Kind, err)
		}
		if err != nil && strings.Contains(err.Error(), "19121212") {
			t.Errorf("error quotes the personal id: %v", err)
		}
	}
	// A configured claim replaces the default one.
	env := goodEnv()
	env["OIDC_PERSONAL_ID_CLAIM"] = "pnr"
	cfg, _ = ConfigFromEnv(envOf(env), "")
	if s, err := subjectFromClaims(map[string]any{"pnr": "191212121212"}, cfg); err != nil || s.Kind != PatientSubject {
		t.Errorf("configured claim: %v", err)
	}
}

func TestFlowCookieCannotBeForgedOrReplayedLate(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	now := time.Now()
	sealed, err := sealFlow(key, flow{State: "s", Nonce: "n", Verifier: "v", Expires: now.Add(flowTTL).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if f, err := openFlow(key, sealed, now); err != nil || f.State != "s" || f.Verifier != "v" {
		t.Fatalf("open: %+v %v", f, err)
	}
	if _, err := openFlow(key, sealed, now.Add(flowTTL+time.Second)); err == nil {
		t.Error("expired flow opened")
	}
	if _, err := openFlow([]byte(strings.Repeat("x", 32)), sealed, now); err == nil {
		t.Error("flow opened under another key")
	}
	b := []byte(sealed)
	b[len(b)/2] ^= 1
	if _, err := openFlow(key, string(b), now); err == nil {
		t.Error("tampered flow opened")
	}
	for _, junk := range []string{"", "%%%", strings.Repeat("A", 5000)} {
		if _, err := openFlow(key, junk, now); err == nil {
			t.Errorf("junk %q opened", junk[:min(len(junk), 10)])
		}
	}
}
