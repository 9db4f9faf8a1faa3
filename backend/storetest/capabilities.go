package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// The optional capabilities are tested only where the store offers them.

func testHistory(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	hist, ok := s.(backend.Historian)
	if !ok {
		t.Skip("the store keeps no history")
	}
	for _, v := range []string{"r1", "r2", "r3"} {
		put(t, s, bucket, "h", v, backend.PutOptions{})
	}
	es, err := hist.History(ctxT(t), bucket, "h")
	if err != nil {
		t.Fatalf("reading history failed: %v", err)
	}
	if len(es) < 3 || string(es[0].Value) != "r3" || string(es[1].Value) != "r2" || string(es[2].Value) != "r1" {
		var got []string
		for _, e := range es {
			got = append(got, string(e.Value))
		}
		t.Fatalf("history after saving r1, r2, r3 shows %q, want r3, r2, r1 (newest first)", got)
	}
	if es[0].Revision == es[1].Revision || es[1].Revision == es[2].Revision {
		t.Fatalf("history revisions are not distinct: %d, %d, %d", es[0].Revision, es[1].Revision, es[2].Revision)
	}
	// Revert: a Put of the old value over the current version.
	cur := get(t, s, bucket, "h")
	if err := s.Put(ctxT(t), bucket, "h", es[2].Value, backend.PutOptions{IfVersion: cur.Version}); err != nil {
		t.Fatalf("reverting to r1 failed: %v", err)
	}
	wantValue(t, s, bucket, "h", "r1", "after reverting to r1")
}

func testRename(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	r, ok := s.(backend.Renamer)
	if !ok {
		t.Skip("the store cannot rename keys")
	}
	ctx := ctxT(t)
	put(t, s, bucket, "from", "moving", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	put(t, s, bucket, "taken", "stays", backend.PutOptions{})
	if err := r.Rename(ctx, bucket, "from", "taken"); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("renaming onto an existing key: %v, want ErrConflict", err)
	}
	wantValue(t, s, bucket, "taken", "stays", "after a refused rename (it must never overwrite)")
	wantValue(t, s, bucket, "from", "moving", "after a refused rename")

	if err := r.Rename(ctx, bucket, "from", "to"); err != nil {
		t.Fatalf("renaming to a free name failed: %v", err)
	}
	wantValue(t, s, bucket, "to", "moving", "after the rename")
	near(t, "the renamed key's TTL", get(t, s, bucket, "to").ExpiresAt, time.Now().Add(time.Hour), 5*time.Second)
	wantNotFound(t, s, bucket, "from", "after renaming it away")
	if d := diffKeys(list(t, s, bucket, ""), []string{"taken", "to"}); d != "" {
		t.Fatalf("after the rename the key list %s", d)
	}
}

// watchProbe is the key testWatch writes until its watch reports it.
const watchProbe = "watch-probe"

func testWatch(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	w, ok := s.(backend.Watcher)
	if !ok {
		t.Skip("the store has no live view")
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	changes := make(chan backend.Change, 1024)
	done := make(chan error, 1)
	go func() {
		done <- w.Watch(ctx, bucket, "", func(c backend.Change) {
			select {
			case changes <- c:
			default:
			}
		})
	}()

	// A watch subscribes asynchronously: write a probe until it shows up,
	// rather than guessing how long subscribing takes.
	seen := func(key string, op backend.ChangeOp, within time.Duration) bool {
		timeout := time.After(within)
		for {
			select {
			case c := <-changes:
				if c.Key == key && c.Op == op {
					return true
				}
			case err := <-done:
				t.Fatalf("the watch ended early: %v", err)
			case <-timeout:
				return false
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		put(t, s, bucket, watchProbe, "v", backend.PutOptions{})
		if seen(watchProbe, backend.ChangePut, 250*time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a watch reported no change within 10s of its start")
		}
	}

	put(t, s, bucket, "watched", "v", backend.PutOptions{})
	if !seen("watched", backend.ChangePut, 5*time.Second) {
		t.Fatal("the live view did not show a saved key within 5s")
	}
	if err := s.Delete(ctx, bucket, "watched", backend.DeleteOptions{}); err != nil {
		t.Fatalf("deleting a watched key failed: %v", err)
	}
	if !seen("watched", backend.ChangeDelete, 5*time.Second) {
		t.Fatal("the live view did not show a deleted key within 5s")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a watch stopped by its context returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a watch did not return within 5s of its context being cancelled")
	}
}

func testDescribe(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	d, ok := s.(backend.Describer)
	if !ok {
		t.Skip("the store lists keys with their details already")
	}
	put(t, s, bucket, "d", "12345", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	put(t, s, bucket, "forever", "1", backend.PutOptions{})
	infos, err := d.Describe(ctxT(t), bucket, []string{"d", "forever"})
	if err != nil || len(infos) != 2 {
		t.Fatalf("describing 2 keys: error %v, %d results", err, len(infos))
	}
	i := infos[0]
	if i.Name != "d" || !i.HasMeta || i.Kind != backend.KindString || i.Size != 5 {
		t.Fatalf("describing a 5-byte string gave %+v", i)
	}
	near(t, "a described key with a 1h TTL", i.ExpiresAt, time.Now().Add(time.Hour), 5*time.Second)
	if f := infos[1]; f.Name != "forever" || !f.HasMeta || !f.ExpiresAt.IsZero() {
		t.Fatalf("describing a key with no TTL gave %+v", f)
	}
}
