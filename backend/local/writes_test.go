package local

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// Writing back exactly what was read writes nothing: same version, same
// expiry, no new revision, and the file is byte for byte as it was.
func TestUnchangedPutWritesNothing(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 5}, Options{})
	if _, err := s.Put(ctx, "b", "k", []byte("v1"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", "k", []byte("v2"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	rawSet(t, path, "b", "foreign", []byte("f")) // and a key kvdeck never wrote
	e := mustGet(t, s, "b", "k")
	f := mustGet(t, s, "b", "foreign")
	h, _ := s.History(ctx, "b", "k")
	before := fileBytes(t, path)

	ver, err := s.Put(ctx, "b", "k", e.Value, backend.PutOptions{IfVersion: e.Version})
	if err != nil || ver != e.Version {
		t.Fatalf("unchanged Put: version %q, %v; want %q", ver, err, e.Version)
	}
	if ver, err := s.Put(ctx, "b", "k", e.Value, backend.PutOptions{}); err != nil || ver != e.Version {
		t.Fatalf("unchanged Put without IfVersion: version %q, %v", ver, err)
	}
	if ver, err := s.Put(ctx, "b", "foreign", f.Value, backend.PutOptions{IfVersion: f.Version}); err != nil || ver != f.Version {
		t.Fatalf("unchanged Put of a foreign key: version %q, %v; want %q", ver, err, f.Version)
	}
	after := mustGet(t, s, "b", "k")
	if after.Version != e.Version || !after.ExpiresAt.Equal(e.ExpiresAt) || after.TTL != e.TTL || after.Revision != e.Revision {
		t.Fatalf("after an unchanged write: %+v, was %+v", after, e)
	}
	if h2, _ := s.History(ctx, "b", "k"); len(h2) != len(h) {
		t.Fatalf("history has %d revisions, was %d", len(h2), len(h))
	}
	if !bytesEqual(before, fileBytes(t, path)) {
		t.Fatal("an unchanged write changed the file")
	}
	if rawMeta(t, path, "b", "foreign") != nil {
		t.Fatal("an unchanged write gave a foreign key metadata")
	}
	// A changed value is a new revision, and Put returns its version.
	ver, err = s.Put(ctx, "b", "k", []byte("v3"), backend.PutOptions{IfVersion: e.Version})
	if err != nil || ver == e.Version || ver != mustGet(t, s, "b", "k").Version {
		t.Fatalf("changed Put returned %q, %v", ver, err)
	}
}

// Expire applies to the key as it is now: a value another program wrote
// after kvdeck read the key gets the TTL, bound to its bytes; a persist of
// a key whose kvdeck TTL belonged to an older value changes nothing.
func TestExpireBindsToTheCurrentValue(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 1}, Options{})
	o := rawOther{path, "b"}
	if _, err := s.Put(ctx, "b", "k", []byte("mine"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "b", "k") // what the user saw
	o.Set(t, "k", []byte("theirs"))
	if err := s.Expire(ctx, "b", "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, _ := rawGet(t, path, "b", "k"); string(v) != "theirs" {
		t.Fatalf("the file holds %q after Expire", v)
	}
	e := mustGet(t, s, "b", "k")
	if string(e.Value) != "theirs" || time.Until(e.ExpiresAt) < 59*time.Minute || e.TTL != time.Hour {
		t.Fatalf("after Expire: %q expiring in %v (ttl %v)", e.Value, time.Until(e.ExpiresAt), e.TTL)
	}
	if m, ok := decodeMeta(rawMeta(t, path, "b", "k")); !ok || !m.binds([]byte("theirs")) {
		t.Fatal("the TTL is not bound to the value it was set on")
	}
	// A TTL changes no bytes: the version of a value kvdeck did not write
	// stays its fingerprint.
	if _, err := s.Put(ctx, "b", "k", []byte("edit"), backend.PutOptions{IfVersion: e.Version}); err != nil {
		t.Fatalf("edit after Expire with the version read after it: %v", err)
	}

	// Persist after the owner rewrote the key: its kvdeck TTL is stale
	// already, so there is nothing to do and nothing is written.
	o.Set(t, "k", []byte("theirs again"))
	before := fileBytes(t, path)
	if err := s.Expire(ctx, "b", "k", 0); err != nil {
		t.Fatalf("persist of a key with stale metadata: %v", err)
	}
	if !bytesEqual(before, fileBytes(t, path)) {
		t.Fatal("a persist that had nothing to do changed the file")
	}
	if e := mustGet(t, s, "b", "k"); !e.ExpiresAt.IsZero() || string(e.Value) != "theirs again" {
		t.Fatalf("after persist: %q expiring %v", e.Value, e.ExpiresAt)
	}
	if err := s.Expire(ctx, "b", "missing", time.Hour); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Expire of a missing key: %v", err)
	}
}

