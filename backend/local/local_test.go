package local

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

// conformanceHarness makes a fresh file per environment; Other is raw
// bbolt on the file New made last.
func conformanceHarness() storetest.Harness {
	var last string // the file New made last, for Other
	return storetest.Harness{
		New: func(t *testing.T) (func(bool) backend.Store, string) {
			path := filepath.Join(t.TempDir(), "s.db")
			last = path
			s, err := Open(path, Options{SweepEvery: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateBucket(t.Context(), backend.BucketConfig{Name: "test", History: 5}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			return func(ro bool) backend.Store {
				// A short linger: the second writer (raw bbolt) waits for
				// kvdeck's read handle to close before each of its writes,
				// as the owning program would, and the suite makes many.
				s, err := Open(path, Options{ReadOnly: ro, SweepEvery: 200 * time.Millisecond, NoSync: true, linger: 5 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}, "test"
		},
		PrefixPattern:  func(p string) string { return p + "*" },
		TTLGranularity: time.Second,
		Other: func(t *testing.T, bucket string) storetest.Other {
			return rawOther{path: last, bucket: bucket}
		},
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, conformanceHarness())
}

// TestRandom runs a short random sequence (a fixed seed, printed on
// failure); KVDECK_RANDOM_OPS and KVDECK_RANDOM_SEED make it the long run or
// another one.
func TestRandom(t *testing.T) {
	storetest.RunRandom(t, conformanceHarness(), storetest.RandomOps(1000), storetest.RandomSeed())
}
