package nats

import (
	"context"
	"errors"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

var _ backend.BulkDeleter = (*Store)(nil)

// DeleteKeys deletes keys as Delete does for one with IfVersion: each
// key's latest revision is read, and a delete marker put on it expecting
// that revision as the subject's last sequence, so that a value another
// client wrote in between is not deleted: that key is BulkSkipped, its Err
// saying what it holds now (BulkGone when the change was a delete, a purge
// or an expiry). A key with no value is BulkGone. With keep, the copy of a
// deleted key is the Snapshot of exactly the revision the marker expected:
// the delete being conditional on that revision, no other can be deleted
// without its copy. Up to bulkParallel keys are in flight at once.
//
// The deleted revisions stay in the key's history, as with Delete. A key's
// own failure is BulkFailed with the reason; a lost connection or a
// timeout stops the batch as in ExpireKeys, and the error is returned with
// the results, the keys already deleted and their copies included. A
// delete in flight when the batch ended is BulkFailed although the server
// may have applied it; with keep it carries its copy (Kept) all the same,
// so that an undo of every copy returned loses nothing: RestoreKeys puts a
// copy back only where its key is absent.
func (s *Store) DeleteKeys(ctx context.Context, bucket string, keys []string, keep bool) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return nil, err
	}
	// Only the bucket's TTL is read from it, for a copy's expiry, as
	// Snapshot does.
	cfg, err := s.config(ctx, h)
	if err != nil {
		return nil, err
	}
	return eachKey(len(keys), func(i int) (backend.DeleteResult, error) {
		return s.deleteOne(ctx, h, cfg, keys[i], keep)
	}, func(i int, err error) backend.DeleteResult {
		return backend.DeleteResult{Key: keys[i], Outcome: backend.BulkFailed, Err: err}
	})
}

// deleteOne is DeleteKeys for one key. The error is the batch's (see
// batchError); a key's own failure is in the result.
func (s *Store) deleteOne(ctx context.Context, h *bucketHandle, cfg jetstream.StreamConfig, key string, keep bool) (backend.DeleteResult, error) {
	r := backend.DeleteResult{Key: key}
	if err := validateKey(key); err != nil {
		return deleteFailed(r, err)
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return deleteFailed(r, err)
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		r.Outcome = backend.BulkGone
		return r, nil
	}
	if s.afterDeleteRead != nil {
		s.afterDeleteRead(key)
	}
	var kept *backend.Snapshot
	if keep {
		snap := snapshotOf(key, msg, cfg.MaxAge)
		kept = &snap
	}
	if err := h.kv.Delete(ctx, key, jetstream.LastRevision(msg.Sequence)); err != nil {
		r, err := s.lostDeleteRace(ctx, h, r, err)
		if err != nil {
			// The batch ended with this delete in flight: the server may
			// have applied it, so its copy goes with the failure, for an
			// undo that puts it back only where the key is absent.
			r.Kept = kept
		}
		return r, err
	}
	r.Outcome, r.Kept = backend.BulkChanged, kept
	return r, nil
}

// RestoreKeys puts each copy back as Restore does with IfAbsent: its value
// published again, expecting the key's latest message to be the one read
// (a delete or purge marker, or none), with a per-key TTL of the time left
// to the copy's expiry (see Restore for buckets without per-key TTLs). A
// key holding a value again, whether before the read or between the read
// and the publish, is BulkSkipped with Err saying what it holds, and left
// as it is; a copy whose expiry has passed is BulkGone, nothing written.
// Errors as in DeleteKeys.
func (s *Store) RestoreKeys(ctx context.Context, bucket string, copies []backend.Snapshot) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return nil, err
	}
	// The TTL rules checked are the server's now, as in Restore.
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return nil, err
	}
	return eachKey(len(copies), func(i int) (backend.DeleteResult, error) {
		return s.restoreCopy(ctx, h, cfg, copies[i])
	}, func(i int, err error) backend.DeleteResult {
		return backend.DeleteResult{Key: copies[i].Key, Outcome: backend.BulkFailed, Err: err}
	})
}

// restoreCopy is RestoreKeys for one copy.
func (s *Store) restoreCopy(ctx context.Context, h *bucketHandle, cfg jetstream.StreamConfig, snap backend.Snapshot) (backend.DeleteResult, error) {
	r := backend.DeleteResult{Key: snap.Key}
	if err := validateKey(snap.Key); err != nil {
		return deleteFailed(r, err)
	}
	ttl, err := restoreTTL(h.name, snap, cfg, time.Now())
	if errors.Is(err, backend.ErrNotFound) {
		r.Outcome = backend.BulkGone // its expiry has passed
		return r, nil
	}
	if err != nil {
		return deleteFailed(r, err)
	}
	msg, err := s.lastMessage(ctx, h, snap.Key)
	if err != nil {
		return deleteFailed(r, err)
	}
	if msg != nil && changeOf(msg.Header) == backend.ChangePut {
		r.Outcome, r.Err = backend.BulkSkipped, restoreConflict(h.name, snap.Key, msg)
		return r, nil
	}
	var seq uint64 // none: the key has no message at all (purged away)
	if msg != nil {
		seq = msg.Sequence
	}
	if s.afterDeleteRead != nil {
		s.afterDeleteRead(snap.Key)
	}
	if _, err := s.publish(ctx, h, snap.Key, snap.Value, ttl, &seq); err != nil {
		if !isWrongLastSequence(err) {
			return deleteFailed(r, s.writeError(h, snap.Key, err))
		}
		// Written, deleted or purged again between the read and the
		// publish: whatever it holds is newer than the copy.
		r.Outcome, r.Err = backend.BulkSkipped, conflict(h.name, snap.Key, err)
		if cur, rerr := s.lastMessage(ctx, h, snap.Key); rerr == nil {
			if cur != nil && changeOf(cur.Header) == backend.ChangePut {
				r.Err = restoreConflict(h.name, snap.Key, cur)
			} else {
				r.Err = changedSince(h.name, snap.Key, cur, err)
			}
		}
		return r, nil
	}
	r.Outcome = backend.BulkChanged
	return r, nil
}

// lostDeleteRace is the result of a failed conditional delete: a key
// another client wrote between the read and the delete is BulkSkipped,
// with Err saying what it holds now; BulkGone when that change was a
// delete, a purge or an expiry (read again to tell). Any other failure is
// the key's or the batch's.
func (s *Store) lostDeleteRace(ctx context.Context, h *bucketHandle, r backend.DeleteResult, err error) (backend.DeleteResult, error) {
	if !isWrongLastSequence(err) {
		return deleteFailed(r, s.writeError(h, r.Key, err))
	}
	cur, rerr := s.lastMessage(ctx, h, r.Key)
	switch {
	case rerr != nil:
		r.Outcome, r.Err = backend.BulkSkipped, conflict(h.name, r.Key, err)
	case cur == nil || changeOf(cur.Header) != backend.ChangePut:
		r.Outcome = backend.BulkGone
	default:
		r.Outcome, r.Err = backend.BulkSkipped, changedSince(h.name, r.Key, cur, err)
	}
	return r, nil
}

// deleteFailed is r failed with err, which is also returned when it ends
// the batch (see batchError).
func deleteFailed(r backend.DeleteResult, err error) (backend.DeleteResult, error) {
	r.Outcome, r.Err = backend.BulkFailed, err
	if batchError(err) {
		return r, err
	}
	return r, nil
}
