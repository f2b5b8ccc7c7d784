// Package webtest drives a real headless Chromium (Debian's chromium) with
// chromedp against a server under test.
package webtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium for the test and returns a context
// for chromedp.Run, good for three minutes. The limit guards against a
// hang, not against a slow page: a walk through a dozen pages that takes
// twenty seconds on a quiet machine takes well over a minute on a busy
// one, and a test that fails with the machine's load proves nothing.
// The browser ends with the test.
func Browser(t testing.TB) context.Context {
	t.Helper()
	return BrowserFor(t, 3*time.Minute)
}

// BrowserFor is Browser for a test that walks through more pages (and
// several people's logins) than a minute holds on a busy machine.
func BrowserFor(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		t.Fatal("webtest: no Chromium found; install it with apt-get install -y chromium (make test does)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// Browse as a Swedish reader; tests switch language through the page.
		chromedp.Flag("lang", "sv-SE"),
		chromedp.Flag("accept-lang", "sv-SE,sv"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The first call starts the browser and must run without a deadline,
	// or the deadline would end the browser itself.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("webtest: start Chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return tctx
}

// Text returns the text of the first element matching a CSS selector.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("webtest: text of %s: %v", css, err)
	}
	return s
}

// Attr returns an attribute of the first element matching a CSS selector.
func Attr(t testing.TB, ctx context.Context, css, name string) string {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil {
		t.Fatalf("webtest: attribute %s of %s: %v", name, css, err)
	}
	return r.Value
}

// Do runs steps and fails the test on error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("webtest: %v", err)
	}
}
