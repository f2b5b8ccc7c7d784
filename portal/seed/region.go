package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
)

// Days are counted from the first day of the period (day 0); reference
// data reaches back before it and bookings beyond it.

const noDay = math.MaxInt32 // an open end (still employed, alive)

type provider struct {
	hsa, orgNr, name     string
	systemID, systemName string
	units                []int
}

type unit struct {
	hsa, name string
	provider  int
	kind      unitKind
	city      int
	size      float64
	protected bool
	mix       string
	care      []int32   // care assignments acting at the unit
	owner     []byte    // RIV careProvider + careUnit of a resource it owns
	resCum    []float64 // cumulative resource type weights
}

type person struct {
	pid           string
	samordning    bool
	given, family string
	male          bool
	birth         time.Time
	street        string
	postal        string
	city          int
	addr          int32 // building or house: people with equal addr share a street address
	household     int32
	hc            int16 // the health centre the person is listed at
	protected     bool
	vip           bool
	died          int   // day of death, noDay when alive
	staff         int32 // staff index when the person works in the region, else -1
	rels          []int32
}

type staffMember struct {
	hsa, pid, given, family, title string
	samordning                     bool
	protected                      bool
	from, to                       int // employment days; to is noDay while employed
	person                         int32
	home                           int16
	assigns                        []int32
}

type assignment struct {
	staff    int32
	unit     int16
	name     string
	purpose  uint8
	from, to int
	user     []byte // RIV user element
}

type relationRow struct {
	a, b int32
	kind portal.RelationKind
}

type careRel struct {
	patient    int32
	unit       int16
	staff      int32 // -1 when the relation is with the unit
	kind       portal.CareKind
	start, end time.Time // end zero when open
	day, last  int       // first and last day
	// unrecorded: the care took place (its accesses are in the log) but
	// the relation is missing from care_relations.csv (markUnrecorded).
	unrecorded bool
}

type address struct {
	street   string
	postal   string
	city     int
	building bool
	homes    int
}

type generator struct {
	opts      Options
	days      int
	period0   time.Time
	rng       *rand.Rand // reference data
	providers []provider
	units     []unit
	people    []person
	staff     []staffMember
	assigns   []assignment
	relations []relationRow
	care      []careRel
	patUnits  [][]int16 // units each patient has a care relation with
	addrs     []address
	usedPIDs  map[string]bool
	plants    []plant
	idKey     [2]uint64
}

func newGenerator(o Options) *generator {
	ids := newRand(o.Seed, 99)
	return &generator{
		opts:     o,
		days:     o.Days,
		period0:  o.Start.AddDate(0, 0, -o.Days),
		rng:      newRand(o.Seed, 1),
		usedPIDs: map[string]bool{},
		idKey:    [2]uint64{ids.Uint64(), ids.Uint64()},
	}
}

// date is midnight in Stockholm of a day.
func (g *generator) date(day int) time.Time { return g.period0.AddDate(0, 0, day) }

// at is a moment of a day, sec seconds after local midnight.
func (g *generator) at(day, sec int) time.Time {
	y, m, d := g.period0.Date()
	return time.Date(y, m, d+day, 0, 0, sec, 0, portal.Stockholm)
}

// dayOf is the day a moment falls on.
func (g *generator) dayOf(t time.Time) int {
	y, m, d := t.In(portal.Stockholm).Date()
	return int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Sub(time.Date(g.period0.Year(), g.period0.Month(), g.period0.Day(), 12, 0, 0, 0, time.UTC)).Hours() / 24)
}

