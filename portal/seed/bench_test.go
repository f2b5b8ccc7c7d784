package seed_test

import (
	"path/filepath"
	"testing"

	"github.com/insyn/insyn/portal/seed"
)

// BenchmarkGenerate writes a default-sized region with 200,000 events and
// reports events written per second (reference data included).
func BenchmarkGenerate(b *testing.B) {
	opts := seed.Options{Events: 200000, Seed: 1}
	dir := filepath.Join(b.TempDir(), "region")
	var sum seed.Summary
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if sum, err = seed.Generate(opts, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
