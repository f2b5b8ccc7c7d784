package seed

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
)

// Planted kinds, one per review rule of DESIGN.md section 5.
const (
	KindSelf              = "self"
	KindRelative          = "relative"
	KindHousehold         = "household"
	KindColleague         = "colleague"
	KindProtectedIdentity = "protected_identity"
	KindVIP               = "vip"
	KindDeceased          = "deceased"
	KindEmergency         = "emergency"
	KindNonCarePurpose    = "non_care_purpose"
	KindNoCareRelation    = "no_care_relation"
	KindAfterEmployment   = "after_employment"
	KindVolume            = "volume"
)

// Kinds lists every planted kind.
var Kinds = []string{KindSelf, KindRelative, KindHousehold, KindColleague, KindProtectedIdentity, KindVIP,
	KindDeceased, KindEmergency, KindNonCarePurpose, KindNoCareRelation, KindAfterEmployment, KindVolume}

// Planted is one entry of planted.json: an improper access planted in the
// log, with the log ids of its events. PatientID is empty for volume,
// where the actor reads many patients.
type Planted struct {
	Kind         string   `json:"kind"`
	SourceSystem string   `json:"source_system"`
	SourceLogIDs []string `json:"source_log_ids"`
	ActorHSAID   string   `json:"actor_hsa_id"`
	PatientID    string   `json:"patient_id"`
	Note         string   `json:"note"`
}

// ReadPlanted reads a planted.json.
func ReadPlanted(path string) ([]Planted, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	var out []Planted
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("seed: read planted: %w", err)
	}
	return out, nil
}

type plant struct {
	kind    string
	assign  int32
	patient int32 // -1 for volume
	day     int
	events  []event
	note    string
	logIDs  []string
}

// plant chooses the improper accesses: plantsPerKind of each kind.
func (g *generator) plant() error {
	rng := newRand(g.opts.Seed, 3)
	pl := &planter{g: g, rng: rng, usedActor: map[string]map[int32]bool{}}
	k := g.plantsPerKind()
	for _, kind := range Kinds {
		for i := 0; i < k; i++ {
			if !pl.one(kind) {
				return fmt.Errorf("seed: could not plant %s in this region; use more patients or staff", kind)
			}
		}
	}
	return nil
}

type planter struct {
	g         *generator
	rng       *rand.Rand
	usedActor map[string]map[int32]bool
}

