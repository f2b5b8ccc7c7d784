package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzOpenFlow: whatever a browser sends as the login-flow cookie, opening
// it never panics, and what opens is only ever what we sealed. (The sealed
// value differs per process: the GCM nonce is random.)
func FuzzOpenFlow(f *testing.F) {
	key := []byte(strings.Repeat("k", 32))
	now := time.Unix(1_800_000_000, 0)
	want := flow{State: "s", Nonce: "n", Verifier: "v", Expires: now.Add(time.Minute).Unix()}
	sealed, _ := sealFlow(key, want)
	f.Add(sealed)
	f.Add("")
	f.Add(sealed[:len(sealed)/2])
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := openFlow(key, s, now)
		if err == nil && fl != want {
			t.Fatalf("opened a cookie we did not seal: %+v", fl)
		}
	})
}
