package redis

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// nextCursor is Redis's own cursor step (dictScan) for a table of 2^n
// buckets.
func nextCursor(v uint64, n int) uint64 {
	m := uint64(1)<<n - 1
	v |= ^m
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

// The ranges of a split scan visit every bucket of a table of any size,
// each at least once, and together no more buckets than there are ranges
// beyond the table's size (a range starting inside a bucket repeats it).
func TestScanRangesCoverEveryBucket(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 10, 16} {
		for _, w := range []int{1, 2, 4, 8} {
			seen := map[uint64]int{}
			for k := range w {
				c := rangeStart(k, w)
				for {
					seen[c&(uint64(1)<<n-1)]++
					c = nextCursor(c, n)
					if pastRange(c, k, w) {
						break
					}
				}
			}
			visits := 0
			for b := range uint64(1) << n {
				if seen[b] == 0 {
					t.Fatalf("table of 2^%d, %d ranges: bucket %d never visited", n, w, b)
				}
				visits += seen[b]
			}
			if extra := visits - 1<<n; extra > w {
				t.Errorf("table of 2^%d, %d ranges: %d repeated visits", n, w, extra)
			}
		}
	}
}

func TestScanWorkersOnlyOnSlowLinks(t *testing.T) {
	budget := 2500 * time.Microsecond
	for _, c := range []struct {
		base time.Duration
		want int
	}{{200 * time.Microsecond, 1}, {2 * time.Millisecond, 1}, {4 * time.Millisecond, 2}, {50 * time.Millisecond, 8}} {
		if got := scanWorkers(c.base, budget); got != c.want {
			t.Errorf("round trip %v: %d ranges, want %d", c.base, got, c.want)
		}
	}
}

// A listing split into ranges lists every key present throughout, exactly
// once, while another client adds keys (growing the table, so the server
// rehashes under the scan).
func TestSplitScanListsEveryKeyWhileTheTableGrows(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n = 50_000
	must(t, c.Do(ctx, "DEBUG", "POPULATE", n, "present:", 8).Err())
	for _, w := range []int{2, 8} {
		s := open(t, srv.URL(), false)
		s.scanWorkers = w
		var wg sync.WaitGroup
		wg.Add(1)
		stop := make(chan struct{})
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pipe := c.Pipeline()
				for j := range 500 {
					pipe.Set(ctx, fmt.Sprintf("added:%d:%d:%d", w, i, j), "x", 0)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		got := listAll(t, s, "0", backend.Query{BatchSize: 200})
		close(stop)
		wg.Wait()
		present := 0
		for i, k := range got {
			if i > 0 && got[i-1] == k {
				t.Fatalf("%d ranges: %s listed twice", w, k)
			}
			if len(k) > 8 && k[:8] == "present:" {
				present++
			}
		}
		if present != n {
			t.Errorf("%d ranges: %d of the %d keys present throughout were listed", w, present, n)
		}
		if !slices.IsSorted(got) {
			t.Fatal("listAll does not sort")
		}
	}
}