// one plants one access of kind; false when the region has no candidate.
func (pl *planter) one(kind string) bool {
	g, rng := pl.g, pl.rng
	for try := 0; try < 2000; try++ {
		var p *plant
		switch kind {
		case KindSelf:
			s := pl.localStaff()
			if s < 0 {
				continue
			}
			patient := g.staff[s].person
			p = pl.session(kind, s, patient, pl.workday(s, 0, g.days), true, []uint8{actRead, actRead, actRead},
				"staff member reads their own record")
		case KindRelative:
			s := pl.localStaff()
			if s < 0 || len(g.people[g.staff[s].person].rels) == 0 {
				continue
			}
			rels := g.people[g.staff[s].person].rels
			q := rels[rng.IntN(len(rels))]
			if g.people[q].staff >= 0 || g.people[q].died != noDay {
				continue
			}
			p = pl.session(kind, s, q, pl.workday(s, 0, g.days), true, []uint8{actRead, actRead},
				"staff member reads a relative's record ("+pl.relKind(g.staff[s].person, q)+")")
		case KindHousehold:
			s := pl.localStaff()
			if s < 0 {
				continue
			}
			q := pl.neighbour(g.staff[s].person)
			if q < 0 {
				continue
			}
			p = pl.session(kind, s, q, pl.workday(s, 0, g.days), true, []uint8{actRead, actRead},
				"staff member reads a neighbour's record (same street address, another household)")
		case KindColleague:
			b := pl.localStaff()
			if b < 0 {
				continue
			}
			home := g.staff[b].home
			list := g.units[home].care
			a := g.assigns[list[rng.IntN(len(list))]].staff
			if a == b || g.staff[a].home != home || g.staff[a].to != noDay || g.conflicted(a, g.staff[b].person) {
				continue
			}
			p = pl.session(kind, a, g.staff[b].person, pl.workday(a, 0, g.days), false, []uint8{actRead, actRead},
				"staff member reads the record of a colleague at the same unit")
		case KindProtectedIdentity, KindVIP:
			q := pl.patient(func(_ int32, pp *person) bool {
				return pp.died == noDay && ((kind == KindVIP && pp.vip) || (kind == KindProtectedIdentity && pp.protected))
			})
			s := pl.anyStaff()
			if q < 0 || s < 0 || !pl.untreated(s, q) || g.conflicted(s, q) {
				continue
			}
			note := "reads the record of a patient with protected identity without a care relation"
			if kind == KindVIP {
				note = "reads the record of a well-known person (VIP) without a care relation"
			}
			p = pl.session(kind, s, q, pl.workday(s, 0, g.days), false, []uint8{actRead, actRead, actRead}, note)
		case KindDeceased:
			q := pl.patient(func(_ int32, pp *person) bool { return pp.died >= 0 && pp.died < g.days-1 })
			s := pl.anyStaff()
			if q < 0 || s < 0 || !pl.untreated(s, q) || g.conflicted(s, q) {
				continue
			}
			died := g.people[q].died
			day := pl.workday(s, died+1, g.days)
			if day <= died {
				continue
			}
			p = pl.session(kind, s, q, day, false, []uint8{actRead, actRead},
				fmt.Sprintf("reads the record of a patient %d days after death, without a care relation", day-died))
		case KindEmergency:
			s := pl.anyStaff()
			if s < 0 {
				continue
			}
			if u := g.units[g.staff[s].home]; u.kind != kindEmergency && u.kind != kindClinic {
				continue
			}
			q := pl.patient(func(_ int32, pp *person) bool { return pp.died == noDay && !pp.protected && !pp.vip })
			if q < 0 || !pl.untreated(s, q) || g.conflicted(s, q) {
				continue
			}
			p = pl.session(kind, s, q, pl.workday(s, 0, g.days), false, []uint8{actEmergency, actRead, actRead},
				"emergency access (nödöppning) to a patient without a care relation")
		case KindNonCarePurpose:
			c := &g.care[rng.IntN(len(g.care))]
			if c.kind != "visit" || c.day < 0 || c.day >= g.days || g.people[c.patient].died <= c.day {
				continue
			}
			list := g.units[c.unit].care
			if len(list) == 0 {
				continue
			}
			a := &g.assigns[list[rng.IntN(len(list))]]
			if !g.assignOn(a, c.day) || len(g.staff[a.staff].assigns) != 1 || g.conflicted(a.staff, c.patient) ||
				pl.usedActor[kind][a.staff] {
				continue
			}
			p = pl.session(kind, a.staff, c.patient, c.day, false, []uint8{actRead, actRead}, "")
			p.assign = g.staff[a.staff].assigns[0]
			purpose := uint8(purposeStatistics)
			if len(pl.usedActor[kind])%2 == 1 {
				purpose = purposeAdmin
			}
			for i := range p.events {
				p.events[i].purpose = purpose
				p.events[i].owner = int16(c.unit)
			}
			p.note = "purpose \"" + purposeTexts[purpose] + "\" without an assignment for it"
		case KindNoCareRelation:
			s := pl.anyStaff()
			q := pl.patient(func(_ int32, pp *person) bool { return pp.died == noDay && !pp.protected && !pp.vip })
			if s < 0 || q < 0 || !pl.untreated(s, q) || g.conflicted(s, q) {
				continue
			}
			p = pl.session(kind, s, q, pl.workday(s, 0, g.days), false, []uint8{actRead, actRead, actPrint},
				"reads the record of a patient the unit never treated")
		case KindAfterEmployment:
			s := int32(rng.IntN(len(g.staff)))
			st := &g.staff[s]
			if st.to == noDay || st.to >= g.days-1 || pl.usedActor[kind][s] {
				continue
			}
			q := pl.patient(func(q int32, pp *person) bool {
				return pp.died == noDay && slices.Contains(g.patUnits[q], st.home)
			})
			if q < 0 || g.conflicted(s, q) {
				continue
			}
			day := st.to + 1 + rng.IntN(g.days-st.to-1)
			p = pl.session(kind, s, q, day, false, []uint8{actRead, actRead},
				fmt.Sprintf("reads a record %d days after employment ended", day-st.to))
		case KindVolume:
			p = pl.volume()
		}
		if p == nil {
			continue
		}
		if pl.usedActor[kind] == nil {
			pl.usedActor[kind] = map[int32]bool{}
		}
		pl.usedActor[kind][g.assigns[p.assign].staff] = true
		g.plants = append(g.plants, *p)
		return true
	}
	return false
}

