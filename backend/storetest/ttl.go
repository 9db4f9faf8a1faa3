package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

func testTTL(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	g := h.TTLGranularity
	short := 2 * g
	put(t, s, bucket, "short", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: short})
	near(t, "a key saved with a TTL", get(t, s, bucket, "short").ExpiresAt, time.Now().Add(short), g)
	for _, k := range listInfos(t, s, bucket, "") {
		if k.Name == "short" && k.HasMeta && k.ExpiresAt.IsZero() {
			t.Fatal("the key list shows a key with a TTL as never expiring")
		}
	}

	put(t, s, bucket, "persisted", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: short})
	oldExpiry := get(t, s, bucket, "persisted").ExpiresAt
	if err := s.Expire(ctx, bucket, "persisted", 0); err != nil {
		t.Fatalf("removing a TTL failed: %v", err)
	}
	if e := get(t, s, bucket, "persisted"); !e.ExpiresAt.IsZero() {
		t.Fatalf("after removing its TTL the key still expires in %v", time.Until(e.ExpiresAt).Round(time.Second))
	}

	put(t, s, bucket, "refreshed", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: short})
	before := get(t, s, bucket, "refreshed").ExpiresAt
	if err := s.Expire(ctx, bucket, "refreshed", time.Hour); err != nil {
		t.Fatalf("refreshing a TTL failed: %v", err)
	}
	after := get(t, s, bucket, "refreshed").ExpiresAt
	if !after.After(before) {
		t.Fatalf("refreshing a TTL to 1h did not move the expiry later (%v, was %v)", after, before)
	}
	near(t, "a TTL refreshed to 1h", after, time.Now().Add(time.Hour), 2*g)

	if err := s.Expire(ctx, bucket, "missing", time.Minute); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("setting a TTL on a key that does not exist: %v, want ErrNotFound", err)
	}

	within := short + 6*time.Second
	if !waitFor(within, func() bool {
		_, err := s.Get(ctx, bucket, "short", backend.GetOptions{})
		return errors.Is(err, backend.ErrNotFound)
	}) {
		t.Fatalf("a key with a %v TTL can still be opened %v later", short, within)
	}
	if !waitFor(3*time.Second, func() bool {
		for _, k := range list(t, s, bucket, "") {
			if k == "short" {
				return false
			}
		}
		return true
	}) {
		t.Fatal("an expired key is still in the key list")
	}
	// The persisted key must outlive its old expiry.
	if d := time.Until(oldExpiry.Add(500 * time.Millisecond)); d > 0 {
		time.Sleep(d)
	}
	for _, k := range []string{"persisted", "refreshed"} {
		if _, err := s.Get(ctx, bucket, k, backend.GetOptions{}); err != nil {
			t.Fatalf("%q expired on its old TTL although the TTL was changed: %v", k, err)
		}
	}
}

// An edit must keep the key's TTL: a session that should expire in an hour
// must not become immortal because someone fixed a typo in it.
func testEditKeepsTTL(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	slack := 3 * h.TTLGranularity
	put(t, s, bucket, "k", "v1", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	want := time.Now().Add(time.Hour)

	put(t, s, bucket, "k", "v2", backend.PutOptions{})
	e := get(t, s, bucket, "k")
	if string(e.Value) != "v2" {
		t.Fatalf("after an edit the value is %q, want v2", e.Value)
	}
	near(t, "after an edit with default options (the TTL must be kept)", e.ExpiresAt, want, slack)

	put(t, s, bucket, "k", "v3", backend.PutOptions{IfVersion: e.Version})
	e = get(t, s, bucket, "k")
	near(t, "after an edit with a version check (the TTL must be kept)", e.ExpiresAt, want, slack)

	put(t, s, bucket, "k", "v4", backend.PutOptions{TTLMode: backend.TTLNone})
	if e = get(t, s, bucket, "k"); !e.ExpiresAt.IsZero() {
		t.Fatalf("a save that removes the TTL left it expiring in %v", time.Until(e.ExpiresAt).Round(time.Second))
	}
	put(t, s, bucket, "k", "v5", backend.PutOptions{})
	if e = get(t, s, bucket, "k"); !e.ExpiresAt.IsZero() {
		t.Fatal("an edit of a key with no TTL gave it one")
	}
}
