package local

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// watchChanges collects the changes s reports on bucket until the test
// ends.
func watchChanges(t *testing.T, s *Store, bucket string) <-chan backend.Change {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	changes := make(chan backend.Change, 100)
	go s.Watch(ctx, bucket, "", func(c backend.Change) { changes <- c })
	waitFor(t, "the watcher registered", 5*time.Second, func() bool {
		s.watchMu.Lock()
		defer s.watchMu.Unlock()
		return len(s.watchers) > 0
	})
	return changes
}

// nextChanges reads n changes, failing after a few seconds.
func nextChanges(t *testing.T, changes <-chan backend.Change, n int) map[string]backend.ChangeOp {
	t.Helper()
	got := map[string]backend.ChangeOp{}
	for range n {
		select {
		case c := <-changes:
			got[c.Key] = c.Op
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d changes within 5s: %v", len(got), n, got)
		}
	}
	return got
}

// A bulk delete with keep of a key without a TTL, one with a TTL, a value
// another program wrote (no kvdeck metadata) and a missing key: the
// outcomes, the keys gone from the file as plain bbolt and a second store
// read it, each copy what Snapshot read just before, the watchers told.
// A delete without keep deletes and keeps nothing. The undo puts each
// value back with its expiry instant and configured TTL.
func TestBulkDeleteKeepsExactCopies(t *testing.T) {
	ctx, s, o := secondWriter(t)
	if _, err := s.Put(ctx, "b", "plain", []byte("v-plain"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", "ttl", []byte("v-ttl"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", "dropped", []byte("v-dropped"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	o.Set(t, "foreign", []byte("v-foreign"))
	keys := []string{"plain", "ttl", "foreign", "missing"}
	before := map[string]backend.Snapshot{}
	for _, k := range keys[:3] {
		snap, err := s.Snapshot(ctx, "b", k)
		if err != nil {
			t.Fatal(err)
		}
		before[k] = snap
	}
	changes := watchChanges(t, s, "b")

	res, err := s.DeleteKeys(ctx, "b", keys, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.BulkOutcome{backend.BulkChanged, backend.BulkChanged, backend.BulkChanged, backend.BulkGone}
	for i, r := range res {
		if r.Key != keys[i] || r.Outcome != want[i] || r.Err != nil || (r.Kept != nil) != (want[i] == backend.BulkChanged) {
			t.Fatalf("%s: %s (%v) copy %v, want %s", r.Key, r.Outcome, r.Err, r.Kept, want[i])
		}
	}
	other := openAt(t, o.path, Options{ReadOnly: true})
	for _, r := range res[:3] {
		wantHeld(t, o, r.Key, "")
		if _, err := other.Get(ctx, "b", r.Key, backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("a second store reads %s: %v, want ErrNotFound", r.Key, err)
		}
		b, kept := before[r.Key], r.Kept
		if kept.Key != b.Key || string(kept.Value) != string(b.Value) || kept.Version != b.Version ||
			!kept.ExpiresAt.Equal(b.ExpiresAt) || kept.TTL != b.TTL || kept.Size != b.Size {
			t.Errorf("%s: copy %+v, Snapshot read %+v", r.Key, *kept, b)
		}
	}
	other.Close()
	if res[1].Kept.TTL != 10*time.Minute || res[1].Kept.ExpiresAt.IsZero() || !res[0].Kept.ExpiresAt.IsZero() {
		t.Errorf("copies' expiries: plain %v, ttl %v (%s)", res[0].Kept.ExpiresAt, res[1].Kept.ExpiresAt, res[1].Kept.TTL)
	}
	if got := nextChanges(t, changes, 3); got["plain"] != backend.ChangeDelete || got["ttl"] != backend.ChangeDelete || got["foreign"] != backend.ChangeDelete {
		t.Errorf("watchers saw %v, want three deletes", got)
	}

	dropped, err := s.DeleteKeys(ctx, "b", []string{"dropped"}, false)
	if err != nil || dropped[0].Outcome != backend.BulkChanged || dropped[0].Kept != nil {
		t.Fatalf("delete without keep: %v %+v", err, dropped)
	}
	wantHeld(t, o, "dropped", "")
	nextChanges(t, changes, 1)

	back, err := s.RestoreKeys(ctx, "b", []backend.Snapshot{*res[0].Kept, *res[1].Kept, *res[2].Kept})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range back {
		if r.Outcome != backend.BulkChanged || r.Err != nil || r.Kept != nil {
			t.Fatalf("undo of %s: %s (%v)", r.Key, r.Outcome, r.Err)
		}
	}
	for _, k := range keys[:3] {
		wantHeld(t, o, k, "v-"+k)
		e := mustGet(t, s, "b", k)
		if !e.ExpiresAt.Equal(before[k].ExpiresAt) || e.TTL != before[k].TTL {
			t.Errorf("%s after undo: expires %v (TTL %s), want %v (%s)", k, e.ExpiresAt, e.TTL, before[k].ExpiresAt, before[k].TTL)
		}
		if got := expiryIn(t, o.path, "b", k); !got.Equal(before[k].ExpiresAt) {
			t.Errorf("%s after undo: a second store reads expiry %v, want %v", k, got, before[k].ExpiresAt)
		}
	}
	if got := nextChanges(t, changes, 3); got["plain"] != backend.ChangePut || got["ttl"] != backend.ChangePut || got["foreign"] != backend.ChangePut {
		t.Errorf("watchers saw %v, want three puts", got)
	}
}

// The batch is one transaction, so a second writer cannot get between a
// key's copy and its delete: a value another program wrote after the user
// saw the key, but before the batch, is what is deleted and copied. After
// the delete another program writes one key and another kvdeck process
// another: the undo skips both, saying why, and leaves their values.
func TestBulkDeleteSecondWriter(t *testing.T) {
	ctx, s, o := secondWriter(t)
	for _, k := range []string{"a", "b", "c"} {
		if _, err := s.Put(ctx, "b", k, []byte("v-"+k), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	seen := mustGet(t, s, "b", "a")
	o.Set(t, "a", []byte("theirs-a"))
	res, err := s.DeleteKeys(ctx, "b", []string{"a", "b", "c"}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != backend.BulkChanged || r.Kept == nil {
			t.Fatalf("%s: %s (%v)", r.Key, r.Outcome, r.Err)
		}
	}
	// The rewritten bytes no longer bind kvdeck's TTL: the copy has none.
	if a := res[0].Kept; string(a.Value) != "theirs-a" || a.Version == seen.Version || !a.ExpiresAt.IsZero() {
		t.Errorf("a's copy: %q version %s expiring %v; the user saw version %s", a.Value, a.Version, a.ExpiresAt, seen.Version)
	}
	wantHeld(t, o, "a", "")

	o.Set(t, "a", []byte("new-a"))
	proc := openAt(t, o.path, Options{})
	if _, err := proc.Put(ctx, "b", "b", []byte("new-b"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	proc.Close()
	copies := []backend.Snapshot{*res[0].Kept, *res[1].Kept, *res[2].Kept}
	back, err := s.RestoreKeys(ctx, "b", copies)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []backend.BulkOutcome{backend.BulkSkipped, backend.BulkSkipped, backend.BulkChanged} {
		if back[i].Outcome != w {
			t.Errorf("undo of %s: %s (%v), want %s", back[i].Key, back[i].Outcome, back[i].Err, w)
		}
	}
	for _, r := range back[:2] {
		if !errors.Is(r.Err, backend.ErrConflict) || !strings.Contains(r.Err.Error(), "created again") {
			t.Errorf("undo of %s skipped: Err %v, want a conflict saying it was created again", r.Key, r.Err)
		}
	}
	wantHeld(t, o, "a", "new-a")
	wantHeld(t, o, "b", "new-b")
	wantHeld(t, o, "c", "v-c")
	if got := expiryIn(t, o.path, "b", "b"); !got.IsZero() {
		t.Errorf("b: the other process's value got expiry %v", got)
	}
	if got := expiryIn(t, o.path, "b", "c"); !got.Equal(copies[2].ExpiresAt) {
		t.Errorf("c after undo: expires %v, want %v", got, copies[2].ExpiresAt)
	}
}

// A key expired before the delete is Gone; a copy whose expiry passed
// after it is Gone in the undo, and nothing is written.
func TestBulkDeleteExpiredKeysAndCopies(t *testing.T) {
	clock := newClock()
	path, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{Now: clock.Now})
	ctx := context.Background()
	for k, ttl := range map[string]time.Duration{"short": time.Minute, "long": time.Hour} {
		if _, err := s.Put(ctx, "b", k, []byte("v"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: ttl}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.DeleteKeys(ctx, "b", []string{"long"}, true)
	if err != nil || res[0].Outcome != backend.BulkChanged {
		t.Fatalf("delete: %v %+v", err, res)
	}
	clock.Add(2 * time.Hour)
	gone, err := s.DeleteKeys(ctx, "b", []string{"short"}, true)
	if err != nil || gone[0].Outcome != backend.BulkGone || gone[0].Kept != nil {
		t.Fatalf("delete of an expired key: %v %+v", err, gone)
	}
	back, err := s.RestoreKeys(ctx, "b", []backend.Snapshot{*res[0].Kept})
	if err != nil || back[0].Outcome != backend.BulkGone {
		t.Fatalf("undo of an expired copy: %v %+v", err, back)
	}
	if _, ok := rawGet(t, path, "b", "long"); ok {
		t.Fatal("an expired copy was written back")
	}
}

// With keep, a value over maxSnapshotBytes is Skipped, saying it is too
// large to keep a copy of, and stays; without keep it is deleted.
func TestBulkDeleteTooLargeToKeep(t *testing.T) {
	ctx, s, o := secondWriter(t)
	big := make([]byte, maxSnapshotBytes+1)
	if _, err := s.Put(ctx, "b", "big", big, backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", "small", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.DeleteKeys(ctx, "b", []string{"big", "small"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Outcome != backend.BulkSkipped || r.Kept != nil || !errors.Is(r.Err, backend.ErrUnsupported) || !strings.Contains(r.Err.Error(), "too large to keep a copy") {
		t.Errorf("big with keep: %s copy %v, Err %v", r.Outcome, r.Kept != nil, r.Err)
	}
	if res[1].Outcome != backend.BulkChanged || res[1].Kept == nil {
		t.Errorf("small with keep: %+v", res[1])
	}
	if v, ok := rawGet(t, o.path, "b", "big"); !ok || len(v) != len(big) {
		t.Fatalf("big after a skipped delete: %d bytes (present %v)", len(v), ok)
	}
	res, err = s.DeleteKeys(ctx, "b", []string{"big"}, false)
	if err != nil || res[0].Outcome != backend.BulkChanged || res[0].Err != nil {
		t.Fatalf("big without keep: %v %+v", err, res)
	}
	wantHeld(t, o, "big", "")
}

func TestBulkDeleteRefusedReadOnly(t *testing.T) {
	path, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{})
	ctx := context.Background()
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := openAt(t, path, Options{ReadOnly: true})
	if _, err := ro.DeleteKeys(ctx, "b", []string{"k"}, true); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only DeleteKeys: %v", err)
	}
	if _, err := ro.RestoreKeys(ctx, "b", []backend.Snapshot{{Key: "gone", Value: []byte("v")}}); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only RestoreKeys: %v", err)
	}
	ro.Close()
	wantHeld(t, rawOther{path: path, bucket: "b"}, "k", "v")
	wantHeld(t, rawOther{path: path, bucket: "b"}, "gone", "")
	rw := openAt(t, path, Options{})
	if _, err := rw.DeleteKeys(ctx, "nope", []string{"k"}, true); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a missing bucket: %v, want ErrNotFound", err)
	}
}
