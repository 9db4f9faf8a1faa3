package nats

import (
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

// conformanceHarness runs the suite against a fresh in-process server per
// environment, in a bucket with per-key TTLs and a history of 5.
// Other is nats.go's KeyValue on the server New started last.
func conformanceHarness() storetest.Harness {
	var url string
	return storetest.Harness{
		New: func(t *testing.T) (func(readOnly bool) backend.Store, string) {
			srv := natstest.Start(t)
			url = srv.URL()
			setup := openURL(t, srv.URL(), false)
			bucket := newBucket(t, setup)
			setup.Close()
			open := func(readOnly bool) backend.Store {
				return openURL(t, srv.URL(), readOnly)
			}
			return open, bucket
		},
		PrefixPattern:  func(prefix string) string { return prefix + ">" },
		RestrictedKeys: true,
		TTLGranularity: time.Second,
		Other: func(t *testing.T, bucket string) storetest.Other {
			return newOther(t, url, bucket)
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
