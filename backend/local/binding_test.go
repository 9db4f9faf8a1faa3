package local

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// kvdeck sets a TTL on app/version; the program that owns the file then
// writes a new app/version with plain bbolt. The new value is the owner's:
// kvdeck must neither hide it (read-only) nor delete it (the sweeper) when
// the old TTL passes, and shows it with no TTL.
func TestForeignRewriteAfterAKvdeckTTLKeepsTheNewValue(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	opts := Options{Now: clk.Now, SweepEvery: 20 * time.Millisecond}
	path, s := newFile(t, backend.BucketConfig{Name: "app", History: 1}, opts)
	if _, err := s.Put(ctx, "app", "version", []byte("1.0"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Expire(ctx, "app", "version", time.Minute); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The owner rewrites the key (same length, so only the hash tells).
	rawSet(t, path, "app", "version", []byte("2.0"))
	clk.Add(2 * time.Minute) // past the old expiry

	ro, err := Open(path, Options{ReadOnly: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e, err := ro.Get(ctx, "app", "version", backend.GetOptions{})
	if err != nil || string(e.Value) != "2.0" || !e.ExpiresAt.IsZero() || e.TTL != 0 {
		t.Fatalf("read-only kvdeck shows %q (expires %v, ttl %v, err %v); want the owner's 2.0 with no TTL", e.Value, e.ExpiresAt, e.TTL, err)
	}
	if k, ok := keysOf(t, ro, "app")["version"]; !ok || !k.ExpiresAt.IsZero() {
		t.Fatalf("read-only listing: %+v (listed %v), want the key with no expiry", k, ok)
	}
	if bs, _ := ro.Buckets(ctx); len(bs) != 1 || bs[0].Keys != 1 {
		t.Fatalf("buckets: %+v, want app with 1 key", bs)
	}
	ro.Close()

	// A writable kvdeck runs its sweeper: it must drop its stale record
	// (the final state to wait for) and leave the value alone.
	s = openAt(t, path, opts)
	waitFor(t, "the sweeper drops the stale metadata", 5*time.Second, func() bool {
		return rawMeta(t, path, "app", "version") == nil
	})
	if v, ok := rawGet(t, path, "app", "version"); !ok || string(v) != "2.0" {
		t.Fatalf("the file holds %q (present %v) after the sweep, want the owner's 2.0", v, ok)
	}
	e = mustGet(t, s, "app", "version")
	if string(e.Value) != "2.0" || !e.ExpiresAt.IsZero() {
		t.Fatalf("kvdeck shows %q expiring %v", e.Value, e.ExpiresAt)
	}
}

// The same while kvdeck stays open: the owner's write lands between two
// kvdeck reads.
func TestForeignRewriteWhileOpenShowsNoTTL(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "app", History: 3}, Options{})
	if _, err := s.Put(ctx, "app", "k", []byte("mine"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, "app", "k"); e.ExpiresAt.IsZero() {
		t.Fatal("no TTL after a Put with one")
	}
	rawSet(t, path, "app", "k", []byte("theirs, longer"))
	e := mustGet(t, s, "app", "k")
	if string(e.Value) != "theirs, longer" || !e.ExpiresAt.IsZero() || e.Revision != 0 {
		t.Fatalf("after the owner's write kvdeck shows %q expiring %v at revision %d", e.Value, e.ExpiresAt, e.Revision)
	}
	if k := keysOf(t, s, "app")["k"]; !k.ExpiresAt.IsZero() || k.Size != int64(len("theirs, longer")) {
		t.Fatalf("listed %+v", k)
	}
	infos, err := s.Describe(ctx, "app", []string{"k"})
	if err != nil || !infos[0].ExpiresAt.IsZero() {
		t.Fatalf("Describe: %+v %v", infos, err)
	}
	// The next kvdeck write drops the stale record and binds a new one.
	if _, err := s.Put(ctx, "app", "k", []byte("edited"), backend.PutOptions{IfVersion: e.Version}); err != nil {
		t.Fatal(err)
	}
	m, ok := decodeMeta(rawMeta(t, path, "app", "k"))
	if !ok || !m.binds([]byte("edited")) || m.expires != 0 {
		t.Fatalf("after kvdeck's write the record is %+v (bindable %v), want one bound to \"edited\" with no TTL", m, ok)
	}
}

// A version read before another program rewrote the key no longer
// matches, even when kvdeck had a revision for the old value.
func TestVersionReadBeforeAForeignRewriteConflicts(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "app", History: 1}, Options{})
	if _, err := s.Put(ctx, "app", "k", []byte("aaaa"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	before := mustGet(t, s, "app", "k")
	rawSet(t, path, "app", "k", []byte("bbbb"))
	_, err := s.Put(ctx, "app", "k", []byte("cccc"), backend.PutOptions{IfVersion: before.Version})
	wantConflict(t, "Put with a version read before the owner's write", err)
	wantConflict(t, "Delete with that version", s.Delete(ctx, "app", "k", backend.DeleteOptions{IfVersion: before.Version}))
	if v, _ := rawGet(t, path, "app", "k"); string(v) != "bbbb" {
		t.Fatalf("the file holds %q, want the owner's bbbb", v)
	}
	now := mustGet(t, s, "app", "k")
	if now.Version == before.Version {
		t.Fatal("the version did not change with the bytes")
	}
	if _, err := s.Put(ctx, "app", "k", []byte("cccc"), backend.PutOptions{IfVersion: now.Version}); err != nil {
		t.Fatalf("a write with the current version: %v", err)
	}
}

// Metadata kvdeck wrote before values were bound cannot be checked against
// the value, so it is never trusted to expire (hide or delete) a key.
func TestUnboundLegacyMetadataNeverExpiresAKey(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "app", History: 1}, Options{})
	s.Close()
	past := time.Now().Add(-time.Hour).UnixMilli()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("app")).Put([]byte("old"), []byte("value")); err != nil {
			return err
		}
		root := tx.Bucket(metaRoot)
		legacy := keyMeta{rev: 7, expires: past, ttl: int64(time.Minute)}.encode()[:legacyMetaLen]
		if err := root.Bucket(bucketsMeta).Bucket([]byte("app")).Bucket(keysMeta).Put([]byte("old"), legacy); err != nil {
			return err
		}
		idx, err := root.CreateBucketIfNotExists(expiryIndex)
		if err != nil {
			return err
		}
		return idx.Put(expiryEntry(past, "app", []byte("old")), nil)
	})
	s = openAt(t, path, Options{SweepEvery: 20 * time.Millisecond})
	if e := mustGet(t, s, "app", "old"); string(e.Value) != "value" || !e.ExpiresAt.IsZero() {
		t.Fatalf("legacy key: %q expiring %v", e.Value, e.ExpiresAt)
	}
	waitFor(t, "the sweeper drops the legacy record", 5*time.Second, func() bool {
		return rawMeta(t, path, "app", "old") == nil
	})
	if v, ok := rawGet(t, path, "app", "old"); !ok || !bytes.Equal(v, []byte("value")) {
		t.Fatalf("the sweeper deleted a key on unbound metadata: %q %v", v, ok)
	}
	if _, err := s.Get(ctx, "app", "old", backend.GetOptions{}); errors.Is(err, backend.ErrNotFound) {
		t.Fatal("the key is hidden")
	}
}
