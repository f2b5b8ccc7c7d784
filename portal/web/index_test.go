package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/insyn/insyn/portal/web/webtest"
)

func TestIndexInSwedishAndEnglishInBrowser(t *testing.T) {
	base := startServer(t)
	ctx := webtest.Browser(t)
	webtest.Do(t, ctx, chromedp.Navigate(base+"/"))
	if h := webtest.Text(t, ctx, "h1"); h != "Se vem som har läst din journal" {
		t.Errorf("Swedish heading %q", h)
	}
	if l := webtest.Attr(t, ctx, "html", "lang"); l != "sv" {
		t.Errorf("html lang %q", l)
	}
	if n := webtest.Text(t, ctx, "#stat-events"); strings.TrimSpace(n) != "0" {
		t.Errorf("events on an empty database: %q", n)
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`a[hreflang="sv"]`)))
	if h := webtest.Text(t, ctx, "h1"); h != "See who has read your medical record" {
		t.Errorf("English heading %q", h)
	}
}

func TestUnknownPageIsLocalized404(t *testing.T) {
	base := startServer(t)
	ctx := webtest.Browser(t)
	webtest.Do(t, ctx, chromedp.Navigate(base+"/finns-inte"))
	if msg := webtest.Text(t, ctx, "[role=alert] p"); msg != "Det du sökte finns inte." {
		t.Errorf("404 message %q", msg)
	}
}
