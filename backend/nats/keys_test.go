package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
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

// A listing ends with the keys there were when its consumer started: keys
// another client writes meanwhile, new ones or new revisions, are neither
// listed nor listed twice.
func TestKeysEndAtTheSnapshotWhileAnotherClientWrites(t *testing.T) {
	srv, s, bucket := startStore(t)
	ctx := testContext(t)
	items := make([]backend.Item, 3000)
	want := make([]string, len(items))
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("old.%04d", i), Value: []byte("v1")}
		want[i] = items[i].Key
	}
	if err := s.PutMany(ctx, bucket, items); err != nil {
		t.Fatal(err)
	}
	other := openURL(t, srv.URL(), false)

	var got []string
	wrote := false
	err := s.Keys(ctx, bucket, backend.Query{BatchSize: 100}, func(batch []backend.KeyInfo) error {
		if !wrote {
			// The consumer exists: its snapshot is taken.
			wrote = true
			more := make([]backend.Item, 0, 600)
			for i := range 500 {
				more = append(more, backend.Item{Key: fmt.Sprintf("new.%04d", i), Value: []byte("v")})
			}
			for i := range 100 {
				more = append(more, backend.Item{Key: fmt.Sprintf("old.%04d", len(items)-1-i), Value: []byte("v2")})
			}
			if err := other.PutMany(ctx, bucket, more); err != nil {
				return err
			}
		}
		for _, k := range batch {
			got = append(got, k.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("listed %d keys (first %v, last %v), want the %d keys written before the listing",
			len(got), got[:min(3, len(got))], got[max(0, len(got)-3):], len(want))
	}
}

// While the reader of a listing does not read, the listing holds a bounded
// number of keys: its consumer pulls them, and pulls no more while the
// keys it has wait.
func TestKeysHoldABoundedWindowWhileTheReaderWaits(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	const total, batch = 40000, 100
	items := make([]backend.Item, total)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k.%05d", i), Value: []byte("v")}
	}
	if err := s.PutMany(ctx, bucket, items); err != nil {
		t.Fatal(err)
	}

	// What the server delivered while the reader sat on the first batch:
	// read once the consumer has no pull request outstanding, that is once
	// it sent all that the client asked for.
	var delivered uint64
	calls, listed := 0, 0
	err := s.Keys(ctx, bucket, backend.Query{BatchSize: batch}, func(b []backend.KeyInfo) error {
		calls++
		listed += len(b)
		if calls > 1 {
			return nil
		}
		for ctx.Err() == nil {
			infos := consumers(t, s, bucket)
			if len(infos) != 1 {
				return fmt.Errorf("%d consumers on the bucket, want the listing's", len(infos))
			}
			info := infos[0]
			if info.Config.DeliverSubject != "" {
				return errors.New("the listing's consumer is a push consumer")
			}
			if info.NumWaiting == 0 && info.Delivered.Consumer > 0 {
				delivered = info.Delivered.Consumer
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return ctx.Err()
	})
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	// One pull, and the keys the listing took before it stopped: the
	// first batch and maxQueued more.
	if bound := uint64(pullBatch + (maxQueued+2)*batch); delivered > bound {
		t.Errorf("the server delivered %d messages while the reader waited, want at most %d", delivered, bound)
	}
	if listed != total {
		t.Errorf("listed %d keys, want %d", listed, total)
	}
}

// A listing's consumer goes once the listing is over, done or cancelled.
func TestKeysRemoveTheirConsumer(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	items := make([]backend.Item, 2000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k.%04d", i), Value: []byte("v")}
	}
	if err := s.PutMany(ctx, bucket, items); err != nil {
		t.Fatal(err)
	}
	listKeys(t, s, bucket, "")
	stop := errors.New("enough")
	if err := s.Keys(ctx, bucket, backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Keys = %v, want %v", err, stop)
	}
	eventually(t, testTimeout, "the listings' consumers are deleted", func() bool {
		return len(consumers(t, s, bucket)) == 0
	})
}

// consumers lists the consumers of bucket's stream.
func consumers(t *testing.T, s *Store, bucket string) []*jetstream.ConsumerInfo {
	t.Helper()
	ctx := testContext(t)
	stream, err := s.js.Stream(ctx, streamName(bucket))
	if err != nil {
		t.Fatalf("stream of %s: %v", bucket, err)
	}
	lister := stream.ListConsumers(ctx)
	var infos []*jetstream.ConsumerInfo
	for info := range lister.Info() {
		infos = append(infos, info)
	}
	if err := lister.Err(); err != nil {
		t.Fatalf("consumers of %s: %v", bucket, err)
	}
	return infos
}
