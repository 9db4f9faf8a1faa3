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
	err := s.view(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		m, _ := bucketMeta(tx, bucket, false)
		for i, k := range keys {
			out[i] = backend.KeyInfo{Name: k, Size: -1, HasMeta: true}
			v := ub.Get([]byte(k))
			exp := listedExpiry(rawMetaOf(m, []byte(k)), v, now, true)
			if v == nil || exp < 0 {
				continue // gone: KindUnknown tells the list
			}
			out[i].Kind, out[i].Size = backend.KindString, int64(len(v))
			if exp > 0 {
				out[i].ExpiresAt = time.UnixMilli(exp)
			}
		}
		return nil
	})
	return out, err
}
