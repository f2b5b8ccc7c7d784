package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
)

// The demo offers the guardian whose child stays under 13 longest; a
// guardian of a 13-year-old, or one with protected identity, is not offered.
func TestSampleGuardian(t *testing.T) {
	data := t.TempDir()
	region := filepath.Join(data, "demo-region")
	os.MkdirAll(region, 0o755)
	os.WriteFile(filepath.Join(region, "population.csv"), []byte(
		"personal_id,given_name,family_name,street,postal_code,city,protected_identity,deceased_on,vip\n"+
			"198505051246,Greta,Ek,,,,false,,false\n"+
			"198001012387,Hemlig,Ek,,,,true,,false\n"+
			"197001012397,Tora,Ek,,,,false,,false\n"), 0o644)
	os.WriteFile(filepath.Join(region, "relations.csv"), []byte(
		"personal_id_a,personal_id_b,kind\n"+
			"197001012397,201301012389,guardian\n"+ // 13 on 2026-01-01
			"198505051246,201801012384,guardian\n"+
			"198001012387,202201012388,guardian\n"+ // younger, but protected
			"198505051246,201801012384,parent\n"), 0o644)
	a := &app{getenv: func(k string) string { return map[string]string{"INSYN_DATA": data}[k] }}
	cs := a.sampleGuardian(time.Date(2026, 6, 1, 12, 0, 0, 0, portal.Stockholm))
	if len(cs) != 1 || cs[0].PersonalID != "19850505-1246" || cs[0].Name != "Greta Ek (vårdnadshavare)" {
		t.Fatalf("sample guardian %+v", cs)
	}
	if cs := a.sampleGuardian(time.Date(2031, 1, 1, 12, 0, 0, 0, portal.Stockholm)); len(cs) != 0 {
		t.Fatalf("a guardian of a 13-year-old is offered: %+v", cs)
	}
}
