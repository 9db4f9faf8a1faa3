package local

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

func TestConformance(t *testing.T) {
	var last string // the file New made last, for Other
	storetest.Run(t, storetest.Harness{
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
				s, err := Open(path, Options{ReadOnly: ro, SweepEvery: 200 * time.Millisecond})
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
	})
}
