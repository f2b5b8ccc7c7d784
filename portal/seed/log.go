package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/insyn/insyn/portal"
)

// event is one access in compact form; the XML is written from it.
type event struct {
	t       int64 // Unix seconds
	seq     int32 // order of generation, breaks ties in time
	assign  int32
	patient int32
	owner   int16
	act     uint8
	purpose uint8
	res     uint8
	plant   int32 // index+1 in g.plants, 0 for ordinary accesses
}

// Resource type indexes used by name (see resourceTypes).
const (
	resJournal = 0
	resContact = 3
)

// titleClass groups titles by what they usually do in a record.
func titleClass(title string) int {
	switch title {
	case "Läkare":
		return 0
	case "Sjuksköterska", "Distriktssköterska", "Barnmorska", "Röntgensjuksköterska":
		return 1
	case "Undersköterska", "Skötare":
		return 2
	case "Läkarsekreterare":
		return 3
	}
	return 4
}

// activityCum is, per title class, the cumulative share (of 1000) of read,
// write, sign, print, verify and delete after the first access of a sitting.
var activityCum = [5][6]int{
	{600, 780, 920, 950, 995, 1000},
	{700, 910, 960, 990, 997, 1000},
	{800, 960, 965, 997, 997, 1000},
	{540, 850, 860, 990, 990, 1000},
	{700, 930, 970, 997, 997, 1000},
}

// resourceWeights returns cumulative resource type weights for a unit kind.
func resourceWeights(k unitKind) []float64 {
	boost := map[string]float64{}
	switch k {
	case kindImaging:
		boost = map[string]float64{"Röntgensvar": 10, "Remiss": 3}
	case kindLab:
		boost = map[string]float64{"Provsvar": 10, "Remiss": 2}
	case kindPrimary:
		boost = map[string]float64{"Vaccinationer": 5, "Intyg": 3}
	case kindClinic, kindPsych:
		boost = map[string]float64{"Omvårdnadsanteckning": 2, "Epikris": 2, "Mätvärden": 2}
	case kindEmergency:
		boost = map[string]float64{"Vårdkontakt": 2, "Mätvärden": 2}
	}
	cum := make([]float64, len(resourceTypes))
	total := 0.0
	for i, r := range resourceTypes {
		w := r.w
		if b, ok := boost[r.text]; ok {
			w *= b
		}
		total += w
		cum[i] = total
	}
	return cum
}

func pickCum(rng *rand.Rand, cum []float64) int {
	return sort.SearchFloat64s(cum, rng.Float64()*cum[len(cum)-1])
}

// daytime units are closed in the evening and at weekends.
func (u *unit) daytime() bool {
	return u.kind == kindPrimary || u.kind == kindOutpat || u.kind == kindImaging || u.kind == kindLab || u.kind == kindPhysio
}

// weight is how much care relation c draws accesses on day: most on the
// day itself, some before and after; zero outside its explanation window
// (±29 days of a visit, booking or referral, the stay of an admission,
// the span of a team).
func (g *generator) weight(c *careRel, day int, weekend bool) float64 {
	if day > g.people[c.patient].died {
		return 0
	}
	delta := day - c.day
	var w float64
	switch c.kind {
	case portal.CareVisit, portal.CareBooking:
		switch {
		case delta < -29 || delta > 29:
			return 0
		case delta == 0:
			w = 1
		case delta >= -7 && delta < 0:
			w = 0.05
		case delta < 0:
			w = 0.01
		case delta <= 7:
			w = 0.12
		default:
			w = 0.02
		}
	case portal.CareReferral:
		switch {
		case delta < 0 || delta > 29:
			return 0
		case delta == 0:
			w = 0.6
		case delta <= 10:
			w = 0.06
		default:
			w = 0.01
		}
	case portal.CareAdmission:
		if day < c.day || day > c.last {
			return 0
		}
		w = 0.7
		if day == c.day {
			w = 1.2
		}
	case portal.CareTeam:
		if day < c.day || day > c.last {
			return 0
		}
		w = 0.15
	}
	if weekend && g.units[c.unit].daytime() {
		w *= 0.03
	}
	return w
}

