package nats

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// changeWait is how long a test waits for a watched change: the issue asks
// for changes within a second; servers on a busy CI machine get slack.
const changeWait = 10 * time.Second

// watchLog runs Watch in the background and records the changes.
type watchLog struct {
	mu      sync.Mutex
	changes []backend.Change
	done    chan error
	cancel  context.CancelFunc
}

func startWatch(t *testing.T, s *Store, bucket, pattern string) *watchLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watchLog{done: make(chan error, 1), cancel: cancel}
	go func() {
		w.done <- s.Watch(ctx, bucket, pattern, func(c backend.Change) {
			w.mu.Lock()
			w.changes = append(w.changes, c)
			w.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("Watch returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Watch did not return after its context was cancelled")
		}
	})
	// Let the consumer start before the test makes changes; a change made
	// earlier is delivered anyway (the watch starts after the stream's last
	// message), so this only keeps the test's intent clear.
	time.Sleep(100 * time.Millisecond)
	return w
}

// waitFor waits until a change for key with op was seen and returns it.
func (w *watchLog) waitFor(t *testing.T, key string, op backend.ChangeOp) backend.Change {
	t.Helper()
	var found backend.Change
	eventually(t, changeWait, "watch sees "+op.String()+" of "+key, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, c := range w.changes {
			if c.Key == key && c.Op == op {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

func (w *watchLog) keys() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var keys []string
	for _, c := range w.changes {
		keys = append(keys, c.Key)
	}
	return keys
}

func TestWatchSeesChangesMadeElsewhere(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	mustPut(t, s, bucket, "before.watch", "old", backend.PutOptions{})
	w := startWatch(t, s, bucket, "")

	other := openURL(t, srv.URL(), false)
	ctx := testContext(t)
	mustPut(t, other, bucket, "orders.1", "new", backend.PutOptions{})
	put := w.waitFor(t, "orders.1", backend.ChangePut)
	if e := mustGet(t, s, bucket, "orders.1"); put.Revision != e.Revision || put.Time.IsZero() {
		t.Errorf("put change %+v, want revision %d and a time", put, e.Revision)
	}
	if err := other.Delete(ctx, bucket, "orders.1", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "orders.1", backend.ChangeDelete)
	mustPut(t, other, bucket, "orders.2", "x", backend.PutOptions{})
	if err := other.Purge(ctx, bucket, "orders.2"); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "orders.2", backend.ChangePurge)
	mustPut(t, other, bucket, "lease", "leader", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Second})
	w.waitFor(t, "lease", backend.ChangePut)
	w.waitFor(t, "lease", backend.ChangeExpire)

	for _, k := range w.keys() {
		if k == "before.watch" {
			t.Errorf("watch delivered a change made before it started")
		}
	}
}

func TestWatchWithPattern(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	w := startWatch(t, s, bucket, "flows.*.seen")
	mustPut(t, s, bucket, "flows.other.state", "x", backend.PutOptions{})
	mustPut(t, s, bucket, "flows.a.seen", "1", backend.PutOptions{})
	w.waitFor(t, "flows.a.seen", backend.ChangePut)
	for _, k := range w.keys() {
		if k != "flows.a.seen" {
			t.Errorf("watch of flows.*.seen delivered %s", k)
		}
	}
}

func TestWatchOfMissingBucketAndBadPattern(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	wantErr(t, s.Watch(ctx, "missing", "", func(backend.Change) {}), backend.ErrNotFound, "Watch of a missing bucket")
	wantErr(t, s.Watch(ctx, bucket, "a.>.b", func(backend.Change) {}), backend.ErrInvalid, "Watch with a bad pattern")
}

func TestWatchEndsWhenBucketIsDeleted(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	done := make(chan error, 1)
	go func() { done <- s.Watch(context.Background(), bucket, "", func(backend.Change) {}) }()
	time.Sleep(200 * time.Millisecond)
	if err := s.DeleteBucket(testContext(t), bucket); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("Watch after the bucket was deleted = %v, want ErrNotFound", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch goes on after its bucket was deleted")
	}
}
