package local

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Second-writer tests: kvdeck reads, another program (plain bbolt, see
// other_test.go) changes the target, kvdeck writes. Each ends by reading
// the file with plain bbolt: the other program's data must be intact.

func secondWriter(t *testing.T) (context.Context, *Store, rawOther) {
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 5}, Options{})
	return context.Background(), s, rawOther{path: path, bucket: "b"}
}

func wantHeld(t *testing.T, o rawOther, key, want string) {
	t.Helper()
	v, ok := rawGet(t, o.path, o.bucket, key)
	switch {
	case want == "" && ok:
		t.Fatalf("the file holds %q for %q, want it absent", v, key)
	case want != "" && (!ok || string(v) != want):
		t.Fatalf("the file holds %q (present %v) for %q, want the other program's %q", v, ok, key, want)
	}
}

func TestSecondWriterPutIfVersion(t *testing.T) {
	ctx, s, o := secondWriter(t)
	for _, theirs := range []string{"them", "a longer value", ""} { // same size, other size, deleted
		if _, err := s.Put(ctx, "b", "k", []byte("mine"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		e := mustGet(t, s, "b", "k")
		if theirs == "" {
			o.Delete(t, "k")
		} else {
			o.Set(t, "k", []byte(theirs))
		}
		_, err := s.Put(ctx, "b", "k", []byte("edit"), backend.PutOptions{IfVersion: e.Version})
		wantConflict(t, "Put after the other program wrote "+theirs, err)
		wantHeld(t, o, "k", theirs)
	}
	// Created by the other program between kvdeck's look and its create.
	if _, err := s.Get(ctx, "b", "new", backend.GetOptions{}); err == nil {
		t.Fatal("new exists")
	}
	o.Set(t, "new", []byte("theirs"))
	_, err := s.Put(ctx, "b", "new", []byte("mine"), backend.PutOptions{IfAbsent: true})
	wantConflict(t, "create after the other program created the key", err)
	wantHeld(t, o, "new", "theirs")
}

func TestSecondWriterDeleteIfVersion(t *testing.T) {
	ctx, s, o := secondWriter(t)
	if _, err := s.Put(ctx, "b", "k", []byte("mine"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	e := mustGet(t, s, "b", "k")
	o.Set(t, "k", []byte("theirs"))
	err := s.Delete(ctx, "b", "k", backend.DeleteOptions{IfVersion: e.Version})
	wantConflict(t, "Delete after the other program wrote", err)
	wantHeld(t, o, "k", "theirs")
}

// Expire applies to the key as it is now: the other program's value stays
// and gets the TTL (the documented outcome, not a conflict).
func TestSecondWriterExpire(t *testing.T) {
	ctx, s, o := secondWriter(t)
	if _, err := s.Put(ctx, "b", "k", []byte("mine"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "b", "k")
	o.Set(t, "k", []byte("theirs"))
	if err := s.Expire(ctx, "b", "k", 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, o, "k", "theirs")
	if e := mustGet(t, s, "b", "k"); string(e.Value) != "theirs" || time.Until(e.ExpiresAt) < 119*time.Minute {
		t.Fatalf("after Expire: %q expiring in %v", e.Value, time.Until(e.ExpiresAt))
	}
	// Persist after another rewrite: nothing to do, value intact.
	o.Set(t, "k", []byte("theirs 2"))
	if err := s.Expire(ctx, "b", "k", 0); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, o, "k", "theirs 2")
	// Deleted by the other program: not found, nothing created.
	o.Delete(t, "k")
	if err := s.Expire(ctx, "b", "k", time.Hour); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("Expire of a key the other program deleted: %v", err)
	}
	wantHeld(t, o, "k", "")
}

func TestSecondWriterRenameTarget(t *testing.T) {
	ctx, s, o := secondWriter(t)
	if _, err := s.Put(ctx, "b", "from", []byte("moving"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "b", "from")
	if _, err := s.Get(ctx, "b", "to", backend.GetOptions{}); err == nil {
		t.Fatal("to exists")
	}
	o.Set(t, "to", []byte("theirs"))
	wantConflict(t, "Rename onto a key the other program created", s.Rename(ctx, "b", "from", "to"))
	wantHeld(t, o, "to", "theirs")
	wantHeld(t, o, "from", "moving")
}

func TestSecondWriterRestore(t *testing.T) {
	ctx, s, o := secondWriter(t)
	// Undo of a delete, after the other program created the key again.
	if _, err := s.Put(ctx, "b", "k", []byte("deleted by me"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "b", "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
		t.Fatal(err)
	}
	o.Set(t, "k", []byte("theirs"))
	_, err = s.Restore(ctx, "b", snap, backend.RestoreOptions{IfAbsent: true})
	wantConflict(t, "undo of a delete after the key was created again", err)
	if !strings.Contains(err.Error(), "now holds 6 bytes") {
		t.Errorf("the conflict does not say what the key holds now: %v", err)
	}
	wantHeld(t, o, "k", "theirs")

	// Undo of an overwrite, after the other program changed the key.
	if _, err := s.Put(ctx, "b", "j", []byte("v1"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, _ = s.Snapshot(ctx, "b", "j")
	v2, err := s.Put(ctx, "b", "j", []byte("v2"), backend.PutOptions{IfVersion: snap.Version})
	if err != nil {
		t.Fatal(err)
	}
	o.Set(t, "j", []byte("theirs"))
	_, err = s.Restore(ctx, "b", snap, backend.RestoreOptions{IfVersion: v2})
	wantConflict(t, "undo of an overwrite after the key changed", err)
	wantHeld(t, o, "j", "theirs")

	// Unchanged since: the undo goes through.
	v3, err := s.Put(ctx, "b", "j", []byte("v3"), backend.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Restore(ctx, "b", snap, backend.RestoreOptions{IfVersion: v3}); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, o, "j", "v1")
}

// The bucket's config changed (another kvdeck, the only other program that
// knows the format) between opening the form and saving it.
func TestSecondWriterUpdateBucket(t *testing.T) {
	ctx, s, o := secondWriter(t)
	bs, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := *bs[0].Config
	other := openAt(t, o.path, Options{})
	cfg3 := seen
	cfg3.History = 3
	if err := other.UpdateBucket(ctx, seen, cfg3); err != nil {
		t.Fatal(err)
	}
	other.Close()
	cfg := seen
	cfg.TTL = time.Hour
	err = s.UpdateBucket(ctx, seen, cfg)
	wantConflict(t, "UpdateBucket after another writer changed the config", err)
	if !strings.Contains(err.Error(), "history is now 3 (was 5 when the form opened)") {
		t.Errorf("the conflict does not name the field: %v", err)
	}
	if got := rawConfig(t, o.path, "b"); got.History != 3 || got.TTL != 0 {
		t.Fatalf("config after the refused update: %+v", got)
	}
}
