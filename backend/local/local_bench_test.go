package local

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// BenchmarkList100k lists a bucket of 100,000 keys and reports the time to
// the first batch (budget < 20 ms) and to the end (budget < 300 ms).
func BenchmarkList100k(b *testing.B) { benchList100k(b, false) }

// BenchmarkList100kCold is the same after kvdeck went idle: the read-only
// handle has been closed and each listing reopens the file.
func BenchmarkList100kCold(b *testing.B) { benchList100k(b, true) }

// closeHandle closes the read-only handle, as the linger does.
func (s *Store) closeHandle() {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
}

func benchList100k(b *testing.B, cold bool) {
	s, err := Open(filepath.Join(b.TempDir(), "b.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	s.CreateBucket(ctx, backend.BucketConfig{Name: "events", History: 1})
	items := make([]backend.Item, 100_000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("tenant-%d:order:%06d", i%50, i), Value: []byte(`{"status":"paid"}`)}
		if i%3 == 0 {
			items[i].TTL = time.Hour
		}
	}
	if err := s.PutMany(ctx, "events", items); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var first, total time.Duration
	for range b.N {
		if cold {
			s.closeHandle()
		}
		start := time.Now()
		n := 0
		s.Keys(ctx, "events", backend.Query{}, func(batch []backend.KeyInfo) error {
			if n == 0 {
				first += time.Since(start)
			}
			n += len(batch)
			return nil
		})
		total += time.Since(start)
		if n != len(items) {
			b.Fatalf("listed %d keys", n)
		}
	}
	b.ReportMetric(float64(first.Microseconds())/float64(b.N)/1000, "ms-first-batch")
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-total")
}
