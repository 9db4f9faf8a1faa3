package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// A user points kvdeck at NATS, sees each key's TTL count down, refreshes
// one, and watches a change made elsewhere arrive.
func TestNATSPerKeyTTLAndWatch(t *testing.T) {
	srv := natstest.Start(t)
	ctx := context.Background()
	o, err := nats.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := nats.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "flows", History: 5, KeyTTL: true, Storage: "file", Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	s.Put(ctx, "flows", "flow.order.123", []byte(`{"step":2}`), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 10 * time.Minute})
	s.Put(ctx, "flows", "leader.flow-engine", []byte(`{"holder":"a"}`), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 30 * time.Second})

	tm := tmuxtest.Start(t, 140, 30, env(t), binary, srv.URL(), "--bucket", "flows")
	tm.WaitFor("2 keys", 15*time.Second)
	// The TTLs show in the key rows.
	tm.WaitForFunc(func(sc string) bool { return regexp.MustCompile(`flow\.order\.123\s+9m5\ds`).MatchString(sc) }, 5*time.Second, "flow.order.123's TTL in its row")
	tm.Send("Down")
	tm.WaitFor("holder", 5*time.Second)
	tm.WaitForFunc(func(sc string) bool { return regexp.MustCompile(`ttl\s+2\ds`).MatchString(sc) }, 10*time.Second, "the lease TTL counting down")
	tm.Send("+")
	tm.WaitFor("refreshed TTL of leader.flow-engine", 5*time.Second)
	// A key written elsewhere appears without a refresh.
	s.Put(ctx, "flows", "flow.invoice.7", []byte(`{"step":1}`), backend.PutOptions{})
	tm.WaitFor("flow.invoice.7", 5*time.Second)
	tm.WaitFor("3 keys", 5*time.Second)
	if strings.Contains(tm.Screen(), "\x1b") {
		t.Fatal("raw escape on screen")
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}