// localStaff is a staff member who lives in the region and is still
// employed, not yet used for the kind being planted.
func (pl *planter) localStaff() int32 {
	g := pl.g
	s := int32(pl.rng.IntN(len(g.staff)))
	if st := &g.staff[s]; st.person < 0 || st.to != noDay {
		return -1
	}
	return s
}

// anyStaff is a staff member employed throughout the period.
func (pl *planter) anyStaff() int32 {
	g := pl.g
	s := int32(pl.rng.IntN(len(g.staff)))
	if st := &g.staff[s]; st.to != noDay || st.from > 0 {
		return -1
	}
	return s
}

// patient is a random patient (not staff) matching ok and alive at the end.
func (pl *planter) patient(ok func(int32, *person) bool) int32 {
	g := pl.g
	for try := 0; try < 200; try++ {
		q := int32(pl.rng.IntN(len(g.people)))
		p := &g.people[q]
		if p.staff < 0 && ok(q, p) {
			return q
		}
	}
	return -1
}

// untreated reports whether patient q never had a care relation with any
// unit s works at.
func (pl *planter) untreated(s, q int32) bool {
	g := pl.g
	for _, a := range g.staff[s].assigns {
		if slices.Contains(g.patUnits[q], g.assigns[a].unit) {
			return false
		}
	}
	return true
}

// neighbour finds someone of another household at the same street address
// as person pi; when there is none it moves a household there.
func (pl *planter) neighbour(pi int32) int32 {
	g := pl.g
	me := &g.people[pi]
	if me.street == "" {
		return -1
	}
	for q := range g.people {
		p := &g.people[q]
		if p.addr == me.addr && p.household != me.household && p.staff < 0 && p.family != me.family &&
			!slices.Contains(me.rels, int32(q)) && p.died == noDay && !p.protected {
			return int32(q)
		}
	}
	if !g.addrs[me.addr].building {
		return -1
	}
	q := pl.patient(func(_ int32, p *person) bool {
		return p.household != me.household && p.family != me.family && p.died == noDay && !p.protected && p.street != ""
	})
	if q < 0 || slices.Contains(me.rels, q) {
		return -1
	}
	// Move q's household into me's building.
	a := &g.addrs[me.addr]
	a.homes++
	street := fmt.Sprintf("%s lgh %d", a.street, (10+a.homes/4)*100+a.homes%4+1)
	hh := g.people[q].household
	lo := int(q)
	for lo > 0 && g.people[lo-1].household == hh {
		lo--
	}
	for j := lo; j < len(g.people) && g.people[j].household == hh; j++ {
		p := &g.people[j]
		if p.staff >= 0 {
			return -1
		}
		p.street, p.postal, p.city, p.addr = street, a.postal, a.city, me.addr
	}
	return q
}

func (pl *planter) relKind(a, b int32) string {
	for _, r := range pl.g.relations {
		if (r.a == a && r.b == b) || (r.a == b && r.b == a) {
			return string(r.kind)
		}
	}
	return "relative"
}