func (g *generator) weekend(day int) bool {
	wd := g.date(day).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func (g *generator) buildRegion() {
	g.buildProviders()
	g.buildPopulation()
	g.buildStaff()
	g.flagPeople()
	g.buildCare()
	for i := range g.units {
		g.units[i].owner = g.ownerXML(i)
		g.units[i].resCum = resourceWeights(g.units[i].kind)
	}
	for i := range g.assigns {
		g.assigns[i].user = g.userXML(i)
	}
}

// orgNr completes nine digits with their Luhn check digit: "232100-0990".
func orgNr(nine string) (string, string) {
	ten := nine + string(portal.LuhnDigit(nine))
	return ten, ten[:6] + "-" + ten[6:]
}

func (g *generator) buildProviders() {
	for i, p := range []struct{ nine, name string }{{"232100099", "Region Exempelland"}, {"559087123", "Vårdbolaget Norr AB"}} {
		ten, formatted := orgNr(p.nine)
		g.providers = append(g.providers, provider{
			hsa: "SE" + ten + "-0001", orgNr: formatted, name: p.name,
			systemID: "SE" + ten + "-S001", systemName: systemNames[i],
		})
	}
	for i, d := range unitDefs {
		p := &g.providers[d.provider]
		g.units = append(g.units, unit{
			hsa:  fmt.Sprintf("SE%s-E%s", p.hsa[2:12], base36(uint64(i)*7919+1296, 4)),
			name: d.name, provider: d.provider, kind: d.kind, city: d.city, size: d.size,
			protected: d.protected, mix: d.mix,
		})
		p.units = append(p.units, i)
	}
}

// base36 writes n in n digits of base 36, upper case.
func base36(v uint64, n int) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[v%36]
		v /= 36
	}
	return string(b)
}

// --- population ---

func (g *generator) pickCity() int {
	r := g.rng.Float64()
	for i, c := range cities {
		if r < c.share {
			return i
		}
		r -= c.share
	}
	return 0
}

// newAddress gives a household a home: a house of its own or a flat in a
// building it may share with other households.
func (g *generator) newAddress(cityIdx int, buildings map[int][]int32, used map[string]bool) (int32, string, string) {
	c := cities[cityIdx]
	if g.rng.Float64() < 0.5 {
		if bs := buildings[cityIdx]; len(bs) > 0 && g.rng.Float64() < 0.7 {
			b := bs[g.rng.IntN(len(bs))]
			a := &g.addrs[b]
			a.homes++
			lgh := (10+a.homes/4)*100 + a.homes%4 + 1
			return b, fmt.Sprintf("%s lgh %d", a.street, lgh), a.postal
		}
	}
	// Larger regions get more numbers per street and prefixed street names
	// ("Norra Storgatan"); a crowded town houses the rest in flats.
	numbers := 90 + g.opts.Patients/2000
	for try := 0; ; try++ {
		if bs := buildings[cityIdx]; try >= 20 && len(bs) > 0 {
			b := bs[g.rng.IntN(len(bs))]
			a := &g.addrs[b]
			a.homes++
			return b, fmt.Sprintf("%s lgh %d", a.street, (10+a.homes/4)*100+a.homes%4+1), a.postal
		}
		si := g.rng.IntN(len(streets))
		name := streets[si]
		if pre := g.rng.IntN(len(streetPrefixes)); pre > 0 && !strings.Contains(name, " ") && g.opts.Patients > 50000 {
			name = streetPrefixes[pre] + name
		}
		num := 1 + g.rng.IntN(numbers)
		street := fmt.Sprintf("%s %d", name, num)
		if used[street+"|"+c.name] {
			continue
		}
		used[street+"|"+c.name] = true
		pc := c.postal + si%9
		building := g.rng.Float64() < 0.5 || try > 0
		g.addrs = append(g.addrs, address{street: street, postal: fmt.Sprintf("%03d %02d", pc/100, pc%100), city: cityIdx, building: building})
		id := int32(len(g.addrs) - 1)
		if building {
			buildings[cityIdx] = append(buildings[cityIdx], id)
			return id, street + " lgh 1001", g.addrs[id].postal
		}
		return id, street, g.addrs[id].postal
	}
}

var streetPrefixes = []string{"", "Norra ", "Södra ", "Lilla ", "Stora ", "Gamla ", "Nya "}

