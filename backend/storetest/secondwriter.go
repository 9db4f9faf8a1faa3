package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// The second-writer group: for every write kvdeck offers, kvdeck reads, a
// second client (the store's own library) changes the target, and kvdeck
// writes. The write must be refused with the documented error, or have the
// documented outcome, and the other client's data must still be there when
// read back with the other client. Each refusal has a positive control
// beside it (the same write without interference, or with interference on
// something else), so a driver that refuses everything fails too.

func testSecondWriter(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	o := needOther(t, h, bucket)
	t.Run("Put", func(t *testing.T) { swPut(t, s, o, bucket) })
	t.Run("Delete", func(t *testing.T) { swDelete(t, s, o, bucket) })
	t.Run("Expire", func(t *testing.T) { swExpire(t, s, o, bucket) })
	if r, ok := s.(backend.Renamer); ok {
		t.Run("Rename", func(t *testing.T) { swRename(t, s, r, o, bucket) })
	}
	if r, ok := s.(backend.Restorer); ok {
		t.Run("Restore", func(t *testing.T) { swRestore(t, s, r, o, bucket) })
	}
	if p, ok := s.(backend.Purger); ok {
		t.Run("Purge", func(t *testing.T) { swPurge(t, s, p, o, bucket) })
	}
	if c, ok := s.(backend.Collections); ok {
		t.Run("Collections", func(t *testing.T) {
			co, ok := o.(CollectionOther)
			if !ok {
				if inCI() {
					t.Fatal("the store has Collections but its Other is not a storetest.CollectionOther (CI is set, so this is not skipped)")
				}
				t.Skip("the store has Collections but its Other is not a storetest.CollectionOther: no way to change one element between kvdeck's read and write")
			}
			swCollections(t, s, c, co, bucket)
		})
	}
	if a, ok := s.(backend.BucketAdmin); ok {
		t.Run("Buckets", func(t *testing.T) {
			bo, ok := o.(BucketOther)
			if !ok {
				if inCI() {
					t.Fatal("the store has BucketAdmin but its Other is not a storetest.BucketOther (CI is set, so this is not skipped)")
				}
				t.Skip("the store has BucketAdmin but its Other is not a storetest.BucketOther: no way to change a bucket between kvdeck's read and write")
			}
			swBuckets(t, s, a, bo)
		})
	}
}

func mustGet(t *testing.T, s backend.Store, bucket, key string) backend.Entry {
	t.Helper()
	e, err := s.Get(ctxT(t), bucket, key, backend.GetOptions{MaxBytes: -1})
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return e
}

// wantErr fails unless err matches one of targets.
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	t.Fatalf("%s: got %v, want %v", what, err, targets)
}

func wantOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func swPut(t *testing.T, s backend.Store, o Other, bucket string) {
	ctx := ctxT(t)
	t.Run("IfVersion/OtherChanged", func(t *testing.T) {
		put(t, s, bucket, "p1", "mine-0", backend.PutOptions{})
		e := mustGet(t, s, bucket, "p1")
		o.Set(t, "p1", []byte("theirs"))
		_, err := s.Put(ctx, bucket, "p1", []byte("mine-1"), backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "Put with the version read before the other client wrote", err, backend.ErrConflict)
		otherValue(t, o, "p1", "theirs", "after the refused Put")
		// Reading again and writing is how the user resolves it.
		e = mustGet(t, s, bucket, "p1")
		if string(e.Value) != "theirs" {
			t.Fatalf("kvdeck reads %q, the other client wrote %q", e.Value, "theirs")
		}
		_, err = s.Put(ctx, bucket, "p1", []byte("mine-2"), backend.PutOptions{IfVersion: e.Version})
		wantOK(t, "Put with the version read after the other client wrote", err)
		otherValue(t, o, "p1", "mine-2", "after the Put with a fresh version")
	})
	t.Run("IfVersion/OtherChangedForeignKey", func(t *testing.T) {
		// A key only the other client ever wrote (no kvdeck metadata).
		o.Set(t, "p2", []byte("theirs-0"))
		e := mustGet(t, s, bucket, "p2")
		o.Set(t, "p2", []byte("theirs-1"))
		_, err := s.Put(ctx, bucket, "p2", []byte("mine"), backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "Put over a foreign key the other client changed again", err, backend.ErrConflict)
		otherValue(t, o, "p2", "theirs-1", "after the refused Put")
	})
	t.Run("IfVersion/OtherDeleted", func(t *testing.T) {
		put(t, s, bucket, "p3", "mine-0", backend.PutOptions{})
		e := mustGet(t, s, bucket, "p3")
		o.Delete(t, "p3")
		_, err := s.Put(ctx, bucket, "p3", []byte("mine-1"), backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "Put with a version of a key the other client deleted", err, backend.ErrConflict)
		otherAbsent(t, o, "p3", "a refused Put re-created the key the other client deleted")
	})
	t.Run("IfVersion/OtherRecreated", func(t *testing.T) {
		put(t, s, bucket, "p4", "mine-0", backend.PutOptions{})
		e := mustGet(t, s, bucket, "p4")
		o.Delete(t, "p4")
		o.Set(t, "p4", []byte("theirs"))
		_, err := s.Put(ctx, bucket, "p4", []byte("mine-1"), backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "Put over a key the other client deleted and wrote again", err, backend.ErrConflict)
		otherValue(t, o, "p4", "theirs", "after the refused Put")
	})
	t.Run("IfAbsent/OtherCreated", func(t *testing.T) {
		if _, err := s.Get(ctx, bucket, "p5", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Get of a key nobody wrote: %v", err)
		}
		o.Set(t, "p5", []byte("theirs"))
		_, err := s.Put(ctx, bucket, "p5", []byte("mine"), backend.PutOptions{IfAbsent: true})
		wantErr(t, "create of a key the other client created meanwhile", err, backend.ErrConflict)
		otherValue(t, o, "p5", "theirs", "after the refused create")
		// Control: a create nobody raced succeeds.
		_, err = s.Put(ctx, bucket, "p5b", []byte("mine"), backend.PutOptions{IfAbsent: true})
		wantOK(t, "create of an absent key", err)
		otherValue(t, o, "p5b", "mine", "after the create")
	})
}

