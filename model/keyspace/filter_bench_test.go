package keyspace

import (
	"context"
	"testing"
)

// BenchmarkFilterMillion is one keystroke of the / filter over 1,000,000
// keys (budget: < 50 ms).
func BenchmarkFilterMillion(b *testing.B) {
	s := New()
	for _, bt := range millionBatches() {
		s.Append(bt)
	}
	sn := s.Snapshot()
	for _, q := range []string{"order:00000000012", "t9o3"} {
		b.Run(q, func(b *testing.B) {
			for range b.N {
				if _, err := Filter(context.Background(), sn, 0, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
