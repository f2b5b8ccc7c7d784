package seed_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/seed"
)

// small is the region the tests generate: small enough to be quick, large
// enough for every planted kind.
var small = seed.Options{Patients: 300, Staff: 120, Days: 30, Events: 5000, Seed: 7}

var (
	regionOnce sync.Once
	regionDir  string
	regionSum  seed.Summary
	regionErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if regionDir != "" {
		os.RemoveAll(filepath.Dir(regionDir))
	}
	os.Exit(code)
}

// region generates the small region once per test binary.
func region(t *testing.T) (string, seed.Summary) {
	t.Helper()
	regionOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "insyn-seed-test-")
		if err != nil {
			regionErr = err
			return
		}
		regionDir = filepath.Join(tmp, "region")
		regionSum, regionErr = seed.Generate(small, regionDir)
	})
	if regionErr != nil {
		t.Fatal(regionErr)
	}
	return regionDir, regionSum
}

func TestSummary(t *testing.T) {
	_, sum := region(t)
	if sum.Patients != 300 || sum.Staff != 120 || sum.Units != 40 || sum.Providers != 2 {
		t.Errorf("summary %+v", sum)
	}
	if sum.Events != small.Events {
		t.Errorf("events = %d, want %d", sum.Events, small.Events)
	}
	if sum.Planted < 3*len(seed.Kinds) || sum.Files == 0 || sum.CareRelations == 0 {
		t.Errorf("summary %+v", sum)
	}
	if got := sum.To.Format(time.DateOnly); got != "2026-10-31" {
		t.Errorf("period ends %s, want the day before the default start", got)
	}
}

