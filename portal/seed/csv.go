package seed

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// writeReference writes the reference CSVs in the columns of DESIGN.md
// section 2.
func (g *generator) writeReference(dir string) error {
	date := func(day int) string {
		if day == noDay || day < -100000 {
			return ""
		}
		return g.date(day).Format(time.DateOnly)
	}
	files := []struct {
		name   string
		header []string
		rows   func(w func(...string))
	}{
		{"providers.csv", []string{"hsa_id", "org_nr", "name"}, func(w func(...string)) {
			for _, p := range g.providers {
				w(p.hsa, p.orgNr, p.name)
			}
		}},
		{"units.csv", []string{"hsa_id", "provider_hsa_id", "name", "protected"}, func(w func(...string)) {
			for _, u := range g.units {
				w(u.hsa, g.providers[u.provider].hsa, u.name, strconv.FormatBool(u.protected))
			}
		}},
		{"staff.csv", []string{"hsa_id", "personal_id", "given_name", "family_name", "title", "protected_identity", "employed_from", "employed_to"}, func(w func(...string)) {
			for _, s := range g.staff {
				w(s.hsa, s.pid, s.given, s.family, s.title, strconv.FormatBool(s.protected), date(s.from), date(s.to))
			}
		}},
		{"assignments.csv", []string{"staff_hsa_id", "unit_hsa_id", "name", "valid_from", "valid_to"}, func(w func(...string)) {
			for _, a := range g.assigns {
				w(g.staff[a.staff].hsa, g.units[a.unit].hsa, a.name, date(a.from), date(a.to))
			}
		}},
		{"population.csv", []string{"personal_id", "given_name", "family_name", "street", "postal_code", "city", "protected_identity", "deceased_on", "vip"}, func(w func(...string)) {
			for _, p := range g.people {
				city := cities[p.city].name
				if p.street == "" {
					city = ""
				}
				w(p.pid, p.given, p.family, p.street, p.postal, city, strconv.FormatBool(p.protected), date(p.died), strconv.FormatBool(p.vip))
			}
		}},
		{"relations.csv", []string{"personal_id_a", "personal_id_b", "kind"}, func(w func(...string)) {
			for _, r := range g.relations {
				w(g.people[r.a].pid, g.people[r.b].pid, string(r.kind))
			}
		}},
		{"care_relations.csv", careColumns, func(w func(...string)) { g.writeCare(w, false) }},
		// The key to the relations left out of care_relations.csv, like
		// planted.json is to the misuse: not reference data, never imported.
		{"unrecorded_care.csv", careColumns, func(w func(...string)) { g.writeCare(w, true) }},
	}
	for _, f := range files {
		if err := writeCSV(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, header []string, rows func(w func(...string))) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	cw := csv.NewWriter(bw)
	werr := cw.Write(header)
	rows(func(rec ...string) {
		if werr == nil {
			werr = cw.Write(rec)
		}
	})
	cw.Flush()
	if werr == nil {
		werr = cw.Error()
	}
	if werr == nil {
		werr = bw.Flush()
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("seed: write %s: %w", filepath.Base(path), werr)
	}
	return nil
}

var careColumns = []string{"personal_id", "unit_hsa_id", "staff_hsa_id", "kind", "starts_at", "ends_at"}

// writeCare writes the care relations in the data (unrecorded false) or
// those markUnrecorded left out of it.
func (g *generator) writeCare(w func(...string), unrecorded bool) {
	for _, c := range g.care {
		if c.unrecorded != unrecorded {
			continue
		}
		staff, end := "", ""
		if c.staff >= 0 {
			staff = g.staff[c.staff].hsa
		}
		if !c.end.IsZero() {
			end = c.end.Format(time.RFC3339)
		}
		w(g.people[c.patient].pid, g.units[c.unit].hsa, staff, string(c.kind), c.start.Format(time.RFC3339), end)
	}
}