// dayQuotas spreads n ordinary accesses over the days, fewer at weekends.
func (g *generator) dayQuotas(n int) []int {
	ws := make([]float64, g.days)
	total := 0.0
	for d := range ws {
		ws[d] = 1
		switch g.date(d).Weekday() {
		case time.Saturday:
			ws[d] = 0.4
		case time.Sunday:
			ws[d] = 0.35
		}
		total += ws[d]
	}
	q := make([]int, g.days)
	rem := make([]float64, g.days)
	left := n
	for d := range q {
		x := float64(n) * ws[d] / total
		q[d] = int(math.Floor(x))
		rem[d] = x - float64(q[d])
		left -= q[d]
	}
	order := make([]int, g.days)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return a - b
	})
	for i := 0; left > 0; i = (i + 1) % g.days {
		q[order[i]]++
		left--
	}
	return q
}

// sessionSecond is when a sitting at a unit starts, seconds after midnight.
func sessionSecond(k unitKind, rng *rand.Rand) int {
	r := rng.Float64()
	switch k {
	case kindPrimary, kindOutpat, kindImaging, kindLab, kindPhysio:
		return 7*3600 + 1800 + rng.IntN(9*3600+1800)
	case kindTeam:
		return 7*3600 + rng.IntN(14*3600)
	case kindEmergency:
		switch {
		case r < 0.6:
			return 8*3600 + rng.IntN(10*3600)
		case r < 0.85:
			return 18*3600 + rng.IntN(6*3600)
		}
		return rng.IntN(8 * 3600)
	}
	switch {
	case r < 0.65:
		return 7*3600 + rng.IntN(9*3600)
	case r < 0.9:
		return 16*3600 + rng.IntN(6*3600)
	case r < 0.95:
		return 22*3600 + rng.IntN(2*3600)
	}
	return rng.IntN(7 * 3600)
}

// genDay appends the ordinary accesses of a day to evs.
func (g *generator) genDay(day, quota int, rng *rand.Rand, evs []event, active []int32, cum []float64) ([]event, []int32, []float64) {
	active, cum = active[:0], cum[:0]
	weekend := g.weekend(day)
	total := 0.0
	for i := range g.care {
		if w := g.weight(&g.care[i], day, weekend); w > 0 {
			total += w
			active = append(active, int32(i))
			cum = append(cum, total)
		}
	}
	if len(active) == 0 {
		return evs, active, cum
	}
	dayStart := g.at(day, 0).Unix()
	dayEnd := g.at(day+1, 0).Unix() - 1
	seq := int32(len(evs))
	for n, misses := 0, 0; n < quota && misses < 10000; {
		c := &g.care[active[pickCum(rng, cum)]]
		a := g.pickActor(c, day, rng)
		if a < 0 {
			misses++
			continue
		}
		u := &g.units[c.unit]
		asg := &g.assigns[a]
		purpose := uint8(purposeCare)
		// Now and then a staff member works in an assignment for another
		// purpose at the same unit.
		if rng.Float64() < 0.2 {
			for _, other := range g.staff[asg.staff].assigns {
				if o := &g.assigns[other]; o.unit == c.unit && o.purpose != purposeCare && g.assignOn(o, day) {
					a, purpose = other, o.purpose
					break
				}
			}
		}
		length := 1
		for length < 20 && rng.Float64() < 0.76 {
			length++
		}
		length = min(length, quota-n)
		var t int64
		if (c.kind == portal.CareVisit || c.kind == portal.CareBooking) && day == c.day {
			t = c.start.Unix() - 3600 + rng.Int64N(9000)
		} else {
			t = g.at(day, sessionSecond(u.kind, rng)).Unix()
		}
		lo, hi := dayStart, dayEnd
		if c.kind == portal.CareAdmission || c.kind == portal.CareTeam {
			lo = max(lo, c.start.Unix())
			if !c.end.IsZero() {
				hi = min(hi, c.end.Unix())
			}
		}
		t = min(max(t, lo), hi)
		class := titleClass(g.staff[asg.staff].title)
		main := uint8(pickCum(rng, u.resCum))
		for k := 0; k < length; k++ {
			act := uint8(actRead)
			if k > 0 || rng.Float64() < 0.08 {
				r, cumA := rng.IntN(1000), activityCum[class]
				for act = 0; int(act) < len(cumA)-1 && r >= cumA[act]; act++ {
				}
			}
			res := main
			if k > 0 && rng.Float64() < 0.55 {
				res = uint8(pickCum(rng, u.resCum))
			}
			owner := c.unit
			if pu := g.patUnits[c.patient]; len(pu) > 1 && rng.Float64() < 0.2 {
				owner = pu[rng.IntN(len(pu))]
			}
			evs = append(evs, event{t: t, seq: seq, assign: a, patient: c.patient, owner: owner, act: act, purpose: purpose, res: res})
			seq++
			t = min(t+int64(8+rng.IntN(170)), hi)
		}
		n += length
	}
	return evs, active, cum
}