func swDelete(t *testing.T, s backend.Store, o Other, bucket string) {
	ctx := ctxT(t)
	t.Run("IfVersion/OtherChanged", func(t *testing.T) {
		put(t, s, bucket, "d1", "mine", backend.PutOptions{})
		e := mustGet(t, s, bucket, "d1")
		o.Set(t, "d1", []byte("theirs"))
		err := s.Delete(ctx, bucket, "d1", backend.DeleteOptions{IfVersion: e.Version})
		wantErr(t, "Delete with the version read before the other client wrote", err, backend.ErrConflict)
		otherValue(t, o, "d1", "theirs", "after the refused Delete")
	})
	t.Run("IfVersion/OtherRecreated", func(t *testing.T) {
		put(t, s, bucket, "d2", "mine", backend.PutOptions{})
		e := mustGet(t, s, bucket, "d2")
		o.Delete(t, "d2")
		o.Set(t, "d2", []byte("theirs"))
		err := s.Delete(ctx, bucket, "d2", backend.DeleteOptions{IfVersion: e.Version})
		wantErr(t, "Delete of a key the other client deleted and wrote again", err, backend.ErrConflict)
		otherValue(t, o, "d2", "theirs", "after the refused Delete")
	})
	t.Run("IfVersion/OtherDeleted", func(t *testing.T) {
		put(t, s, bucket, "d3", "mine", backend.PutOptions{})
		e := mustGet(t, s, bucket, "d3")
		o.Delete(t, "d3")
		err := s.Delete(ctx, bucket, "d3", backend.DeleteOptions{IfVersion: e.Version})
		// Documented: a missing key is ErrNotFound.
		wantErr(t, "Delete of a key the other client deleted", err, backend.ErrNotFound)
		otherAbsent(t, o, "d3", "after Delete of a deleted key")
	})
	t.Run("IfVersion/Control", func(t *testing.T) {
		put(t, s, bucket, "d4", "mine", backend.PutOptions{})
		e := mustGet(t, s, bucket, "d4")
		o.Set(t, "d4-other", []byte("unrelated"))
		wantOK(t, "Delete with the current version", s.Delete(ctx, bucket, "d4", backend.DeleteOptions{IfVersion: e.Version}))
		otherAbsent(t, o, "d4", "after Delete")
		otherValue(t, o, "d4-other", "unrelated", "a Delete touched another key")
	})
	if r, ok := s.(backend.Restorer); ok {
		t.Run("SnapshotVersion/OtherChanged", func(t *testing.T) {
			put(t, s, bucket, "d5", "mine", backend.PutOptions{})
			snap, err := r.Snapshot(ctx, bucket, "d5")
			wantOK(t, "Snapshot", err)
			o.Set(t, "d5", []byte("theirs"))
			err = s.Delete(ctx, bucket, "d5", backend.DeleteOptions{IfVersion: snap.Version})
			wantErr(t, "Delete with a Snapshot.Version taken before the other client wrote", err, backend.ErrConflict)
			otherValue(t, o, "d5", "theirs", "after the refused Delete")
			// Control: a fresh snapshot's version deletes.
			snap, err = r.Snapshot(ctx, bucket, "d5")
			wantOK(t, "Snapshot", err)
			wantOK(t, "Delete with a fresh Snapshot.Version", s.Delete(ctx, bucket, "d5", backend.DeleteOptions{IfVersion: snap.Version}))
			otherAbsent(t, o, "d5", "after Delete")
		})
	}
}

// swExpire: Expire is not conditional; it applies to the key as it is now.
// Where the TTL is stored with the value, a TTL change written with the
// value kvdeck read would put that old value back over the other client's.
func swExpire(t *testing.T, s backend.Store, o Other, bucket string) {
	ctx := ctxT(t)
	hour := time.Hour
	cases := []struct {
		name    string
		initTTL time.Duration // 0 = none
		ttl     time.Duration // 0 = persist
	}{
		{"Set", 0, hour},
		{"Refresh", hour, hour},
		{"Change", hour, 2 * hour},
		{"Persist", hour, 0},
	}
	for i, c := range cases {
		t.Run(c.name+"/OtherChanged", func(t *testing.T) {
			key := fmt.Sprintf("e%d", i)
			opts := backend.PutOptions{}
			if c.initTTL > 0 {
				opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: c.initTTL}
			}
			put(t, s, bucket, key, "mine", opts)
			mustGet(t, s, bucket, key)
			o.Set(t, key, []byte("theirs"))
			wantOK(t, "Expire after the other client wrote", s.Expire(ctx, bucket, key, c.ttl))
			otherValue(t, o, key, "theirs", "Expire put back the value kvdeck had read")
			e := mustGet(t, s, bucket, key)
			if c.ttl == 0 {
				if !e.ExpiresAt.IsZero() {
					t.Fatalf("persist left an expiry in %v", time.Until(e.ExpiresAt).Round(time.Second))
				}
			} else {
				near(t, "the TTL set after the other client wrote", e.ExpiresAt, time.Now().Add(c.ttl), 5*time.Second)
			}
		})
		t.Run(c.name+"/OtherDeleted", func(t *testing.T) {
			key := fmt.Sprintf("e%d-gone", i)
			opts := backend.PutOptions{}
			if c.initTTL > 0 {
				opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: c.initTTL}
			}
			put(t, s, bucket, key, "mine", opts)
			mustGet(t, s, bucket, key)
			o.Delete(t, key)
			err := s.Expire(ctx, bucket, key, c.ttl)
			wantErr(t, "Expire of a key the other client deleted", err, backend.ErrNotFound)
			otherAbsent(t, o, key, "Expire re-created a key the other client deleted")
		})
	}
}

