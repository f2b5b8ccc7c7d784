// Package ingest reads access logs in any supported format and stores them:
// it detects each input's format, streams it through that format's Parse,
// and writes batches through the store's COPY path. Records that cannot be
// understood are quarantined with a reason; nothing is dropped silently.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest/atna"
	"github.com/insyn/insyn/portal/ingest/csvlog"
	"github.com/insyn/insyn/portal/ingest/fhir"
	"github.com/insyn/insyn/portal/ingest/riv1"
	"github.com/insyn/insyn/portal/ingest/riv2"
	"github.com/insyn/insyn/portal/store"
)

// parsers maps each format to its package's Parse.
var parsers = map[Format]func(io.Reader, portal.Emit) error{
	FormatRIV2: riv2.Parse,
	FormatRIV1: riv1.Parse,
	FormatFHIR: fhir.Parse,
	FormatATNA: atna.Parse,
	FormatCSV:  csvlog.Parse,
}

// DefaultBatchSize records go into one COPY transaction. With one batch
// being parsed, one queued and one being written, memory stays bounded
// whatever the input size; larger batches gain little (a commit costs a few
// milliseconds) and cost memory.
const DefaultBatchSize = 2000

// Options steer one ingest run.
type Options struct {
	Format    Format // "" detects per input
	Source    string // names the producing system; overrides the records' own
	BatchSize int    // records per COPY transaction
	// Progress, when set, is called after each batch with the bytes read
	// so far and the counts.
	Progress func(bytesRead int64, c store.Counts)
}

// Input is one thing to read: a file, or stdin as "-".
type Input struct {
	Name string // as the user spelled it, for messages
	Size int64  // 0 when unknown
	path string // what quarantine rows name: see canonicalPath
	open func() (io.ReadCloser, error)
}

