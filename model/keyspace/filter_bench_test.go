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
				if _, _, err := Filter(context.Background(), sn, 0, q, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSubstringMillion is one keystroke of the substring-only filter
// (the one above FuzzyLimit) over 1,000,000 keys; ten million cost ten
// times as much (budget: < 100 ms at ten million).
func BenchmarkSubstringMillion(b *testing.B) {
	s := New()
	for _, bt := range millionBatches() {
		s.Append(bt)
	}
	sn := s.Snapshot()
	for _, q := range []string{"order:00000000012", "t9o3", "o"} {
		b.Run(q, func(b *testing.B) {
			for range b.N {
				if _, _, err := Filter(context.Background(), sn, 0, q, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