func swRename(t *testing.T, s backend.Store, r backend.Renamer, o Other, bucket string) {
	ctx := ctxT(t)
	t.Run("OtherCreatedTarget", func(t *testing.T) {
		put(t, s, bucket, "r1", "moving", backend.PutOptions{})
		mustGet(t, s, bucket, "r1")
		if _, err := s.Get(ctx, bucket, "r1-to", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("target before the rename: %v", err)
		}
		o.Set(t, "r1-to", []byte("theirs"))
		err := r.Rename(ctx, bucket, "r1", "r1-to")
		wantErr(t, "Rename onto a key the other client created meanwhile", err, backend.ErrConflict)
		otherValue(t, o, "r1-to", "theirs", "a refused Rename overwrote the target")
		otherValue(t, o, "r1", "moving", "a refused Rename lost the source")
	})
	t.Run("OtherChangedSource", func(t *testing.T) {
		put(t, s, bucket, "r2", "mine", backend.PutOptions{})
		mustGet(t, s, bucket, "r2")
		o.Set(t, "r2", []byte("theirs"))
		wantOK(t, "Rename of a key the other client changed", r.Rename(ctx, bucket, "r2", "r2-to"))
		otherValue(t, o, "r2-to", "theirs", "the renamed key must hold the value as it is now")
		otherAbsent(t, o, "r2", "the old name after Rename")
	})
	t.Run("OtherDeletedSource", func(t *testing.T) {
		put(t, s, bucket, "r3", "mine", backend.PutOptions{})
		mustGet(t, s, bucket, "r3")
		o.Delete(t, "r3")
		err := r.Rename(ctx, bucket, "r3", "r3-to")
		wantErr(t, "Rename of a key the other client deleted", err, backend.ErrNotFound)
		otherAbsent(t, o, "r3-to", "Rename of a deleted key created the target")
		otherAbsent(t, o, "r3", "Rename of a deleted key re-created it")
	})
}

// swRestore: undo puts a snapshot back only if nothing changed since the
// destructive action (IfAbsent after a delete, IfVersion after an
// overwrite).
func swRestore(t *testing.T, s backend.Store, r backend.Restorer, o Other, bucket string) {
	ctx := ctxT(t)
	deleted := func(t *testing.T, key string) backend.Snapshot {
		put(t, s, bucket, key, "mine", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
		snap, err := r.Snapshot(ctx, bucket, key)
		wantOK(t, "Snapshot", err)
		if snap.Kind != backend.KindString || snap.Size != 4 {
			t.Fatalf("Snapshot of a 4-byte string: kind %v size %d", snap.Kind, snap.Size)
		}
		wantOK(t, "Delete", s.Delete(ctx, bucket, key, backend.DeleteOptions{IfVersion: snap.Version}))
		return snap
	}
	t.Run("Snapshot/StringValue", func(t *testing.T) {
		// Documented: Value is the whole value of a string-like key.
		put(t, s, bucket, "u0", "mine", backend.PutOptions{})
		snap, err := r.Snapshot(ctx, bucket, "u0")
		wantOK(t, "Snapshot", err)
		if string(snap.Value) != "mine" {
			t.Fatalf("Snapshot of a string holds Value %q, want %q", snap.Value, "mine")
		}
	})
	t.Run("IfAbsent/Control", func(t *testing.T) {
		snap := deleted(t, "u1")
		_, err := r.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
		wantOK(t, "undo of a delete nobody raced", err)
		otherValue(t, o, "u1", "mine", "after undo of the delete")
		near(t, "the restored expiry instant", mustGet(t, s, bucket, "u1").ExpiresAt, snap.ExpiresAt, 2*time.Second)
	})
	t.Run("IfAbsent/OtherRecreated", func(t *testing.T) {
		snap := deleted(t, "u2")
		o.Set(t, "u2", []byte("theirs"))
		_, err := r.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
		wantErr(t, "undo of a delete after the other client re-created the key", err, backend.ErrConflict)
		otherValue(t, o, "u2", "theirs", "after the refused undo")
	})
	overwritten := func(t *testing.T, key string) (backend.Snapshot, string) {
		put(t, s, bucket, key, "before", backend.PutOptions{})
		e := mustGet(t, s, bucket, key)
		snap, err := r.Snapshot(ctx, bucket, key)
		wantOK(t, "Snapshot", err)
		v, err := s.Put(ctx, bucket, key, []byte("after"), backend.PutOptions{IfVersion: e.Version})
		wantOK(t, "Put", err)
		return snap, v
	}
	t.Run("IfVersion/Control", func(t *testing.T) {
		snap, v := overwritten(t, "u3")
		_, err := r.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: v})
		wantOK(t, "undo of an overwrite nobody raced (with the version Put returned)", err)
		otherValue(t, o, "u3", "before", "after undo of the overwrite")
	})
	t.Run("IfVersion/OtherChanged", func(t *testing.T) {
		snap, v := overwritten(t, "u4")
		o.Set(t, "u4", []byte("theirs"))
		_, err := r.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: v})
		wantErr(t, "undo of an overwrite after the other client wrote", err, backend.ErrConflict)
		otherValue(t, o, "u4", "theirs", "after the refused undo")
	})
	t.Run("IfVersion/OtherDeleted", func(t *testing.T) {
		snap, v := overwritten(t, "u5")
		o.Delete(t, "u5")
		_, err := r.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: v})
		wantErr(t, "undo of an overwrite after the other client deleted the key", err, backend.ErrConflict)
		otherAbsent(t, o, "u5", "a refused undo re-created the key")
	})
}

