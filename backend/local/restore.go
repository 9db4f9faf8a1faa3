package local

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// maxSnapshotBytes bounds a value kept for undo: a larger key cannot be
// undone (ErrUnsupported), rather than holding its bytes in memory.
const maxSnapshotBytes = 16 << 20

// Snapshot reads a key whole with its absolute expiry, for undo.
func (s *Store) Snapshot(ctx context.Context, bucket, key string) (backend.Snapshot, error) {
	var snap backend.Snapshot
	err := s.viewKey(bucket, key, func(ks keyState) error {
		if len(ks.value) > maxSnapshotBytes {
			return backendErr(backend.ErrUnsupported, "key %q is %d bytes, more than the %d kept for undo", key, len(ks.value), maxSnapshotBytes)
		}
		snap = backend.Snapshot{Key: key, Kind: backend.KindString, Version: ks.version(),
			Size: int64(len(ks.value)), Value: append([]byte{}, ks.value...)}
		if b := ks.bound(); b.expires != 0 {
			snap.ExpiresAt, snap.TTL = time.UnixMilli(b.expires), time.Duration(b.ttl)
		}
		return nil
	})
	return snap, err
}

// Restore puts a snapshot back in one transaction, under opts, with the
// snapshot's absolute expiry instant and configured TTL, and returns the
// key's new version.
func (s *Store) Restore(ctx context.Context, bucket string, snap backend.Snapshot, opts backend.RestoreOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	if snap.Key == "" {
		return "", backend.Invalid("key", "must not be empty")
	}
	switch snap.Kind {
	case backend.KindString, backend.KindUnknown:
	default:
		return "", backendErr(backend.ErrUnsupported, "the local store holds only string values, not %v", snap.Kind)
	}
	var expires, ttl int64
	if !snap.ExpiresAt.IsZero() {
		expires, ttl = snap.ExpiresAt.UnixMilli(), int64(snap.TTL)
	}
	var res written
	err := s.update(func(tx *bolt.Tx) (bool, error) {
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