// Undo of a delete puts the key back with the expiry instant it had, not
// a fresh TTL, and its configured TTL.
func TestSnapshotRestoreKeepsTheExpiryInstant(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 3}, Options{Now: clk.Now})
	if _, err := s.Put(ctx, "b", "k", []byte("kept"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	orig := mustGet(t, s, "b", "k")
	snap, err := s.Snapshot(ctx, "b", "k")
	if err != nil || string(snap.Value) != "kept" || !snap.ExpiresAt.Equal(orig.ExpiresAt) || snap.TTL != time.Hour || snap.Version != orig.Version {
		t.Fatalf("Snapshot: %+v, %v", snap, err)
	}
	if err := s.Delete(ctx, "b", "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
		t.Fatal(err)
	}
	clk.Add(10 * time.Minute)
	ver, err := s.Restore(ctx, "b", snap, backend.RestoreOptions{IfAbsent: true})
	if err != nil {
		t.Fatal(err)
	}
	e := mustGet(t, s, "b", "k")
	if string(e.Value) != "kept" || !e.ExpiresAt.Equal(orig.ExpiresAt) || e.TTL != time.Hour || e.Version != ver {
		t.Fatalf("restored %q expiring %v (was %v), ttl %v, version %q (Restore said %q)", e.Value, e.ExpiresAt, orig.ExpiresAt, e.TTL, e.Version, ver)
	}
	if v, _ := rawGet(t, path, "b", "k"); string(v) != "kept" {
		t.Fatalf("the file holds %q", v)
	}
	// Restoring what the key holds already writes nothing.
	before := fileBytes(t, path)
	snap2, _ := s.Snapshot(ctx, "b", "k")
	if v2, err := s.Restore(ctx, "b", snap2, backend.RestoreOptions{IfVersion: ver}); err != nil || v2 != ver {
		t.Fatalf("restore of the same: %q %v", v2, err)
	}
	if !bytesEqual(before, fileBytes(t, path)) {
		t.Fatal("a restore of what the key holds changed the file")
	}

	// Once the instant has passed, nothing is restored.
	if err := s.Delete(ctx, "b", "k", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	_, err = s.Restore(ctx, "b", snap, backend.RestoreOptions{IfAbsent: true})
	if !errors.Is(err, backend.ErrNotFound) || !strings.Contains(err.Error(), "expiry passed") {
		t.Fatalf("restore after the expiry: %v, want ErrNotFound saying the expiry passed", err)
	}
	if _, ok := rawGet(t, path, "b", "k"); ok {
		t.Fatal("an expired snapshot was written back")
	}
	big := make([]byte, maxSnapshotBytes+1)
	if _, err := s.Put(ctx, "b", "big", big, backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(ctx, "b", "big"); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("snapshot of a huge key: %v", err)
	}
}

func rawConfig(t *testing.T, path, bucket string) backend.BucketConfig {
	t.Helper()
	var cfg backend.BucketConfig
	rawView(t, path, func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket(metaRoot).Bucket(bucketsMeta).Bucket([]byte(bucket)).Get(configKey), &cfg)
	})
	return cfg
}

// UpdateBucket applies only what the form changed, onto the bucket's
// current config, and writes nothing when nothing changed.
func TestUpdateBucketAppliesOnlyWhatTheFormChanged(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 5, TTL: time.Hour, MaxValueSize: 100,
		Metadata: map[string]string{"owner": "ops"}, Replicas: 3}, Options{})
	bs, _ := s.Buckets(ctx)
	seen := *bs[0].Config
	cfg := seen
	cfg.Description = "orders"
	cfg.Replicas = 0 // a field the local store does not honour: not compared, not applied
	if err := s.UpdateBucket(ctx, seen, cfg); err != nil {
		t.Fatal(err)
	}
	got := rawConfig(t, path, "b")
	if got.Description != "orders" || got.History != 5 || got.TTL != time.Hour || got.MaxValueSize != 100 || got.Metadata["owner"] != "ops" || got.Replicas != 3 {
		t.Fatalf("config after the update: %+v", got)
	}
	before := fileBytes(t, path)
	bs, _ = s.Buckets(ctx)
	if err := s.UpdateBucket(ctx, *bs[0].Config, *bs[0].Config); err != nil {
		t.Fatal(err)
	}
	if !bytesEqual(before, fileBytes(t, path)) {
		t.Fatal("an update that changed nothing wrote the file")
	}
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "b", History: 1}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("CreateBucket of an existing bucket: %v", err)
	}
	if err := s.DeleteBucket(ctx, "nope"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("DeleteBucket of a missing bucket: %v", err)
	}
	if err := s.UpdateBucket(ctx, backend.BucketConfig{Name: "nope", History: 1}, backend.BucketConfig{Name: "nope", History: 2}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("UpdateBucket of a missing bucket: %v", err)
	}
}
