package nats

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// storedExpiry is a key's expiry instant as nats.go reads its latest
// message: its Nats-TTL header from the message's time, or the bucket's
// maxAge; zero for none.
func storedExpiry(t *testing.T, o *otherKV, key string, maxAge time.Duration) (time.Time, *jetstream.RawStreamMsg) {
	t.Helper()
	m := o.last(t, key)
	return expiresAt(m.Header, m.Time, maxAge), m
}

// Each mode and condition over keys without a TTL, with a short one (10m)
// and a long one (10h), a deleted key and a missing one, for a TTL of 1h,
// in a bucket with per-key TTLs: each outcome, the message nats.go reads
// after (its Nats-TTL header, its value, the revision), and the undo
// putting each previous expiry back to the second.
func TestBulkExpiryModesAndConditions(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	o := newOther(t, srv.URL(), bucket)
	ctx := testContext(t)
	C, S := backend.BulkChanged, backend.BulkSkipped
	for _, tc := range []struct {
		name              string
		op                backend.ExpireOp
		none, short, long backend.BulkOutcome
	}{
		{"set", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour}, C, C, C},
		{"set NX", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireNX}, C, S, S},
		{"set GT", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireGT}, S, C, S},
		{"set LT", backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireLT}, C, S, C},
		{"refresh", backend.ExpireOp{Mode: backend.ExpireRefresh, TTL: time.Hour}, S, C, C},
		{"persist", backend.ExpireOp{Mode: backend.ExpirePersist}, S, C, C},
	} {
		o.Set(t, "none", []byte("v-none"))
		o.setTTL(t, "short", "v-short", 10*time.Minute)
		o.setTTL(t, "long", "v-long", 10*time.Hour)
		o.Set(t, "deleted", []byte("x"))
		o.Delete(t, "deleted")
		keys := []string{"none", "short", "long", "deleted", "missing"}
		want := []backend.BulkOutcome{tc.none, tc.short, tc.long, backend.BulkGone, backend.BulkGone}
		before := map[string]time.Time{}
		seqs := map[string]uint64{}
		for _, k := range keys[:3] {
			at, m := storedExpiry(t, o, k, 0)
			before[k], seqs[k] = at, m.Sequence
		}
		start := time.Now()
		res, err := s.ExpireKeys(ctx, bucket, keys, tc.op)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, r := range res {
			if r.Key != keys[i] || r.Outcome != want[i] || r.Err != nil {
				t.Fatalf("%s: %s: %s (%v), want %s", tc.name, r.Key, r.Outcome, r.Err, want[i])
			}
			if r.Outcome == backend.BulkGone {
				continue
			}
			at, m := storedExpiry(t, o, r.Key, 0)
			if string(m.Data) != "v-"+r.Key {
				t.Errorf("%s: %s holds %q", tc.name, r.Key, m.Data)
			}
			if !r.Prev.Equal(before[r.Key]) {
				t.Errorf("%s: %s: Prev %v, want %v", tc.name, r.Key, r.Prev, before[r.Key])
			}
			ttl, _, hasTTL := keyTTL(m.Header)
			switch {
			case r.Outcome == S:
				if m.Sequence != seqs[r.Key] {
					t.Errorf("%s: %s skipped, but rewritten (revision %d, was %d)", tc.name, r.Key, m.Sequence, seqs[r.Key])
				}
			case r.Version != revisionOf(m.Sequence, nil):
				t.Errorf("%s: %s: Version %s, the latest revision is %d", tc.name, r.Key, r.Version, m.Sequence)
			case tc.op.Mode == backend.ExpirePersist:
				if hasTTL || !at.IsZero() || !r.Set.IsZero() {
					t.Errorf("%s: %s persisted, but Nats-TTL %q, Set %v", tc.name, r.Key, m.Header.Get(jetstream.MsgTTLHeader), r.Set)
				}
			default:
				if ttl != time.Hour {
					t.Errorf("%s: %s: Nats-TTL %q, want 1h", tc.name, r.Key, m.Header.Get(jetstream.MsgTTLHeader))
				}
				if d := r.Set.Sub(at); d < -2*time.Second || d > 2*time.Second {
					t.Errorf("%s: %s: Set %v, the server's expiry %v", tc.name, r.Key, r.Set, at)
				}
				if d := r.Set.Sub(start); d < time.Hour || d > time.Hour+2*time.Second {
					t.Errorf("%s: %s: Set in %s, want 1h", tc.name, r.Key, d)
				}
			}
		}
		var undo []backend.ExpiryUndo
		for _, r := range res {
			if r.Outcome == C {
				undo = append(undo, r.Undo())
			}
		}
		back, err := s.RestoreExpiry(ctx, bucket, undo)
		if err != nil {
			t.Fatalf("%s: undo: %v", tc.name, err)
		}
		for _, r := range back {
			if r.Outcome != C {
				t.Errorf("%s: undo of %s: %s (%v)", tc.name, r.Key, r.Outcome, r.Err)
			}
		}
		for _, k := range keys[:3] {
			at, m := storedExpiry(t, o, k, 0)
			if string(m.Data) != "v-"+k {
				t.Errorf("%s: %s holds %q after undo", tc.name, k, m.Data)
			}
			// The time left is written in whole seconds, rounded up.
			if d := at.Sub(before[k]); before[k].IsZero() != at.IsZero() || d < 0 || d > 2*time.Second {
				t.Errorf("%s: %s after undo: expires %v, want %v", tc.name, k, at, before[k])
			}
		}
	}
}