// Inputs expands paths: files as given, directories walked in name order
// (hidden files skipped), "-" for stdin. A path that does not exist or
// cannot be listed is kept as an input whose reading fails, so Run stores
// everything else and then reports it.
func Inputs(paths []string, stdin io.Reader) ([]Input, error) {
	var ins []Input
	for _, p := range paths {
		if p == "-" {
			ins = append(ins, Input{Name: "-", path: "-", open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			ins = append(ins, unreadable(p, err))
			continue
		}
		if !st.IsDir() {
			ins = append(ins, fileInput(p, st.Size()))
			continue
		}
		var found []Input
		// WalkDir does not follow a symlink even as its root, which would
		// find nothing in a linked directory, silently.
		root := p
		if real, err := filepath.EvalSymlinks(p); err == nil {
			root = real
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				found = append(found, unreadable(path, err))
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") && path != root {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				info, err := d.Info()
				if err != nil {
					return err
				}
				found = append(found, fileInput(path, info.Size()))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
		ins = append(ins, found...)
	}
	return ins, nil
}

// unreadable is a path that could not be found or listed. It is reported
// when its turn comes, after the inputs before it are stored and without
// stopping the ones after it, like a file that vanishes before it is read.
func unreadable(path string, err error) Input {
	return Input{Name: path, path: path, open: func() (io.ReadCloser, error) { return nil, err }}
}

// inputError says which input could not be read, and why in the reader's
// words where the reason is a common one.
func inputError(name string, err error) error {
	id := "ingest.error.unreadable"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		id = "ingest.error.not_found"
	case errors.Is(err, fs.ErrPermission):
		id = "ingest.error.permission"
	}
	return &portal.Error{Code: portal.Invalid, MsgID: id, Data: map[string]any{"File": name, "Reason": err.Error()},
		Detail: "ingest: " + name, Err: err}
}

func fileInput(path string, size int64) Input {
	return Input{Name: path, Size: size, path: canonicalPath(path),
		open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// canonicalPath names a file the same way however it was spelled
// (relative, absolute, through a symlink), so a quarantined record keeps
// one identity: the absolute, cleaned path with symlinks resolved, or
// without resolving them when that fails.
func canonicalPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// Run ingests every input into st as one import batch and returns what
// happened to the records. Batches commit one by one, so a run that is
// killed keeps what it committed, and running it again stores the rest.
func Run(ctx context.Context, st *store.Store, inputs []Input, opts Options) (store.Counts, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	batchID, err := st.BeginBatch(ctx, "ingest", batchSource(inputs, opts))
	if err != nil {
		return store.Counts{}, err
	}
	w, err := st.NewEventWriter(ctx, batchID)
	if err != nil {
		return store.Counts{}, errors.Join(err, st.FinishBatch(context.WithoutCancel(ctx), batchID, true))
	}
	defer w.Close()

	p := &pipeline{opts: opts, batches: make(chan []store.IngestRecord, 1)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parseErr := make(chan error, 1)
	go func() {
		defer close(p.batches)
		parseErr <- p.readAll(ctx, inputs)
	}()
	var total store.Counts
	var writeErr error
	for batch := range p.batches {
		if writeErr != nil {
			continue // drain so the reader can finish
		}
		c, err := w.Write(ctx, batch)
		if err != nil {
			writeErr = err
			cancel()
			continue
		}
		total.Add(c)
		if opts.Progress != nil {
			opts.Progress(p.bytesRead(), total)
		}
	}
	err = errors.Join(writeErr, <-parseErr)
	if ferr := st.FinishBatch(context.WithoutCancel(ctx), batchID, err != nil); ferr != nil && err == nil {
		err = ferr
	}
	return total, err
}

func batchSource(inputs []Input, opts Options) string {
	if opts.Source != "" {
		return opts.Source
	}
	if len(inputs) == 1 {
		return inputs[0].Name
	}
	return fmt.Sprintf("%d files", len(inputs))
}

// pipeline reads inputs in one goroutine and hands full batches to the
// writer, so parsing and PostgreSQL work at the same time.
type pipeline struct {
	opts    Options
	batches chan []store.IngestRecord
	cur     []store.IngestRecord
	read    atomic.Int64 // bytes read from all inputs, for progress
}

func (p *pipeline) bytesRead() int64 { return p.read.Load() }

// readAll reads every input. An input that cannot be read (a file that
// vanished, an I/O error half way) does not stop the others: what was read
// of it is kept, and its error is reported at the end. Only a failing
// writer (the context is cancelled) stops everything.
func (p *pipeline) readAll(ctx context.Context, inputs []Input) error {
	var errs []error
	for _, in := range inputs {
		if err := p.readOne(ctx, in); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	if len(p.cur) > 0 {
		if err := p.send(ctx); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

func (p *pipeline) readOne(ctx context.Context, in Input) error {
	rc, err := in.open()
	if err != nil {
		return inputError(in.Name, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(&countingReader{r: rc, n: &p.read}, 256<<10)
	format := p.opts.Format
	start := p.read.Load()
	var forcedHead []byte // the input's head, kept in case a forced format finds nothing in it
	if format == "" {
		head, _ := br.Peek(HeadSize)
		if format, err = Detect(head); err != nil {
			return p.quarantineInput(ctx, in, br, err)
		}
	} else {
		head, _ := br.Peek(HeadSize)
		forcedHead = bytes.Clone(head)
	}
	records := 0
	parse := parsers[format]
	if parse == nil {
		return fmt.Errorf("ingest: format %s is not available", format)
	}
	emit := func(r portal.LogRecord) error {
		switch {
		case p.opts.Source != "":
			r.Event.SourceSystem = p.opts.Source
		case r.Event.SourceSystem == "":
			// Without a system the dedup key would be the log id alone;
			// the format name at least keeps formats apart.
			r.Event.SourceSystem = string(format)
		}
		records++
		r.CheckText()
		r.CheckStorable()
		p.cur = append(p.cur, store.IngestRecord{LogRecord: r, Format: string(format), File: in.path})
		if len(p.cur) >= p.opts.BatchSize {
			return p.send(ctx)
		}
		return nil
	}
	if err := parse(br, emit); err != nil {
		return fmt.Errorf("ingest: %s: %w", in.Name, err)
	}
	if records == 0 && len(bytes.TrimSpace(forcedHead)) > 0 {
		// A file given the wrong --format (a CSV read as RIV) yields no
		// record at all; it is kept, not dropped silently.
		io.Copy(io.Discard, br)
		return p.quarantineWhole(ctx, in, forcedHead, p.read.Load()-start, string(format), NoRecordOfFormat)
	}
	return nil
}

// NoRecordOfFormat is the quarantine detail of an input in which the format
// given with --format found no record.
const NoRecordOfFormat = "the input holds no record of the format it was given"

// quarantineInput keeps an input of unknown format (its head, bounded) as
// one quarantined record, so the operator sees it and nothing vanishes.
func (p *pipeline) quarantineInput(ctx context.Context, in Input, br *bufio.Reader, why error) error {
	head, _ := io.ReadAll(io.LimitReader(br, portal.MaxRecordBytes))
	rest, _ := io.Copy(io.Discard, br) // also counts the bytes for progress
	return p.quarantineWhole(ctx, in, head, int64(len(head))+rest, "unknown", why.Error())
}

// quarantineWhole keeps a whole input as one quarantined record of its
// head; length is the input's size in bytes, kept when the head is shorter.
func (p *pipeline) quarantineWhole(ctx context.Context, in Input, head []byte, length int64, format, detail string) error {
	r := portal.LogRecord{Raw: head, Line: 1, Index: 1}
	if length > int64(len(head)) {
		r.RawLength = length
	}
	r.Quarantine(portal.ReasonUnknownFormat, detail)
	p.cur = append(p.cur, store.IngestRecord{LogRecord: r, Format: format, File: in.path})
	if len(p.cur) >= p.opts.BatchSize {
		return p.send(ctx)
	}
	return nil
}

func (p *pipeline) send(ctx context.Context) error {
	select {
	case p.batches <- p.cur:
		p.cur = make([]store.IngestRecord, 0, p.opts.BatchSize)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