// newPID draws an unused personal id for a birth date.
func (g *generator) newPID(birth time.Time, male, samordning bool) string {
	y, m, d := birth.Date()
	if samordning {
		d += 60
	}
	for {
		serial := g.rng.IntN(100)
		sex := g.rng.IntN(5) * 2
		if male {
			sex++
		}
		nine := fmt.Sprintf("%02d%02d%02d%02d%d", y%100, int(m), d, serial, sex)
		pid := fmt.Sprintf("%02d", y/100) + nine + string(portal.LuhnDigit(nine))
		if !g.usedPIDs[pid] {
			g.usedPIDs[pid] = true
			return pid
		}
	}
}

// birthFor draws a birth date for an age in whole years at the period end.
func (g *generator) birthFor(age int) time.Time {
	end := g.date(g.days)
	return end.AddDate(-age-1, 0, 1+g.rng.IntN(364))
}

func (g *generator) givenName(male bool, birth time.Time) string {
	gen := 0
	switch y := birth.Year(); {
	case y >= 1995:
		gen = 2
	case y >= 1960:
		gen = 1
	}
	names := femaleNames[gen]
	if male {
		names = maleNames[gen]
	}
	return names[g.rng.IntN(len(names))]
}

func (g *generator) familyName() string { return familyNames[g.rng.IntN(len(familyNames))] }

func (g *generator) age(p *person) int {
	end := g.date(g.days)
	a := end.Year() - p.birth.Year()
	if end.YearDay() < p.birth.YearDay() {
		a--
	}
	return a
}

func (g *generator) buildPopulation() {
	n := g.opts.Patients
	buildings := map[int][]int32{}
	used := map[string]bool{}
	g.people = make([]person, 0, n)
	hcByCity := map[int][]int16{}
	for i, u := range g.units {
		if u.kind == kindPrimary {
			hcByCity[u.city] = append(hcByCity[u.city], int16(i))
		}
	}
	for hh := int32(0); len(g.people) < n; hh++ {
		c := g.pickCity()
		addr, street, postal := g.newAddress(c, buildings, used)
		hcs := hcByCity[c]
		hc := hcs[g.rng.IntN(len(hcs))]
		family := g.familyName()
		add := func(age int, male bool, fam string) int32 {
			if len(g.people) >= n {
				return -1
			}
			samordning := age >= 20 && g.rng.Float64() < 0.015
			birth := g.birthFor(age)
			g.people = append(g.people, person{
				pid: g.newPID(birth, male, samordning), samordning: samordning,
				given: g.givenName(male, birth), family: fam, male: male, birth: birth,
				street: street, postal: postal, city: c, addr: addr, household: hh, hc: hc,
				died: noDay, staff: -1,
			})
			return int32(len(g.people) - 1)
		}
		r := g.rng.Float64()
		male := g.rng.IntN(2) == 0
		switch {
		case r < 0.28: // single adult
			add(20+g.rng.IntN(46), male, family)
		case r < 0.38: // elderly single
			add(66+g.rng.IntN(15)+g.rng.IntN(15), male, family)
		default: // couples, with or without children, and single parents
			elderly := r < 0.48
			age := 22 + g.rng.IntN(40)
			if elderly {
				age = 66 + g.rng.IntN(12) + g.rng.IntN(12)
			}
			a := add(age, male, family)
			var parents []int32
			if a >= 0 {
				parents = append(parents, a)
			}
			if r < 0.93 { // a partner
				pm := !male
				if g.rng.Float64() < 0.08 {
					pm = male
				}
				fam := family
				if g.rng.Float64() < 0.3 {
					fam = g.familyName()
				}
				pAge := max(20, age+g.rng.IntN(9)-4)
				if b := add(pAge, pm, fam); b >= 0 && a >= 0 {
					kind := portal.RelationSpouse
					if g.rng.Float64() < 0.35 {
						kind = portal.RelationHousehold
					}
					g.relations = append(g.relations, relationRow{a, b, kind})
					parents = append(parents, b)
				}
			}
			if lo, hi := max(0, age-44), min(19, age-20); !elderly && r >= 0.65 && lo <= hi { // with children
				kids := 1 + g.rng.IntN(3)
				var siblings []int32
				for k := 0; k < kids; k++ {
					kAge := lo + g.rng.IntN(hi-lo+1)
					kid := add(kAge, g.rng.IntN(2) == 0, family)
					if kid < 0 {
						break
					}
					for _, p := range parents {
						g.relations = append(g.relations, relationRow{p, kid, portal.RelationParent})
						if kAge < 18 {
							g.relations = append(g.relations, relationRow{p, kid, portal.RelationGuardian})
						}
					}
					for _, s := range siblings {
						g.relations = append(g.relations, relationRow{s, kid, portal.RelationSibling})
					}
					siblings = append(siblings, kid)
				}
			}
		}
	}
	// Grown-up children living elsewhere.
	for i := range g.people {
		p := &g.people[i]
		if g.age(p) < 66 || g.rng.Float64() > 0.5 {
			continue
		}
		for try := 0; try < 30; try++ {
			c := int32(g.rng.IntN(len(g.people)))
			q := &g.people[c]
			if d := g.age(p) - g.age(q); q.household != p.household && d >= 20 && d <= 42 {
				g.relations = append(g.relations, relationRow{int32(i), c, portal.RelationParent})
				break
			}
		}
	}
	for _, r := range g.relations {
		g.people[r.a].rels = append(g.people[r.a].rels, r.b)
		g.people[r.b].rels = append(g.people[r.b].rels, r.a)
	}
}

