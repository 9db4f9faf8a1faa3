package nats

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
)

// electionWait bounds how long a test waits for the cluster to elect new
// leaders after a server stops.
const electionWait = 30 * time.Second

func TestClusterSurvivesLosingTheStreamLeader(t *testing.T) {
	c := natstest.StartCluster(t, 3)
	s := openURL(t, c.URL(), false)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "replicated", Replicas: 3, History: 3, KeyTTL: true}); err != nil {
		t.Fatalf("CreateBucket with 3 replicas: %v", err)
	}
	if got := readBucket(t, s, "replicated").Config.Replicas; got != 3 {
		t.Fatalf("replicas = %d", got)
	}
	// A stream with three replicas answers writes once it has a leader.
	if _, err := c.WaitStreamLeader("KV_replicated", electionWait); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 20 {
		key := fmt.Sprintf("k.%02d", i)
		mustPut(t, s, "replicated", key, "v", backend.PutOptions{})
		want = append(want, key)
	}

	leader, err := c.WaitStreamLeader("KV_replicated", electionWait)
	if err != nil {
		t.Fatal(err)
	}
	leader.Shutdown()
	if _, err := c.WaitStreamLeader("KV_replicated", electionWait); err != nil {
		t.Fatal(err)
	}

	// Reads, listing and writes go on with two of three servers. The
	// client may have been on the stopped server and reconnects first.
	eventually(t, electionWait, "a write succeeds on the remaining servers", func() bool {
		_, err := s.Put(testContext(t), "replicated", "after.failover", []byte("ok"), backend.PutOptions{})
		return err == nil
	})
	want = append(want, "after.failover")
	slices.Sort(want)
	if got := listKeys(t, s, "replicated", ""); !slices.Equal(got, want) {
		t.Errorf("Keys after failover = %v, want %v", got, want)
	}
	if e := mustGet(t, s, "replicated", "k.07"); string(e.Value) != "v" {
		t.Errorf("Get after failover = %q", e.Value)
	}
	read := mustGet(t, s, "replicated", "after.failover")
	mustPut(t, s, "replicated", "after.failover", "edited", backend.PutOptions{IfVersion: read.Version})
	_, err = s.Put(ctx, "replicated", "after.failover", []byte("stale"), backend.PutOptions{IfVersion: read.Version})
	wantErr(t, err, backend.ErrConflict, "stale write on a replicated bucket")
	mustPut(t, s, "replicated", "ttl.key", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	if e := mustGet(t, s, "replicated", "ttl.key"); e.TTL != time.Hour {
		t.Errorf("per-key TTL on the replicated bucket = %s", e.TTL)
	}
}