// pickActor chooses who reads for care relation c on day: the named staff
// member or someone acting at the unit, employed that day and neither the
// patient nor a relative or neighbour. -1 when nobody fits.
func (g *generator) pickActor(c *careRel, day int, rng *rand.Rand) int32 {
	if c.staff >= 0 && rng.Float64() < 0.6 {
		for _, a := range g.staff[c.staff].assigns {
			if asg := &g.assigns[a]; asg.unit == c.unit && asg.purpose == purposeCare && g.assignOn(asg, day) &&
				!g.conflicted(c.staff, c.patient) {
				return a
			}
		}
	}
	list := g.units[c.unit].care
	if len(list) == 0 {
		return -1
	}
	for try := 0; try < 8; try++ {
		a := list[rng.IntN(len(list))]
		if asg := &g.assigns[a]; g.assignOn(asg, day) && !g.conflicted(asg.staff, c.patient) {
			return a
		}
	}
	return -1
}

// --- writing ---

var dayDir = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// clearLogs removes the day directories of an earlier run from dir/logs,
// refusing when logs holds anything else.
func clearLogs(logs string) error {
	entries, err := os.ReadDir(logs)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !dayDir.MatchString(e.Name()) {
			return portal.Errorf(portal.Invalid, "seed.error.logs_dir", "%s holds files insyn seed did not write", logs).
				With("Dir", logs)
		}
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(logs, e.Name())); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

type dayResult struct {
	files, events int
	ids           map[int32][]string // plant index → log ids
	err           error
}

// writeLogs generates and writes the log, one day per task, in parallel.
// Each day has its own random stream, so the output does not depend on
// the number of workers.
func (g *generator) writeLogs(dir string) (files, events int, err error) {
	logs := filepath.Join(dir, "logs")
	if err := clearLogs(logs); err != nil {
		return 0, 0, err
	}
	plantByDay := make([][]int32, g.days)
	planted := 0
	for i, p := range g.plants {
		plantByDay[p.day] = append(plantByDay[p.day], int32(i))
		planted += len(p.events)
	}
	quotas := g.dayQuotas(max(0, g.opts.Events-planted))
	workers := g.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]dayResult, g.days)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dw := &dayWriter{g: g, buf: make([]byte, 0, 1<<20)}
			for day := range next {
				results[day] = dw.day(logs, day, quotas[day], plantByDay[day])
			}
		}()
	}
	for d := 0; d < g.days; d++ {
		next <- d
	}
	close(next)
	wg.Wait()
	for d := range results {
		r := &results[d]
		if r.err != nil {
			return 0, 0, r.err
		}
		files += r.files
		events += r.events
		for pi, ids := range r.ids {
			g.plants[pi].logIDs = ids
		}
	}
	return files, events, nil
}

// dayWriter holds one worker's reusable buffers.
type dayWriter struct {
	g      *generator
	buf    []byte
	evs    []event
	active []int32
	cum    []float64
}

