package local

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.BulkDeleter = (*Store)(nil)

// DeleteKeys deletes keys in one write transaction, as Delete does for
// one: the key's value, metadata and kept history go. With keep, each
// key's copy (value, version, expiry instant and configured TTL, as
// Snapshot reads it) is taken in that same transaction, so the copy is
// exactly what was deleted: nothing can change a key between the two, and
// no delete is ever BulkSkipped for a change. A key over maxSnapshotBytes
// is BulkSkipped with keep, its Err saying so, and left in place: it
// could not be put back. A missing or expired key is BulkGone. Watchers
// see each delete once the transaction has committed.
//
// Nothing is deleted when the file cannot be locked or the transaction
// fails: the error is the batch's, with no results.
func (s *Store) DeleteKeys(ctx context.Context, bucket string, keys []string, keep bool) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []backend.DeleteResult
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		out = make([]backend.DeleteResult, len(keys))
		now := s.now()
		changed := false
		for i, key := range keys {
			r := &out[i]
			r.Key = key
			ks, err := keyAt(tx, bucket, []byte(key), now)
			if err != nil {
				return false, err // the bucket is gone: the whole batch
			}
			if !ks.live {
				r.Outcome = backend.BulkGone
				continue
			}
			if keep {
				snap, err := snapshotOf(key, ks)
				if err != nil {
					r.Outcome, r.Err = backend.BulkSkipped, err
					continue
				}
				r.Kept = &snap
			}
			// A failed drop may have dropped part of the key (its
			// metadata, not its value): roll the whole batch back.
			if err := dropKey(tx, ks, bucket); err != nil {
				return false, err
			}
			r.Outcome = backend.BulkChanged
			changed = true
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	at := s.now()
	for _, r := range out {
		if r.Outcome == backend.BulkChanged {
			s.notify(bucket, backend.Change{Key: r.Key, Op: backend.ChangeDelete, Time: at})
		}
	}
	return out, nil
}

// RestoreKeys puts the copies back in one write transaction, each as
// Restore does with IfAbsent: with its expiry instant and configured TTL,
// as a new revision. A key live again is BulkSkipped, with Err saying what
// it holds, and left as it is; a copy whose expiry has passed is
// BulkGone; a copy this store cannot hold, or a value over the bucket's
// limits, is BulkFailed. The sweeper and watchers learn of each put once
// the transaction has committed. Errors as in DeleteKeys.
func (s *Store) RestoreKeys(ctx context.Context, bucket string, copies []backend.Snapshot) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		out  []backend.DeleteResult
		puts []written
	)
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		out, puts = make([]backend.DeleteResult, len(copies)), make([]written, len(copies))
		now := s.now()
		changed := false
		for i, snap := range copies {
			r := &out[i]
			r.Key = snap.Key
			expires, ttl, err := restorable(snap)
			if err != nil {
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			}
			if expires != 0 && now.UnixMilli() >= expires {
				r.Outcome = backend.BulkGone
				continue
			}
			ks, err := keyAt(tx, bucket, []byte(snap.Key), now)
			if err != nil {
				return false, err
			}
			switch {
			case ks.live:
				r.Outcome, r.Err = backend.BulkSkipped, conflict("key %q was created again since: %s; nothing was restored", snap.Key, ks.holds())
				continue
			case ks.ub.Bucket(ks.key) != nil:
				// Checked here, as the write would fail only after
				// writing the key's metadata.
				r.Outcome, r.Err = backend.BulkSkipped, conflict("key %q is now the name of a nested bucket; nothing was restored", snap.Key)
				continue
			}
			w, err := s.writeValue(tx, ks, bucket, snap.Value, expires, ttl, false)
			switch {
			case errors.Is(err, backend.ErrInvalid):
				// Over the bucket's limits, refused before anything
				// was written: this key's failure.
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			case err != nil:
				return false, err
			}
			r.Outcome, puts[i] = backend.BulkChanged, w
			changed = changed || w.wrote
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range out {
		if r.Outcome == backend.BulkChanged {
			s.wrote(bucket, r.Key, puts[i])
		}
	}
	return out, nil
}
