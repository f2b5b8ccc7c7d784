package main

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth/demoidp"
)

// sampleGuardian is a guardian of the demo region offered on the demo
// provider's login page, so the switch to a child (/barn) can be tried:
// of the living guardians without protected identity, the one whose
// youngest child may be acted for longest after today. None when the
// region has no such child.
func (a *app) sampleGuardian(today time.Time) []demoidp.Citizen {
	dir := filepath.Join(a.getenvDefault("INSYN_DATA", "var"), "demo-region")
	people := map[string][]string{} // personal id → given, family name
	eachRow(filepath.Join(dir, "population.csv"), func(get func(string) string) {
		if get("protected_identity") != "true" && get("deceased_on") == "" {
			people[get("personal_id")] = []string{get("given_name"), get("family_name")}
		}
	})
	var best demoidp.Citizen
	var bestBirth time.Time
	eachRow(filepath.Join(dir, "relations.csv"), func(get func(string) string) {
		if get("kind") != string(portal.RelationGuardian) {
			return
		}
		g, err1 := portal.ParsePersonalID(get("personal_id_a"))
		child, err2 := portal.ParsePersonalID(get("personal_id_b"))
		name, ok := people[g.Digits()]
		if err1 != nil || err2 != nil || !ok {
			return
		}
		birth, _ := child.Birth()
		if portal.CanActFor(g, child, portal.RelationGuardian, birth, today) && birth.After(bestBirth) {
			bestBirth = birth
			best = demoidp.Citizen{PersonalID: g.Formatted(), Name: name[0] + " " + name[1] + " (vårdnadshavare)"}
		}
	})
	if best.PersonalID == "" {
		return nil
	}
	return []demoidp.Citizen{best}
}

// eachRow calls fn for every row of a CSV file with a header, giving it
// the row's fields by column name; a missing or broken file gives none.
func eachRow(path string, fn func(get func(string) string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) || (err != nil && !errors.Is(err, csv.ErrFieldCount)) {
			return
		}
		fn(func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		})
	}
}
