package redis

import (
	"context"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

func TestConformance(t *testing.T) {
	// Notifications on, so the suite's watch test sees real events (the
	// driver never turns them on itself).
	srv := redistest.Start(t, "--notify-keyspace-events", "KEA")
	storetest.Run(t, storetest.Harness{
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
	})
}
