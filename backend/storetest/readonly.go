package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// A store opened read-only refuses every write in the backend layer, so no
// UI path can change data, and still reads.
func testReadOnly(t *testing.T, h Harness) {
	open, bucket := h.New(t)
	rw := open(false)
	put(t, rw, bucket, "k", "v", backend.PutOptions{})
	put(t, rw, bucket, "t", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	expiry := get(t, rw, bucket, "t").ExpiresAt
	rw.Close()

	ro := open(true)
	defer ro.Close()
	ctx := ctxT(t)
	if !ro.Info().ReadOnly {
		t.Fatal("a store opened read-only does not say so in Info (the header would not show it)")
	}
	checks := []writeCheck{
		{"Put", ro.Put(ctx, bucket, "k", []byte("x"), backend.PutOptions{})},
		{"Put of a new key", ro.Put(ctx, bucket, "new", []byte("x"), backend.PutOptions{IfAbsent: true})},
		{"Delete", ro.Delete(ctx, bucket, "k", backend.DeleteOptions{})},
		{"Expire", ro.Expire(ctx, bucket, "t", 0)},
	}
	check := func(name string, err error) { checks = append(checks, writeCheck{name, err}) }
	if a, ok := ro.(backend.BucketAdmin); ok {
		check("CreateBucket", a.CreateBucket(ctx, backend.BucketConfig{Name: "rocheck", History: 1}))
		check("UpdateBucket", a.UpdateBucket(ctx, backend.BucketConfig{Name: bucket, History: 1}))
		check("DeleteBucket", a.DeleteBucket(ctx, bucket))
	}
	if p, ok := ro.(backend.Purger); ok {
		check("Purge", p.Purge(ctx, bucket, "k"))
	}
	if r, ok := ro.(backend.Renamer); ok {
		check("Rename", r.Rename(ctx, bucket, "k", "k2"))
	}
	if b, ok := ro.(backend.BulkLoader); ok {
		check("PutMany", b.PutMany(ctx, bucket, []backend.Item{{Key: "z", Value: []byte("z")}}))
	}
	if c, ok := ro.(backend.Collections); ok {
		check("SetElement", c.SetElement(ctx, bucket, "h", backend.KindHash, backend.Element{Field: "f", Value: []byte("v")}))
		check("PushElement", c.PushElement(ctx, bucket, "l", []byte("v"), false))
		check("RemoveElement", c.RemoveElement(ctx, bucket, "h", backend.KindHash, backend.Element{Field: "f"}))
		check("CreateKey", c.CreateKey(ctx, bucket, "h2", backend.KindHash, backend.Element{Field: "f", Value: []byte("v")}, 0))
	}
	for _, c := range checks {
		if !errors.Is(c.err, backend.ErrReadOnly) {
			t.Errorf("%s on a read-only store: %v, want ErrReadOnly", c.name, c.err)
		}
	}

	bs, err := ro.Buckets(ctx)
	if err != nil {
		t.Fatalf("listing buckets of a read-only store failed: %v", err)
	}
	found := false
	for _, b := range bs {
		found = found || b.Name == bucket
	}
	if !found {
		t.Fatalf("the read-only store lists %d buckets but not %q", len(bs), bucket)
	}
	wantValue(t, ro, bucket, "k", "v", "on the read-only store (nothing may have changed)")
	near(t, "the TTL on the read-only store (nothing may have changed)", get(t, ro, bucket, "t").ExpiresAt, expiry, time.Second)
	wantNotFound(t, ro, bucket, "new", "after a refused create on the read-only store")
	if d := diffKeys(list(t, ro, bucket, ""), []string{"k", "t"}); d != "" {
		t.Fatalf("the read-only store %s", d)
	}
}

// writeCheck is the outcome of one write attempted on a read-only store.
type writeCheck struct {
	name string
	err  error
}
