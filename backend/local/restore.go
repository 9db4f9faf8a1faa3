package local

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// maxSnapshotBytes bounds a value kept for undo: a larger key cannot be
// undone (ErrUnsupported; a bulk delete with keep leaves it in place),
// rather than holding its bytes in memory.
const maxSnapshotBytes = 16 << 20

// Snapshot reads a key whole with its absolute expiry, for undo.
func (s *Store) Snapshot(ctx context.Context, bucket, key string) (backend.Snapshot, error) {
	var snap backend.Snapshot
	err := s.viewKey(bucket, key, func(ks keyState) error {
		var err error
		snap, err = snapshotOf(key, ks)
		return err
	})
	return snap, err
}

// snapshotOf copies the live key read as ks (its bytes outlive the
// transaction), with its version, expiry instant and configured TTL; a
// value over maxSnapshotBytes is ErrUnsupported.
func snapshotOf(key string, ks keyState) (backend.Snapshot, error) {
	if len(ks.value) > maxSnapshotBytes {
		return backend.Snapshot{}, backendErr(backend.ErrUnsupported,
			"key %q is %d bytes, more than the %d kept for undo: too large to keep a copy of", key, len(ks.value), maxSnapshotBytes)
	}
	snap := backend.Snapshot{Key: key, Kind: backend.KindString, Version: ks.version(),
		Size: int64(len(ks.value)), Value: append([]byte{}, ks.value...)}
	if b := ks.bound(); b.expires != 0 {
		snap.ExpiresAt, snap.TTL = time.UnixMilli(b.expires), time.Duration(b.ttl)
	}
	return snap, nil
}

// Restore puts a snapshot back in one transaction, under opts, with the
// snapshot's absolute expiry instant and configured TTL, and returns the
// key's new version.
func (s *Store) Restore(ctx context.Context, bucket string, snap backend.Snapshot, opts backend.RestoreOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	expires, ttl, err := restorable(snap)
	if err != nil {
		return "", err
	}
	var res written
	err = s.update(func(tx *bolt.Tx) (bool, error) {
		now := s.now()
		if expires != 0 && now.UnixMilli() >= expires {
			return false, backendErr(backend.ErrNotFound, "key %q: its expiry passed at %s, so there is nothing to restore",
				snap.Key, snap.ExpiresAt.Local().Format(time.DateTime))
		}
		ks, err := keyAt(tx, bucket, []byte(snap.Key), now)
		if err != nil {
			return false, err
		}
		switch {
		case opts.IfAbsent && ks.live:
			return false, conflict("key %q was created again since: %s; nothing was restored", snap.Key, ks.holds())
		case opts.IfVersion != "" && !ks.live:
			return false, conflict("key %q was deleted since; nothing was restored", snap.Key)
		case opts.IfVersion != "" && ks.version() != opts.IfVersion:
			return false, conflict("key %q changed since: %s; nothing was restored", snap.Key, ks.holds())
		}
		res, err = s.writeValue(tx, ks, bucket, snap.Value, expires, ttl, false)
		return res.wrote, err
	})
	if err != nil {
		return "", err
	}
	s.wrote(bucket, snap.Key, res)
	return res.version, nil
}

// restorable checks that snap can be put back in this store and returns
// the expiry it is written with (unix ms, 0 none) and its configured TTL.
func restorable(snap backend.Snapshot) (expires, ttl int64, err error) {
	if snap.Key == "" {
		return 0, 0, backend.Invalid("key", "must not be empty")
	}
	switch snap.Kind {
	case backend.KindString, backend.KindUnknown:
	default:
		return 0, 0, backendErr(backend.ErrUnsupported, "the local store holds only string values, not %v", snap.Kind)
	}
	if !snap.ExpiresAt.IsZero() {
		expires, ttl = snap.ExpiresAt.UnixMilli(), int64(snap.TTL)
	}
	return expires, ttl, nil
}