// workday is a weekday in [lo, hi) when staff member s is employed.
func (pl *planter) workday(s int32, lo, hi int) int {
	g := pl.g
	st := &g.staff[s]
	for try := 0; try < 100 && hi > lo; try++ {
		d := lo + pl.rng.IntN(hi-lo)
		if !g.weekend(d) && d >= st.from && d <= st.to {
			return d
		}
	}
	return -1
}

// session builds the planted events of one sitting: acts in a row, a few
// minutes apart, by s acting in their home assignment.
func (pl *planter) session(kind string, s, patient int32, day int, evening bool, acts []uint8, note string) *plant {
	g, rng := pl.g, pl.rng
	if day < 0 || day >= g.days || pl.usedActor[kind][s] {
		return nil
	}
	st := &g.staff[s]
	p := &plant{kind: kind, assign: st.assigns[0], patient: patient, day: day, note: note}
	sec := 8*3600 + rng.IntN(8*3600)
	if evening && rng.Float64() < 0.4 {
		sec = 19*3600 + rng.IntN(3*3600)
	}
	t := g.at(day, sec).Unix()
	owner := g.ownerOf(patient, st.home, rng)
	if kind == KindEmergency {
		// Emergency access is how one reaches another provider's records.
		for _, u := range g.patUnits[patient] {
			if g.units[u].provider != g.units[st.home].provider {
				owner = u
			}
		}
	}
	for i, act := range acts {
		res := uint8(resJournal)
		if i > 0 {
			res = uint8(rng.IntN(4))
		}
		p.events = append(p.events, event{t: t, assign: p.assign, patient: patient, owner: owner, act: act,
			purpose: purposeCare, res: res})
		t += int64(20 + rng.IntN(240))
	}
	return p
}

// ownerOf picks the unit whose records a planted access reads: one that
// treated the patient, else the patient's health centre.
func (g *generator) ownerOf(patient int32, actorUnit int16, rng *rand.Rand) int16 {
	if us := g.patUnits[patient]; len(us) > 0 {
		return us[rng.IntN(len(us))]
	}
	return g.people[patient].hc
}

// volume plants one staff member reading 40-60 patients in one sitting,
// late enough in the period for a 30-day baseline.
func (pl *planter) volume() *plant {
	g, rng := pl.g, pl.rng
	s := pl.anyStaff()
	if s < 0 || pl.usedActor[KindVolume][s] {
		return nil
	}
	if t := g.staff[s].title; t != "Undersköterska" && t != "Läkarsekreterare" && t != "Sjuksköterska" {
		return nil
	}
	day := pl.workday(s, min(35, g.days/2), g.days)
	if day < 0 {
		return nil
	}
	st := &g.staff[s]
	p := &plant{kind: KindVolume, assign: st.assigns[0], patient: -1, day: day}
	n := 40 + rng.IntN(21)
	t := g.at(day, 9*3600+rng.IntN(4*3600)).Unix()
	seen := map[int32]bool{}
	for len(p.events) < n {
		q := pl.patient(func(_ int32, pp *person) bool { return pp.died == noDay })
		if q < 0 || seen[q] || g.conflicted(s, q) {
			continue
		}
		seen[q] = true
		p.events = append(p.events, event{t: t, assign: p.assign, patient: q, owner: g.ownerOf(q, st.home, rng),
			act: actRead, purpose: purposeCare, res: uint8(rng.IntN(2)) * resContact})
		t += int64(30 + rng.IntN(90))
	}
	p.note = fmt.Sprintf("reads %d patients' records in one sitting, far above the usual", n)
	return p
}

// writePlanted writes planted.json.
func (g *generator) writePlanted(dir string) error {
	out := make([]Planted, 0, len(g.plants))
	for _, p := range g.plants {
		a := &g.assigns[p.assign]
		e := Planted{Kind: p.kind, SourceSystem: g.providers[g.units[a.unit].provider].systemID,
			SourceLogIDs: p.logIDs, ActorHSAID: g.staff[a.staff].hsa, Note: p.note}
		if p.patient >= 0 {
			e.PatientID = g.people[p.patient].pid
		}
		out = append(out, e)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return writeFile(dir, "planted.json", append(b, '\n'))
}
