package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// namespacedKeys is 2,500 keys in three dotted namespaces, as services
// write them; users returns the user.* ones.
func namespacedKeys() (all, users []string) {
	for i := range 1000 {
		u := fmt.Sprintf("user.%d.profile", i)
		users = append(users, u)
		all = append(all, u, fmt.Sprintf("session.%d", i))
	}
	for i := range 500 {
		all = append(all, fmt.Sprintf("flag.f%d", i))
	}
	sort.Strings(all)
	sort.Strings(users)
	return all, users
}

func testListing(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	calls := 0
	err := s.Keys(ctx, bucket, backend.Query{}, func([]backend.KeyInfo) error { calls++; return nil })
	if err != nil || calls != 0 {
		t.Fatalf("listing an empty bucket: error %v after %d batches, want nil and no batch", err, calls)
	}

	all, users := namespacedKeys()
	load(t, s, bucket, all)
	infos := listInfos(t, s, bucket, "")
	got := make([]string, len(infos))
	for i, k := range infos {
		got[i] = k.Name
		if k.HasMeta && k.Size >= 0 && k.Size != int64(len(valueOf(k.Name))) {
			t.Errorf("the key list shows %q as %d bytes, its value has %d", k.Name, k.Size, len(valueOf(k.Name)))
		}
	}
	if d := diffKeys(got, all); d != "" {
		t.Fatalf("listing the whole bucket %s", d)
	}
	prefix := h.PrefixPattern("user.")
	if d := diffKeys(list(t, s, bucket, prefix), users); d != "" {
		t.Fatalf("searching %q %s", prefix, d)
	}
	none := h.PrefixPattern("nothing.")
	calls = 0
	err = s.Keys(ctx, bucket, backend.Query{Pattern: none}, func([]backend.KeyInfo) error { calls++; return nil })
	if err != nil || calls != 0 {
		t.Fatalf("searching %q, which matches nothing: error %v after %d batches, want nil and no batch", none, err, calls)
	}
}

func testListingCancel(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
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
		cancel() // the user switched bucket after the first rows drew
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a listing cancelled after its first batch returned %v, want context.Canceled", err)
	}
	if calls != 1 {
		t.Fatalf("a cancelled listing kept emitting: %d batches after the cancel, want none", calls-1)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a cancelled listing took %v to stop; the UI would hang on the old bucket", d)
	}

	calls = 0
	err = s.Keys(ctx, bucket, backend.Query{}, func([]backend.KeyInfo) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("a listing started with a cancelled context: %v after %d batches, want context.Canceled and no batch", err, calls)
	}
}

func testListingEmitError(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = fmt.Sprintf("k.%05d", i)
	}
	load(t, s, bucket, keys)
	boom := errors.New("consumer gave up")
	calls := 0
	err := s.Keys(ctxT(t), bucket, backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error { calls++; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("an error returned by emit came back from Keys as %v", err)
	}
	if calls != 1 {
		t.Fatalf("Keys called emit %d more times after it returned an error", calls-1)
	}
}

func testBuckets(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	bs, err := s.Buckets(ctxT(t))
	if err != nil {
		t.Fatalf("listing buckets failed: %v", err)
	}
	for _, b := range bs {
		if b.Name == bucket {
			return
		}
	}
	t.Fatalf("the bucket list (%d buckets) does not show %q", len(bs), bucket)
}
