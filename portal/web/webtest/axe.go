package webtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// Violation is one axe-core rule a page breaks, with the elements that
// break it.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v Violation) String() string {
	return v.ID + " (" + v.Impact + "): " + v.Help + "\n    " + strings.Join(v.Nodes, "\n    ")
}

var (
	axeOnce sync.Once
	axeJS   string
	axeErr  error
)

// axeSource reads axe.min.js, installed from the committed package.json and
// package-lock.json beside this file (.ci/install-deps runs npm ci).
func axeSource(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "node_modules", "axe-core", "axe.min.js"))
		axeJS, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatalf("webtest: axe-core missing (run .ci/install-deps test, or npm ci in portal/web/webtest): %v", axeErr)
	}
	return axeJS
}

// axeRun runs the WCAG 2.1 A and AA rules (and axe's best practices) over
// the whole document and returns the violations.
const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  resultTypes: ['violations']
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help,
  nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))
})))`

// Axe injects axe-core into the current page (through DevTools, which the
// page's CSP does not govern) and returns what it finds.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	src := axeSource(t)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { if (!window.axe) {`+src+`}; return true })()`)); err != nil {
		t.Fatalf("webtest: inject axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("webtest: run axe-core: %v", err)
	}
	return v
}

// AllowDownloads makes the browser save downloads into dir.
func AllowDownloads(t testing.TB, ctx context.Context, dir string) {
	t.Helper()
	Do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
}

// WaitFile waits until dir holds a finished file whose name ends in suffix
// and returns its path. Finished: Chromium has no partial download
// (.crdownload) left in dir and the file's size held still between two
// looks, 100 ms apart; a file taken as soon as it appeared was at times
// read before its last bytes were written.
func WaitFile(t testing.TB, dir, suffix string, timeout time.Duration) string {
	t.Helper()
	end := time.Now().Add(timeout)
	last := map[string]int64{}
	for time.Now().Before(end) {
		entries, _ := os.ReadDir(dir)
		partial := false
		for _, e := range entries {
			partial = partial || strings.HasSuffix(e.Name(), ".crdownload")
		}
		for _, e := range entries {
			info, err := e.Info()
			if partial || err != nil || !strings.HasSuffix(e.Name(), suffix) || info.Size() == 0 {
				continue
			}
			if n, ok := last[e.Name()]; ok && n == info.Size() {
				return filepath.Join(dir, e.Name())
			}
			last[e.Name()] = info.Size()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("webtest: no %s file in %s after %s", suffix, dir, timeout)
	return ""
}
