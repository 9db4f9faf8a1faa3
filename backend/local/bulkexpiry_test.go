package local

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// expiryIn reads a key's expiry through a second store on the same file,
// as another kvdeck process would.
func expiryIn(t *testing.T, path, bucket, key string) time.Time {
	t.Helper()
	other := openAt(t, path, Options{ReadOnly: true})
	defer other.Close()
	return mustGet(t, other, bucket, key).ExpiresAt
}

// Each mode and condition over keys without a TTL, with a short one (10m)
// and a long one (10h), and a value another program wrote (no kvdeck
// metadata: no TTL), for a TTL of 1h: the outcome of each key, the expiry
// a second store on the file reads after, and the undo.
func TestBulkExpiryModesAndConditions(t *testing.T) {
	ctx := context.Background()
	C, S := backend.BulkChanged, backend.BulkSkipped
	for _, tc := range []struct {
		name                       string
		op                         backend.ExpireOp
		none, short, long, foreign backend.BulkOutcome
	}{
		{"set", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour}, C, C, C, C},
		{"set NX", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireNX}, C, S, S, C},
		{"set GT", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireGT}, S, C, S, S},
		{"set LT", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireLT}, C, S, C, C},
		{"refresh", backend.ExpireOp{Mode: backend.ExpireRefresh, TTL: time.Hour}, S, C, C, S},
		{"persist", backend.ExpireOp{Mode: backend.ExpirePersist}, S, C, C, S},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{})
			put := func(key string, ttl time.Duration) {
				opts := backend.PutOptions{}
				if ttl > 0 {
					opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: ttl}
				}
				if _, err := s.Put(ctx, "b", key, []byte("v"), opts); err != nil {
					t.Fatal(err)
				}
			}
			put("none", 0)
			put("short", 10*time.Minute)
			put("long", 10*time.Hour)
			rawOther{path: path, bucket: "b"}.Set(t, "foreign", []byte("theirs"))
			keys := []string{"none", "short", "long", "foreign", "missing"}
			want := []backend.BulkOutcome{tc.none, tc.short, tc.long, tc.foreign, backend.BulkGone}
			before := map[string]time.Time{}
			for _, k := range keys[:4] {
				before[k] = expiryIn(t, path, "b", k)
			}
			start := time.Now()
			res, err := s.ExpireKeys(ctx, "b", keys, tc.op)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Key != keys[i] || r.Outcome != want[i] || r.Err != nil {
					t.Fatalf("%s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
				}
				if r.Outcome == backend.BulkGone {
					continue
				}
				got := expiryIn(t, path, "b", r.Key)
				if !r.Prev.Equal(before[r.Key]) || !r.Set.Equal(got) {
					t.Errorf("%s: Prev %v Set %v; before %v, now %v", r.Key, r.Prev, r.Set, before[r.Key], got)
				}
				switch {
				case r.Outcome == S && !got.Equal(before[r.Key]):
					t.Errorf("%s: skipped, but its expiry moved", r.Key)
				case r.Outcome == C && tc.op.Mode == backend.ExpirePersist && !got.IsZero():
					t.Errorf("%s: persisted, but expires %v", r.Key, got)
				case r.Outcome == C && tc.op.Mode != backend.ExpirePersist:
					if d := got.Sub(start); d < time.Hour-time.Millisecond || d > time.Hour+5*time.Second {
						t.Errorf("%s: expires in %s, want 1h", r.Key, d)
					}
				}
			}
			var undo []backend.ExpiryUndo
			for _, r := range res {
				if r.Outcome == C {
					undo = append(undo, r.Undo())
				}
			}
			back, err := s.RestoreExpiry(ctx, "b", undo)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range back {
				if r.Outcome != C {
					t.Errorf("undo of %s: %s", r.Key, r.Outcome)
				}
			}
			for _, k := range keys[:4] {
				if got := expiryIn(t, path, "b", k); !got.Equal(before[k]) {
					t.Errorf("%s after undo: expires %v, want %v", k, got, before[k])
				}
			}
			wantHeld(t, rawOther{path: path, bucket: "b"}, "foreign", "theirs")
		})
	}
}

