package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/insyn/insyn/portal/web"
)

// BenchmarkHistoryPage loads INSYN_BENCH_EVENTS events (default
// 5,000,000) of 200,000 other patients, and 500 accesses of one patient
// over the last year, then requests that patient's history page from
// several clients at once on loopback, and times in the same run the same
// read in SQL alone (the store's EventsForPatient, no page) and the page
// from one client. It does so twice: before any review run (each
// explanation is evaluated by the read, the costlier case) and after one.
// It prints median and p99 of each, requests per second, the page ÷ SQL
// ratios and the memory the page costs; it fails when the query does not
// use the patient index or a page view is not recorded in log_reads.
func BenchmarkHistoryPage(b *testing.B) {
	ctx := context.Background()
	st, clock, pat, n := historyBenchStore(b, 5_000_000)
	db := st.DB()
	sessions := auth.NewSessions(st, clock, []byte(strings.Repeat("k", 32)))
	// Server time as the server's own access log states it.
	timing := &serverTimes{}
	inFlight, _ := strconv.Atoi(os.Getenv("INSYN_BENCH_INFLIGHT")) // 0: the server's default
	srv, err := web.New(web.Config{Store: st, Texts: i18n.MustLoad(portal.Stockholm), Log: slog.New(timing),
		Clock: clock, Sessions: sessions, MaxInFlight: inFlight})
	if err != nil {
		b.Fatal(err)
	}
	// One session per first view (a visit's first look at its history
	// builds it), and one per client for the views that follow in a visit.
	// 4 clients (twice the cores) unless INSYN_BENCH_CLIENTS says otherwise.
	const total = 2000
	clients := 4
	if v, err := strconv.Atoi(os.Getenv("INSYN_BENCH_CLIENTS")); err == nil && v > 0 && v <= 50 {
		clients = v
	}
	const arrivals = 1000                                    // first views sent at random moments
	ids := make([]string, 2*(200+total+clients+arrivals)+20) // two measures and the warm-up
	for i := range ids {
		ids[i] = patientSession(b, sessions, pat)
	}
	origin, stop := serveLoopback(b, srv)
	defer stop()
	base := origin + "/historik"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	get := func(id string, page int) time.Duration {
		url := base
		if page > 1 {
			url += "?page=" + strconv.Itoa(page)
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Cookie", "__Host-insyn_session="+id)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		ok := readHistory(resp)
		d := time.Since(t0)
		if resp.StatusCode != 200 || !ok {
			b.Fatalf("history: %d", resp.StatusCode)
		}
		return d
	}
	for i := range 20 { // warm up
		get(ids[len(ids)-1-i], 1)
	}
	next := 1 // the next unused session
	from, to := clock.T.AddDate(-1, 0, 0), clock.T.AddDate(0, 0, 1)
	actor := portal.PatientActor(pat, "")
	reads := func() (n int) {
		if err := db.Get(&n, `SELECT count(*) FROM log_reads WHERE channel = 'web_history'`); err != nil {
			b.Fatal(err)
		}
		return n
	}
	// load runs total requests from the clients at once; view gives each
	// request's session and page.
	// open sends n first views at random moments, rate a second on
	// average (Poisson arrivals), each whatever became of those before
	// it: the load of many visitors, each time taken from the moment the
	// request was due, so that a slow answer cannot hold back the next
	// request and hide its wait (coordinated omission).
	open := func(rate float64, n int) (times, server []time.Duration) {
		timing.take()
		rng := rand.New(rand.NewPCG(1, uint64(next)))
		var mu sync.Mutex
		var wg sync.WaitGroup
		t0, at := time.Now(), time.Duration(0)
		for i := range n {
			at += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
			due := t0.Add(at)
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				get(id, 1)
				d := time.Since(due)
				mu.Lock()
				times = append(times, d)
				mu.Unlock()
			}(ids[next+i])
		}
		wg.Wait()
		next += n
		return times, timing.take()
	}
	load := func(view func(client, i int) (string, int)) (times, server []time.Duration, wall time.Duration, allocKB float64, allocs uint64) {
		timing.take()
		var mu sync.Mutex
		var wg sync.WaitGroup
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		for cl := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range total / clients {
					d := get(view(cl, i))
					mu.Lock()
					times = append(times, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		wall = time.Since(t0)
		runtime.ReadMemStats(&m1)
		return times, timing.take(), wall, float64(m1.TotalAlloc-m0.TotalAlloc) / total / 1024, (m1.Mallocs - m0.Mallocs) / total
	}
	report := func(what string, times, server []time.Duration, wall time.Duration, sm time.Duration, allocKB float64, allocs uint64) {
		if len(server) != total {
			b.Fatalf("%d requests in the server's log, want %d", len(server), total)
		}
		pm, pp := quantiles(times)
		qm, qp := quantiles(server)
		fmt.Printf("  %s, %d clients: server time median %s, p99 %s; at the client median %s, p99 %s; %.0f requests/s; server median ÷ SQL median %.1f; %.0f KB and %d allocations per request\n",
			what, clients, qm.Round(10*time.Microsecond), qp.Round(10*time.Microsecond), pm.Round(10*time.Microsecond), pp.Round(10*time.Microsecond),
			float64(total)/wall.Seconds(), float64(qm)/float64(sm), allocKB, allocs)
		if qp > 50*time.Millisecond {
			b.Logf("%s: server time p99 %s is above the 50 ms target", what, qp)
		}
	}
	measure := func(state string) {
		// SQL alone: the same read the page makes, rows discarded, and
		// the page's first view from one client, interleaved so that both
		// see the same machine.
		var sqlTimes, oneTimes []time.Duration
		for range 200 {
			t0 := time.Now()
			if _, err := st.EventsForPatient(ctx, actor, store.ExtractQuery{Patient: pat, From: from, To: to, Channel: "bench"},
				func(*store.ExtractEvent) error { return nil }); err != nil {
				b.Fatal(err)
			}
			sqlTimes = append(sqlTimes, time.Since(t0))
			oneTimes = append(oneTimes, get(ids[next], 1))
			next++
		}
		sm, sp := quantiles(sqlTimes)
		om, op := quantiles(oneTimes)
		fmt.Printf("%s (%d events, a patient with 500 accesses; load average %s):\n", state, n+500, loadAvg())
		fmt.Printf("  the page's read in SQL alone: median %s, p99 %s\n", sm.Round(10*time.Microsecond), sp.Round(10*time.Microsecond))
		fmt.Printf("  first view from one client, interleaved with the SQL: median %s, p99 %s; page ÷ SQL median %.1f\n",
			om.Round(10*time.Microsecond), op.Round(10*time.Microsecond), float64(om)/float64(sm))
		// Every request the first view of a visit (a session of its own):
		// each builds the history.
		readsBefore := reads()
		start := next
		times, server, wall, kb, allocs := load(func(cl, i int) (string, int) { return ids[start+cl*(total/clients)+i], 1 })
		next += total
		report("first views (each builds the history)", times, server, wall, sm, kb, allocs)
		// The same first views as visitors send them: at random moments,
		// at 70 % of the rate the clients above reached.
		rate := 0.7 * float64(total) / wall.Seconds()
		times, server = open(rate, arrivals)
		if len(server) != arrivals {
			b.Fatalf("%d requests in the server's log, want %d", len(server), arrivals)
		}
		qm, qp := quantiles(server)
		pm, pp := quantiles(times)
		fmt.Printf("  first views arriving at random, %.0f a second (70 %% of the above): server time median %s, p99 %s; from the moment each was due median %s, p99 %s\n",
			rate, qm.Round(10*time.Microsecond), qp.Round(10*time.Microsecond), pm.Round(10*time.Microsecond), pp.Round(10*time.Microsecond))
		if qp > 50*time.Millisecond {
			b.Logf("first views arriving at random: server time p99 %s is above the 50 ms target", qp)
		}
		// A visit's further views: each client a session paging through
		// all 20 pages and round again.
		visit := ids[next : next+clients]
		next += clients
		times, server, wall, kb, allocs = load(func(cl, i int) (string, int) { return visit[cl], i%20 + 1 })
		report("further views of a visit (pages 1-20)", times, server, wall, sm, kb, allocs)
		if got := reads() - readsBefore; got != 2*total+arrivals {
			b.Fatalf("%d page views recorded in log_reads, want %d", got, 2*total+arrivals)
		}
		fmt.Printf("  heap after the run %.1f MB, peak RSS %s\n", heapMB(), peakRSS())
	}
	b.ResetTimer()
	// First as after an ingest no review run has reached yet: every
	// explanation is evaluated by the read itself.
	measure("events not yet reviewed")
	// Then as most of the time: a review run has kept each event's
	// explanation (the run's own code, over the patient's ingest batch; the
	// other events were put straight into the table and are not reviewed).
	res, err := st.RunReview(ctx, store.ReviewRunOptions{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if res.Events != 500 {
		b.Fatalf("the review run explained %d events, want the patient's 500", res.Events)
	}
	measure("after a review run")
	b.StopTimer()
}

// BenchmarkHistoryFirstView is one operation per first view of the
// history (a session of its own, so the server reads and builds the
// patient's 500 events), from one client: the first view's own cost, for
// profiling (-cpuprofile), with the CPU time each costs this process
// (server and client) and the database. INSYN_BENCH_EVENTS other events
// (default 200,000) stand beside the patient's; INSYN_BENCH_REVIEWED=1
// runs a review first, as most of the time.
func BenchmarkHistoryFirstView(b *testing.B) {
	ctx := context.Background()
	st, clock, pat, _ := historyBenchStore(b, 200_000)
	if os.Getenv("INSYN_BENCH_REVIEWED") != "" { // as after a review run: explanations kept
		if _, err := st.RunReview(ctx, store.ReviewRunOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	sessions := auth.NewSessions(st, clock, []byte(strings.Repeat("k", 32)))
	srv, err := web.New(web.Config{Store: st, Texts: i18n.MustLoad(portal.Stockholm), Log: slog.New(slog.DiscardHandler),
		Clock: clock, Sessions: sessions})
	if err != nil {
		b.Fatal(err)
	}
	origin, stop := serveLoopback(b, srv)
	defer stop()
	url := origin + "/historik"
	newSession := func() string { return patientSession(b, sessions, pat) }
	get := func(id string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Cookie", "__Host-insyn_session="+id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if !readHistory(resp) || resp.StatusCode != 200 {
			b.Fatalf("history: %d", resp.StatusCode)
		}
	}
	for range 20 { // warm up: prepared statements, caches
		get(newSession())
	}
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = newSession()
	}
	// CPU time moves far less than wall time with the machine's load:
	// this process's (server and client) and the database backends'.
	backends := func() (pids []int) {
		if err := st.DB().Select(&pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`); err != nil {
			b.Fatal(err)
		}
		return pids
	}
	pids := backends()
	go0, pg0 := selfCPU(), procsCPU(pids)
	b.ReportAllocs()
	b.ResetTimer()
	for _, id := range ids {
		get(id)
	}
	b.StopTimer()
	if now := backends(); !slices.Equal(now, pids) {
		b.Logf("the pool's backends changed during the run (%v, then %v): database CPU is partial", pids, now)
	}
	b.ReportMetric(float64(selfCPU()-go0)/float64(time.Millisecond)/float64(b.N), "go-cpu-ms/op")
	b.ReportMetric(float64(procsCPU(pids)-pg0)/float64(time.Millisecond)/float64(b.N), "pg-cpu-ms/op")
}

// historyBenchStore opens a store on the history benchmarks' clock and
// fills it (loadHistoryBench) with INSYN_BENCH_EVENTS other events, or n
// without it; it returns the patient and how many other events there are.
func historyBenchStore(b *testing.B, n int) (*store.Store, *portal.FixedClock, portal.PersonalID, int) {
	b.Helper()
	if v, err := strconv.Atoi(os.Getenv("INSYN_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	clock := &portal.FixedClock{T: time.Date(2026, 11, 30, 12, 0, 0, 0, portal.Stockholm)}
	st := storetest.Open(b, clock)
	return st, clock, loadHistoryBench(b, st, clock, n), n
}

// serveLoopback serves srv on a loopback port until stop is called; it
// returns the server's origin.
func serveLoopback(b *testing.B, srv *web.Server) (origin string, stop func()) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }
}

// bodies are the load generator's read buffers: it shares the server's
// two cores, and growing a buffer from nothing for every page of 100 KB
// and more (io.ReadAll) cost it a fifth of a view's CPU.
var bodies = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 512<<10)) }}

// historyMark is on the patient's history page, and only there.
var historyMark = []byte("av 500 tillfällen")

// readHistory reads and closes resp's body and tells whether it is the
// patient's history page.
func readHistory(resp *http.Response) bool {
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	_, err := buf.ReadFrom(resp.Body)
	resp.Body.Close()
	return err == nil && bytes.Contains(buf.Bytes(), historyMark)
}

// patientSession starts a session for the patient pat, as a login would.
func patientSession(b *testing.B, sessions *auth.Sessions, pat portal.PersonalID) string {
	b.Helper()
	id, _, err := sessions.Start(context.Background(), auth.Login{Subject: auth.Subject{Kind: auth.PatientSubject, PersonalID: pat}}, "")
	if err != nil {
		b.Fatal(err)
	}
	return id
}

// selfCPU is the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procsCPU is the user and system CPU time the processes pids have used
// (Linux /proc; 0 elsewhere), in clock ticks of 10 ms.
func procsCPU(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses: utime
		// and stime are the 14th and 15th of the whole line.
		i := strings.LastIndexByte(string(data), ')')
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		sy, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(u+sy) * 10 * time.Millisecond
	}
	return total
}

// loadHistoryBench fills st with the reference data, n events of 200,000
// other patients over 2024-01 to 2026-11 and 500 accesses of one patient
// in the year before clock's day, and returns that patient.
func loadHistoryBench(b *testing.B, st *store.Store, clock *portal.FixedClock, n int) portal.PersonalID {
	b.Helper()
	ctx := context.Background()
	extracttest.Reference(b, st)
	db := st.DB()
	start := time.Now()
	for m := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		if _, err := db.Exec(`SELECT insyn_ensure_event_partition($1)`, m); err != nil {
			b.Fatal(err)
		}
	}
	// Other patients' events, spread over 2024-01 to 2026-11, straight
	// into the table: this measures reading, not ingest.
	step := float64(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).Seconds()) / float64(n)
	const chunk = 500_000
	for lo := 1; lo <= n; lo += chunk {
		hi := min(lo+chunk-1, n)
		if _, err := db.Exec(`
INSERT INTO access_events (batch_id, source_system, source_log_id, occurred_at, actor_hsa_id, actor_name,
    actor_unit_hsa_id, actor_provider_hsa_id, activity, purpose, patient_id, patient_id_kind, resource_type, raw)
SELECT 0, 'BENCH', 'b-' || g, timestamptz '2024-01-01 00:00+00' + make_interval(secs => g * $3::float8),
       'SE2321000016-500' || (g % 2 + 1), 'Namn', 'SE2321000016-100' || (g % 3 + 1), 'SE2321000016-0001',
       'read', 'care', '19' || lpad(((g::bigint * 7919) % 200000)::text, 10, '0'), 'personnummer',
       'Journalanteckning', '{}'::jsonb
FROM generate_series($1::int, $2::int) g`, lo, hi, step); err != nil {
			b.Fatal(err)
		}
	}
	pat, _ := portal.ParsePersonalID(extracttest.PatientID)
	var evs []portal.Event
	staff := []string{"SE2321000016-5001", "SE2321000016-5002", "SE2321000016-5003", "SE5565594230-6001"}
	units := []string{"SE2321000016-1001", "SE2321000016-1003", "SE2321000016-1002", "SE5565594230-2001"}
	provs := []string{extracttest.RegionHSA, extracttest.RegionHSA, extracttest.RegionHSA, extracttest.CompanyHSA}
	first := clock.T.AddDate(-1, 0, 1)
	for i := range 500 {
		k := i % 4
		evs = append(evs, portal.Event{SourceSystem: "SYS-EXEMPEL", SourceLogID: fmt.Sprintf("p-%d", i),
			OccurredAt: first.Add(time.Duration(i) * 17 * time.Hour),
			ActorHSAID: portal.HSAID(staff[k]), ActorName: "Namn från loggen",
			ActorUnit: portal.Party{HSAID: portal.HSAID(units[k])}, ActorProvider: portal.Party{HSAID: portal.HSAID(provs[k])},
			Activity: portal.ActivityRead, Purpose: portal.PurposeCare, Patient: pat, ResourceType: "Journalanteckning",
			EmergencyClaimed: i%50 == 0})
	}
	if _, err := st.InsertEvents(ctx, evs); err != nil {
		b.Fatal(err)
	}
	// Steady state, as a database some hours after its last ingest: the
	// visibility map set and hint bits written, and the load's pages
	// written out, so that neither autovacuum of the bulk load, first reads
	// dirtying pages nor a checkpoint writing gigabytes run during the
	// measurement.
	for _, q := range []string{`VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d events in %s", n+500, time.Since(start).Round(time.Second))
	checkPatientIndex(b, st, pat)

	return pat
}

var seqScanCost = regexp.MustCompile(`Seq Scan on \S+ \S+ +\(cost=[0-9.]+\.\.([0-9.]+)`)

// peakRSS is the process's peak resident set (VmHWM), or "?" off Linux.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// serverTimes is a slog handler that keeps the duration of each history
// request the server's access log states.
type serverTimes struct {
	mu sync.Mutex
	ds []time.Duration
}

func (h *serverTimes) Enabled(context.Context, slog.Level) bool { return true }
func (h *serverTimes) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *serverTimes) WithGroup(string) slog.Handler            { return h }
func (h *serverTimes) Handle(_ context.Context, r slog.Record) error {
	var d time.Duration
	history := false
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "route":
			history = a.Value.String() == "/historik"
		case "duration":
			d = a.Value.Duration()
		}
		return true
	})
	if r.Message == "request" && history {
		h.mu.Lock()
		h.ds = append(h.ds, d)
		h.mu.Unlock()
	}
	return nil
}

// take returns the durations kept so far and starts again.
func (h *serverTimes) take() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	ds := h.ds
	h.ds = nil
	return ds
}

// loadAvg is the machine's 1-minute load average, which says how far the
// absolute figures can be trusted on a shared machine.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func heapMB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func quantiles(ds []time.Duration) (median, p99 time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
}

// checkPatientIndex fails unless the history's query reaches the events
// through the patient index.
func checkPatientIndex(b *testing.B, st *store.Store, pat portal.PersonalID) {
	var plan []string
	if err := st.DB().Select(&plan, `EXPLAIN SELECT id FROM access_events WHERE patient_id = $1 AND patient_id_kind = 'personnummer'
		AND occurred_at >= now() - interval '1 year'`, pat.Digits()); err != nil {
		b.Fatal(err)
	}
	p := strings.Join(plan, "\n")
	// A sequential scan is fine on a partition of a few pages, never on a
	// month of other patients' events.
	bigSeq := false
	for _, m := range seqScanCost.FindAllStringSubmatch(p, -1) {
		if c, _ := strconv.ParseFloat(m[1], 64); c > 1000 {
			bigSeq = true
		}
	}
	if !strings.Contains(p, "patient_id_occurred_at_idx") || bigSeq {
		b.Fatalf("the patient's events are not read through the patient index:\n%s", p)
	}
}
