package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/store"
	"golang.org/x/term"
)

func init() {
	register("ingest", "cli.cmd.ingest", cmdIngest)
}

func cmdIngest(ctx context.Context, a *app, args []string) error {
	fs := a.flags("ingest")
	format := fs.String("format", "auto", a.help("ingest.format"))
	source := fs.String("source", "", a.help("ingest.source"))
	batch := fs.Int("batch", ingest.DefaultBatchSize, a.help("ingest.batch"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{msg: a.texts.T("ingest.usage")}
	}
	opts := ingest.Options{Source: *source, BatchSize: *batch}
	if *format != "auto" {
		f, err := ingest.ParseFormat(*format)
		if err != nil {
			return usageError{msg: a.texts.T("ingest.bad_format", map[string]any{"Format": termSafe(*format)})}
		}
		opts.Format = f
	}
	inputs, err := ingest.Inputs(fs.Args(), a.stdin)
	if err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	bar := a.progressBar(inputs)
	opts.Progress = bar.update
	counts, err := ingest.Run(ctx, st, inputs, opts)
	bar.finish()
	line, _ := json.Marshal(counts)
	fmt.Fprintln(a.stdout, string(line))
	if counts.Quarantined > 0 { // also when an input failed: what was read is kept
		fmt.Fprintln(a.stderr, a.texts.N("ingest.quarantined", counts.Quarantined))
	}
	return err
}

// progress draws a bar on stderr when it is a terminal, at most every
// 200 ms; elsewhere (CI, pipes) it stays silent.
type progress struct {
	a     *app
	total int64
	on    bool
	last  time.Time
}

func (a *app) progressBar(inputs []ingest.Input) *progress {
	p := &progress{a: a}
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	for _, in := range inputs {
		p.total += in.Size
	}
	return p
}

func (p *progress) update(read int64, c store.Counts) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	fill := 0
	pct := ""
	if p.total > 0 {
		fill = int(float64(width) * float64(read) / float64(p.total))
		fill = min(fill, width)
		pct = fmt.Sprintf("%3d%% ", 100*read/p.total)
	}
	fmt.Fprintf(p.a.stderr, "\r[%s%s] %s%s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct,
		p.a.texts.N("ingest.progress", c.Read))
}

func (p *progress) finish() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.a.stderr, "\r\033[K")
	}
}