// Between ExpireKeys and RestoreExpiry another kvdeck process sets a key's
// TTL and writes a new value keeping another's TTL, another program
// rewrites a key and deletes one more: undo skips them (Gone for the
// deleted one) and their data stays, read with plain bbolt and a second
// store; the untouched key gets its TTL back.
func TestBulkExpiryUndoSkipsKeysChangedMeanwhile(t *testing.T) {
	ctx, s, o := secondWriter(t)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if _, err := s.Put(ctx, "b", k, []byte("v-"+k), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.ExpireKeys(ctx, "b", []string{"a", "b", "c", "d", "e"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other := openAt(t, o.path, Options{})
	if err := other.Expire(ctx, "b", "a", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	theirs := mustGet(t, other, "b", "a").ExpiresAt
	if _, err := other.Put(ctx, "b", "e", []byte("theirs-e"), backend.PutOptions{TTLMode: backend.TTLKeep}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	o.Set(t, "b", []byte("rewritten"))
	o.Delete(t, "c")

	undo := make([]backend.ExpiryUndo, len(res))
	for i, r := range res {
		undo[i] = r.Undo()
	}
	back, err := s.RestoreExpiry(ctx, "b", undo)
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.BulkOutcome{backend.BulkSkipped, backend.BulkSkipped, backend.BulkGone, backend.BulkChanged, backend.BulkSkipped}
	for i, r := range back {
		if r.Outcome != want[i] {
			t.Errorf("undo of %s: %s, want %s", r.Key, r.Outcome, want[i])
		}
	}
	if got := expiryIn(t, o.path, "b", "a"); !got.Equal(theirs) {
		t.Errorf("a: the other process's expiry %v became %v", theirs, got)
	}
	wantHeld(t, o, "b", "rewritten")
	if got := expiryIn(t, o.path, "b", "b"); !got.IsZero() {
		t.Errorf("b: the rewritten value got an expiry %v", got)
	}
	wantHeld(t, o, "c", "")
	if got := expiryIn(t, o.path, "b", "d"); !got.IsZero() {
		t.Errorf("d: undo left expiry %v", got)
	}
	wantHeld(t, o, "e", "theirs-e")
	if got := expiryIn(t, o.path, "b", "e"); !got.Equal(res[4].Set) {
		t.Errorf("e: the other process's value kept expiry %v, now %v", res[4].Set, got)
	}

	// A key deleted before the bulk action is gone, not re-created.
	res, err = s.ExpireKeys(ctx, "b", []string{"c"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Minute})
	if err != nil || res[0].Outcome != backend.BulkGone {
		t.Fatalf("a deleted key: %v %+v", err, res)
	}
	wantHeld(t, o, "c", "")
}

// An undo whose previous expiry has passed applies it: the key expires at
// once, as it would have without the bulk action.
func TestBulkExpiryUndoOfAPassedExpiry(t *testing.T) {
	clock := newClock()
	_, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{Now: clock.Now})
	ctx := context.Background()
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	res, err := s.ExpireKeys(ctx, "b", []string{"k"}, backend.ExpireOp{Mode: backend.ExpirePersist})
	if err != nil || res[0].Outcome != backend.BulkChanged {
		t.Fatalf("persist: %v %+v", err, res)
	}
	clock.Add(2 * time.Minute)
	back, err := s.RestoreExpiry(ctx, "b", []backend.ExpiryUndo{res[0].Undo()})
	if err != nil || back[0].Outcome != backend.BulkChanged {
		t.Fatalf("undo: %v %+v", err, back)
	}
	if _, err := s.Get(ctx, "b", "k", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a key restored past its expiry: %v, want ErrNotFound", err)
	}
}

func TestBulkExpiryRefusedReadOnly(t *testing.T) {
	path, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{})
	ctx := context.Background()
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := openAt(t, path, Options{ReadOnly: true})
	if _, err := ro.ExpireKeys(ctx, "b", []string{"k"}, backend.ExpireOp{TTL: time.Hour}); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only ExpireKeys: %v", err)
	}
	if _, err := ro.RestoreExpiry(ctx, "b", []backend.ExpiryUndo{{Key: "k", Prev: time.Now().Add(time.Hour)}}); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only RestoreExpiry: %v", err)
	}
	if got := mustGet(t, ro, "b", "k").ExpiresAt; !got.IsZero() {
		t.Fatalf("a read-only store set expiry %v", got)
	}
	ro.Close()
	rw := openAt(t, path, Options{})
	if _, err := rw.ExpireKeys(ctx, "nope", []string{"k"}, backend.ExpireOp{TTL: time.Hour}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a missing bucket: %v, want ErrNotFound", err)
	}
}
