package nats

import (
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

func TestSnapshotRestoreUndoesDeleteWithExpiryInstant(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	o := newOther(t, srv.URL(), bucket)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "kept", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	read := mustGet(t, s, bucket, "k")
	snap, err := s.Snapshot(ctx, bucket, "k")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != read.Version || !snap.ExpiresAt.Equal(read.ExpiresAt) || snap.TTL != time.Hour ||
		string(snap.Value) != "kept" || snap.Size != 4 || snap.Kind != backend.KindString {
		t.Fatalf("snapshot %+v of %+v", snap, read)
	}
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // so that a restarted TTL would show

	v, err := s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	back := mustGet(t, s, bucket, "k")
	if back.Version != v || string(back.Value) != "kept" {
		t.Errorf("restored %q at %s, Restore returned %s", back.Value, back.Version, v)
	}
	if d := back.ExpiresAt.Sub(snap.ExpiresAt); d < 0 || d >= time.Second {
		t.Errorf("restored expiry %s, snapshot's %s", back.ExpiresAt, snap.ExpiresAt)
	}
	if got := o.last(t, "k"); got.Sequence != back.Revision {
		t.Errorf("nats.go reads revision %d, want %d", got.Sequence, back.Revision)
	}

	// A key that never existed is absent too.
	snap.Key = "fresh"
	if _, err := s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true}); err != nil {
		t.Errorf("Restore of a key that never existed: %v", err)
	}
	// Restoring over a live key with IfAbsent is a conflict.
	_, err = s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
	wantErr(t, err, backend.ErrConflict, "Restore IfAbsent over a live key")
}

func TestRestoreUndoesOverwrite(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "before", backend.PutOptions{})
	snap, err := s.Snapshot(ctx, bucket, "k")
	if err != nil {
		t.Fatal(err)
	}
	if !snap.ExpiresAt.IsZero() || snap.TTL != 0 {
		t.Errorf("snapshot of a key without TTL: expires %v TTL %s", snap.ExpiresAt, snap.TTL)
	}
	written, err := s.Put(ctx, bucket, "k", []byte("after"), backend.PutOptions{IfVersion: snap.Version})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: written})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if e := mustGet(t, s, bucket, "k"); string(e.Value) != "before" || e.Version != v || !e.ExpiresAt.IsZero() {
		t.Errorf("after undo: %q at %s expires %v", e.Value, e.Version, e.ExpiresAt)
	}
	_, err = s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: written})
	wantErr(t, err, backend.ErrConflict, "Restore against a version the key no longer holds")
}

func TestRestoreOfExpiredSnapshotRestoresNothing(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	o := newOther(t, srv.URL(), bucket)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "short", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Second})
	snap, err := s.Snapshot(ctx, bucket, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
		t.Fatal(err)
	}
	eventually(t, expiryWait, "the snapshot's expiry passes", func() bool { return time.Now().After(snap.ExpiresAt) })
	_, err = s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
	wantErr(t, err, backend.ErrNotFound, "Restore of an expired snapshot")
	if !strings.Contains(err.Error(), "expired") {
		t.Errorf("%q does not say why", err)
	}
	if _, ok := o.Get(t, "k"); ok {
		t.Error("an expired snapshot was restored")
	}
}

// Where only the bucket's TTL applies, a restored key's age restarts; with
// per-key TTLs its instant comes back as a TTL of the time left.
func TestRestoreInBucketWithTTL(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	ctx := testContext(t)
	for _, c := range []struct {
		name     string
		keyTTL   bool
		restarts bool
	}{{"perkey", true, false}, {"bucketonly", false, true}} {
		if err := s.CreateBucket(ctx, backend.BucketConfig{Name: c.name, TTL: time.Hour, History: 2, KeyTTL: c.keyTTL}); err != nil {
			t.Fatal(err)
		}
		mustPut(t, s, c.name, "k", "v", backend.PutOptions{})
		snap, err := s.Snapshot(ctx, c.name, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !snap.ExpiresAt.Equal(mustGet(t, s, c.name, "k").ExpiresAt) || snap.ExpiresAt.IsZero() {
			t.Errorf("%s: snapshot expiry %v", c.name, snap.ExpiresAt)
		}
		if err := s.Delete(ctx, c.name, "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if _, err := s.Restore(ctx, c.name, snap, backend.RestoreOptions{IfAbsent: true}); err != nil {
			t.Fatalf("%s: Restore: %v", c.name, err)
		}
		moved := mustGet(t, s, c.name, "k").ExpiresAt.Sub(snap.ExpiresAt)
		if c.restarts && moved < time.Second || !c.restarts && (moved < 0 || moved >= time.Second) {
			t.Errorf("%s: restore moved the expiry by %s", c.name, moved)
		}
	}
	o := newOther(t, srv, "perkey")
	if ttl := o.last(t, "k").Header.Get(jetstream.MsgTTLHeader); ttl == "" {
		t.Error("restore in a bucket with per-key TTLs wrote no TTL")
	}
}
