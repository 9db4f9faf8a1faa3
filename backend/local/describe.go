package local

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.Describer = (*Store)(nil)

// Describe fills kind, size and expiry for keys the list learnt of by name
// (a watch event, a write), in one read transaction.
func (s *Store) Describe(ctx context.Context, bucket string, keys []string) ([]backend.KeyInfo, error) {
	out := make([]backend.KeyInfo, len(keys))
	now := s.now()
	err := s.db.View(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		m, _ := bucketMeta(tx, bucket, false)
		for i, k := range keys {
			out[i] = backend.KeyInfo{Name: k, Size: -1, HasMeta: true}
			v := ub.Get([]byte(k))
			meta, has := getMeta(m, []byte(k))
			if v == nil || has && meta.expired(now) {
				continue // gone: KindUnknown tells the list
			}
			out[i].Kind, out[i].Size = backend.KindString, int64(len(v))
			if has && meta.expires != 0 {
				out[i].ExpiresAt = time.UnixMilli(meta.expires)
			}
		}
		return nil
	})
	return out, err
}