func (w *dayWriter) day(logs string, day, quota int, plants []int32) dayResult {
	g := w.g
	rng := newRand(g.opts.Seed, 1000+uint64(day))
	w.evs, w.active, w.cum = g.genDay(day, quota, rng, w.evs[:0], w.active, w.cum)
	for _, pi := range plants {
		for _, e := range g.plants[pi].events {
			e.seq, e.plant = int32(len(w.evs)), pi+1
			w.evs = append(w.evs, e)
		}
	}
	// Each provider's system sends its own messages, in time order.
	slices.SortFunc(w.evs, func(a, b event) int {
		pa, pb := g.units[g.assigns[a.assign].unit].provider, g.units[g.assigns[b.assign].unit].provider
		switch {
		case pa != pb:
			return pa - pb
		case a.t != b.t:
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return int(a.seq - b.seq)
	})
	res := dayResult{events: len(w.evs), ids: map[int32][]string{}}
	if len(w.evs) == 0 {
		return res
	}
	dd := filepath.Join(logs, g.date(day).Format(time.DateOnly))
	if err := os.MkdirAll(dd, 0o755); err != nil {
		res.err = fmt.Errorf("seed: %w", err)
		return res
	}
	for i := 0; i < len(w.evs); {
		prov := g.units[g.assigns[w.evs[i].assign].unit].provider
		j := i
		for j < len(w.evs) && j-i < MaxFileLogs && g.units[g.assigns[w.evs[j].assign].unit].provider == prov {
			j++
		}
		b := append(w.buf[:0], xmlHead1...)
		b = append(b, g.providers[prov].hsa...)
		b = append(b, xmlHead2...)
		for k := i; k < j; k++ {
			e := &w.evs[k]
			n := uint64(day)<<32 | uint64(k)
			start := len(b)
			b = g.appendLog(b, e, n)
			if e.plant > 0 {
				id := string(b[start+len(logOpen) : start+len(logOpen)+36])
				res.ids[e.plant-1] = append(res.ids[e.plant-1], id)
			}
		}
		b = append(b, xmlTail...)
		w.buf = b
		res.files++
		name := filepath.Join(dd, fmt.Sprintf("%04d.xml", res.files))
		if err := os.WriteFile(name, b, 0o644); err != nil {
			res.err = fmt.Errorf("seed: %w", err)
			return res
		}
		i = j
	}
	return res
}

const (
	nsResponder = "urn:riv:informationsecurity:auditing:log:StoreLogResponder:2"
	nsLog       = "urn:riv:informationsecurity:auditing:log:2"
	xmlHead1    = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soapenv:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">`
	xmlHead2 = `</LogicalAddress></soapenv:Header><soapenv:Body>` + "\n" +
		`<sl:StoreLog xmlns:sl="` + nsResponder + `" xmlns="` + nsLog + `">` + "\n"
	xmlTail = `</sl:StoreLog>` + "\n" + `</soapenv:Body></soapenv:Envelope>` + "\n"
	logOpen = `<sl:log><logId>`
)

// Fixed XML pieces, built once.
var (
	activityOpen  [len(activityTextsArr)]string
	purposeClose  [len(purposeTextsArr)]string
	resourceOpen  []string
	activityTexts = activityTextsArr[:]
	purposeTexts  = purposeTextsArr[:]
)

var activityTextsArr = [...]string{"Läsa", "Skriva", "Signera", "Utskrift", "Vidimera", "Radera", "Nödöppning"}
var purposeTextsArr = [...]string{"Vård och behandling", "Kvalitetssäkring", "Administration", "Statistik"}

func init() {
	for i, a := range activityTextsArr {
		activityOpen[i] = `<activity><activityType>` + escape(a) + `</activityType><startDate>`
	}
	for i, p := range purposeTextsArr {
		purposeClose[i] = `</startDate><purpose>` + escape(p) + `</purpose></activity>`
	}
	for _, r := range resourceTypes {
		resourceOpen = append(resourceOpen, `<resources><resource><resourceType>`+escape(r.text)+
			`</resourceType><patient><patientId><root>`)
	}
}

// appendLog writes one log element.
func (g *generator) appendLog(b []byte, e *event, n uint64) []byte {
	asg := &g.assigns[e.assign]
	prov := &g.providers[g.units[asg.unit].provider]
	p := &g.people[e.patient]
	b = append(b, logOpen...)
	b = g.appendLogID(b, n)
	b = append(b, `</logId><system><systemId>`...)
	b = append(b, prov.systemID...)
	b = append(b, `</systemId><systemName>`...)
	b = append(b, prov.systemName...)
	b = append(b, `</systemName></system>`...)
	b = append(b, activityOpen[e.act]...)
	b = time.Unix(e.t, 0).In(portal.Stockholm).AppendFormat(b, time.RFC3339)
	b = append(b, purposeClose[e.purpose]...)
	b = append(b, asg.user...)
	b = append(b, resourceOpen[e.res]...)
	if p.samordning {
		b = append(b, portal.OIDSamordningsnummer...)
	} else {
		b = append(b, portal.OIDPersonnummer...)
	}
	b = append(b, `</root><extension>`...)
	b = append(b, p.pid...)
	b = append(b, `</extension></patientId>`...)
	if !p.protected {
		// Systems leave out the name of a patient with protected identity.
		b = append(b, `<patientName>`...)
		b = appendEscaped(b, p.given)
		b = append(b, ' ')
		b = appendEscaped(b, p.family)
		b = append(b, `</patientName>`...)
	}
	b = append(b, `</patient>`...)
	b = append(b, g.units[e.owner].owner...)
	b = append(b, `</resource></resources></sl:log>`+"\n"...)
	return b
}

// appendLogID writes a version 4 style UUID that is unique for each n (an
// invertible mix of n in 62 bits) and differs from seed to seed.
func (g *generator) appendLogID(b []byte, n uint64) []byte {
	const mask = 1<<62 - 1
	x := (n ^ g.idKey[0]) & mask
	x = (x * 0x9E3779B97F4A7C15) & mask
	x ^= x >> 29
	x = (x * 0xBF58476D1CE4E5B9) & mask
	x ^= x >> 32
	lo := 1<<63 | x
	hi := mix64(n ^ g.idKey[1])
	hi = hi&^0xF000 | 0x4000
	var raw [16]byte
	for i := 0; i < 8; i++ {
		raw[i] = byte(hi >> (56 - 8*i))
		raw[8+i] = byte(lo >> (56 - 8*i))
	}
	const hexd = "0123456789abcdef"
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexd[c>>4], hexd[c&15])
	}
	return b
}

