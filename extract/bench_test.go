package extract_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/portal/store/storetest"
)

// peakHeap samples HeapInuse until stopped and returns the highest value.
func peakHeap() (stop func() uint64) {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// resetPeakRSS clears the kernel's high-water mark of resident memory
// (Linux); peakRSS reads it back, in bytes, or 0 when unavailable.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkPDF streams a patient's events from PostgreSQL through the
// builder into a PDF: 1,000 and 50,000 rows (no two collapse). It reports
// the time per extract, the peak heap in use and the bytes allocated, and
// prints how much more memory 50,000 rows need than 1,000 (target: < 10×;
// time target for 1,000 rows: < 300 ms).
func BenchmarkPDF(b *testing.B) {
	peaks, rss := map[int]float64{}, map[int]float64{}
	for _, rows := range []int{1000, 50000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			s := storetest.Open(b, nil)
			extracttest.Reference(b, s)
			from, to := extracttest.Bulk(b, s, rows)
			s.DB().Exec(`ANALYZE`)
			req := request(b, "sv")
			req.From, req.To = from, to
			b.ResetTimer()
			var peak, alloc, hwm uint64
			var size int64
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				resetPeakRSS()
				stop := peakHeap()
				w := &countingWriter{}
				sum, err := extract.Build(context.Background(), s, catalog, req, extract.NewPDFWriter(w, produced))
				p := stop()
				hwm = max(hwm, peakRSS())
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Rows != rows {
					b.Fatalf("%d rows, want %d", sum.Rows, rows)
				}
				peak = max(peak, p-min(p, before.HeapInuse))
				alloc = after.TotalAlloc - before.TotalAlloc
				size = w.n
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(alloc)/(1<<20)/float64(1), "alloc-MB/op")
			b.ReportMetric(float64(size)/(1<<20), "pdf-MB")
			b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MB")
			peaks[rows], rss[rows] = float64(peak), float64(hwm)
			if rows == 50000 && peaks[1000] > 0 {
				fmt.Printf("BenchmarkPDF: 50k/1k peak heap growth %.1f× (%.1f MB / %.1f MB), peak RSS %.1f× (%.1f MB / %.1f MB)\n",
					peaks[50000]/peaks[1000], peaks[50000]/(1<<20), peaks[1000]/(1<<20),
					rss[50000]/rss[1000], rss[50000]/(1<<20), rss[1000]/(1<<20))
			}
		})
	}
}