// --- staff ---

func pickWeighted(rng *rand.Rand, ws []weighted) string {
	total := 0.0
	for _, w := range ws {
		total += w.w
	}
	r := rng.Float64() * total
	for _, w := range ws {
		if r < w.w {
			return w.text
		}
		r -= w.w
	}
	return ws[len(ws)-1].text
}

func (g *generator) pickUnitBySize(filter func(*unit) bool) int {
	total := 0.0
	for i := range g.units {
		if filter(&g.units[i]) {
			total += g.units[i].size
		}
	}
	r := g.rng.Float64() * total
	last := -1
	for i := range g.units {
		if !filter(&g.units[i]) {
			continue
		}
		last = i
		if r < g.units[i].size {
			return i
		}
		r -= g.units[i].size
	}
	return last
}

func (g *generator) plantsPerKind() int { return 3 + g.opts.Events/250000 }

func (g *generator) buildStaff() {
	n := g.opts.Staff
	k := g.plantsPerKind()
	// Staff who live in the region are people of the register; the rules
	// compare them with their patients.
	var adults []int32
	for i := range g.people {
		if a := g.age(&g.people[i]); a >= 22 && a <= 64 && !g.people[i].samordning {
			adults = append(adults, int32(i))
		}
	}
	g.rng.Shuffle(len(adults), func(i, j int) { adults[i], adults[j] = adults[j], adults[i] })
	local := min(int(0.35*float64(n)), len(adults)/2)
	leavers := max(k+2, n*3/100)
	step := max(1, n/leavers)
	hsaSeen := map[string]bool{}
	for i := 0; i < n; i++ {
		home := i
		if i >= len(g.units) {
			home = g.pickUnitBySize(func(*unit) bool { return true })
		}
		u := &g.units[home]
		s := staffMember{title: pickWeighted(g.rng, titleMixes[u.mix]), home: int16(home), person: -1, to: noDay}
		if i%3 == 1 && local > 0 {
			local--
			pi := adults[local]
			p := &g.people[pi]
			s.person, s.pid, s.given, s.family, s.samordning = pi, p.pid, p.given, p.family, p.samordning
			p.staff = int32(i)
		} else {
			male := g.rng.IntN(2) == 0
			birth := g.birthFor(23 + g.rng.IntN(43))
			s.given, s.family = g.givenName(male, birth), g.familyName()
			s.pid = g.newPID(birth, male, false)
		}
		prov := g.providers[u.provider].hsa[2:12]
		for {
			s.hsa = fmt.Sprintf("SE%s-%s", prov, base36(g.rng.Uint64N(36*36*36*36), 4))
			if !hsaSeen[s.hsa] {
				hsaSeen[s.hsa] = true
				break
			}
		}
		s.from = -30 - g.rng.IntN(25*365)
		if g.rng.Float64() < 0.04 {
			s.from = g.rng.IntN(g.days / 2)
		}
		// Leavers go within the period, leaving days after it for the log.
		if i%step == step/2 && leavers > 0 {
			leavers--
			s.to = g.days/5 + g.rng.IntN(g.days/2)
			s.from = min(s.from, s.to-60)
		}
		if g.rng.Float64() < 0.006 || i == n/2 || i == n/3 {
			s.protected = true
		}
		g.staff = append(g.staff, s)
		g.addAssignment(int32(i), int16(home), s.title+" på "+u.name, purposeCare, s.from, s.to)
		// A second care assignment: on-call at the provider's emergency
		// department, or at another unit of the same kind.
		if (s.title == "Läkare" || s.title == "Sjuksköterska") && g.rng.Float64() < 0.08 {
			other := g.pickUnitBySize(func(v *unit) bool {
				return v.provider == u.provider && v != u && (v.kind == kindEmergency || v.kind == u.kind)
			})
			if other >= 0 {
				g.addAssignment(int32(i), int16(other), s.title+" på "+g.units[other].name, purposeCare, s.from, s.to)
			}
		}
		// Assignments for purposes other than care.
		switch {
		case (s.title == "Läkare" || s.title == "Sjuksköterska") && g.rng.Float64() < 0.05:
			g.addAssignment(int32(i), int16(home), "Kvalitetssäkring på "+u.name, purposeQuality, s.from, s.to)
		case s.title == "Läkarsekreterare" && g.rng.Float64() < 0.3:
			g.addAssignment(int32(i), int16(home), "Administration på "+u.name, purposeAdmin, s.from, s.to)
		}
	}
}