// swPurge: Purge takes no version, so its documented outcome is that the
// key and its history go, including what the other client wrote last.
func swPurge(t *testing.T, s backend.Store, p backend.Purger, o Other, bucket string) {
	ctx := ctxT(t)
	t.Run("OtherChanged", func(t *testing.T) {
		put(t, s, bucket, "g1", "mine", backend.PutOptions{})
		mustGet(t, s, bucket, "g1")
		o.Set(t, "g1", []byte("theirs"))
		wantOK(t, "Purge after the other client wrote", p.Purge(ctx, bucket, "g1"))
		otherAbsent(t, o, "g1", "after Purge")
		if hist, ok := s.(backend.Historian); ok {
			es, err := hist.History(ctx, bucket, "g1")
			if err != nil && !errors.Is(err, backend.ErrNotFound) {
				t.Fatalf("History after Purge: %v", err)
			}
			for _, e := range es {
				if len(e.Value) > 0 {
					t.Fatalf("History after Purge still holds %q", e.Value)
				}
			}
		}
		// The other client can write the key again, and kvdeck sees it.
		o.Set(t, "g1", []byte("theirs-again"))
		if e := mustGet(t, s, bucket, "g1"); string(e.Value) != "theirs-again" {
			t.Fatalf("kvdeck reads %q after the other client wrote the purged key again", e.Value)
		}
	})
	t.Run("OtherDeleted", func(t *testing.T) {
		put(t, s, bucket, "g2", "mine", backend.PutOptions{})
		mustGet(t, s, bucket, "g2")
		o.Delete(t, "g2")
		// A deleted key can still be purged (to drop its history) or is
		// not found; either way nothing comes back.
		if err := p.Purge(ctx, bucket, "g2"); err != nil && !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Purge of a key the other client deleted: %v", err)
		}
		otherAbsent(t, o, "g2", "Purge re-created a deleted key")
	})
}

// swBuckets: bucket edits are conditional on the config the form showed.
func swBuckets(t *testing.T, s backend.Store, a backend.BucketAdmin, bo BucketOther) {
	ctx := ctxT(t)
	seen := func(t *testing.T, name string) backend.BucketConfig {
		t.Helper()
		bs, err := s.Buckets(ctx)
		wantOK(t, "Buckets", err)
		for _, b := range bs {
			if b.Name == name {
				if b.Config == nil {
					t.Fatalf("bucket %q has no Config on a store with BucketAdmin", name)
				}
				return *b.Config
			}
		}
		t.Fatalf("Buckets does not list %q", name)
		return backend.BucketConfig{}
	}
	wantDesc := func(t *testing.T, name, want, why string) {
		t.Helper()
		got, ok := bo.BucketDescription(t, name)
		if !ok {
			t.Fatalf("%s: bucket %q is gone", why, name)
		}
		if got != want {
			t.Fatalf("%s: bucket %q has description %q, want %q", why, name, got, want)
		}
	}
	t.Run("Create/OtherCreated", func(t *testing.T) {
		bs, err := s.Buckets(ctx)
		wantOK(t, "Buckets", err)
		for _, b := range bs {
			if b.Name == "swcreate" {
				t.Fatal("bucket swcreate exists before the test")
			}
		}
		bo.CreateBucket(t, "swcreate", "theirs")
		err = a.CreateBucket(ctx, backend.BucketConfig{Name: "swcreate", Description: "mine", History: 1, KeyTTL: true})
		wantErr(t, "CreateBucket of a bucket the other client created meanwhile", err, backend.ErrConflict)
		wantDesc(t, "swcreate", "theirs", "after the refused create")
	})
	t.Run("Update/Control", func(t *testing.T) {
		bo.CreateBucket(t, "swupdate0", "first")
		cfg := seen(t, "swupdate0")
		next := cfg
		next.Description = "mine"
		wantOK(t, "UpdateBucket nobody raced", a.UpdateBucket(ctx, cfg, next))
		wantDesc(t, "swupdate0", "mine", "after the update")
	})
	t.Run("Update/OtherChangedSameField", func(t *testing.T) {
		bo.CreateBucket(t, "swupdate1", "first")
		cfg := seen(t, "swupdate1")
		bo.SetBucketDescription(t, "swupdate1", "theirs")
		next := cfg
		next.Description = "mine"
		err := a.UpdateBucket(ctx, cfg, next)
		wantErr(t, "UpdateBucket from a config the other client changed", err, backend.ErrConflict)
		wantDesc(t, "swupdate1", "theirs", "after the refused update")
	})
	t.Run("Update/OtherChangedOtherField", func(t *testing.T) {
		bo.CreateBucket(t, "swupdate2", "first")
		cfg := seen(t, "swupdate2")
		bo.SetBucketDescription(t, "swupdate2", "theirs")
		next := cfg
		next.History = cfg.History + 1
		err := a.UpdateBucket(ctx, cfg, next)
		// Documented: a bucket whose config changed since seen is
		// ErrConflict, whichever field the user edited.
		wantErr(t, "UpdateBucket of history after the other client changed the description", err, backend.ErrConflict)
		wantDesc(t, "swupdate2", "theirs", "after the refused update")
		if got := seen(t, "swupdate2").History; got != cfg.History {
			t.Fatalf("a refused update changed history from %d to %d", cfg.History, got)
		}
	})
	t.Run("Update/OtherDeleted", func(t *testing.T) {
		bo.CreateBucket(t, "swupdate3", "first")
		cfg := seen(t, "swupdate3")
		bo.DeleteBucket(t, "swupdate3")
		next := cfg
		next.Description = "mine"
		err := a.UpdateBucket(ctx, cfg, next)
		wantErr(t, "UpdateBucket of a bucket the other client deleted", err, backend.ErrNotFound, backend.ErrConflict)
		if d, ok := bo.BucketDescription(t, "swupdate3"); ok {
			t.Fatalf("a refused update re-created the deleted bucket (description %q)", d)
		}
	})
	t.Run("Delete/OtherDeleted", func(t *testing.T) {
		bo.CreateBucket(t, "swdelete", "first")
		seen(t, "swdelete")
		bo.DeleteBucket(t, "swdelete")
		err := a.DeleteBucket(ctx, "swdelete")
		wantErr(t, "DeleteBucket of a bucket the other client deleted", err, backend.ErrNotFound)
	})
}