func TestDeterministic(t *testing.T) {
	dir, _ := region(t)
	again := filepath.Join(t.TempDir(), "again")
	opts := small
	opts.Workers = 1 // the output must not depend on parallelism
	if _, err := seed.Generate(opts, again); err != nil {
		t.Fatal(err)
	}
	a, b := readTree(t, dir), readTree(t, again)
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	other := small
	other.Seed = 8
	od := filepath.Join(t.TempDir(), "other")
	if _, err := seed.Generate(other, od); err != nil {
		t.Fatal(err)
	}
	c := readTree(t, od)
	for _, name := range []string{"population.csv", "staff.csv", "care_relations.csv", "planted.json", "logs/2026-10-05/0001.xml"} {
		if bytes.Equal(a[name], c[name]) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
	// Generating into the same directory again replaces the old log.
	if _, err := seed.Generate(other, dir); err != nil {
		t.Fatal(err)
	}
	if d := readTree(t, dir); len(d) != len(c) || !bytes.Equal(d["planted.json"], c["planted.json"]) {
		t.Errorf("regenerating into a used directory left %d files, want %d", len(d), len(c))
	}
	if _, err := seed.Generate(small, dir); err != nil { // restore for the other tests
		t.Fatal(err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []seed.Options{{Patients: 10}, {Staff: 5}, {Days: 2}, {Events: 10}} {
		err := o.Validate()
		if portal.ErrorCode(err) != portal.Invalid {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if err := (seed.Options{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestPersonalIDsAreValid(t *testing.T) {
	dir, _ := region(t)
	check := func(file string, cols ...string) {
		for _, row := range readCSV(t, filepath.Join(dir, file)) {
			for _, c := range cols {
				if row[c] == "" && file == "staff.csv" {
					continue
				}
				if _, err := portal.ParsePersonalID(row[c]); err != nil {
					t.Errorf("%s %s: %v", file, c, err)
				}
			}
		}
	}
	check("population.csv", "personal_id")
	check("staff.csv", "personal_id")
	check("relations.csv", "personal_id_a", "personal_id_b")
	check("care_relations.csv", "personal_id")
	samordning := 0
	for _, e := range readLog(t, dir) {
		for _, id := range []struct{ root, ext string }{{e.User.PersonID.Root, e.User.PersonID.Ext}, {e.Patient.Root, e.Patient.Ext}} {
			pid, err := portal.PersonalIDFromOID(id.root, id.ext)
			if err != nil {
				t.Fatalf("log %s: %v", e.LogID, err)
			}
			if pid.Kind() == portal.KindSamordningsnummer {
				samordning++
			}
		}
	}
	if samordning == 0 {
		t.Error("no samordningsnummer in the log")
	}
}

func TestReferenceColumns(t *testing.T) {
	dir, _ := region(t)
	want := map[string]string{
		"providers.csv":      "hsa_id,org_nr,name",
		"units.csv":          "hsa_id,provider_hsa_id,name,protected",
		"staff.csv":          "hsa_id,personal_id,given_name,family_name,title,protected_identity,employed_from,employed_to",
		"assignments.csv":    "staff_hsa_id,unit_hsa_id,name,valid_from,valid_to",
		"population.csv":     "personal_id,given_name,family_name,street,postal_code,city,protected_identity,deceased_on,vip",
		"relations.csv":      "personal_id_a,personal_id_b,kind",
		"care_relations.csv": "personal_id,unit_hsa_id,staff_hsa_id,kind,starts_at,ends_at",
	}
	for file, header := range want {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(string(b), "\n"); got != header {
			t.Errorf("%s header %q, want %q", file, got, header)
		}
	}
	kinds := map[string]int{}
	for _, r := range readCSV(t, filepath.Join(dir, "care_relations.csv")) {
		kinds[r["kind"]]++
	}
	for _, k := range portal.CareKinds {
		if kinds[string(k)] == 0 && k != portal.CareTeam {
			t.Errorf("no care relations of kind %s", k)
		}
	}
	flags := map[string]int{}
	for _, r := range readCSV(t, filepath.Join(dir, "population.csv")) {
		for _, f := range []string{"protected_identity", "vip"} {
			if r[f] == "true" {
				flags[f]++
			}
		}
		if r["deceased_on"] != "" {
			flags["deceased"]++
		}
	}
	if flags["protected_identity"] < 3 || flags["vip"] < 3 || flags["deceased"] < 3 {
		t.Errorf("population flags %v", flags)
	}
}

// TestLogValidatesAgainstSchema checks messages against the RIV XSD with
// xmllint. The XSD describes the StoreLog element, not the SOAP envelope,
// so the test validates the Body's child (which declares its own
// namespaces) and checks the whole envelope for well-formedness.
func TestLogValidatesAgainstSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint not installed (Debian package libxml2-utils; make test installs it)")
	}
	dir, _ := region(t)
	schema, _ := filepath.Abs("testdata/xsd/interactions/StoreLogInteraction/StoreLogResponder_2.0.xsd")
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*", "*.xml"))
	var pick []string
	for i := 0; i < len(files); i += max(1, len(files)/8) {
		pick = append(pick, files[i])
	}
	pick = append(pick, files[len(files)-1])
	tmp := t.TempDir()
	for i, f := range pick {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xmllint, "--noout", f).CombinedOutput(); err != nil {
			t.Fatalf("%s is not well-formed: %v\n%s", f, err, out)
		}
		start := bytes.Index(b, []byte("<sl:StoreLog "))
		end := bytes.Index(b, []byte("</sl:StoreLog>"))
		if start < 0 || end < 0 {
			t.Fatalf("%s: no StoreLog element", f)
		}
		bare := filepath.Join(tmp, filepath.Base(filepath.Dir(f))+"-"+filepath.Base(f))
		body := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), b[start:end+len("</sl:StoreLog>")]...)
		if err := os.WriteFile(bare, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", schema, bare).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("validates")) {
			t.Fatalf("file %d (%s) fails the schema: %v\n%s", i, f, err, out)
		}
	}
	// The schema check must be able to fail: break one message's element order.
	b, _ := os.ReadFile(filepath.Join(tmp, filepath.Base(filepath.Dir(pick[0]))+"-"+filepath.Base(pick[0])))
	broken := bytes.Replace(b, []byte("<systemName>"), []byte("<systemNameX>"), 1)
	broken = bytes.Replace(broken, []byte("</systemName>"), []byte("</systemNameX>"), 1)
	bad := filepath.Join(tmp, "broken.xml")
	os.WriteFile(bad, broken, 0o644)
	if err := exec.Command(xmllint, "--noout", "--schema", schema, bad).Run(); err == nil {
		t.Fatal("xmllint accepted an invalid message; the schema check proves nothing")
	}
}

func TestLogFiles(t *testing.T) {
	dir, _ := region(t)
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*", "*.xml"))
	name := regexp.MustCompile(`logs/\d{4}-\d{2}-\d{2}/\d{4}\.xml$`)
	for _, f := range files {
		if !name.MatchString(filepath.ToSlash(f)) {
			t.Errorf("file name %s", f)
		}
	}
	seen := map[string]bool{}
	offsets := map[string]bool{}
	for _, e := range readLog(t, dir) {
		if seen[e.LogID] {
			t.Fatalf("log id %s appears twice", e.LogID)
		}
		seen[e.LogID] = true
		if len(e.LogID) != 36 {
			t.Errorf("log id %q is not a UUID", e.LogID)
		}
		if got := e.at.In(portal.Stockholm).Format(time.DateOnly); got != e.day {
			t.Errorf("%s happened on %s but is filed under %s", e.LogID, got, e.day)
		}
		offsets[e.Activity.Start[len(e.Activity.Start)-6:]] = true
	}
	if !offsets["+02:00"] || !offsets["+01:00"] {
		t.Errorf("start dates should carry summer and winter offsets across 2026-10-25, got %v", offsets)
	}
}

// TestOrdinaryAccessesAreExplained recomputes DESIGN.md section 5's
// explanation from the CSVs and checks that every access not in
// planted.json is explained and breaks no rule, and that the mix looks
// like a record system's log.
func TestOrdinaryAccessesAreExplained(t *testing.T) {
	dir, _ := region(t)
	r := loadRegion(t, dir)
	acts, purposes, resources := map[string]int{}, map[string]int{}, map[string]int{}
	coherent, total, unrecorded := 0, 0, 0
	repeats := map[string]int{}
	for _, e := range r.events {
		acts[e.Activity.Type]++
		purposes[e.Activity.Purpose]++
		resources[e.ResourceType]++
		if r.planted[e.LogID] != "" {
			continue
		}
		total++
		if e.OwnerProvider != e.User.Provider {
			coherent++
		}
		repeats[e.User.ID+e.Patient.Ext+e.ResourceType+e.Activity.Type]++
		if !r.explained(e) {
			// Care that took place but is missing from the data explains
			// a few per cent; nothing else may be left unexplained.
			if explainedBy(e, r.unrecorded[e.Patient.Ext]) {
				unrecorded++
			} else {
				t.Errorf("ordinary access %s is not explained by a care relation", e.LogID)
			}
		}
		if e.Activity.Type == "Nödöppning" {
			t.Errorf("ordinary access %s is an emergency access", e.LogID)
		}
		if e.Activity.Purpose != "Vård och behandling" && !r.hasPurposeAssignment(e) {
			t.Errorf("ordinary access %s has purpose %q without an assignment for it", e.LogID, e.Activity.Purpose)
		}
		if !r.employed(e) {
			t.Errorf("ordinary access %s by someone not employed", e.LogID)
		}
		if d := r.people[e.Patient.Ext]["deceased_on"]; d != "" && e.day > d {
			t.Errorf("ordinary access %s after the patient's death", e.LogID)
		}
		if r.staffByPID[e.Patient.Ext] != nil {
			t.Errorf("ordinary access %s to a colleague's record", e.LogID)
		}
		if r.close(e.User.PersonID.Ext, e.Patient.Ext) {
			t.Errorf("ordinary access %s to oneself, a relative or a neighbour", e.LogID)
		}
	}
	share := float64(unrecorded) / float64(max(total, 1))
	t.Logf("%d of %d ordinary accesses (%.1f %%) have no care relation in the data", unrecorded, total, 100*share)
	if share < 0.01 || share > 0.06 {
		t.Errorf("%.1f %% of ordinary accesses without a care relation in the data, want a few per cent", 100*share)
	}
	if acts["Läsa"] < total/2 || acts["Skriva"] == 0 || acts["Signera"] == 0 || acts["Utskrift"] == 0 {
		t.Errorf("activity mix %v", acts)
	}
	if purposes["Vård och behandling"] < total*9/10 {
		t.Errorf("purpose mix %v", purposes)
	}
	if share := float64(coherent) / float64(total); share < 0.005 || share > 0.2 {
		t.Errorf("coherent record keeping share %.3f", share)
	}
	for res := range resources {
		if !slices.Contains(seed.ResourceTypes(), res) {
			t.Errorf("resource type %q not in seed.ResourceTypes", res)
		}
	}
	repeated := 0
	for _, n := range repeats {
		if n > 1 {
			repeated++
		}
	}
	if repeated == 0 {
		t.Error("no repeated reads")
	}
	t.Logf("activities %v, purposes %v, coherent %.1f%%", acts, purposes, 100*float64(coherent)/float64(total))
}

// TestPlantedCoversEveryRule checks planted.json: at least three of each
// kind, every log id present, and each one really of its kind.
func TestPlantedCoversEveryRule(t *testing.T) {
	dir, _ := region(t)
	r := loadRegion(t, dir)
	planted, err := seed.ReadPlanted(filepath.Join(dir, "planted.json"))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range planted {
		count[p.Kind]++
		if len(p.SourceLogIDs) == 0 || p.ActorHSAID == "" || p.SourceSystem == "" || p.Note == "" {
			t.Errorf("incomplete entry %+v", p)
			continue
		}
		var evs []*logEntry
		for _, id := range p.SourceLogIDs {
			e := r.byID[id]
			if e == nil {
				t.Fatalf("%s: log id %s not in the log", p.Kind, id)
			}
			if e.User.ID != p.ActorHSAID || e.System != p.SourceSystem || (p.PatientID != "" && e.Patient.Ext != p.PatientID) {
				t.Errorf("%s: log %s does not match the entry", p.Kind, id)
			}
			evs = append(evs, e)
		}
		e := evs[0]
		actor := r.staff[p.ActorHSAID]
		switch p.Kind {
		case seed.KindSelf:
			if actor["personal_id"] != p.PatientID {
				t.Errorf("self: actor is not the patient")
			}
		case seed.KindRelative:
			if !r.related(actor["personal_id"], p.PatientID) {
				t.Errorf("relative: no relation")
			}
		case seed.KindHousehold:
			a, b := r.people[actor["personal_id"]], r.people[p.PatientID]
			if a == nil || b == nil || normStreet(a["street"]) != normStreet(b["street"]) || a["postal_code"] != b["postal_code"] {
				t.Errorf("household: not the same street address")
			}
		case seed.KindColleague:
			if r.staffByPID[p.PatientID] == nil {
				t.Errorf("colleague: patient is not staff")
			}
		case seed.KindProtectedIdentity, seed.KindVIP, seed.KindDeceased, seed.KindNoCareRelation:
			flag := map[string]string{seed.KindProtectedIdentity: "protected_identity", seed.KindVIP: "vip"}[p.Kind]
			if flag != "" && r.people[p.PatientID][flag] != "true" {
				t.Errorf("%s: patient lacks the flag", p.Kind)
			}
			if d := r.people[p.PatientID]["deceased_on"]; p.Kind == seed.KindDeceased && (d == "" || e.day <= d) {
				t.Errorf("deceased: access on %s, death %q", e.day, d)
			}
			for _, x := range evs {
				if r.explained(x) {
					t.Errorf("%s: access %s is explained", p.Kind, x.LogID)
				}
			}
		case seed.KindEmergency:
			if e.Activity.Type != "Nödöppning" {
				t.Errorf("emergency: activity %s", e.Activity.Type)
			}
		case seed.KindNonCarePurpose:
			if e.Activity.Purpose == "Vård och behandling" || r.hasPurposeAssignment(e) {
				t.Errorf("non-care purpose: purpose %s", e.Activity.Purpose)
			}
		case seed.KindAfterEmployment:
			if to := actor["employed_to"]; to == "" || e.day <= to {
				t.Errorf("after employment: access %s, employed to %q", e.day, to)
			}
		case seed.KindVolume:
			patients := map[string]bool{}
			for _, x := range evs {
				patients[x.Patient.Ext] = true
			}
			if len(patients) < 40 {
				t.Errorf("volume: %d patients", len(patients))
			}
		}
	}
	for _, k := range seed.Kinds {
		if count[k] < 3 {
			t.Errorf("planted.json has %d of kind %s, want at least 3", count[k], k)
		}
	}
}

// --- reading the generated region ---

type logEntry struct {
	LogID    string `xml:"logId"`
	System   string `xml:"system>systemId"`
	Activity struct {
		Type    string `xml:"activityType"`
		Start   string `xml:"startDate"`
		Purpose string `xml:"purpose"`
	} `xml:"activity"`
	User struct {
		ID       string `xml:"userId"`
		PersonID struct {
			Root string `xml:"root"`
			Ext  string `xml:"extension"`
		} `xml:"personId"`
		Assignment string `xml:"assignment"`
		Provider   string `xml:"careProvider>careProviderId"`
		Unit       string `xml:"careUnit>careUnitId"`
	} `xml:"user"`
	ResourceType string `xml:"resources>resource>resourceType"`
	Patient      struct {
		Root string `xml:"root"`
		Ext  string `xml:"extension"`
	} `xml:"resources>resource>patient>patientId"`
	OwnerProvider string `xml:"resources>resource>careProvider>careProviderId"`
	OwnerUnit     string `xml:"resources>resource>careUnit>careUnitId"`

	at  time.Time
	day string
}

func readLog(t *testing.T, dir string) []*logEntry {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*", "*.xml"))
	var out []*logEntry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Logs []*logEntry `xml:"Body>StoreLog>log"`
		}
		if err := xml.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if n := len(env.Logs); n == 0 || n > seed.MaxFileLogs {
			t.Fatalf("%s holds %d log elements", f, n)
		}
		for _, e := range env.Logs {
			e.day = filepath.Base(filepath.Dir(f))
			if e.at, err = time.Parse(time.RFC3339, e.Activity.Start); err != nil {
				t.Fatalf("%s: %v", e.LogID, err)
			}
		}
		out = append(out, env.Logs...)
	}
	return out
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	return out
}

type careRow struct {
	unit, staff, kind string
	start, end        time.Time
}

type regionData struct {
	people      map[string]map[string]string
	staff       map[string]map[string]string
	staffByPID  map[string]map[string]string
	assignments map[string][]map[string]string
	care        map[string][]careRow
	unrecorded  map[string][]careRow // unrecorded_care.csv: care that took place, missing from the data
	relations   map[[2]string]bool
	events      []*logEntry
	byID        map[string]*logEntry
	planted     map[string]string
}

func loadRegion(t *testing.T, dir string) *regionData {
	t.Helper()
	r := &regionData{people: map[string]map[string]string{}, staff: map[string]map[string]string{},
		staffByPID: map[string]map[string]string{}, assignments: map[string][]map[string]string{},
		care: map[string][]careRow{}, unrecorded: map[string][]careRow{}, relations: map[[2]string]bool{}, byID: map[string]*logEntry{}, planted: map[string]string{}}
	for _, p := range readCSV(t, filepath.Join(dir, "population.csv")) {
		r.people[p["personal_id"]] = p
	}
	for _, s := range readCSV(t, filepath.Join(dir, "staff.csv")) {
		r.staff[s["hsa_id"]] = s
		r.staffByPID[s["personal_id"]] = s
	}
	for _, a := range readCSV(t, filepath.Join(dir, "assignments.csv")) {
		r.assignments[a["staff_hsa_id"]] = append(r.assignments[a["staff_hsa_id"]], a)
	}
	for _, rel := range readCSV(t, filepath.Join(dir, "relations.csv")) {
		r.relations[[2]string{rel["personal_id_a"], rel["personal_id_b"]}] = true
		r.relations[[2]string{rel["personal_id_b"], rel["personal_id_a"]}] = true
	}
	for file, into := range map[string]map[string][]careRow{"care_relations.csv": r.care, "unrecorded_care.csv": r.unrecorded} {
		for _, c := range readCSV(t, filepath.Join(dir, file)) {
			row := careRow{unit: c["unit_hsa_id"], staff: c["staff_hsa_id"], kind: c["kind"]}
			var err error
			if row.start, err = portal.ParseTimestamp("starts_at", c["starts_at"]); err != nil {
				t.Fatal(err)
			}
			if row.end, err = portal.ParseTimestamp("ends_at", c["ends_at"]); err != nil {
				t.Fatal(err)
			}
			into[c["personal_id"]] = append(into[c["personal_id"]], row)
		}
	}
	planted, err := seed.ReadPlanted(filepath.Join(dir, "planted.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range planted {
		for _, id := range p.SourceLogIDs {
			r.planted[id] = p.Kind
		}
	}
	r.events = readLog(t, dir)
	for _, e := range r.events {
		r.byID[e.LogID] = e
	}
	return r
}

// explained applies DESIGN.md section 5 strictly: a care relation of the
// patient with the actor or the actor's unit, within 30 days of a visit,
// booking or referral, during an admission, or while a team relation holds.
func (r *regionData) explained(e *logEntry) bool { return explainedBy(e, r.care[e.Patient.Ext]) }

// explainedBy: one of rels explains e.
func explainedBy(e *logEntry, rels []careRow) bool {
	const window = 30 * 24 * time.Hour
	for _, c := range rels {
		if c.unit != e.User.Unit && (c.staff == "" || c.staff != e.User.ID) {
			continue
		}
		switch c.kind {
		case "visit", "booking", "referral":
			if d := e.at.Sub(c.start); d >= -window && d <= window {
				return true
			}
		case "admission":
			if !e.at.Before(c.start) && !e.at.After(c.end) {
				return true
			}
		case "team":
			if !e.at.Before(c.start) && (c.end.IsZero() || !e.at.After(c.end)) {
				return true
			}
		}
	}
	return false
}

// hasPurposeAssignment: the actor holds an assignment for the access's
// purpose at the acting unit ("Kvalitetssäkring på ...").
func (r *regionData) hasPurposeAssignment(e *logEntry) bool {
	for _, a := range r.assignments[e.User.ID] {
		if a["unit_hsa_id"] == e.User.Unit && strings.HasPrefix(a["name"], e.Activity.Purpose+" på ") {
			return true
		}
	}
	return false
}

func (r *regionData) employed(e *logEntry) bool {
	s := r.staff[e.User.ID]
	return s != nil && (s["employed_from"] == "" || e.day >= s["employed_from"]) && (s["employed_to"] == "" || e.day <= s["employed_to"])
}

func (r *regionData) related(a, b string) bool { return r.relations[[2]string{a, b}] }

// close: the same person, a relative, or someone at the same street address.
func (r *regionData) close(actor, patient string) bool {
	if actor == patient || r.related(actor, patient) {
		return true
	}
	a, b := r.people[actor], r.people[patient]
	if a == nil || b == nil || a["street"] == "" {
		return false
	}
	return normStreet(a["street"]) == normStreet(b["street"]) && a["postal_code"] == b["postal_code"]
}

var lgh = regexp.MustCompile(`\s+lgh\s+\d+$`)

// normStreet drops the flat number: neighbours share the building.
func normStreet(s string) string {
	return strings.ToLower(lgh.ReplaceAllString(strings.TrimSpace(s), ""))
}
