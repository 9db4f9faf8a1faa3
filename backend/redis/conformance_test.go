package redis

import (
	"context"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

// conformanceHarness runs the suite on srv: each environment is the whole
// server flushed, the bucket database 0, and the second writer a plain
// go-redis client on it.
func conformanceHarness(srv *redistest.Server) storetest.Harness {
	return storetest.Harness{
		New: func(t *testing.T) (func(bool) backend.Store, string) {
			c := srv.Client()
			defer c.Close()
			if err := c.FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			return func(ro bool) backend.Store { return open(t, srv.URL(), ro) }, "0"
		},
		PrefixPattern:  func(p string) string { return p + "*" },
		TTLGranularity: time.Second,
		Other: func(t *testing.T, bucket string) storetest.Other {
			return newOther(t, srv, bucket)
		},
	}
}

func TestConformance(t *testing.T) {
	// Notifications on, so the suite's watch tests see real events (the
	// driver never turns them on itself).
	srv := redistest.Start(t, "--notify-keyspace-events", "KEA")
	storetest.Run(t, conformanceHarness(srv))
}

// TestRandom runs a short random sequence (a fixed seed, printed on
// failure); KVDECK_RANDOM_OPS and KVDECK_RANDOM_SEED make it the long run or
// another one.
func TestRandom(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunRandom(t, conformanceHarness(srv), storetest.RandomOps(1000), storetest.RandomSeed())
}
