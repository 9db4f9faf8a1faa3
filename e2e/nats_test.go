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
	tm.WaitForFunc(func(sc string) bool { return regexp.MustCompile(`flow\.order\.123\s+9m[0-5]\ds`).MatchString(sc) }, 5*time.Second, "flow.order.123's TTL in its row")
	tm.Send("Down")
	tm.WaitFor("holder", 5*time.Second)
	tm.WaitForFunc(func(sc string) bool { return regexp.MustCompile(`ttl\s+[12]\ds`).MatchString(sc) }, 10*time.Second, "the lease TTL counting down")
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

// A user creates a bucket with per-key TTL through the form, creates a key
// with a TTL, edits it (the TTL survives), browses its history and reverts.
func TestNATSBucketFormHistoryAndRevert(t *testing.T) {
	srv := natstest.Start(t)
	ctx := context.Background()
	o, _ := nats.ParseURL(srv.URL())
	s, err := nats.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	tm := tmuxtest.Start(t, 150, 40, append(env(t), "EDITOR=sed -i s/v1/v2/"), binary, srv.URL())
	tm.WaitFor("no buckets", 15*time.Second)
	tm.Send("n")
	tm.WaitFor("New bucket", 5*time.Second)
	tm.Type("leases")
	for range 3 { // name → description → ttl → history
		tm.Send("Tab")
	}
	tm.Send("BSpace")
	tm.Type("5")
	for range 6 { // → max bytes, max value size, storage, replicas, compression, per-key ttl
		tm.Send("Tab")
	}
	tm.Send("C-u")
	tm.Type("yes")
	tm.Send("Enter")
	tm.WaitFor("created bucket leases", 10*time.Second)
	tm.WaitFor("per-key", 5*time.Second) // the bucket's status in the value pane
	cfg := bucketConfig(t, s, "leases")
	if !cfg.KeyTTL || cfg.History != 5 {
		t.Fatalf("bucket made by the form: %+v", cfg)
	}

	tm.Send("Enter") // into the bucket
	tm.Send("n")
	tm.Type("lease.flow-engine")
	tm.Send("Enter")
	tm.WaitFor("TTL of the new key", 5*time.Second)
	tm.Type("10m")
	tm.Send("Enter")
	tm.WaitFor("New key lease.flow-engine", 5*time.Second)
	tm.Type(`{"holder":"v1"}`)
	tm.Send("C-s")
	tm.WaitFor("created lease.flow-engine", 5*time.Second)
	tm.Send("Enter")
	tm.WaitFor(`"holder": "v1"`, 5*time.Second)
	tm.Send("e") // $EDITOR turns v1 into v2
	tm.WaitFor(`"holder": "v2"`, 10*time.Second)
	e, err := s.Get(ctx, "leases", "lease.flow-engine", backend.GetOptions{})
	if err != nil || e.ExpiresAt.IsZero() || time.Until(e.ExpiresAt) < 9*time.Minute {
		t.Fatalf("the edit lost the per-key TTL: %v, expires %v", err, e.ExpiresAt)
	}

	tm.Send("H")
	tm.WaitFor("History of lease.flow-engine", 5*time.Second)
	tm.WaitFor("(current)", 5*time.Second)
	tm.Send("Down")
	tm.Send("d")
	tm.WaitFor(`-  "holder": "v1"`, 5*time.Second)
	tm.Send("Escape")
	time.Sleep(300 * time.Millisecond)
	tm.Send("r")
	tm.WaitFor("reverted lease.flow-engine to revision", 5*time.Second)
	tm.WaitFor(`"holder": "v1"`, 5*time.Second)
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}

func bucketConfig(t *testing.T, s *nats.Store, name string) backend.BucketConfig {
	t.Helper()
	bs, err := s.Buckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Name == name && b.Config != nil {
			return *b.Config
		}
	}
	t.Fatalf("bucket %s not found", name)
	return backend.BucketConfig{}
}