func (g *generator) addAssignment(s int32, u int16, name string, purpose uint8, from, to int) {
	g.assigns = append(g.assigns, assignment{staff: s, unit: u, name: name, purpose: purpose, from: from, to: to})
	a := int32(len(g.assigns) - 1)
	g.staff[s].assigns = append(g.staff[s].assigns, a)
	if purpose == purposeCare {
		g.units[u].care = append(g.units[u].care, a)
	}
}

// --- flags: protected identity, VIP, deceased ---

func (g *generator) flagPeople() {
	k := g.plantsPerKind()
	n := len(g.people)
	var pool []int32
	for i := range g.people {
		if g.people[i].staff < 0 {
			pool = append(pool, int32(i))
		}
	}
	g.rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	next := 0
	take := func() *person {
		p := &g.people[pool[next%len(pool)]]
		next++
		return p
	}
	for i := 0; i < max(k+2, n*3/1000); i++ { // protected identity: the whole household
		hh := take().household
		// Households are contiguous in g.people.
		lo := int(pool[(next-1)%len(pool)])
		for lo > 0 && g.people[lo-1].household == hh {
			lo--
		}
		for j := lo; j < len(g.people) && g.people[j].household == hh; j++ {
			if q := &g.people[j]; q.staff < 0 {
				q.protected, q.street, q.postal = true, "", ""
			}
		}
	}
	for i, tries := 0, 0; i < max(k+2, n*2/1000) && tries < 10*len(pool); tries++ {
		if p := take(); g.age(p) >= 18 && !p.protected && !p.vip {
			p.vip = true
			i++
		}
	}
	// Deaths: most among the old, most of them within the period.
	deaths := max(k+3, n*8/1000)
	for i := 0; deaths > 0 && i < 50*len(pool); i++ {
		p := take()
		if p.died != noDay || p.vip || (g.age(p) < 70 && g.rng.Float64() < 0.9) {
			continue
		}
		deaths--
		if deaths%3 == 0 {
			p.died = -1 - g.rng.IntN(300)
		} else {
			p.died = g.rng.IntN(max(1, g.days-3))
		}
	}
}

// --- care relations ---

// unrecordedOneIn: one in this many of the relations that may go missing
// is left out of care_relations.csv, so that a few per cent of legitimate
// accesses have no care relation in the data (DESIGN.md section 7: a
// consultant's or a secretary's, the accesses a reviewer must learn to
// tell from snooping).
const unrecordedOneIn = 2

