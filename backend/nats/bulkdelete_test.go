package nats

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// wantAbsent checks with nats.go's KeyValue that key has no value.
func wantAbsent(t *testing.T, o *otherKV, key string) {
	t.Helper()
	if e, err := o.kv.Get(testContext(t), key); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("nats.go Get(%s): %v (entry %v), want ErrKeyNotFound", key, err, e)
	}
}

// A bulk delete with keep of a key without a TTL, one with a per-key TTL,
// a deleted key and a missing one: the outcomes, the keys gone as nats.go
// reads them, each copy exactly the deleted revision (value, revision,
// expiry, TTL); a delete without keep deletes and keeps nothing. The undo
// puts each value back with its expiry to the second.
func TestBulkDeleteKeepsExactCopies(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	o.Set(t, "plain", []byte("v-plain"))
	o.setTTL(t, "ttl", "v-ttl", 10*time.Minute)
	o.Set(t, "deleted", []byte("x"))
	o.Delete(t, "deleted")
	o.Set(t, "dropped", []byte("v-dropped"))
	before := map[string]*jetstream.RawStreamMsg{"plain": o.last(t, "plain"), "ttl": o.last(t, "ttl")}

	keys := []string{"plain", "ttl", "deleted", "missing"}
	res, err := s.DeleteKeys(ctx, bucket, keys, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.BulkOutcome{backend.BulkChanged, backend.BulkChanged, backend.BulkGone, backend.BulkGone}
	for i, r := range res {
		if r.Key != keys[i] || r.Outcome != want[i] || r.Err != nil {
			t.Fatalf("%s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
		}
		if (r.Kept != nil) != (r.Outcome == backend.BulkChanged) {
			t.Errorf("%s: %s with copy %v", r.Key, r.Outcome, r.Kept)
		}
	}
	for _, r := range res[:2] {
		wantAbsent(t, o, r.Key)
		m, kept := before[r.Key], r.Kept
		if kept.Key != r.Key || string(kept.Value) != "v-"+r.Key || kept.Size != int64(len(kept.Value)) {
			t.Errorf("%s: copy %q (%d bytes) of key %q", r.Key, kept.Value, kept.Size, kept.Key)
		}
		if kept.Version != revisionOf(m.Sequence, nil) {
			t.Errorf("%s: copy of version %s, the deleted revision is %d", r.Key, kept.Version, m.Sequence)
		}
		if at := expiresAt(m.Header, m.Time, 0); !kept.ExpiresAt.Equal(at) {
			t.Errorf("%s: copy expires %v, the deleted revision %v", r.Key, kept.ExpiresAt, at)
		}
	}
	if res[0].Kept.TTL != 0 || !res[0].Kept.ExpiresAt.IsZero() || res[1].Kept.TTL != 10*time.Minute {
		t.Errorf("copies' TTLs: %s and %s, want none and 10m", res[0].Kept.TTL, res[1].Kept.TTL)
	}

	dropped, err := s.DeleteKeys(ctx, bucket, []string{"dropped"}, false)
	if err != nil || dropped[0].Outcome != backend.BulkChanged || dropped[0].Kept != nil {
		t.Fatalf("delete without keep: %v %+v", err, dropped)
	}
	wantAbsent(t, o, "dropped")

	back, err := s.RestoreKeys(ctx, bucket, []backend.Snapshot{*res[0].Kept, *res[1].Kept})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range back {
		if r.Outcome != backend.BulkChanged || r.Err != nil {
			t.Fatalf("undo of %s: %s (%v)", r.Key, r.Outcome, r.Err)
		}
	}
	for _, k := range []string{"plain", "ttl"} {
		wantValue(t, o, k, "v-"+k)
		at, _ := storedExpiry(t, o, k, 0)
		// The time left is written in whole seconds, rounded up.
		if was := expiresAt(before[k].Header, before[k].Time, 0); was.IsZero() != at.IsZero() || at.Sub(was) < 0 || at.Sub(was) > time.Second+500*time.Millisecond {
			t.Errorf("%s after undo: expires %v, want %v", k, at, was)
		}
	}
}

// A second writer (nats.go) rewrites one key and deletes another between
// kvdeck's read and its delete: the rewritten key is Skipped, saying it
// changed, and keeps nats.go's value; the deleted one is Gone. In the
// undo, a key nats.go wrote again before it, or between its read and its
// write, is Skipped with nats.go's value intact; the others come back.
func TestBulkDeleteSecondWriter(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	keys := []string{"a", "b", "c", "d", "e", "f"}
	for _, k := range keys {
		o.Set(t, k, []byte("v-"+k))
	}
	var once sync.Map
	s.afterDeleteRead = func(key string) {
		if _, done := once.LoadOrStore(key, true); done {
			return
		}
		switch key {
		case "a":
			o.Set(t, "a", []byte("theirs-a"))
		case "b":
			o.Delete(t, "b")
		}
	}
	res, err := s.DeleteKeys(ctx, bucket, keys, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.BulkOutcome{backend.BulkSkipped, backend.BulkGone, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
		}
	}
	if res[0].Kept != nil || !errors.Is(res[0].Err, backend.ErrConflict) || !strings.Contains(res[0].Err.Error(), "changed since") {
		t.Errorf("a, rewritten meanwhile: copy %v, Err %v", res[0].Kept, res[0].Err)
	}
	wantValue(t, o, "a", "theirs-a")
	wantAbsent(t, o, "b")

	// After the delete nats.go writes d; during the undo it writes e
	// between kvdeck's read and its write.
	o.Set(t, "d", []byte("theirs-d"))
	s.afterDeleteRead = func(key string) {
		if key == "e" {
			o.Set(t, "e", []byte("theirs-e"))
		}
	}
	var copies []backend.Snapshot
	for _, r := range res[2:] {
		copies = append(copies, *r.Kept)
	}
	back, err := s.RestoreKeys(ctx, bucket, copies)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []backend.BulkOutcome{backend.BulkChanged, backend.BulkSkipped, backend.BulkSkipped, backend.BulkChanged} {
		if back[i].Outcome != w {
			t.Errorf("undo of %s: %s (%v), want %s", back[i].Key, back[i].Outcome, back[i].Err, w)
		}
	}
	wantValue(t, o, "c", "v-c")
	wantValue(t, o, "d", "theirs-d")
	wantValue(t, o, "e", "theirs-e")
	wantValue(t, o, "f", "v-f")
	if m := o.last(t, "e"); m.Header.Get(jetstream.MsgTTLHeader) != "" {
		t.Errorf("e: nats.go's value got Nats-TTL %q", m.Header.Get(jetstream.MsgTTLHeader))
	}
}

// A copy whose expiry passed after the delete is Gone in the undo, and
// nothing is written.
func TestBulkDeleteUndoOfAnExpiredCopy(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	o.setTTL(t, "k", "v", time.Second)
	res, err := s.DeleteKeys(ctx, bucket, []string{"k"}, true)
	if err != nil || res[0].Outcome != backend.BulkChanged || res[0].Kept == nil || res[0].Kept.ExpiresAt.IsZero() {
		t.Fatalf("delete: %v %+v", err, res)
	}
	time.Sleep(time.Until(res[0].Kept.ExpiresAt) + 10*time.Millisecond)
	seq := o.last(t, "k").Sequence
	back, err := s.RestoreKeys(ctx, bucket, []backend.Snapshot{*res[0].Kept})
	if err != nil || back[0].Outcome != backend.BulkGone {
		t.Fatalf("undo of an expired copy: %v %+v", err, back)
	}
	wantAbsent(t, o, "k")
	if m := o.last(t, "k"); m.Sequence != seq {
		t.Errorf("undo of an expired copy wrote revision %d", m.Sequence)
	}
}

func TestBulkDeleteRefusedReadOnly(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	mustPut(t, s, bucket, "k", "v", backend.PutOptions{})
	ro := openURL(t, srv.URL(), true)
	ctx := testContext(t)
	_, err := ro.DeleteKeys(ctx, bucket, []string{"k"}, true)
	wantErr(t, err, backend.ErrReadOnly, "read-only DeleteKeys")
	_, err = ro.RestoreKeys(ctx, bucket, []backend.Snapshot{{Key: "gone", Value: []byte("v")}})
	wantErr(t, err, backend.ErrReadOnly, "read-only RestoreKeys")
	if e := mustGet(t, s, bucket, "k"); e.Revision != 1 || string(e.Value) != "v" {
		t.Errorf("after refused writes: %+v", e)
	}
	if _, err := s.Get(ctx, bucket, "gone", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a read-only undo wrote gone: %v", err)
	}
}

// A batch cut short (its context cancelled mid-way, as a lost connection
// would) returns the error with every key's result: each key deleted
// carries its copy and is gone; every other key is Failed and still holds
// its value, or was in flight, which the server may have deleted: it
// carries its copy too. Putting every copy back restores every key: the
// ones still there are Skipped, untouched.
func TestBulkDeleteCutShortKeepsWhatItDeleted(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "k" + revisionOf(uint64(i), nil)
		o.Set(t, keys[i], []byte("v-"+keys[i]))
	}
	ctx, cancel := context.WithCancel(testContext(t))
	s.afterDeleteRead = func(key string) {
		if key == "k50" {
			cancel()
		}
	}
	res, err := s.DeleteKeys(ctx, bucket, keys, true)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled batch: %v, want context.Canceled", err)
	}
	s.afterDeleteRead = nil
	var copies []backend.Snapshot
	for i, r := range res {
		switch {
		case r.Key != keys[i]:
			t.Fatalf("result %d is %s, want %s", i, r.Key, keys[i])
		case r.Outcome == backend.BulkChanged && r.Kept != nil:
			wantAbsent(t, o, r.Key)
			copies = append(copies, *r.Kept)
		case r.Outcome == backend.BulkFailed && r.Err != nil && r.Kept != nil:
			copies = append(copies, *r.Kept) // in flight: deleted or not
		case r.Outcome == backend.BulkFailed && r.Err != nil:
			wantValue(t, o, r.Key, "v-"+r.Key)
		default:
			t.Fatalf("%s: %s (%v) copy %v", r.Key, r.Outcome, r.Err, r.Kept)
		}
	}
	if res[50].Outcome != backend.BulkFailed || res[99].Outcome != backend.BulkFailed {
		t.Errorf("k50 %s, k99 %s: want both failed", res[50].Outcome, res[99].Outcome)
	}
	back, err := s.RestoreKeys(testContext(t), bucket, copies)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range back {
		if r.Outcome != backend.BulkChanged && r.Outcome != backend.BulkSkipped ||
			r.Outcome == backend.BulkSkipped && res[slices.Index(keys, r.Key)].Outcome != backend.BulkFailed {
			t.Fatalf("undo of %s (copy %d): %s (%v)", r.Key, i, r.Outcome, r.Err)
		}
	}
	for _, k := range keys {
		wantValue(t, o, k, "v-"+k)
	}
}
