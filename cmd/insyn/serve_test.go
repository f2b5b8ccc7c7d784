package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestServeRefusesWithoutLoginConfiguration(t *testing.T) {
	r := cli(t, storetest.DSN(t), nil, "serve", "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "Inställningen OIDC_ISSUER saknas") {
		t.Errorf("serve without OIDC_ISSUER: exit %d, stderr %q", r.code, r.stderr)
	}
	// Said before any database is reached: this one does not exist.
	r = cli(t, "postgres://insyn@127.0.0.1:1/none?connect_timeout=1", nil, "serve", "--addr", "127.0.0.1:0")
	if r.code != 1 || strings.TrimSpace(r.stderr) != "Inställningen OIDC_ISSUER saknas." {
		t.Errorf("serve without OIDC_ISSUER or a database: exit %d, stderr %q", r.code, r.stderr)
	}
}

// The demo's provider is wired through the very variables serve reads.
func TestDemoProviderConfiguresServe(t *testing.T) {
	data := t.TempDir()
	region := filepath.Join(data, "demo-region")
	os.MkdirAll(region, 0o755)
	os.WriteFile(filepath.Join(region, "population.csv"), []byte(
		"personal_id,given_name,family_name,street,postal_code,city,protected_identity,deceased_on,vip\n"+
			"194001079120,Hemlig,Person,,,,true,,false\n"+
			"191212121212,Tolvan,Tolvansson,Gatan 1,12345,Stad,false,,false\n"+
			"195001182046,Död,Person,Gatan 2,12345,Stad,false,2025-01-01,false\n"), 0o644)
	env := map[string]string{"INSYN_DATA": data}
	var errb bytes.Buffer
	a := &app{stdout: io.Discard, stderr: &errb, log: slog.New(slog.DiscardHandler), clock: portal.SystemClock{},
		getenv: func(k string) string { return env[k] }}
	a.loadTexts("sv")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.startDemoProvider(ctx, nil, "127.0.0.1:18080"); err != nil {
		t.Fatal(err)
	}
	cfg, err := auth.ConfigFromEnv(a.getenv, "http://unused")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cfg.Issuer)
	if !auth.IsLoopback(u.Hostname()) || cfg.BaseURL != "http://127.0.0.1:18080" || cfg.SecureCookies() {
		t.Errorf("demo configuration %+v", cfg)
	}
	if !strings.Contains(errb.String(), cfg.Issuer) {
		t.Errorf("the provider's address is not shown: %q", errb.String())
	}
	cs := a.sampleCitizens(ctx, nil, 5)
	if len(cs) != 1 || cs[0].Name != "Tolvan Tolvansson" || cs[0].PersonalID != "19121212-1212" {
		t.Errorf("sample citizens %+v (protected and deceased people must not be offered)", cs)
	}
}
