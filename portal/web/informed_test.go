package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGuardianChoosesChildNotices: while acting for Kim, the settings page
// is Kim's notices for Greta's own address; what she chooses is saved for
// (Kim, Greta) only, a kind not offered for children comes back beside the
// field, and Hugo (another family) has nothing of it.
func TestGuardianChoosesChildNotices(t *testing.T) {
	t.Parallel()
	e, f, greta, csrf := gretaActsForKim(t)
	status, body := page(t, greta, e.base+"/installningar")
	if status != 200 || !strings.Contains(body, "Aviseringar om ditt barn") || !strings.Contains(body, "child-no-address") ||
		strings.Contains(body, `name="address"`) || strings.Contains(body, f.kim.Digits()) {
		t.Fatalf("settings while acting for Kim: %d %s", status, body)
	}
	if status, loc, _ := post(t, greta, e.base+"/installningar", url.Values{"_csrf": {csrf}, "kind": {"emergency", "watchlist"}}); status != http.StatusSeeOther ||
		!strings.HasPrefix(loc, "/installningar?sparat=1") {
		t.Fatalf("save: %d %q", status, loc)
	}
	var kinds, guardian string
	if err := e.st.DB().QueryRow(`SELECT kinds::text, guardian_id FROM notify_guardians WHERE child_id = $1`, f.kim.Digits()).Scan(&kinds, &guardian); err != nil ||
		kinds != "{emergency,watchlist}" || guardian != f.greta.Digits() {
		t.Fatalf("saved %q for %q: %v", kinds, guardian, err)
	}
	if status, _, body := post(t, greta, e.base+"/installningar", url.Values{"_csrf": {csrf}, "kind": {"emergency", "digest"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "kinds-error") || !strings.Contains(body, `value="emergency" checked`) {
		t.Errorf("a digest for a child: %d", status)
	}
	if status, _, _ := post(t, greta, e.base+"/installningar", url.Values{"kind": {"emergency"}}); status != http.StatusForbidden {
		t.Errorf("save without the form token: %d", status)
	}
	// Back as herself, the page is her own again; her own kinds are untouched.
	if status, _, _ := post(t, greta, e.base+"/barn/tillbaka", url.Values{"_csrf": {csrf}}); status != http.StatusSeeOther {
		t.Fatalf("back: %d", status)
	}
	if _, body := page(t, greta, e.base+"/installningar"); strings.Contains(body, "Aviseringar om ditt barn") || !strings.Contains(body, `name="address"`) {
		t.Error("Greta's own settings page after going back")
	}
	hugo := signedIn(t, e, f.hugo.Formatted())
	if _, body := page(t, hugo, e.base+"/installningar"); strings.Contains(body, "ditt barn") {
		t.Error("Hugo sees a child's settings")
	}
	if e.count(t, "notify_guardians") != 1 {
		t.Error("more than Greta's choice saved")
	}
}