// readAll pages a whole collection through kvdeck, as the element view does.
func readAll(t *testing.T, ctx context.Context, c backend.Collections, bucket, key string) []backend.Element {
	t.Helper()
	var out []backend.Element
	cursor := ""
	for range 1000 {
		p, err := c.Elements(ctx, bucket, key, cursor, 100)
		if err != nil {
			t.Fatalf("Elements(%q): %v", key, err)
		}
		out = append(out, p.Elements...)
		if p.Done {
			return out
		}
		cursor = p.Cursor
	}
	t.Fatalf("Elements(%q) never said Done", key)
	return nil
}

// find returns the element of els matching pred.
func find(t *testing.T, els []backend.Element, what string, pred func(backend.Element) bool) backend.Element {
	t.Helper()
	for _, e := range els {
		if pred(e) {
			return e
		}
	}
	t.Fatalf("kvdeck's Elements does not show %s: %+v", what, els)
	return backend.Element{}
}

func byField(f string) func(backend.Element) bool {
	return func(e backend.Element) bool { return e.Field == f }
}

func byValue(v string) func(backend.Element) bool {
	return func(e backend.Element) bool { return string(e.Value) == v }
}

func wantMap[V comparable](t *testing.T, why string, got, want map[string]V) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Fatalf("%s: the store holds %v, want %v", why, got, want)
	}
}

func wantList(t *testing.T, why string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: the store holds %q, want %q", why, got, want)
	}
}

func wantMembers(t *testing.T, why string, got []string, want ...string) {
	t.Helper()
	got = slices.Sorted(slices.Values(got))
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("%s: the set holds %q, want %q", why, got, want)
	}
}

func wantGone(t *testing.T, co CollectionOther, key, why string) {
	t.Helper()
	if k := co.Type(t, key); k != backend.KindUnknown {
		t.Fatalf("%s: %q exists as a %v, want it absent (an edit must never re-create a collection someone deleted)", why, key, k)
	}
}

