package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Run runs the whole conformance suite.
func Run(t *testing.T, h Harness) {
	if h.TTLGranularity < time.Second {
		h.TTLGranularity = time.Second
	}
	t.Run("Listing", func(t *testing.T) { testListing(t, h) })
	t.Run("ListingCancel", func(t *testing.T) { testListingCancel(t, h) })
	t.Run("GetPutDelete", func(t *testing.T) { testGetPutDelete(t, h) })
	t.Run("Conflicts", func(t *testing.T) { testConflicts(t, h) })
	t.Run("TTL", func(t *testing.T) { testTTL(t, h) })
	t.Run("EditKeepsTTL", func(t *testing.T) { testEditKeepsTTL(t, h) })
	t.Run("ReadOnly", func(t *testing.T) { testReadOnly(t, h) })
	t.Run("UnusualKeys", func(t *testing.T) { testUnusualKeys(t, h) })
	t.Run("UnusualValues", func(t *testing.T) { testUnusualValues(t, h) })
	t.Run("Capabilities", func(t *testing.T) { testCapabilities(t, h) })
	t.Run("SecondWriter", func(t *testing.T) { testSecondWriter(t, h) })
	t.Run("Unchanged", func(t *testing.T) { testUnchanged(t, h) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fresh opens a writable handle on a fresh environment.
func fresh(t *testing.T, h Harness) (backend.Store, func(bool) backend.Store, string) {
	t.Helper()
	open, bucket := h.New(t)
	s := open(false)
	t.Cleanup(func() { s.Close() })
	return s, open, bucket
}

func put(t *testing.T, s backend.Store, bucket, key, value string, opts backend.PutOptions) {
	t.Helper()
	if _, err := s.Put(ctxT(t), bucket, key, []byte(value), opts); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// list lists the keys matching pattern in small batches, so that a listing
// of more than a few keys spans several.
func list(t *testing.T, s backend.Store, bucket, pattern string) []string {
	t.Helper()
	return listQuery(t, s, bucket, backend.Query{Pattern: pattern, BatchSize: 7})
}

func load(t *testing.T, s backend.Store, bucket string, keys []string) {
	t.Helper()
	if bl, ok := s.(backend.BulkLoader); ok {
		items := make([]backend.Item, len(keys))
		for i, k := range keys {
			items[i] = backend.Item{Key: k, Value: []byte("v-" + k)}
		}
		if err := bl.PutMany(ctxT(t), bucket, items); err != nil {
			t.Fatalf("PutMany: %v", err)
		}
		return
	}
	for _, k := range keys {
		put(t, s, bucket, k, "v-"+k, backend.PutOptions{})
	}
}

func testListing(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	if got := list(t, s, bucket, ""); len(got) != 0 {
		t.Fatalf("an empty bucket listed %d keys", len(got))
	}
	var all, users []string
	for i := range 1000 {
		u := fmt.Sprintf("user.%d.profile", i)
		users = append(users, u)
		all = append(all, u, fmt.Sprintf("session.%d", i))
	}
	for i := range 500 {
		all = append(all, fmt.Sprintf("flag.f%d", i))
	}
	load(t, s, bucket, all)
	sort.Strings(all)
	sort.Strings(users)
	got := list(t, s, bucket, "")
	if !equal(got, all) {
		t.Fatalf("listing all keys returned %d keys (want %d) — missing or duplicated keys would show a wrong count to the user", len(got), len(all))
	}
	got = list(t, s, bucket, h.PrefixPattern("user."))
	if !equal(got, users) {
		t.Fatalf("pattern %q listed %d keys, want %d", h.PrefixPattern("user."), len(got), len(users))
	}
	// A type filter: every key here is a string, so a filter on strings
	// lists them all and one on another type lists only keys of that type
	// (none, on a store without collections).
	if got := listQuery(t, s, bucket, backend.Query{Type: backend.KindString}); !equal(got, all) {
		t.Fatalf("a filter on strings listed %d keys, want %d", len(got), len(all))
	}
	if c, ok := s.(backend.Collections); ok {
		for _, k := range []struct {
			kind backend.Kind
			el   backend.Element
		}{{backend.KindHash, backend.Element{Field: "f", Value: []byte("v")}}, {backend.KindList, backend.Element{Value: []byte("v")}},
			{backend.KindSet, backend.Element{Value: []byte("v")}}, {backend.KindZSet, backend.Element{Value: []byte("v"), Score: 1}},
			{backend.KindStream, backend.Element{Fields: []backend.Field{{Name: "f", Value: "v"}}}}} {
			if _, err := c.CreateKey(ctxT(t), bucket, "typed."+k.kind.String(), k.kind, k.el, 0); err != nil {
				t.Fatalf("CreateKey(%s): %v", k.kind, err)
			}
		}
	}
	for _, kind := range []backend.Kind{backend.KindHash, backend.KindList, backend.KindSet, backend.KindZSet, backend.KindStream} {
		var want []string
		if _, ok := s.(backend.Collections); ok {
			want = []string{"typed." + kind.String()}
		}
		if got := listQuery(t, s, bucket, backend.Query{Type: kind}); !equal(got, want) {
			t.Fatalf("a filter on %s listed %v, want %v", kind, got, want)
		}
	}
	boom := errors.New("consumer gave up")
	err := s.Keys(ctxT(t), bucket, backend.Query{}, func([]backend.KeyInfo) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("an error returned by emit came back as %v", err)
	}
}

// listQuery lists every key q selects, sorted. It keeps the batches as
// emitted and reads them only at the end, as the model does: a driver that
// reused a batch after emit would show here as lost or repeated keys.
func listQuery(t *testing.T, s backend.Store, bucket string, q backend.Query) []string {
	t.Helper()
	var batches [][]backend.KeyInfo
	err := s.Keys(ctxT(t), bucket, q, func(b []backend.KeyInfo) error {
		if len(b) == 0 {
			t.Error("Keys emitted an empty batch")
		}
		batches = append(batches, b)
		return nil
	})
	if err != nil {
		t.Fatalf("Keys(%+v): %v", q, err)
	}
	var out []string
	for _, b := range batches {
		for _, k := range b {
			out = append(out, k.Name)
		}
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testListingCancel(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	keys := make([]string, 5000)
	for i := range keys {
		keys[i] = fmt.Sprintf("k.%05d", i)
	}
	load(t, s, bucket, keys)
	ctx, cancel := context.WithCancel(ctxT(t))
	calls := 0
	start := time.Now()
	err := s.Keys(ctx, bucket, backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error {
		calls++
		if calls > 1 {
			t.Error("emit was called again after the listing was cancelled")
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled listing returned %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelling took %v", d)
	}
}

func testGetPutDelete(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	if _, err := s.Get(ctx, bucket, "missing", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, bucket, "missing", backend.DeleteOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Delete of a missing key: %v, want ErrNotFound", err)
	}
	put(t, s, bucket, "a.b", `{"x":1}`, backend.PutOptions{})
	e, err := s.Get(ctx, bucket, "a.b", backend.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(e.Value) != `{"x":1}` || e.Size != 7 || e.Kind != backend.KindString || e.Version == "" || e.Key != "a.b" {
		t.Fatalf("read back %+v", e)
	}
	if _, err := s.Put(ctx, bucket, "a.b", []byte("other"), backend.PutOptions{IfAbsent: true}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("create over an existing key: %v, want ErrConflict", err)
	}
	if e2, _ := s.Get(ctx, bucket, "a.b", backend.GetOptions{}); string(e2.Value) != `{"x":1}` {
		t.Fatal("a refused create changed the value")
	}
	if err := s.Delete(ctx, bucket, "a.b", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, bucket, "a.b", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if got := list(t, s, bucket, ""); len(got) != 0 {
		t.Fatalf("a deleted key is still listed: %v", got)
	}
	bs, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range bs {
		found = found || b.Name == bucket
	}
	if !found {
		t.Fatalf("Buckets does not list %q", bucket)
	}
}

func testConflicts(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	put(t, s, bucket, "k", "first", backend.PutOptions{})
	e1, _ := s.Get(ctx, bucket, "k", backend.GetOptions{})
	put(t, s, bucket, "k", "second", backend.PutOptions{})
	if _, err := s.Put(ctx, bucket, "k", []byte("stale"), backend.PutOptions{IfVersion: e1.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a write with a stale version: %v, want ErrConflict (a silent overwrite loses someone's change)", err)
	}
	if e, _ := s.Get(ctx, bucket, "k", backend.GetOptions{}); string(e.Value) != "second" {
		t.Fatalf("value after the refused write: %q", e.Value)
	}
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: e1.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a delete with a stale version: %v, want ErrConflict", err)
	}
	e2, _ := s.Get(ctx, bucket, "k", backend.GetOptions{})
	if _, err := s.Put(ctx, bucket, "k", []byte("third"), backend.PutOptions{IfVersion: e2.Version}); err != nil {
		t.Fatalf("a write with the current version: %v", err)
	}
}

func near(t *testing.T, what string, got time.Time, want time.Time, slack time.Duration) {
	t.Helper()
	if got.IsZero() {
		t.Fatalf("%s: no expiry, want about %v from now", what, time.Until(want).Round(time.Second))
	}
	if d := got.Sub(want); d < -slack || d > slack {
		t.Fatalf("%s: expires in %v, want about %v", what, time.Until(got).Round(time.Second), time.Until(want).Round(time.Second))
	}
}

func waitGone(t *testing.T, s backend.Store, bucket, key string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, err := s.Get(ctxT(t), bucket, key, backend.GetOptions{})
		if errors.Is(err, backend.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q still readable %v after it should have expired (err %v)", key, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, k := range list(t, s, bucket, "") {
		if k == key {
			t.Fatalf("expired key %q is still listed", key)
		}
	}
}

func testTTL(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	g := h.TTLGranularity
	put(t, s, bucket, "short", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 2 * g})
	e, _ := s.Get(ctx, bucket, "short", backend.GetOptions{})
	near(t, "a key put with a TTL", e.ExpiresAt, time.Now().Add(2*g), g)
	put(t, s, bucket, "kept", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 2 * g})
	if err := s.Expire(ctx, bucket, "kept", 0); err != nil {
		t.Fatal(err)
	}
	put(t, s, bucket, "refreshed", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 2 * g})
	if err := s.Expire(ctx, bucket, "refreshed", time.Hour); err != nil {
		t.Fatal(err)
	}
	e, _ = s.Get(ctx, bucket, "refreshed", backend.GetOptions{})
	near(t, "a refreshed TTL", e.ExpiresAt, time.Now().Add(time.Hour), 2*g)
	waitGone(t, s, bucket, "short", 2*g+6*time.Second)
	for _, k := range []string{"kept", "refreshed"} {
		e, err := s.Get(ctx, bucket, k, backend.GetOptions{})
		if err != nil {
			t.Fatalf("%s expired although its TTL was changed: %v", k, err)
		}
		if k == "kept" && !e.ExpiresAt.IsZero() {
			t.Fatal("Expire(0) did not remove the TTL")
		}
	}
	if err := s.Expire(ctx, bucket, "missing", time.Minute); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Expire of a missing key: %v, want ErrNotFound", err)
	}
}

func testEditKeepsTTL(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	put(t, s, bucket, "k", "v1", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	want := time.Now().Add(time.Hour)
	e, _ := s.Get(ctx, bucket, "k", backend.GetOptions{})
	put(t, s, bucket, "k", "v2", backend.PutOptions{IfVersion: e.Version})
	e, _ = s.Get(ctx, bucket, "k", backend.GetOptions{})
	if string(e.Value) != "v2" {
		t.Fatalf("value %q", e.Value)
	}
	near(t, "after an edit with default options (the TTL must be kept)", e.ExpiresAt, want, 3*h.TTLGranularity)
	put(t, s, bucket, "k", "v3", backend.PutOptions{TTLMode: backend.TTLNone})
	e, _ = s.Get(ctx, bucket, "k", backend.GetOptions{})
	if !e.ExpiresAt.IsZero() {
		t.Fatal("TTLNone kept the TTL")
	}
}

func testReadOnly(t *testing.T, h Harness) {
	open, bucket := h.New(t)
	rw := open(false)
	put(t, rw, bucket, "k", "v", backend.PutOptions{})
	rw.Close()
	ro := open(true)
	defer ro.Close()
	ctx := ctxT(t)
	if !ro.Info().ReadOnly {
		t.Fatal("Info().ReadOnly is false on a read-only store")
	}
	checks := map[string]error{
		"Put":    errOf(ro.Put(ctx, bucket, "k", []byte("x"), backend.PutOptions{})),
		"Delete": ro.Delete(ctx, bucket, "k", backend.DeleteOptions{}),
		"Expire": ro.Expire(ctx, bucket, "k", time.Minute),
	}
	if a, ok := ro.(backend.BucketAdmin); ok {
		checks["CreateBucket"] = a.CreateBucket(ctx, backend.BucketConfig{Name: "rocheck", History: 1})
		checks["UpdateBucket"] = a.UpdateBucket(ctx, backend.BucketConfig{Name: bucket, History: 5}, backend.BucketConfig{Name: bucket, History: 1})
		checks["DeleteBucket"] = a.DeleteBucket(ctx, bucket)
	}
	if p, ok := ro.(backend.Purger); ok {
		checks["Purge"] = p.Purge(ctx, bucket, "k")
	}
	if r, ok := ro.(backend.Renamer); ok {
		checks["Rename"] = r.Rename(ctx, bucket, "k", "k2")
	}
	if b, ok := ro.(backend.BulkLoader); ok {
		checks["PutMany"] = b.PutMany(ctx, bucket, []backend.Item{{Key: "z", Value: []byte("z")}})
	}
	if c, ok := ro.(backend.Collections); ok {
		_, checks["SetElement"] = c.SetElement(ctx, bucket, "h", backend.KindHash, nil, backend.Element{Field: "f", Value: []byte("v")})
		_, checks["PushElement"] = c.PushElement(ctx, bucket, "l", []byte("v"), false)
		_, checks["RemoveElement"] = c.RemoveElement(ctx, bucket, "h", backend.KindHash, backend.Element{Field: "f"})
		checks["CreateKey"] = errOf(c.CreateKey(ctx, bucket, "h2", backend.KindHash, backend.Element{Field: "f", Value: []byte("v")}, 0))
	}
	for name, err := range checks {
		if !errors.Is(err, backend.ErrReadOnly) {
			t.Errorf("%s on a read-only store: %v, want ErrReadOnly", name, err)
		}
	}
	e, err := ro.Get(ctx, bucket, "k", backend.GetOptions{})
	if err != nil || string(e.Value) != "v" {
		t.Fatalf("read-only Get: %v %q (and nothing may have changed)", err, e.Value)
	}
	if got := list(t, ro, bucket, ""); len(got) != 1 {
		t.Fatalf("read-only listing: %v", got)
	}
}

func testUnusualKeys(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	keys := []string{"with space", "ключ:ü", "a\x1bb\x00c"}
	for _, k := range keys {
		_, err := s.Put(ctx, bucket, k, []byte("v"), backend.PutOptions{})
		if h.RestrictedKeys {
			if !errors.Is(err, backend.ErrInvalid) {
				t.Errorf("Put(%q) on a store with restricted keys: %v, want ErrInvalid", k, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
		e, err := s.Get(ctx, bucket, k, backend.GetOptions{})
		if err != nil || string(e.Value) != "v" {
			t.Fatalf("Get(%q): %v", k, err)
		}
	}
	if !h.RestrictedKeys {
		got := list(t, s, bucket, "")
		want := append([]string(nil), keys...)
		sort.Strings(want)
		if !equal(got, want) {
			t.Fatalf("listed %q, want %q", got, want)
		}
	}
}

func testUnusualValues(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for name, v := range map[string][]byte{"empty": {}, "binary": bin, "big": big} {
		if _, err := s.Put(ctx, bucket, name, v, backend.PutOptions{}); err != nil {
			t.Fatalf("Put %s value: %v", name, err)
		}
		e, err := s.Get(ctx, bucket, name, backend.GetOptions{MaxBytes: -1})
		if err != nil || !bytes.Equal(e.Value, v) || e.Truncated {
			t.Fatalf("%s value did not round-trip: err %v, %d bytes back of %d", name, err, len(e.Value), len(v))
		}
	}
	e, err := s.Get(ctx, bucket, "big", backend.GetOptions{MaxBytes: 1024})
	if err != nil || len(e.Value) != 1024 || !e.Truncated || e.Size != int64(len(big)) {
		t.Fatalf("bounded Get: %v, %d bytes, truncated %v, size %d", err, len(e.Value), e.Truncated, e.Size)
	}
}

func testCapabilities(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	if hist, ok := s.(backend.Historian); ok {
		t.Run("History", func(t *testing.T) {
			for _, v := range []string{"r1", "r2", "r3"} {
				put(t, s, bucket, "h", v, backend.PutOptions{})
			}
			es, err := hist.History(ctx, bucket, "h")
			if err != nil {
				t.Fatal(err)
			}
			if len(es) < 3 || string(es[0].Value) != "r3" || string(es[1].Value) != "r2" || string(es[2].Value) != "r1" {
				t.Fatalf("history is not the three values newest first: %d entries", len(es))
			}
			if es[0].Revision == es[1].Revision || es[1].Revision == es[2].Revision {
				t.Fatal("history revisions are not distinct")
			}
			cur, _ := s.Get(ctx, bucket, "h", backend.GetOptions{})
			if _, err := s.Put(ctx, bucket, "h", es[2].Value, backend.PutOptions{IfVersion: cur.Version}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			if e, _ := s.Get(ctx, bucket, "h", backend.GetOptions{}); string(e.Value) != "r1" {
				t.Fatalf("after revert: %q", e.Value)
			}
		})
	}
	if r, ok := s.(backend.Renamer); ok {
		t.Run("Rename", func(t *testing.T) {
			put(t, s, bucket, "from", "moving", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
			put(t, s, bucket, "taken", "stays", backend.PutOptions{})
			if err := r.Rename(ctx, bucket, "from", "taken"); !errors.Is(err, backend.ErrConflict) {
				t.Fatalf("rename onto an existing key: %v, want ErrConflict", err)
			}
			if e, _ := s.Get(ctx, bucket, "taken", backend.GetOptions{}); string(e.Value) != "stays" {
				t.Fatal("a refused rename overwrote the target")
			}
			if err := r.Rename(ctx, bucket, "from", "to"); err != nil {
				t.Fatal(err)
			}
			e, err := s.Get(ctx, bucket, "to", backend.GetOptions{})
			if err != nil || string(e.Value) != "moving" {
				t.Fatalf("renamed value: %v %q", err, e.Value)
			}
			near(t, "the renamed key's TTL", e.ExpiresAt, time.Now().Add(time.Hour), 5*time.Second)
			if _, err := s.Get(ctx, bucket, "from", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
				t.Fatal("the old name still exists after rename")
			}
		})
	}
	if w, ok := s.(backend.Watcher); ok {
		t.Run("Watch", func(t *testing.T) {
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var mu sync.Mutex
			var got []string
			started := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				close(started)
				done <- w.Watch(wctx, bucket, "", func(c backend.Change) {
					mu.Lock()
					got = append(got, c.Op.String()+":"+c.Key)
					mu.Unlock()
				})
			}()
			<-started
			time.Sleep(300 * time.Millisecond) // let the watch subscribe
			put(t, s, bucket, "watched", "v", backend.PutOptions{})
			if err := s.Delete(ctx, bucket, "watched", backend.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				seen := strings.Join(got, " ")
				mu.Unlock()
				if strings.Contains(seen, "put:watched") && strings.Contains(seen, "delete:watched") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("watch saw %q, want put and delete of watched", seen)
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Watch did not return after its context was cancelled")
			}
		})
	}
	if d, ok := s.(backend.Describer); ok {
		t.Run("Describe", func(t *testing.T) {
			put(t, s, bucket, "d", "12345", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
			infos, err := d.Describe(ctx, bucket, []string{"d"})
			if err != nil || len(infos) != 1 {
				t.Fatalf("Describe: %v %d", err, len(infos))
			}
			i := infos[0]
			if !i.HasMeta || i.Kind != backend.KindString || i.Size != 5 || i.ExpiresAt.IsZero() {
				t.Fatalf("Describe filled %+v", i)
			}
		})
	}
}

// errOf keeps the error of a call that also returns a version.
func errOf(_ string, err error) error { return err }
