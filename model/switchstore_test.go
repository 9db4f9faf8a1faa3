package model

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// localWith is a bbolt store with one bucket holding keys (value = name).
func localWith(t *testing.T, bucket string, keys ...string) *local.Store {
	t.Helper()
	s, err := local.Open(filepath.Join(t.TempDir(), bucket+".db"), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: bucket, History: 5}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := s.Put(ctx, bucket, k, []byte("value of "+k), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// Switching store leaves nothing of the old one: not its buckets, keys,
// value, filter or marks, not its undo stack (whose records would restore
// into the new store), and not a write report that arrives late.
func TestSwitchingStoreLeavesNothingStale(t *testing.T) {
	old := localWith(t, "orders", "order:1", "order:2", "order:3")
	next := localWith(t, "users", "user:1")
	a := New(old, Options{NoColor: true, Timeout: 5 * time.Second})
	sim := modeltest.New(a, 120, 30)
	sim.Keys("enter")
	if !sim.WaitFor("value of order:1", 5*time.Second) {
		t.Fatalf("the first key never showed:\n%s", sim.Plain())
	}
	// A delete leaves an undo record; a mark and a filter are state too.
	sim.Keys("d")
	sim.Keys("y")
	if !sim.WaitFor("u to undo", 5*time.Second) {
		t.Fatalf("the delete never finished:\n%s", sim.Plain())
	}
	sim.Keys("space", "/")
	sim.Type("order")
	sim.Keys("enter")

	sim.Send(storeOpenedMsg{store: next})
	if !sim.WaitFor("bucket users", 5*time.Second) {
		t.Fatalf("the new store's buckets never showed:\n%s", sim.Plain())
	}
	sim.Keys("enter") // the new store opens on its buckets, as at start
	if !sim.WaitFor("value of user:1", 5*time.Second) {
		t.Fatalf("the new store's key never showed:\n%s", sim.Plain())
	}
	screen := sim.Plain()
	for _, stale := range []string{"orders", "order:", "●", "/order"} {
		if strings.Contains(screen, stale) {
			t.Errorf("%q of the old store is still on screen:\n%s", stale, screen)
		}
	}

	// A write report of the old store arriving now brings no undo record.
	sim.Send(writeDoneMsg{from: old, op: "late write", bucket: "users", keys: []string{"user:1"},
		undo: &undoRecord{what: "late", bucket: "users", steps: []undoStep{{key: "user:1", created: true}}}})
	sim.Keys("u")
	if !sim.WaitFor("nothing to undo", 5*time.Second) {
		t.Fatalf("undo offered a record of the old store:\n%s", sim.Plain())
	}
	// Neither store changed: order:2 is not restored into users, and the
	// new store's key is intact.
	ctx := context.Background()
	if _, err := next.Get(ctx, "users", "order:1", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("the old store's undo wrote into the new store: %v", err)
	}
	if e, err := next.Get(ctx, "users", "user:1", backend.GetOptions{}); err != nil || string(e.Value) != "value of user:1" {
		t.Errorf("user:1 in the new store: %q, %v", e.Value, err)
	}
}
