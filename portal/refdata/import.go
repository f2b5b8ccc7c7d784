package refdata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// DefaultBatchSize is how many rows go to the database in one statement.
const DefaultBatchSize = 5000

// MaxKeptErrors bounds Result.Errors; Result.Failed counts them all.
const MaxKeptErrors = 1000

// Result is the outcome of importing one file.
type Result struct {
	Kind   Kind
	File   string     // the name errors are reported under
	Rows   int        // rows stored
	Failed int        // bad rows (and header problems)
	Errors []RowError // the first MaxKeptErrors bad rows, in line order per batch
}

// Importer imports reference files into a store.
type Importer struct {
	Store     *store.Store
	BatchSize int // DefaultBatchSize when 0
	// OnError, when set, receives every bad row as soon as its batch is
	// stored, in line order within the batch.
	OnError func(RowError)
}

// ImportDir imports every reference file present in dir, in dependency
// order (providers, units, staff, assignments, population, relations,
// care_relations). Bad rows are reported in the results; an error means a
// file could not be read or stored.
func ImportDir(ctx context.Context, st *store.Store, dir string) ([]Result, error) {
	return (&Importer{Store: st}).ImportDir(ctx, dir)
}

// ImportDir is the package ImportDir with this importer's settings.
func (im *Importer) ImportDir(ctx context.Context, dir string) ([]Result, error) {
	var results []Result
	for _, k := range Kinds {
		path := filepath.Join(dir, k.FileName())
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		res, err := im.ImportFile(ctx, k, path)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

// ImportFile imports one file; errors name it by its base name.
func (im *Importer) ImportFile(ctx context.Context, k Kind, path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		name := filepath.Base(path)
		return Result{Kind: k, File: name}, portal.Errorf(portal.Invalid, "import.error.open", "cannot open %s", name).
			With("File", name)
	}
	defer f.Close()
	return im.Import(ctx, k, filepath.Base(path), f)
}

// Import reads rows of kind k from r and stores the good ones; name is
// the file name used in error reports.
func (im *Importer) Import(ctx context.Context, k Kind, name string, r io.Reader) (Result, error) {
	res := &Result{Kind: k, File: name}
	st := im.Store
	var err error
	switch k {
	case Providers:
		err = run(ctx, im, res, r, parseProvider, func(rows []portal.Provider) ([]store.UnknownRef, error) {
			return nil, st.UpsertProviders(ctx, rows)
		})
	case Units:
		err = run(ctx, im, res, r, parseUnit, func(rows []portal.Unit) ([]store.UnknownRef, error) {
			return st.UpsertUnits(ctx, rows)
		})
	case Staff:
		err = run(ctx, im, res, r, parseStaff, func(rows []portal.Staff) ([]store.UnknownRef, error) {
			return nil, st.UpsertStaff(ctx, rows)
		})
	case Assignments:
		err = run(ctx, im, res, r, parseAssignment, func(rows []portal.Assignment) ([]store.UnknownRef, error) {
			return st.UpsertAssignments(ctx, rows)
		})
	case Population:
		err = run(ctx, im, res, r, parsePatient, func(rows []portal.Patient) ([]store.UnknownRef, error) {
			return nil, st.UpsertPatients(ctx, rows)
		})
	case Relations:
		err = run(ctx, im, res, r, parseRelation, func(rows []portal.Relation) ([]store.UnknownRef, error) {
			return nil, st.UpsertRelations(ctx, rows)
		})
	case Care:
		err = run(ctx, im, res, r, parseCare, func(rows []portal.CareRelation) ([]store.UnknownRef, error) {
			return nil, st.UpsertCareRelations(ctx, rows)
		})
	default:
		err = fmt.Errorf("refdata: unknown kind %q", k)
	}
	return *res, err
}

// run streams rows through parse into batches that flush stores. Bad rows
// of a batch are reported together with the rows the store refused, in
// line order.
func run[T any](ctx context.Context, im *Importer, res *Result, r io.Reader,
	parse func(*record) (T, error), flush func([]T) ([]store.UnknownRef, error)) error {
	size := im.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	rows := make([]T, 0, size)
	lines := make([]int, 0, size)
	var pending []RowError
	report := func() {
		slices.SortStableFunc(pending, func(a, b RowError) int { return a.Line - b.Line })
		for _, e := range pending {
			res.Failed++
			if len(res.Errors) < MaxKeptErrors {
				res.Errors = append(res.Errors, e)
			}
			if im.OnError != nil {
				im.OnError(e)
			}
		}
		pending = pending[:0]
	}
	flushBatch := func() error {
		if len(rows) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			unknown, err := flush(rows)
			if err != nil {
				return err
			}
			for _, u := range unknown {
				pending = append(pending, RowError{File: res.File, Line: lines[u.Index], Err: unknownRef(u)})
			}
			res.Rows += len(rows) - len(unknown)
			rows, lines = rows[:0], lines[:0]
		}
		report()
		return nil
	}
	err := read(res.Kind, res.File, r, func(line int, rec *record) error {
		v, err := parse(rec)
		if err != nil {
			return err
		}
		rows, lines = append(rows, v), append(lines, line)
		if len(rows) >= size {
			return flushBatch()
		}
		return nil
	}, func(e RowError) { pending = append(pending, e) })
	if err != nil {
		report()
		return err
	}
	return flushBatch()
}

func unknownRef(u store.UnknownRef) error {
	id := map[string]string{"provider_hsa_id": "import.error.unknown_provider",
		"staff_hsa_id": "import.error.unknown_staff", "unit_hsa_id": "import.error.unknown_unit"}[u.Column]
	return portal.Errorf(portal.Invalid, id, "%s %s is not in the database", u.Column, u.HSAID).With("HSAID", string(u.HSAID))
}