// markUnrecorded chooses, from a stream of its own (the rest of the region
// stays as it was), the relations missing from the data: a visit, booking
// or referral of a patient the unit has another relation with (the unit
// is known to treat them, as a consultant's is), of someone who is not
// staff, protected, a VIP or deceased (whose unexplained accesses are the
// rules' business by design).
func (g *generator) markUnrecorded() {
	rng := newRand(g.opts.Seed, 4)
	per, gone := map[[2]int32]int{}, map[[2]int32]bool{}
	for _, c := range g.care {
		per[[2]int32{c.patient, int32(c.unit)}]++
	}
	for i := range g.care {
		c := &g.care[i]
		p := &g.people[c.patient]
		k := [2]int32{c.patient, int32(c.unit)}
		// One per patient and unit at most: the others stay in the data,
		// so the unit is known to treat the patient.
		if c.kind == portal.CareAdmission || c.kind == portal.CareTeam || per[k] < 2 || gone[k] ||
			p.staff >= 0 || p.protected || p.vip || p.died != noDay {
			continue
		}
		if rng.IntN(unrecordedOneIn) == 0 {
			c.unrecorded, gone[k] = true, true
		}
	}
}

func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (g *generator) unitsOf(kinds ...unitKind) []int {
	var out []int
	for i, u := range g.units {
		if slices.Contains(kinds, u.kind) {
			out = append(out, i)
		}
	}
	return out
}

func (g *generator) pickSized(list []int) int {
	total := 0.0
	for _, i := range list {
		total += g.units[i].size
	}
	r := g.rng.Float64() * total
	for _, i := range list {
		if r < g.units[i].size {
			return i
		}
		r -= g.units[i].size
	}
	return list[len(list)-1]
}

func (g *generator) buildCare() {
	specialist := g.unitsOf(kindClinic, kindOutpat, kindPsych)
	emergency := g.unitsOf(kindEmergency)
	wards := []int{}
	for _, i := range g.unitsOf(kindClinic) {
		if g.units[i].mix == "clinic" {
			wards = append(wards, i)
		}
	}
	imaging := g.unitsOf(kindImaging)
	private := []int{}
	for _, i := range g.unitsOf(kindOutpat, kindPhysio) {
		if g.units[i].provider == 1 {
			private = append(private, i)
		}
	}
	team := g.unitsOf(kindTeam)
	span := float64(g.days+60) / 150
	for pi := range g.people {
		p := &g.people[pi]
		if p.staff >= 0 {
			continue // staff in the register are left to the planted accesses
		}
		age := g.age(p)
		lambda := 1.0
		switch {
		case age < 18:
			lambda = 0.9
		case age >= 65:
			lambda = 2.2
		}
		for c := poisson(g.rng, lambda*span); c > 0; c-- {
			day := -30 + g.rng.IntN(g.days+30)
			r := g.rng.Float64()
			switch {
			case r < 0.42: // health centre
				if g.rng.Float64() < 0.25 {
					g.addCare(pi, int(p.hc), portal.CareBooking, g.rng.IntN(g.days+30), true)
				} else {
					g.addCare(pi, int(p.hc), portal.CareVisit, day, true)
				}
			case r < 0.62: // specialist, often on referral
				u := g.pickSized(specialist)
				if g.rng.Float64() < 0.6 {
					g.addCare(pi, u, portal.CareReferral, day-10-g.rng.IntN(30), false)
				}
				g.addCare(pi, u, portal.CareVisit, day, true)
			case r < 0.72: // emergency, sometimes admitted
				g.addCare(pi, g.pickSized(emergency), portal.CareVisit, day, true)
				if g.rng.Float64() < 0.35 {
					g.addCare(pi, g.pickSized(wards), portal.CareAdmission, day, false)
				}
			case r < 0.80: // planned admission
				g.addCare(pi, g.pickSized(wards), portal.CareAdmission, day, false)
			case r < 0.90: // imaging
				u := g.pickSized(imaging)
				g.addCare(pi, u, portal.CareReferral, day, false)
				g.addCare(pi, u, portal.CareVisit, day+1+g.rng.IntN(14), true)
			case r < 0.96: // the private company's specialists
				u := private[g.rng.IntN(len(private))]
				g.addCare(pi, u, portal.CareVisit, day, true)
			default:
				if age >= 70 {
					g.addCare(pi, team[0], portal.CareTeam, day-g.rng.IntN(200), false)
				} else {
					g.addCare(pi, g.pickSized(specialist), portal.CareVisit, day, true)
				}
			}
		}
	}
	g.patUnits = make([][]int16, len(g.people))
	for _, c := range g.care {
		if !slices.Contains(g.patUnits[c.patient], c.unit) {
			g.patUnits[c.patient] = append(g.patUnits[c.patient], c.unit)
		}
	}
}

