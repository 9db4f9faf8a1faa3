package keyspace

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

// millionBatches builds 1,000 batches of 1,000 keys of 30 bytes.
func millionBatches() [][]backend.KeyInfo {
	out := make([][]backend.KeyInfo, 1000)
	for b := range out {
		out[b] = make([]backend.KeyInfo, 1000)
		for i := range out[b] {
			out[b][i].Name = fmt.Sprintf("tenant-%03d:order:%015d", b%1000, b*1000+i)[:30]
		}
	}
	return out
}

// BenchmarkAppendMillion appends 1,000,000 keys of 30 bytes in batches of
// 1,000 and reports the heap the Set holds afterwards (budget: < 100 MB).
func BenchmarkAppendMillion(b *testing.B) {
	batches := millionBatches()
	b.ResetTimer()
	var s *Set
	for range b.N {
		s = New()
		for _, bt := range batches {
			s.Append(bt)
		}
	}
	b.StopTimer()
	runtime.GC()
	b.ReportMetric(float64(s.Bytes())/1e6, "MB-held")
	b.ReportMetric(float64(s.Len()), "keys")
}
