// Package seed writes a synthetic region for demos, tests and benchmarks
// (DESIGN.md section 7): reference CSVs in the columns of section 2, a
// RIV v2 access log (StoreLogRequest SOAP messages, at most 500 log
// elements each, one directory per day) in which most accesses are
// explained by a care relation, planted.json, the key to a small set of
// planted improper accesses of each review rule's kind (section 5), and
// unrecorded_care.csv, the care that took place but is missing from
// care_relations.csv: a few per cent of legitimate accesses nothing in
// the data explains.
//
// The output depends only on Options: the same options give byte-identical
// files. Reference data is held in memory (it is small); the log is
// generated one day at a time, so memory does not grow with Events.
package seed

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/insyn/insyn/portal"
)

// Options says what to generate. Zero fields take the defaults.
type Options struct {
	Patients int       // people in the population register (default 10,000)
	Staff    int       // staff members (default 600)
	Days     int       // length of the period (default 90)
	Events   int       // access events in the log, planted ones included (default 300,000)
	Seed     uint64    // random seed (default 1)
	Start    time.Time // the day after the period (default 2026-11-01)
	Workers  int       // days generated in parallel (default GOMAXPROCS); does not change the output
}

// Defaults.
const (
	DefaultPatients = 10000
	DefaultStaff    = 600
	DefaultDays     = 90
	DefaultEvents   = 300000
	DefaultSeed     = 1
	MaxFileLogs     = 500 // log elements per StoreLog message
)

// DefaultStart is the day after the default period.
var DefaultStart = time.Date(2026, 11, 1, 0, 0, 0, 0, portal.Stockholm)

// Limits below which the region cannot hold every planted kind.
const (
	minPatients = 100
	minStaff    = 60
	minDays     = 7
	minEvents   = 2000
	maxPatients = 5_000_000
	maxStaff    = 200_000
	maxDays     = 3660
)

// Summary tells what was written.
type Summary struct {
	Providers     int
	Units         int
	Staff         int
	Patients      int
	Relations     int
	CareRelations int // in care_relations.csv
	Unrecorded    int // care that took place, left out of care_relations.csv (unrecorded_care.csv)
	Events        int // log elements written, planted ones included
	Planted       int // planted improper accesses (entries of planted.json)
	PlantedEvents int
	Files         int // log files
	From, To      time.Time
}

func (o Options) withDefaults() Options {
	if o.Patients == 0 {
		o.Patients = DefaultPatients
	}
	if o.Staff == 0 {
		o.Staff = DefaultStaff
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Events == 0 {
		o.Events = DefaultEvents
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	y, m, d := o.Start.Date()
	o.Start = time.Date(y, m, d, 0, 0, 0, 0, portal.Stockholm)
	return o
}

// Validate checks the options after defaults are applied.
func (o Options) Validate() error {
	o = o.withDefaults()
	bad := func(opt string, lo, hi int) error {
		return portal.Errorf(portal.Invalid, "seed.error.range", "--%s must be between %d and %d", opt, lo, hi).
			With("Option", opt).With("Min", lo).With("Max", hi)
	}
	switch {
	case o.Patients < minPatients || o.Patients > maxPatients:
		return bad("patients", minPatients, maxPatients)
	case o.Staff < minStaff || o.Staff > maxStaff:
		return bad("staff", minStaff, maxStaff)
	case o.Days < minDays || o.Days > maxDays:
		return bad("days", minDays, maxDays)
	case o.Events < minEvents || o.Events > 2_000_000_000:
		return bad("events", minEvents, 2_000_000_000)
	}
	return nil
}

// Generate writes a region into dir (created if missing) and tells what it
// wrote. Files already in dir with the same names are replaced.
func Generate(opts Options, dir string) (Summary, error) {
	if err := opts.Validate(); err != nil {
		return Summary{}, err
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return Summary{}, fmt.Errorf("seed: %w", err)
	}
	g := newGenerator(opts)
	g.buildRegion()
	if err := g.plant(); err != nil {
		return Summary{}, err
	}
	g.markUnrecorded()
	if err := g.writeReference(dir); err != nil {
		return Summary{}, err
	}
	files, events, err := g.writeLogs(dir)
	if err != nil {
		return Summary{}, err
	}
	if err := g.writePlanted(dir); err != nil {
		return Summary{}, err
	}
	unrecorded := 0
	for _, c := range g.care {
		if c.unrecorded {
			unrecorded++
		}
	}
	plantedEvents := 0
	for _, p := range g.plants {
		plantedEvents += len(p.events)
	}
	return Summary{
		Providers: len(g.providers), Units: len(g.units), Staff: len(g.staff), Patients: len(g.people),
		Relations: len(g.relations), CareRelations: len(g.care) - unrecorded, Unrecorded: unrecorded, Events: events,
		Planted: len(g.plants), PlantedEvents: plantedEvents, Files: files,
		From: g.date(0), To: g.date(g.days - 1),
	}, nil
}

// newRand returns the random stream number stream of a seed; each part of
// the generator has its own stream so that they do not disturb each other.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9E3779B97F4A7C15+0x2545F4914F6CDD1D))
}