// addCare adds one care relation starting on day; withStaff names a staff
// member for visits and bookings.
func (g *generator) addCare(pi, ui int, kind portal.CareKind, day int, withStaff bool) {
	p := &g.people[pi]
	u := &g.units[ui]
	if day >= p.died {
		return
	}
	daytime := u.kind == kindPrimary || u.kind == kindOutpat || u.kind == kindImaging || u.kind == kindPhysio
	if daytime && kind != portal.CareReferral {
		for g.weekend(day) {
			day++
		}
		if day >= p.died {
			return
		}
	}
	c := careRel{patient: int32(pi), unit: int16(ui), staff: -1, kind: kind, day: day}
	switch kind {
	case portal.CareVisit, portal.CareBooking:
		sec := 8*3600 + 900*g.rng.IntN(34)
		if u.kind == kindEmergency {
			sec = g.rng.IntN(24 * 3600)
		}
		c.start = g.at(day, sec)
		c.end = c.start.Add(time.Duration(20+10*g.rng.IntN(5)) * time.Minute)
		c.last = day
	case portal.CareAdmission:
		c.start = g.at(day, 7*3600+g.rng.IntN(14*3600))
		stay := 1 + g.rng.IntN(4) + g.rng.IntN(8)
		c.last = day + stay
		if c.last >= p.died {
			c.last = p.died
			c.end = g.at(p.died, 3600+g.rng.IntN(6*3600))
		} else {
			c.end = g.at(c.last, 10*3600+g.rng.IntN(5*3600))
		}
		if !c.end.After(c.start) {
			c.end = c.start.Add(time.Hour)
			c.last = g.dayOf(c.end)
		}
	case portal.CareReferral:
		c.start = g.at(day, 9*3600+g.rng.IntN(6*3600))
		c.last = day
	case portal.CareTeam:
		c.start = g.at(day, 9*3600)
		c.last = noDay
		if g.rng.Float64() < 0.5 {
			c.last = day + 60 + g.rng.IntN(300)
			c.end = g.at(c.last, 15*3600)
		}
		if p.died != noDay {
			c.last = p.died
			c.end = g.at(p.died, 8*3600)
		}
	}
	if withStaff && g.rng.Float64() < 0.65 && len(u.care) > 0 {
		a := &g.assigns[u.care[g.rng.IntN(len(u.care))]]
		if g.assignOn(a, day) {
			c.staff = a.staff
		}
	}
	g.care = append(g.care, c)
}

// assignOn reports whether an assignment and its holder's employment hold on day.
func (g *generator) assignOn(a *assignment, day int) bool {
	s := &g.staff[a.staff]
	return day >= a.from && day <= a.to && day >= s.from && day <= s.to
}

// conflicted reports whether a staff member must not be the one who
// normally reads a patient: themselves, a relative or a neighbour.
func (g *generator) conflicted(staff int32, patient int32) bool {
	pi := g.staff[staff].person
	if pi < 0 {
		return false
	}
	if pi == patient {
		return true
	}
	p, q := &g.people[pi], &g.people[patient]
	return p.addr == q.addr || p.household == q.household || slices.Contains(p.rels, patient)
}
