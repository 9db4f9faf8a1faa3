package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

func TestKeysWithWildcards(t *testing.T) {
	_, s, bucket := startStore(t)
	for _, k := range []string{"orders.1.state", "orders.2.state", "orders.2.owner", "flows.a.seen", "top"} {
		mustPut(t, s, bucket, k, "v", backend.PutOptions{})
	}
	for pattern, want := range map[string][]string{
		"":               {"flows.a.seen", "orders.1.state", "orders.2.owner", "orders.2.state", "top"},
		">":              {"flows.a.seen", "orders.1.state", "orders.2.owner", "orders.2.state", "top"},
		"orders.>":       {"orders.1.state", "orders.2.owner", "orders.2.state"},
		"orders.*.state": {"orders.1.state", "orders.2.state"},
		"*":              {"top"},
		"orders.2.owner": {"orders.2.owner"},
		"nothing.>":      nil,
	} {
		if got := listKeys(t, s, bucket, pattern); !slices.Equal(got, want) {
			t.Errorf("Keys(%q) = %v, want %v", pattern, got, want)
		}
	}
}

func TestKeysSkipDeletedAndPurged(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	for _, k := range []string{"live", "deleted", "purged", "recreated"} {
		mustPut(t, s, bucket, k, "v", backend.PutOptions{})
	}
	if err := s.Delete(ctx, bucket, "deleted", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, bucket, "purged"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, bucket, "recreated", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, bucket, "recreated", "again", backend.PutOptions{})
	if got, want := listKeys(t, s, bucket, ""), []string{"live", "recreated"}; !slices.Equal(got, want) {
		t.Errorf("Keys = %v, want %v", got, want)
	}
}

func TestKeysBatchesAndMeta(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	items := make([]backend.Item, 2500)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k.%04d", i), Value: []byte(fmt.Sprintf("value-%d", i))}
	}
	items[7].TTL = time.Hour
	if err := s.PutMany(ctx, bucket, items); err != nil {
		t.Fatalf("PutMany: %v", err)
	}

	var sizes []int
	seen := map[string]backend.KeyInfo{}
	err := s.Keys(ctx, bucket, backend.Query{BatchSize: 1000}, func(batch []backend.KeyInfo) error {
		sizes = append(sizes, len(batch))
		for _, k := range batch {
			if _, dup := seen[k.Name]; dup {
				t.Errorf("key %s listed twice", k.Name)
			}
			seen[k.Name] = k
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	if len(seen) != len(items) {
		t.Fatalf("listed %d keys, want %d", len(seen), len(items))
	}
	for _, n := range sizes {
		if n > 1000 {
			t.Errorf("batch of %d keys, want at most 1000", n)
		}
	}
	k := seen["k.0012"]
	if !k.HasMeta || k.Size != int64(len("value-12")) || !k.ExpiresAt.IsZero() || k.Kind != backend.KindString {
		t.Errorf("k.0012 = %+v, want size %d, no expiry", k, len("value-12"))
	}
	if ttl := time.Until(seen["k.0007"].ExpiresAt); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("k.0007 expires in %s, want about 1h", ttl)
	}
}

func TestKeysStopsWhenEmitFailsOrContextEnds(t *testing.T) {
	_, s, bucket := startStore(t)
	items := make([]backend.Item, 5000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k%d", i), Value: []byte("v")}
	}
	if err := s.PutMany(testContext(t), bucket, items); err != nil {
		t.Fatal(err)
	}

	stop := errors.New("enough")
	calls := 0
	err := s.Keys(testContext(t), bucket, backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Keys with a failing emit = %v after %d calls, want the emit error after 1", err, calls)
	}

	ctx, cancel := context.WithCancel(testContext(t))
	err = s.Keys(ctx, bucket, backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Keys after cancel = %v, want context.Canceled", err)
	}

	// The store still lists after the abandoned listings.
	if got := listKeys(t, s, bucket, ""); len(got) != len(items) {
		t.Errorf("listed %d keys after cancellations, want %d", len(got), len(items))
	}
}

func TestKeysOfEmptyAndMissingBucket(t *testing.T) {
	_, s, bucket := startStore(t)
	if got := listKeys(t, s, bucket, ""); len(got) != 0 {
		t.Errorf("empty bucket lists %v", got)
	}
	err := s.Keys(testContext(t), "missing", backend.Query{}, func([]backend.KeyInfo) error { return nil })
	wantErr(t, err, backend.ErrNotFound, "Keys of a missing bucket")
}

func TestInvalidKeysAndPatternsAreRefusedBeforeAnyRoundTrip(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	for _, key := range []string{"", "has space", "ünï", "ctl\x01", ".lead", "trail.", "a..b", "star*", "gt>"} {
		wantErr(t, errOf(s.Put(ctx, bucket, key, []byte("v"), backend.PutOptions{})), backend.ErrInvalid, fmt.Sprintf("Put(%q)", key))
		_, err := s.Get(ctx, bucket, key, backend.GetOptions{})
		wantErr(t, err, backend.ErrInvalid, fmt.Sprintf("Get(%q)", key))
		wantErr(t, s.Delete(ctx, bucket, key, backend.DeleteOptions{}), backend.ErrInvalid, fmt.Sprintf("Delete(%q)", key))
		wantErr(t, s.Expire(ctx, bucket, key, time.Minute), backend.ErrInvalid, fmt.Sprintf("Expire(%q)", key))
	}
	for _, pattern := range []string{"a.>.b", "a*", "a..b", "sp ace", ".x"} {
		err := s.Keys(ctx, bucket, backend.Query{Pattern: pattern}, func([]backend.KeyInfo) error { return nil })
		wantErr(t, err, backend.ErrInvalid, fmt.Sprintf("Keys(%q)", pattern))
	}
	// Keys with every allowed character work.
	mustPut(t, s, bucket, "a-b/c_d=e.F9", "v", backend.PutOptions{})
}