// In a bucket with a TTL (1h) every key has an expiry, from the bucket or
// its own, except keys marked never: persist marks keys never, NX touches
// only the never ones, and a TTL longer than the bucket's is refused.
func TestBulkExpiryInABucketWithATTL(t *testing.T) {
	t.Parallel()
	srv, s, _ := startStore(t)
	ctx := testContext(t)
	const maxAge = time.Hour
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "cache", TTL: maxAge, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	o := newOther(t, srv.URL(), "cache")
	o.Set(t, "a", []byte("a"))
	o.setTTL(t, "b", "b", 10*time.Minute)
	res, err := s.ExpireKeys(ctx, "cache", []string{"a", "b"}, backend.ExpireOp{Mode: backend.ExpirePersist})
	if err != nil || res[0].Outcome != backend.BulkChanged || res[1].Outcome != backend.BulkChanged {
		t.Fatalf("persist: %v %+v", err, res)
	}
	for _, k := range []string{"a", "b"} {
		if at, m := storedExpiry(t, o, k, maxAge); !at.IsZero() || m.Header.Get(jetstream.MsgTTLHeader) != "never" {
			t.Errorf("%s persisted: Nats-TTL %q, expires %v", k, m.Header.Get(jetstream.MsgTTLHeader), at)
		}
	}
	if res[0].Prev.IsZero() {
		t.Error("a key in a bucket with a TTL had no expiry before")
	}
	o.Set(t, "c", []byte("c")) // the bucket's TTL
	nx, err := s.ExpireKeys(ctx, "cache", []string{"a", "c"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: 30 * time.Minute, Cond: backend.ExpireNX})
	if err != nil || nx[0].Outcome != backend.BulkChanged || nx[1].Outcome != backend.BulkSkipped {
		t.Fatalf("NX: %v %+v", err, nx)
	}
	// Undo of the persist: each key's expiry comes back as the time left.
	back, err := s.RestoreExpiry(ctx, "cache", []backend.ExpiryUndo{nx[0].Undo(), res[1].Undo()})
	if err != nil || back[0].Outcome != backend.BulkChanged || back[1].Outcome != backend.BulkChanged {
		t.Fatalf("undo: %v %+v", err, back)
	}
	if at, _ := storedExpiry(t, o, "a", maxAge); !at.IsZero() {
		t.Errorf("a after the undo of NX: expires %v, want never", at)
	}
	if at, _ := storedExpiry(t, o, "b", maxAge); at.Sub(res[1].Prev) < 0 || at.Sub(res[1].Prev) > 2*time.Second {
		t.Errorf("b after undo: expires %v, want %v", at, res[1].Prev)
	}
	_, err = s.ExpireKeys(ctx, "cache", []string{"a"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: 2 * time.Hour})
	wantErr(t, err, backend.ErrInvalid, "a TTL longer than the bucket's")
}

