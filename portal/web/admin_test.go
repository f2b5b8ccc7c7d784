package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// startAdmin is the workplace with the region's reviewer also its admin.
func startAdmin(t *testing.T) *authEnv {
	t.Helper()
	e := startAuthEnv(t)
	seedWorkplace(t, e.st)
	if err := e.st.GrantRole(context.Background(), portal.SystemActor("test"),
		store.RoleGrant{Staff: wpReviewer, Grant: portal.Grant{Provider: wpRegion, Role: portal.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAdminPagesScope(t *testing.T) {
	t.Parallel()
	e := startAdmin(t)
	admin := e.signIn(t, wpReviewer)
	for _, p := range []string{"/admin/roller", "/admin/regler", "/admin/kvalitet", "/admin/lasningar"} {
		if status, body := page(t, admin, e.base+p); status != http.StatusOK || !strings.Contains(body, `href="/admin/regler?lang=sv"`) {
			t.Errorf("admin on %s: %d", p, status)
		}
		if status, _ := page(t, admin, e.base+p+"?provider="+string(wpCompany)); status != http.StatusNotFound {
			t.Errorf("admin of the region on the company's %s: %d", p, status)
		}
		if status, _ := page(t, e.signIn(t, wpCoReview), e.base+p); status != http.StatusForbidden {
			t.Errorf("reviewer without admin on %s: %d", p, status)
		}
		if status, _ := page(t, e.signIn(t, unknownPID), e.base+p); status != http.StatusNotFound {
			t.Errorf("patient on %s: %d", p, status)
		}
		resp, err := newClient(t).Get(e.base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("no session on %s: %d", p, resp.StatusCode)
		}
	}
}

func TestAdminRoles(t *testing.T) {
	t.Parallel()
	e := startAdmin(t)
	admin := e.signIn(t, wpReviewer)
	_, body := page(t, admin, e.base+"/admin/roller")
	if !strings.Contains(body, "Hedda Chef") || strings.Contains(body, "Conny") {
		t.Fatalf("region's roles:\n%s", body)
	}
	// Each revoke button names, for a screen reader, the role, its unit
	// and the person: a head of two units has two buttons told apart.
	if !strings.Contains(body, `Återkalla<span class="visually-hidden"> enhetschef, Vårdcentralen Ängsbacken, Hedda Chef</span>`) {
		t.Errorf("the revoke button does not say what it revokes:\n%s", body)
	}
	token := csrfToken(t, body)
	if status, _, _ := post(t, admin, e.base+"/admin/roller", url.Values{"staff": {wpNobody}, "role": {"clerk"}}); status != http.StatusForbidden {
		t.Errorf("grant without csrf: %d", status)
	}
	// The unit is chosen by name among the provider's own units.
	if !strings.Contains(body, `<select id="f-unit" name="unit"`) ||
		!strings.Contains(body, `<option value="`+string(wpUnit)+`">Vårdcentralen Ängsbacken</option>`) ||
		strings.Contains(body, "Norrskenskliniken") || strings.Contains(body, `id="f-unit" name="unit" autocomplete`) {
		t.Errorf("the unit field is no choice of the region's units:\n%s", body)
	}
	// A unit of another provider (a forged form): refused beside the unit.
	status, _, body := post(t, admin, e.base+"/admin/roller", url.Values{"_csrf": {token}, "staff": {wpNobody},
		"role": {"head_of_unit"}, "unit": {"SE5565594230-2001"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-unit"`) {
		t.Errorf("unit of another provider: %d\n%s", status, body)
	}
	// An unknown person: refused beside the HSA-id, the role and unit chosen kept.
	status, _, body = post(t, admin, e.base+"/admin/roller", url.Values{"_csrf": {token}, "staff": {"SE2321000016-9999"},
		"role": {"head_of_unit"}, "unit": {string(wpUnit)}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-staff"`) || !strings.Contains(body, `value="SE2321000016-9999"`) ||
		!strings.Contains(body, `<option value="head_of_unit" selected>`) ||
		!strings.Contains(body, `<option value="`+string(wpUnit)+`" selected>Vårdcentralen Ängsbacken</option>`) {
		t.Errorf("unknown staff: %d\n%s", status, body)
	}
	status, loc, _ := post(t, admin, e.base+"/admin/roller", url.Values{"_csrf": {token}, "staff": {wpNobody}, "role": {"clerk"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "done=granted") {
		t.Fatalf("grant: %d %q", status, loc)
	}
	if status, _ := page(t, e.signIn(t, wpNobody), e.base+"/personal"); status != http.StatusOK {
		t.Errorf("after the grant the clerk's start: %d", status)
	}
	// Changing the company's roles: not found.
	if status, _, _ := post(t, admin, e.base+"/admin/roller?provider="+string(wpCompany), url.Values{"_csrf": {token},
		"staff": {wpCoReview}, "role": {"reviewer"}}); status != http.StatusNotFound {
		t.Errorf("revoke at the company: %d", status)
	}
	status, _, _ = post(t, admin, e.base+"/admin/roller/aterkalla", url.Values{"_csrf": {token}, "staff": {wpNobody}, "role": {"clerk"}})
	if status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := page(t, e.signIn(t, wpNobody), e.base+"/personal"); status != http.StatusForbidden {
		t.Errorf("after the revoke: %d", status)
	}
	// Revoking a role not held says why.
	status, _, body = post(t, admin, e.base+"/admin/roller/aterkalla?lang=en", url.Values{"_csrf": {token}, "staff": {wpNobody}, "role": {"clerk"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "field-error") {
		t.Errorf("revoke not held: %d\n%s", status, body)
	}
}

func TestAdminRules(t *testing.T) {
	t.Parallel()
	e := startAdmin(t)
	admin := e.signIn(t, wpReviewer)
	_, body := page(t, admin, e.base+"/admin/regler")
	token := csrfToken(t, body)
	// Each rule is headed by its short name; the sentence a hit says
	// follows, and the save button names the rule by the short name.
	if !strings.Contains(body, "<h2>Egen journal</h2>\n<p>Personen läste sin egen journal.</p>") ||
		!strings.Contains(body, `<span class="visually-hidden"> Egen journal</span>`) {
		t.Errorf("rule headings:\n%s", body)
	}
	if status, _, _ := post(t, admin, e.base+"/admin/regler", url.Values{"rule": {"vip"}, "severity": {"low"}}); status != http.StatusForbidden {
		t.Errorf("rule without csrf: %d", status)
	}
	status, _, body := post(t, admin, e.base+"/admin/regler", url.Values{"_csrf": {token}, "rule": {"vip"}, "severity": {"low"}, "params": {"[1,2"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-par-vip"`) || !strings.Contains(body, `value="[1,2"`) {
		t.Errorf("bad params: %d\n%s", status, body)
	}
	status, _, _ = post(t, admin, e.base+"/admin/regler", url.Values{"_csrf": {token}, "rule": {"vip"}, "severity": {"low"}, "params": {"{}"}})
	if status != http.StatusSeeOther {
		t.Fatalf("turn vip off: %d", status)
	}
	rules, err := e.st.Rules(context.Background(), string(wpRegion))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Rule == "vip" && (r.Enabled || r.Severity != "low") {
			t.Errorf("vip after the change: %+v", r)
		}
	}
	def, _ := e.st.Rules(context.Background(), "")
	for _, r := range def {
		if r.Rule == "vip" && !r.Enabled {
			t.Error("the region's change turned the default off")
		}
	}
	if status, _, _ := post(t, admin, e.base+"/admin/regler?provider="+string(wpCompany), url.Values{"_csrf": {token},
		"rule": {"vip"}, "severity": {"low"}}); status != http.StatusNotFound {
		t.Errorf("the company's rule: %d", status)
	}
}

func TestAdminReads(t *testing.T) {
	t.Parallel()
	e := startAdmin(t)
	if _, err := e.st.DB().Exec(`INSERT INTO log_reads (read_at, reader_kind, reader_id, reader_name, patient_id, channel, provider_hsa_id)
		VALUES (now(), 'staff', 'SE2321000016-9001', 'Rita Granskare', '191212121212', 'web_case:guardian', 'SE2321000016-0001'),
		       (now(), 'staff', 'SE5565594230-9005', 'Conny Bolagsson', '191212121212', 'case', 'SE5565594230-0002'),
		       (now(), 'patient', '201212121212', '', '201212121212', 'web', 'SE2321000016-0001')`); err != nil {
		t.Fatal(err)
	}
	admin := e.signIn(t, wpReviewer)
	status, body := page(t, admin, e.base+"/admin/lasningar?reader=Rita")
	if status != 200 || !strings.Contains(body, "Rita Granskare") || strings.Contains(body, "Conny") || strings.Contains(body, "201212121212") {
		t.Fatalf("reads by Rita: %d\n%s", status, body)
	}
	if !strings.Contains(body, "Granskarens ärendesida (som vårdnadshavare)") || strings.Contains(body, "web_case") {
		t.Errorf("the channel is not in words:\n%s", body)
	}
	token := csrfToken(t, body)
	status, _, body = post(t, admin, e.base+"/admin/lasningar", url.Values{"_csrf": {token}, "patient": {"19121212-1212"}})
	if status != 200 || !strings.Contains(body, "Rita Granskare") || strings.Contains(body, "Conny") {
		t.Fatalf("reads of the patient: %d\n%s", status, body)
	}
	status, _, body = post(t, admin, e.base+"/admin/lasningar", url.Values{"_csrf": {token}, "patient": {"19121212-1213"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-patient"`) || !strings.Contains(body, `value="19121212-1213"`) {
		t.Errorf("bad personal id: %d\n%s", status, body)
	}
	if status, _, _ := post(t, admin, e.base+"/admin/lasningar", url.Values{"patient": {"19121212-1212"}}); status != http.StatusForbidden {
		t.Errorf("search without csrf: %d", status)
	}
}

// How a rule's decided cases came out reads as Swedish and English, one
// case in the singular.
func TestAdminRuleEffectWording(t *testing.T) {
	t.Parallel()
	e := startPortal(t)
	seedWorkplace(t, e.st)
	for _, q := range []string{
		`INSERT INTO cases (key, number, source, status, outcome, patient_id, patient_id_kind, patient_id_root, staff_hsa_id, provider_hsa_id, priority, created_at, updated_at)
		 SELECT 'effectcaseaaaaaaaaaaaaaaaa', '2026-900003', 'rule', 'decided', 'unjustified', e.patient_id, e.patient_id_kind, e.patient_id_root,
		        e.actor_hsa_id, 'SE2321000016-0001', 10, now(), now()
		 FROM access_events e WHERE e.patient_id = '191212121212' ORDER BY e.occurred_at LIMIT 1`,
		`INSERT INTO review_runs (started_at) VALUES (now())`,
		`INSERT INTO rule_hits (run_id, rule, severity, event_id, occurred_at, staff_hsa_id, provider_hsa_id, patient_id, patient_id_kind, patient_id_root, case_id)
		 SELECT (SELECT max(id) FROM review_runs), 'self', 'high', e.id, e.occurred_at, c.staff_hsa_id, c.provider_hsa_id,
		        e.patient_id, e.patient_id_kind, e.patient_id_root, c.id
		 FROM cases c JOIN access_events e ON e.patient_id = c.patient_id WHERE c.key = 'effectcaseaaaaaaaaaaaaaaaa' ORDER BY e.occurred_at LIMIT 1`,
	} {
		if _, err := e.st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.signIn(t, wpAdmin)
	for lang, want := range map[string]string{"sv": "1 avgjort ärende. Obefogade: 1 (100,0 %).", "en": "1 decided case. Unjustified: 1 (100.0%)."} {
		if _, body := page(t, admin, e.base+"/admin/regler?lang="+lang); !strings.Contains(body, want) {
			t.Errorf("%s: no %q:\n%s", lang, want, body)
		}
	}
}

// TestAdminRolesRefusalsInThePagesWords: a refused grant on the page is
// said in the page's words, where the role and unit are chosen in lists,
// not in those of `insyn roles` ("ange enhetens HSA-id", "Läs in
// personalen först": an admin on the web can do neither).
func TestAdminRolesRefusalsInThePagesWords(t *testing.T) {
	t.Parallel()
	e := startAdmin(t)
	admin := e.signIn(t, wpReviewer)
	_, body := page(t, admin, e.base+"/admin/roller")
	token := csrfToken(t, body)
	for _, c := range []struct {
		form      url.Values
		lang, id  string
		want, not string
	}{
		{url.Values{"staff": {wpNobody}, "role": {"head_of_unit"}}, "sv", "err-unit", "välj enheten i listan", "HSA-id"},
		{url.Values{"staff": {wpNobody}, "role": {"head_of_unit"}}, "en", "err-unit", "choose the unit in the list", "HSA-id"},
		{url.Values{"staff": {"SE2321000016-9999"}, "role": {"clerk"}}, "sv", "err-staff", "Kontrollera att det är rätt skrivet", "Läs in"},
		{url.Values{"staff": {"SE2321000016-9999"}, "role": {"clerk"}}, "en", "err-staff", "Check that it is typed correctly", "Import"},
		{url.Values{"staff": {wpNobody}, "role": {"head-of-unit-x"}}, "sv", "err-role", "Välj en av rollerna i listan", "reviewer"},
	} {
		c.form.Set("_csrf", token)
		status, _, body := post(t, admin, e.base+"/admin/roller?lang="+c.lang, c.form)
		_, msg, _ := strings.Cut(body, `id="`+c.id+`">`)
		msg, _, _ = strings.Cut(msg, "<")
		if status != http.StatusBadRequest || !strings.Contains(msg, c.want) || strings.Contains(msg, c.not) {
			t.Errorf("%s %v: %d, %s says %q, want %q", c.lang, c.form, status, c.id, msg, c.want)
		}
	}
}