func mix64(z uint64) uint64 {
	z += 0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// userXML is the user element of an assignment.
func (g *generator) userXML(ai int) []byte {
	a := &g.assigns[ai]
	s := &g.staff[a.staff]
	root := portal.OIDPersonnummer
	if s.samordning {
		root = portal.OIDSamordningsnummer
	}
	var b []byte
	b = append(b, `<user><userId>`+s.hsa+`</userId><name>`...)
	b = appendEscaped(b, s.given+" "+s.family)
	b = append(b, `</name><personId><root>`+root+`</root><extension>`+s.pid+
		`</extension></personId><assignment>`...)
	b = appendEscaped(b, a.name)
	b = append(b, `</assignment><title>`...)
	b = appendEscaped(b, s.title)
	b = append(b, `</title>`...)
	b = append(b, g.partyXML(int(a.unit))...)
	return append(b, `</user>`...)
}

// ownerXML is the careProvider and careUnit of a resource the unit owns.
func (g *generator) ownerXML(ui int) []byte { return g.partyXML(ui) }

func (g *generator) partyXML(ui int) []byte {
	u := &g.units[ui]
	p := &g.providers[u.provider]
	var b []byte
	b = append(b, `<careProvider><careProviderId>`+p.hsa+`</careProviderId><careProviderName>`...)
	b = appendEscaped(b, p.name)
	b = append(b, `</careProviderName></careProvider><careUnit><careUnitId>`+u.hsa+`</careUnitId><careUnitName>`...)
	b = appendEscaped(b, u.name)
	return append(b, `</careUnitName></careUnit>`...)
}

// appendEscaped appends s as XML character data.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

func escape(s string) string { return string(appendEscaped(nil, s)) }

// writeFile writes one output file.
func writeFile(dir, name string, b []byte) error {
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