func swCollections(t *testing.T, s backend.Store, c backend.Collections, co CollectionOther, bucket string) {
	ctx := ctxT(t)
	o := Other(co)
	el := func(field, value string) backend.Element { return backend.Element{Field: field, Value: []byte(value)} }
	mem := func(v string) backend.Element { return backend.Element{Value: []byte(v)} }
	zm := func(v string, score float64) backend.Element { return backend.Element{Value: []byte(v), Score: score} }

	t.Run("Hash", func(t *testing.T) {
		setup := func(t *testing.T, key string) backend.Element {
			co.HSet(t, key, "f", "v1")
			co.HSet(t, key, "g", "g1")
			return find(t, readAll(t, ctx, c, bucket, key), "field f", byField("f"))
		}
		t.Run("Set/OtherChangedField", func(t *testing.T) {
			old := setup(t, "h1")
			co.HSet(t, "h1", "f", "theirs")
			err := setElement(c, ctx, bucket, "h1", backend.KindHash, &old, el("f", "mine"))
			wantErr(t, "hash field set after the other client changed it", err, backend.ErrConflict)
			wantMap(t, "after the refused set", co.HGetAll(t, "h1"), map[string]string{"f": "theirs", "g": "g1"})
		})
		t.Run("Set/OtherChangedAnotherField", func(t *testing.T) {
			old := setup(t, "h2")
			co.HSet(t, "h2", "g", "theirs")
			wantOK(t, "hash field set after the other client changed another field", setElement(c, ctx, bucket, "h2", backend.KindHash, &old, el("f", "mine")))
			wantMap(t, "after the set", co.HGetAll(t, "h2"), map[string]string{"f": "mine", "g": "theirs"})
		})
		t.Run("Set/OtherRemovedField", func(t *testing.T) {
			old := setup(t, "h3")
			co.HDel(t, "h3", "f")
			err := setElement(c, ctx, bucket, "h3", backend.KindHash, &old, el("f", "mine"))
			wantErr(t, "hash field set after the other client removed it", err, backend.ErrConflict, backend.ErrNotFound)
			wantMap(t, "after the refused set", co.HGetAll(t, "h3"), map[string]string{"g": "g1"})
		})
		t.Run("Add/OtherAddedField", func(t *testing.T) {
			setup(t, "h4")
			co.HSet(t, "h4", "n", "theirs")
			err := setElement(c, ctx, bucket, "h4", backend.KindHash, nil, el("n", "mine"))
			wantErr(t, "hash field add after the other client added it", err, backend.ErrConflict)
			wantMap(t, "after the refused add", co.HGetAll(t, "h4"), map[string]string{"f": "v1", "g": "g1", "n": "theirs"})
		})
		t.Run("Rename/OtherAddedTarget", func(t *testing.T) {
			old := setup(t, "h10")
			co.HSet(t, "h10", "f2", "theirs")
			err := setElement(c, ctx, bucket, "h10", backend.KindHash, &old, el("f2", "v1"))
			wantErr(t, "hash field rename onto a field the other client added", err, backend.ErrConflict)
			wantMap(t, "after the refused rename", co.HGetAll(t, "h10"), map[string]string{"f": "v1", "f2": "theirs", "g": "g1"})
		})
		t.Run("Rename/OtherChangedField", func(t *testing.T) {
			old := setup(t, "h11")
			co.HSet(t, "h11", "f", "theirs")
			err := setElement(c, ctx, bucket, "h11", backend.KindHash, &old, el("f2", "v1"))
			wantErr(t, "hash field rename after the other client changed its value", err, backend.ErrConflict)
			wantMap(t, "after the refused rename", co.HGetAll(t, "h11"), map[string]string{"f": "theirs", "g": "g1"})
		})
		t.Run("Remove/OtherChangedField", func(t *testing.T) {
			old := setup(t, "h5")
			co.HSet(t, "h5", "f", "theirs")
			err := removeElement(c, ctx, bucket, "h5", backend.KindHash, old)
			wantErr(t, "hash field remove after the other client changed it", err, backend.ErrConflict)
			wantMap(t, "after the refused remove", co.HGetAll(t, "h5"), map[string]string{"f": "theirs", "g": "g1"})
		})
		t.Run("Remove/Control", func(t *testing.T) {
			old := setup(t, "h6")
			wantOK(t, "hash field remove", removeElement(c, ctx, bucket, "h6", backend.KindHash, old))
			wantMap(t, "after the remove", co.HGetAll(t, "h6"), map[string]string{"g": "g1"})
		})
		t.Run("Set/OtherDeletedKey", func(t *testing.T) {
			old := setup(t, "h7")
			o.Delete(t, "h7")
			err := setElement(c, ctx, bucket, "h7", backend.KindHash, &old, el("f", "mine"))
			wantErr(t, "hash field set after the other client deleted the hash", err, backend.ErrNotFound)
			wantGone(t, co, "h7", "after the refused set")
		})
		t.Run("Add/OtherDeletedKey", func(t *testing.T) {
			setup(t, "h8")
			o.Delete(t, "h8")
			err := setElement(c, ctx, bucket, "h8", backend.KindHash, nil, el("n", "mine"))
			wantErr(t, "hash field add after the other client deleted the hash", err, backend.ErrNotFound)
			wantGone(t, co, "h8", "after the refused add")
		})
		t.Run("Set/OtherReplacedKey", func(t *testing.T) {
			old := setup(t, "h9")
			o.Set(t, "h9", []byte("theirs"))
			err := setElement(c, ctx, bucket, "h9", backend.KindHash, &old, el("f", "mine"))
			wantErr(t, "hash field set after the other client replaced the hash by a string", err, backend.ErrConflict, backend.ErrNotFound)
			otherValue(t, o, "h9", "theirs", "after the refused set")
		})
	})

	t.Run("List", func(t *testing.T) {
		setup := func(t *testing.T, key string) backend.Element {
			for _, v := range []string{"a", "b", "c"} {
				co.RPush(t, key, v)
			}
			old := find(t, readAll(t, ctx, c, bucket, key), "item b", byValue("b"))
			if old.Index != 1 {
				t.Fatalf("kvdeck shows item b at index %d, want 1", old.Index)
			}
			return old
		}
		set := func(old backend.Element) backend.Element {
			return backend.Element{Index: old.Index, Value: []byte("mine")}
		}
		t.Run("Set/OtherPushedFront", func(t *testing.T) {
			old := setup(t, "l1")
			co.LPush(t, "l1", "x")
			err := setElement(c, ctx, bucket, "l1", backend.KindList, &old, set(old))
			wantErr(t, "list item set after the other client pushed in front (index 1 now holds another item)", err, backend.ErrConflict)
			wantList(t, "after the refused set", co.LRange(t, "l1"), []string{"x", "a", "b", "c"})
		})
		t.Run("Remove/OtherPushedFront", func(t *testing.T) {
			old := setup(t, "l2")
			co.LPush(t, "l2", "x")
			err := removeElement(c, ctx, bucket, "l2", backend.KindList, old)
			wantErr(t, "list item remove after the other client pushed in front", err, backend.ErrConflict)
			wantList(t, "after the refused remove", co.LRange(t, "l2"), []string{"x", "a", "b", "c"})
		})
		t.Run("Set/OtherChangedItem", func(t *testing.T) {
			old := setup(t, "l3")
			co.LSet(t, "l3", 1, "theirs")
			err := setElement(c, ctx, bucket, "l3", backend.KindList, &old, set(old))
			wantErr(t, "list item set after the other client changed it", err, backend.ErrConflict)
			wantList(t, "after the refused set", co.LRange(t, "l3"), []string{"a", "theirs", "c"})
		})
		t.Run("Remove/OtherChangedItem", func(t *testing.T) {
			old := setup(t, "l4")
			co.LSet(t, "l4", 1, "theirs")
			err := removeElement(c, ctx, bucket, "l4", backend.KindList, old)
			wantErr(t, "list item remove after the other client changed it", err, backend.ErrConflict)
			wantList(t, "after the refused remove", co.LRange(t, "l4"), []string{"a", "theirs", "c"})
		})
		t.Run("Set/OtherPushedBack", func(t *testing.T) {
			old := setup(t, "l5")
			co.RPush(t, "l5", "z")
			wantOK(t, "list item set after the other client appended", setElement(c, ctx, bucket, "l5", backend.KindList, &old, set(old)))
			wantList(t, "after the set", co.LRange(t, "l5"), []string{"a", "mine", "c", "z"})
		})
		t.Run("Remove/OtherPushedBack", func(t *testing.T) {
			old := setup(t, "l6")
			co.RPush(t, "l6", "z")
			wantOK(t, "list item remove after the other client appended", removeElement(c, ctx, bucket, "l6", backend.KindList, old))
			wantList(t, "after the remove", co.LRange(t, "l6"), []string{"a", "c", "z"})
		})
		t.Run("Remove/RepeatedValue", func(t *testing.T) {
			// The item at the index shown goes, not the first equal one.
			for _, v := range []string{"b", "a", "b"} {
				co.RPush(t, "l7", v)
			}
			els := readAll(t, ctx, c, bucket, "l7")
			if len(els) != 3 {
				t.Fatalf("kvdeck shows %d items, want 3", len(els))
			}
			co.LSet(t, "l7", 0, "theirs")
			wantOK(t, "remove of the last b", removeElement(c, ctx, bucket, "l7", backend.KindList, els[2]))
			wantList(t, "after the remove", co.LRange(t, "l7"), []string{"theirs", "a"})
		})
		t.Run("Push/OtherDeletedKey", func(t *testing.T) {
			setup(t, "l8")
			o.Delete(t, "l8")
			err := pushElement(c, ctx, bucket, "l8", []byte("mine"), false)
			wantErr(t, "push onto a list the other client deleted", err, backend.ErrNotFound)
			wantGone(t, co, "l8", "after the refused push")
		})
		t.Run("Set/OtherDeletedKey", func(t *testing.T) {
			old := setup(t, "l9")
			o.Delete(t, "l9")
			err := setElement(c, ctx, bucket, "l9", backend.KindList, &old, set(old))
			wantErr(t, "list item set after the other client deleted the list", err, backend.ErrNotFound)
			wantGone(t, co, "l9", "after the refused set")
		})
	})

	t.Run("Set", func(t *testing.T) {
		setup := func(t *testing.T, key string) backend.Element {
			co.SAdd(t, key, "a")
			co.SAdd(t, key, "b")
			return find(t, readAll(t, ctx, c, bucket, key), "member a", byValue("a"))
		}
		t.Run("Rename/OtherRemovedMember", func(t *testing.T) {
			old := setup(t, "s1")
			co.SRem(t, "s1", "a")
			err := setElement(c, ctx, bucket, "s1", backend.KindSet, &old, mem("a2"))
			wantErr(t, "set member rename after the other client removed it", err, backend.ErrConflict, backend.ErrNotFound)
			wantMembers(t, "after the refused rename", co.SMembers(t, "s1"), "b")
		})
		t.Run("Rename/OtherAddedTarget", func(t *testing.T) {
			old := setup(t, "s2")
			co.SAdd(t, "s2", "a2")
			err := setElement(c, ctx, bucket, "s2", backend.KindSet, &old, mem("a2"))
			wantErr(t, "set member rename onto a member the other client added", err, backend.ErrConflict)
			wantMembers(t, "after the refused rename", co.SMembers(t, "s2"), "a", "a2", "b")
		})
		t.Run("Rename/OtherAddedAnother", func(t *testing.T) {
			old := setup(t, "s3")
			co.SAdd(t, "s3", "c")
			wantOK(t, "set member rename after the other client added another member", setElement(c, ctx, bucket, "s3", backend.KindSet, &old, mem("a2")))
			wantMembers(t, "after the rename", co.SMembers(t, "s3"), "a2", "b", "c")
		})
		t.Run("Add/OtherAdded", func(t *testing.T) {
			setup(t, "s4")
			co.SAdd(t, "s4", "n")
			err := setElement(c, ctx, bucket, "s4", backend.KindSet, nil, mem("n"))
			wantErr(t, "set member add after the other client added it", err, backend.ErrConflict)
			wantMembers(t, "after the refused add", co.SMembers(t, "s4"), "a", "b", "n")
		})
		t.Run("Remove/OtherRemoved", func(t *testing.T) {
			old := setup(t, "s5")
			co.SRem(t, "s5", "a")
			co.SAdd(t, "s5", "c")
			err := removeElement(c, ctx, bucket, "s5", backend.KindSet, old)
			wantErr(t, "set member remove after the other client removed it", err, backend.ErrConflict, backend.ErrNotFound)
			wantMembers(t, "after the refused remove", co.SMembers(t, "s5"), "b", "c")
		})
		t.Run("Rename/OtherDeletedKey", func(t *testing.T) {
			old := setup(t, "s6")
			o.Delete(t, "s6")
			err := setElement(c, ctx, bucket, "s6", backend.KindSet, &old, mem("a2"))
			wantErr(t, "set member rename after the other client deleted the set", err, backend.ErrNotFound)
			wantGone(t, co, "s6", "after the refused rename")
		})
	})

	t.Run("ZSet", func(t *testing.T) {
		setup := func(t *testing.T, key string) backend.Element {
			co.ZAdd(t, key, "a", 1)
			co.ZAdd(t, key, "b", 2)
			old := find(t, readAll(t, ctx, c, bucket, key), "member a", byValue("a"))
			if old.Score != 1 {
				t.Fatalf("kvdeck shows a with score %v, want 1", old.Score)
			}
			return old
		}
		t.Run("Rescore/OtherRescored", func(t *testing.T) {
			old := setup(t, "z1")
			co.ZAdd(t, "z1", "a", 5)
			err := setElement(c, ctx, bucket, "z1", backend.KindZSet, &old, zm("a", 3))
			wantErr(t, "zset rescore after the other client rescored", err, backend.ErrConflict)
			wantMap(t, "after the refused rescore", co.ZScores(t, "z1"), map[string]float64{"a": 5, "b": 2})
		})
		t.Run("Rename/OtherRescored", func(t *testing.T) {
			old := setup(t, "z2")
			co.ZAdd(t, "z2", "a", 5)
			err := setElement(c, ctx, bucket, "z2", backend.KindZSet, &old, zm("a2", 1))
			wantErr(t, "zset rename after the other client rescored", err, backend.ErrConflict)
			wantMap(t, "after the refused rename", co.ZScores(t, "z2"), map[string]float64{"a": 5, "b": 2})
		})
		t.Run("Rename/OtherAddedTarget", func(t *testing.T) {
			old := setup(t, "z3")
			co.ZAdd(t, "z3", "a2", 7)
			err := setElement(c, ctx, bucket, "z3", backend.KindZSet, &old, zm("a2", 1))
			wantErr(t, "zset rename onto a member the other client added", err, backend.ErrConflict)
			wantMap(t, "after the refused rename", co.ZScores(t, "z3"), map[string]float64{"a": 1, "a2": 7, "b": 2})
		})
		t.Run("Remove/OtherRescored", func(t *testing.T) {
			old := setup(t, "z4")
			co.ZAdd(t, "z4", "a", 5)
			err := removeElement(c, ctx, bucket, "z4", backend.KindZSet, old)
			wantErr(t, "zset remove after the other client rescored", err, backend.ErrConflict)
			wantMap(t, "after the refused remove", co.ZScores(t, "z4"), map[string]float64{"a": 5, "b": 2})
		})
		t.Run("Add/OtherAdded", func(t *testing.T) {
			setup(t, "z5")
			co.ZAdd(t, "z5", "n", 9)
			err := setElement(c, ctx, bucket, "z5", backend.KindZSet, nil, zm("n", 4))
			wantErr(t, "zset add after the other client added the member", err, backend.ErrConflict)
			wantMap(t, "after the refused add", co.ZScores(t, "z5"), map[string]float64{"a": 1, "b": 2, "n": 9})
		})
		t.Run("Rescore/OtherRescoredAnother", func(t *testing.T) {
			old := setup(t, "z6")
			co.ZAdd(t, "z6", "b", 8)
			wantOK(t, "zset rescore after the other client rescored another member", setElement(c, ctx, bucket, "z6", backend.KindZSet, &old, zm("a", 3)))
			wantMap(t, "after the rescore", co.ZScores(t, "z6"), map[string]float64{"a": 3, "b": 8})
		})
		t.Run("Rescore/OtherDeletedKey", func(t *testing.T) {
			old := setup(t, "z7")
			o.Delete(t, "z7")
			err := setElement(c, ctx, bucket, "z7", backend.KindZSet, &old, zm("a", 3))
			wantErr(t, "zset rescore after the other client deleted the zset", err, backend.ErrNotFound)
			wantGone(t, co, "z7", "after the refused rescore")
		})
	})

	t.Run("Stream", func(t *testing.T) {
		f := func(v string) []backend.Field { return []backend.Field{{Name: "f", Value: v}} }
		setup := func(t *testing.T, key string) (backend.Element, string) {
			id1 := co.XAdd(t, key, f("1"))
			id2 := co.XAdd(t, key, f("2"))
			return find(t, readAll(t, ctx, c, bucket, key), "entry "+id1, byField(id1)), id2
		}
		ids := func(els []backend.Element) []string {
			var out []string
			for _, e := range els {
				out = append(out, e.Field)
			}
			return out
		}
		t.Run("Remove/OtherRemoved", func(t *testing.T) {
			old, id2 := setup(t, "x1")
			co.XDel(t, "x1", old.Field)
			err := removeElement(c, ctx, bucket, "x1", backend.KindStream, old)
			wantErr(t, "stream entry remove after the other client removed it", err, backend.ErrConflict, backend.ErrNotFound)
			wantList(t, "after the refused remove", ids(co.XRange(t, "x1")), []string{id2})
		})
		t.Run("Remove/OtherAdded", func(t *testing.T) {
			old, id2 := setup(t, "x2")
			id3 := co.XAdd(t, "x2", f("3"))
			wantOK(t, "stream entry remove after the other client added one", removeElement(c, ctx, bucket, "x2", backend.KindStream, old))
			wantList(t, "after the remove", ids(co.XRange(t, "x2")), []string{id2, id3})
		})
		t.Run("Add/OtherDeletedKey", func(t *testing.T) {
			setup(t, "x3")
			o.Delete(t, "x3")
			err := setElement(c, ctx, bucket, "x3", backend.KindStream, nil, backend.Element{Field: "*", Fields: f("mine")})
			wantErr(t, "stream add after the other client deleted the stream", err, backend.ErrNotFound)
			wantGone(t, co, "x3", "after the refused add")
		})
		t.Run("Remove/OtherDeletedKey", func(t *testing.T) {
			old, _ := setup(t, "x4")
			o.Delete(t, "x4")
			err := removeElement(c, ctx, bucket, "x4", backend.KindStream, old)
			wantErr(t, "stream entry remove after the other client deleted the stream", err, backend.ErrNotFound)
			wantGone(t, co, "x4", "after the refused remove")
		})
	})

	t.Run("CreateKey/OtherCreated", func(t *testing.T) {
		if _, err := s.Get(ctx, bucket, "ck", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Get of a key nobody wrote: %v", err)
		}
		co.HSet(t, "ck", "f", "theirs")
		_, err := c.CreateKey(ctx, bucket, "ck", backend.KindHash, el("f", "mine"), 0)
		wantErr(t, "CreateKey of a key the other client created meanwhile", err, backend.ErrConflict)
		wantMap(t, "after the refused create", co.HGetAll(t, "ck"), map[string]string{"f": "theirs"})
	})
}
