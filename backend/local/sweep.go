package local

import (
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// sweepBatch bounds one sweeping transaction.
const sweepBatch = 1000

// The sweeper removes keys whose kvdeck TTL has passed. It must not keep
// the file locked while the user is idle, so it looks at the file only
// when the read-only handle is open anyway (the user is working) or when
// the earliest expiry it knows of (nextDue: from its last look, and from
// this process's own writes) has come; expiries set by another kvdeck in
// the meantime are hidden by every read, and swept when it next looks.
func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for s.sweepOnce() == sweepBatch {
			}
		}
	}
}

// noteExpiry tells the sweeper of an expiry this process wrote.
func (s *Store) noteExpiry(expires int64) {
	if expires == 0 {
		return
	}
	for {
		cur := s.nextDue.Load()
		if cur != 0 && cur <= expires || s.nextDue.CompareAndSwap(cur, expires) {
			return
		}
	}
}

type expired struct {
	bucket, key string
}

// firstExpiry is the earliest entry of the expiry index (math.MaxInt64 when
// there is none; 0 for an entry it cannot read, which is due).
func firstExpiry(tx *bolt.Tx) int64 {
	root := tx.Bucket(metaRoot)
	if root == nil {
		return math.MaxInt64
	}
	idx := root.Bucket(expiryIndex)
	if idx == nil {
		return math.MaxInt64
	}
	k, _ := idx.Cursor().First()
	if k == nil {
		return math.MaxInt64
	}
	exp, _, _, ok := parseExpiry(k)
	if !ok {
		return 0
	}
	return exp
}

// sweepOnce deletes up to sweepBatch expired keys, found through the expiry
// index in expiry order, and returns how many entries it went through. A
// file without due kvdeck metadata is never written to. A key whose value
// another program rewrote is never deleted: its stale metadata is dropped
// instead, in the same transaction that checks it.
func (s *Store) sweepOnce() int {
	now := s.now().UnixMilli()
	// Look first in a read transaction: a write transaction takes the
	// exclusive lock, and a file that has nothing to sweep (or is not
	// kvdeck's) must not be written.
	look := func(tx *bolt.Tx) error {
		s.nextDue.Store(firstExpiry(tx))
		return nil
	}
	ran, err := s.viewIfOpen(look)
	if err != nil {
		return 0
	}
	if !ran {
		if due := s.nextDue.Load(); due != 0 && due > now {
			return 0 // nothing due that we know of: leave the file alone
		}
		if err := s.view(look); err != nil {
			return 0
		}
	}
	if s.nextDue.Load() > now {
		return 0
	}
	var gone []expired
	seen, next := 0, int64(0)
	err = s.updateWait(sweepLockTimeout, func(tx *bolt.Tx) (bool, error) {
		gone, seen = gone[:0], 0
		root := tx.Bucket(metaRoot)
		if root == nil {
			return false, nil
		}
		idx := root.Bucket(expiryIndex)
		if idx == nil {
			return false, nil
		}
		var entries [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && len(entries) < sweepBatch; k, _ = c.Next() {
			exp, _, _, ok := parseExpiry(k)
			if ok && exp > now {
				break
			}
			entries = append(entries, append([]byte(nil), k...))
		}
		seen = len(entries)
		for _, k := range entries {
			if err := idx.Delete(k); err != nil {
				return false, err
			}
			exp, path, key, ok := parseExpiry(k)
			if !ok {
				continue
			}
			m, _ := bucketMeta(tx, path, false)
			ub := userBucket(tx, path)
			if ub == nil {
				// The bucket is gone (another program deleted it): so is
				// its key; drop the record.
				if _, st := lookupMeta(m, key, nil); st != metaNone {
					if err := m.Bucket(keysMeta).Delete(key); err != nil {
						return false, err
					}
				}
				continue
			}
			ks := keyState{ub: ub, m: m, key: key, value: ub.Get(key)}
			ks.meta, ks.state = lookupMeta(m, key, ks.value)
			switch {
			case ks.state == metaStale:
				// Another program rewrote (or deleted) the key: its value
				// stays, kvdeck's TTL for the old value goes.
				if err := dropMeta(tx, m, path, key, ks.meta); err != nil {
					return false, err
				}
			case ks.state == metaBound && ks.meta.expires == exp && ks.meta.expired(time.UnixMilli(now)):
				if err := dropKey(tx, ks, path); err != nil {
					return false, err
				}
				gone = append(gone, expired{path, string(key)})
			}
			// Otherwise the entry was outdated (the key's record has
			// another expiry, with its own entry).
		}
		next = firstExpiry(tx)
		return seen > 0, nil
	})
	if err != nil {
		return 0 // the file is busy: try again next round
	}
	if seen > 0 {
		s.nextDue.Store(next)
	}
	for _, g := range gone {
		s.notify(g.bucket, backend.Change{Key: g.key, Op: backend.ChangeExpire, Time: time.UnixMilli(now)})
	}
	return seen
}
