package local

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// sweepBatch bounds one sweeping transaction.
const sweepBatch = 1000

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

type expired struct {
	bucket, key string
}

// sweepOnce deletes up to sweepBatch expired keys, found through the expiry
// index in expiry order, and returns how many it removed. A file without
// kvdeck metadata is never written to.
func (s *Store) sweepOnce() int {
	var gone []expired
	now := s.now().UnixMilli()
	// Look first in a read transaction: a write transaction commits a new
	// meta page even when it changes nothing, and a file that has nothing
	// to sweep (or is not kvdeck's) must not be written.
	due := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		if root := tx.Bucket(metaRoot); root != nil {
			if idx := root.Bucket(expiryIndex); idx != nil {
				if k, _ := idx.Cursor().First(); k != nil {
					exp, _, _, ok := parseExpiry(k)
					due = !ok || exp <= now
				}
			}
		}
		return nil
	})
	if !due {
		return 0
	}
	_ = s.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(metaRoot)
		if root == nil {
			return nil
		}
		idx := root.Bucket(expiryIndex)
		if idx == nil {
			return nil
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
		for _, k := range entries {
			_, path, key, ok := parseExpiry(k)
			if err := idx.Delete(k); err != nil {
				return err
			}
			if !ok {
				continue
			}
			ub := userBucket(tx, path)
			m, _ := bucketMeta(tx, path, false)
			meta, has := getMeta(m, key)
			if ub == nil || !has || !meta.expired(time.UnixMilli(now)) {
				continue
			}
			if err := dropKey(tx, ub, path, key); err != nil {
				return err
			}
			gone = append(gone, expired{path, string(key)})
		}
		return nil
	})
	for _, g := range gone {
		s.notify(g.bucket, backend.Change{Key: g.key, Op: backend.ChangeExpire, Time: time.UnixMilli(now)})
	}
	return len(gone)
}