// Without per-key TTLs the whole op is refused with the reason; persist
// is refused where the bucket's TTL expires every key.
func TestBulkExpiryNeedsPerKeyTTL(t *testing.T) {
	t.Parallel()
	_, s, _ := startStore(t)
	ctx := testContext(t)
	for _, cfg := range []backend.BucketConfig{{Name: "plain", History: 3}, {Name: "aged", TTL: time.Hour}} {
		if err := s.CreateBucket(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		mustPut(t, s, cfg.Name, "k", "v", backend.PutOptions{})
	}
	_, err := s.ExpireKeys(ctx, "plain", []string{"k"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour})
	wantErr(t, err, backend.ErrUnsupported, "a TTL in a bucket without per-key TTLs")
	if err == nil || !containsAll(err.Error(), "plain", "per-key TTL") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	res, err := s.ExpireKeys(ctx, "plain", []string{"k"}, backend.ExpireOp{Mode: backend.ExpirePersist})
	if err != nil || res[0].Outcome != backend.BulkSkipped {
		t.Errorf("persist where nothing expires: %v %+v", err, res)
	}
	_, err = s.ExpireKeys(ctx, "aged", []string{"k"}, backend.ExpireOp{Mode: backend.ExpirePersist})
	wantErr(t, err, backend.ErrUnsupported, "persist in a bucket whose TTL expires every key")
	if e := mustGet(t, s, "aged", "k"); e.Revision != 1 && e.Revision != 2 || string(e.Value) != "v" {
		t.Errorf("aged/k after a refused persist: %+v", e)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// A second writer (nats.go) changes keys between kvdeck's read and its
// write, in ExpireKeys and in RestoreExpiry: a put over one key, a delete
// of another. Those are Skipped and Gone, and what nats.go wrote is what
// the server holds; the undo of keys changed after ExpireKeys skips them.
func TestBulkExpirySecondWriter(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	o := newOther(t, srv.URL(), bucket)
	ctx := testContext(t)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		o.Set(t, k, []byte("v-"+k))
	}
	var once sync.Map
	s.afterExpiryRead = func(key string) {
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
	res, err := s.ExpireKeys(ctx, bucket, []string{"a", "b", "c", "d", "e"}, backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.BulkOutcome{backend.BulkSkipped, backend.BulkGone, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
		}
	}
	if m := o.last(t, "a"); string(m.Data) != "theirs-a" || m.Header.Get(jetstream.MsgTTLHeader) != "" {
		t.Errorf("a: nats.go's value became %q with Nats-TTL %q", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}
	if _, ok := o.Get(t, "b"); ok {
		t.Error("b: the key nats.go deleted came back")
	}

	// After ExpireKeys, nats.go changes c's TTL; during the undo it
	// rewrites d between kvdeck's read and write. Only e is undone.
	theirs := o.setTTL(t, "c", "theirs-c", 5*time.Minute)
	s.afterExpiryRead = func(key string) {
		if key == "d" {
			o.Set(t, "d", []byte("theirs-d"))
		}
	}
	back, err := s.RestoreExpiry(ctx, bucket, []backend.ExpiryUndo{res[2].Undo(), res[3].Undo(), res[4].Undo()})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []backend.BulkOutcome{backend.BulkSkipped, backend.BulkSkipped, backend.BulkChanged} {
		if back[i].Outcome != w {
			t.Errorf("undo of %s: %s, want %s", back[i].Key, back[i].Outcome, w)
		}
	}
	if m := o.last(t, "c"); m.Sequence != theirs || m.Header.Get(jetstream.MsgTTLHeader) != "5m0s" {
		t.Errorf("c: nats.go's revision %d with its TTL became %d with %q", theirs, m.Sequence, m.Header.Get(jetstream.MsgTTLHeader))
	}
	if m := o.last(t, "d"); string(m.Data) != "theirs-d" || m.Header.Get(jetstream.MsgTTLHeader) != "" {
		t.Errorf("d: nats.go's value became %q with Nats-TTL %q", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}
	if m := o.last(t, "e"); string(m.Data) != "v-e" || m.Header.Get(jetstream.MsgTTLHeader) != "" {
		t.Errorf("e after undo: %q with Nats-TTL %q", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}

	// An undo without the revision is refused for that key.
	s.afterExpiryRead = nil
	back, err = s.RestoreExpiry(ctx, bucket, []backend.ExpiryUndo{{Key: "e", Prev: time.Now().Add(time.Hour)}})
	if err != nil || back[0].Outcome != backend.BulkFailed || !errors.Is(back[0].Err, backend.ErrInvalid) {
		t.Errorf("undo without a version: %v %+v", err, back)
	}
}

func TestBulkExpiryRefusedReadOnly(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	mustPut(t, s, bucket, "k", "v", backend.PutOptions{})
	ro := openURL(t, srv.URL(), true)
	ctx := testContext(t)
	_, err := ro.ExpireKeys(ctx, bucket, []string{"k"}, backend.ExpireOp{TTL: time.Hour})
	wantErr(t, err, backend.ErrReadOnly, "read-only ExpireKeys")
	_, err = ro.RestoreExpiry(ctx, bucket, []backend.ExpiryUndo{{Key: "k", Version: "1"}})
	wantErr(t, err, backend.ErrReadOnly, "read-only RestoreExpiry")
	if e := mustGet(t, s, bucket, "k"); e.Revision != 1 || !e.ExpiresAt.IsZero() {
		t.Errorf("after refused writes: %+v", e)
	}
}

// Many keys at once: the bounded parallelism keeps every result in its
// key's place.
func TestBulkExpiryManyKeys(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	items := make([]backend.Item, 500)
	keys := make([]string, len(items))
	for i := range items {
		keys[i] = "k" + revisionOf(uint64(i), nil)
		items[i] = backend.Item{Key: keys[i], Value: []byte("v")}
		if i%2 == 0 {
			items[i].TTL = time.Minute
		}
	}
	if err := s.PutMany(ctx, bucket, items); err != nil {
		t.Fatal(err)
	}
	res, err := s.ExpireKeys(ctx, bucket, keys, backend.ExpireOp{Mode: backend.ExpireSet, TTL: time.Hour, Cond: backend.ExpireNX})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := backend.BulkChanged
		if i%2 == 0 {
			want = backend.BulkSkipped
		}
		if r.Key != keys[i] || r.Outcome != want {
			t.Fatalf("%d: %s %s, want %s %s", i, r.Key, r.Outcome, keys[i], want)
		}
	}
}
