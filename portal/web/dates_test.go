package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// fieldError is a message shown beside a field: its id and text.
var fieldError = regexp.MustCompile(`<p class="field-error" id="([a-z-]+)">([^<]*)</p>`)

func fieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldError.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestExtractFormsMarkEveryBadDate: the patient's PDF form and the clerk's
// request form mark each bad day beside its field at once, say of a day
// that does not exist (2026-02-30) that it does not exist rather than
// that it is written wrongly, and keep what was typed.
func TestExtractFormsMarkEveryBadDate(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	pat := e.signIn(t, tolvanLogin)
	for lang, want := range map[string][2]string{
		"sv": {"Datumet 2026-02-30 finns inte.", "Datumet 30/3 ska skrivas ÅÅÅÅ-MM-DD"},
		"en": {"The date 2026-02-30 does not exist.", "30/3"},
	} {
		status, body := page(t, pat, e.base+"/utdrag/pdf?"+url.Values{"from": {"2026-02-30"}, "to": {"30/3"}, "lang": {lang}}.Encode())
		errs := fieldErrors(body)
		if status != http.StatusBadRequest || !strings.HasPrefix(errs["xerr-from"], want[0]) || !strings.Contains(errs["xerr-to"], want[1]) ||
			strings.Contains(errs["xerr-to"], "exist") || strings.Contains(errs["xerr-to"], "finns inte") {
			t.Errorf("%s: patient's form: %d %q", lang, status, errs)
		}
		if !strings.Contains(body, `value="2026-02-30"`) || !strings.Contains(body, `value="30/3"`) {
			t.Errorf("%s: the patient's form lost what was typed", lang)
		}
	}

	ec, w := startControls(t)
	clerk := ec.signIn(t, string(w.Clerk.HSAID))
	_, body := page(t, clerk, ec.base+"/utdragsbegaran/ny")
	status, _, body := post(t, clerk, ec.base+"/utdragsbegaran/ny", url.Values{"_csrf": {csrfToken(t, body)},
		"patient": {w.Patient.Formatted()}, "from": {"2026-02-30"}, "to": {"30/3"}, "channel": {"letter"},
		"received": {"2026-02-29"}, "pdflang": {"sv"}})
	errs := fieldErrors(body)
	if status != http.StatusBadRequest || !strings.HasPrefix(errs["err-from"], "Datumet 2026-02-30 finns inte.") ||
		!strings.Contains(errs["err-to"], "ska skrivas ÅÅÅÅ-MM-DD") || !strings.HasPrefix(errs["err-received"], "Datumet finns inte.") {
		t.Errorf("clerk's form: %d %q", status, errs)
	}
	for _, v := range []string{`value="2026-02-30"`, `value="30/3"`, `value="2026-02-29"`} {
		if !strings.Contains(body, v) {
			t.Errorf("the clerk's form lost %s", v)
		}
	}
	if n := ec.count(t, "extract_requests"); n != 0 {
		t.Errorf("%d requests after errors", n)
	}
}
