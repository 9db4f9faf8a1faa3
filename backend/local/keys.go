package local

import (
	"context"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// defaultBatch is how many keys one read transaction lists before it
// closes: a slow consumer never holds a bbolt read transaction open.
const defaultBatch = 1000

// releaseEvery is how many keys a walk reads between two releases of the
// file's mapped pages (releaseMapped): about 15 MB of a typical file.
const releaseEvery = 64 << 10

// scanPerTx bounds the keys one read transaction examines, so a pattern
// that matches little (no literal prefix, few hits) still closes its
// transaction and sees a cancel between chunks.
const scanPerTx = 20_000

// Keys streams the keys matching q in key order, in batches, each read in
// its own short transaction. A pattern's literal prefix is sought with the
// cursor, so a prefix search does not walk the bucket.
func (s *Store) Keys(ctx context.Context, bucket string, q backend.Query, emit func([]backend.KeyInfo) error) error {
	if q.Type != backend.KindUnknown && q.Type != backend.KindString {
		// Every value here is a string: a filter on another type lists
		// nothing (once the bucket is known to exist).
		return s.view(func(tx *bolt.Tx) error {
			if userBucket(tx, bucket) == nil {
				return bucketNotFound(bucket)
			}
			return nil
		})
	}
	size := q.BatchSize
	if size <= 0 {
		size = defaultBatch
	}
	prefix := literalPrefix(q.Pattern)
	var after []byte
	walked := 0 // keys walked since the file's pages were last released
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A new batch each time: emit keeps the last one.
		batch := make([]backend.KeyInfo, 0, size)
		done := false
		now := s.now()
		err := s.view(func(tx *bolt.Tx) (err error) {
			defer func() {
				if walked >= releaseEvery || done && walked > 0 {
					releaseMapped(tx)
					walked = 0
				}
			}()
			ub := userBucket(tx, bucket)
			if ub == nil {
				return bucketNotFound(bucket)
			}
			m, _ := bucketMeta(tx, bucket, false)
			mc := newMetaCursor(m)
			c := ub.Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.Seek([]byte(prefix))
			} else {
				k, v = c.Seek(after)
				if k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for scanned := 0; k != nil; k, v = c.Next() {
				if scanned++; scanned > scanPerTx {
					return nil // resume after `after` in a new transaction
				}
				walked++
				if !strings.HasPrefix(string(k), prefix) {
					done = true
					return nil
				}
				after = append(after[:0], k...)
				if v == nil {
					continue // a nested bucket, not a key
				}
				if q.Pattern != "" && !backend.MatchGlob(q.Pattern, string(k)) {
					continue
				}
				info := backend.KeyInfo{Name: string(k), Kind: backend.KindString, Size: int64(len(v)), HasMeta: true}
				switch exp := listedExpiry(mc.get(k), v, now, true); {
				case exp < 0:
					continue // expired
				case exp > 0:
					info.ExpiresAt = time.UnixMilli(exp)
				}
				batch = append(batch, info)
				if len(batch) == size {
					return nil
				}
			}
			done = true
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := emit(batch); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// literalPrefix is the part of a glob before its first special character.
func literalPrefix(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*', '?', '[':
			return b.String()
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteByte(pattern[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
