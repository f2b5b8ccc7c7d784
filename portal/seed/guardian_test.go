package seed_test

import (
	"path/filepath"
	"testing"

	"github.com/insyn/insyn/portal"
)

// The region has guardians of children under 13, whose logs they may see
// (DESIGN.md section 6), and of children of 13 or more, whom the portal
// must refuse them, counted on the period's last day.
func TestGuardiansOfYoungChildrenAndOfTeenagers(t *testing.T) {
	dir, sum := region(t)
	day := portal.Day(sum.To)
	young, teen := 0, 0
	for _, r := range readCSV(t, filepath.Join(dir, "relations.csv")) {
		if r["kind"] != string(portal.RelationGuardian) {
			continue
		}
		guardian, _ := portal.ParsePersonalID(r["personal_id_a"])
		child, err := portal.ParsePersonalID(r["personal_id_b"])
		if err != nil {
			t.Fatal(err)
		}
		birth, ok := child.Birth()
		if !ok {
			t.Fatalf("a guardian's child without a birth date")
		}
		if portal.CanActFor(guardian, child, portal.RelationGuardian, birth, day) {
			young++
		} else {
			teen++
		}
	}
	if young == 0 || teen == 0 {
		t.Fatalf("guardian relations: %d with a child under 13, %d with one of 13 or more", young, teen)
	}
}
