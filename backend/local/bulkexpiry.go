package local

import (
	"context"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.BulkExpirer = (*Store)(nil)

// ExpireKeys changes the TTL of keys in one write transaction: for each
// key it reads the expiry bound to the value the key holds, checks op's
// condition and writes the new expiry (now + op.TTL, the same instant for
// the whole batch), as Expire does for one key. A key without kvdeck
// metadata, or whose value another program rewrote since kvdeck set its
// TTL, has no TTL. A missing or expired key is BulkGone. Result.Version
// is the key's version after the change (the value is untouched: its
// revision, or its fingerprint for a value kvdeck did not write), which
// RestoreExpiry checks.
//
// Nothing is written when the file cannot be locked or the transaction
// fails: the error is the batch's.
func (s *Store) ExpireKeys(ctx context.Context, bucket string, keys []string, op backend.ExpireOp) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []backend.ExpireResult
	var earliest int64
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		out, earliest = make([]backend.ExpireResult, len(keys)), 0
		now := s.now()
		at := now.Add(op.TTL).UnixMilli()
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
			prev := ks.bound().expires
			r.Prev = msTime(prev)
			if !expiryApplies(op, prev, at) {
				r.Outcome, r.Set = backend.BulkSkipped, r.Prev
				continue
			}
			nm := ks.bound()
			if ks.state != metaBound {
				nm = bindMeta(ks.value) // a TTL changes no bytes
			}
			nm.expires, nm.ttl = 0, 0
			if op.Mode != backend.ExpirePersist {
				nm.expires, nm.ttl = at, int64(op.TTL)
				earliest = sooner(earliest, at)
			}
			if err := s.putKeyMeta(tx, bucket, ks, nm); err != nil {
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			}
			r.Outcome, r.Set, r.Version = backend.BulkChanged, msTime(nm.expires), metaVersion(nm)
			changed = true
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	s.noteExpiry(earliest)
	return out, nil
}

// expiryApplies tells whether op changes a key whose expiry is prev (unix
// ms, 0 none) to at: a key without a TTL never expires, so GT never holds
// for it and LT always does, as Redis 7's EXPIRE GT/LT.
func expiryApplies(op backend.ExpireOp, prev, at int64) bool {
	switch {
	case op.Mode == backend.ExpirePersist:
		return prev != 0
	case op.Mode == backend.ExpireRefresh && prev == 0:
		return false
	}
	switch op.Cond {
	case backend.ExpireNX:
		return prev == 0
	case backend.ExpireGT:
		return prev != 0 && at > prev
	case backend.ExpireLT:
		return prev == 0 || at < prev
	}
	return true
}

// RestoreExpiry puts back each key's previous expiry, in one write
// transaction, where the key still holds the version ExpireKeys left
// (when the undo has one) and its expiry is still Set; any other key is
// BulkSkipped (BulkGone when missing or expired). A previous expiry
// that has passed is applied all the same: the key expires at once, as it
// would have without the bulk action. The configured TTL shown with the
// key (Entry.TTL) becomes the time left to the restored expiry, the
// original duration not being part of the undo.
func (s *Store) RestoreExpiry(ctx context.Context, bucket string, items []backend.ExpiryUndo) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []backend.ExpireResult
	var earliest int64
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		out, earliest = make([]backend.ExpireResult, len(items)), 0
		now := s.now()
		changed := false
		for i, it := range items {
			r := &out[i]
			r.Key = it.Key
			ks, err := keyAt(tx, bucket, []byte(it.Key), now)
			if err != nil {
				return false, err
			}
			if !ks.live {
				r.Outcome = backend.BulkGone
				continue
			}
			cur := ks.bound().expires
			r.Prev, r.Set = msTime(cur), msTime(cur)
			if ks.state != metaBound || it.Version != "" && metaVersion(ks.meta) != it.Version || cur != unixMs(it.Set) {
				r.Outcome = backend.BulkSkipped
				continue
			}
			nm := ks.meta
			nm.expires, nm.ttl = unixMs(it.Prev), 0
			if nm.expires != 0 {
				nm.ttl = int64(max(it.Prev.Sub(now), time.Millisecond))
				earliest = sooner(earliest, nm.expires)
			}
			if err := s.putKeyMeta(tx, bucket, ks, nm); err != nil {
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			}
			r.Outcome, r.Set, r.Version = backend.BulkChanged, it.Prev, metaVersion(nm)
			changed = true
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	s.noteExpiry(earliest)
	return out, nil
}

// putKeyMeta replaces the metadata of the key read as ks with nm.
func (s *Store) putKeyMeta(tx *bolt.Tx, bucket string, ks keyState, nm keyMeta) error {
	m, err := bucketMeta(tx, bucket, true)
	if err != nil {
		return err
	}
	return putMeta(tx, m, bucket, ks.key, ks.meta, ks.state != metaNone, nm)
}

// metaVersion is the version of a key whose bound metadata is m (see
// keyState.version).
func metaVersion(m keyMeta) string {
	if m.rev > 0 {
		return strconv.FormatUint(m.rev, 10)
	}
	return fingerprint(m.sum)
}

// sooner is the earlier of two expiries (unix ms, 0 none).
func sooner(a, b int64) int64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
