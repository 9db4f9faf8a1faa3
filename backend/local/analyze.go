package local

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.Analyzer = (*Store)(nil)

// analyzeBatch is how many keys one read transaction of an analysis
// reads: the listing's bound on a transaction (scanPerTx) holds too, so a
// transaction stays short whatever the pattern.
const analyzeBatch = 10_000

// errSampled ends a listing once the stated sample is in.
var errSampled = errors.New("sample complete")

// Analyze reports each live key's value length, expiry (kvdeck's metadata,
// when it still belongs to the value) and kind (always string), one short
// read transaction per batch, like the listing: a pattern goes through Keys
// itself, exact keys are read in sorted batches of analyzeBatch. Expired
// keys and keys that are not there are left out.
func (s *Store) Analyze(ctx context.Context, bucket string, q backend.AnalyzeQuery, emit func([]backend.KeyFacts) error) error {
	left := q.Sample // keys still wanted when sampling
	send := func(facts []backend.KeyFacts) error {
		if q.Sample > 0 {
			if len(facts) >= left {
				facts = facts[:left]
				left = 0
				if len(facts) > 0 {
					if err := emit(facts); err != nil {
						return err
					}
				}
				return errSampled
			}
			left -= len(facts)
		}
		if len(facts) == 0 {
			return nil
		}
		return emit(facts)
	}
	var err error
	if q.Keys != nil {
		err = s.analyzeKeys(ctx, bucket, q.Keys, send)
	} else {
		err = s.Keys(ctx, bucket, backend.Query{Pattern: q.Pattern, BatchSize: analyzeBatch}, func(batch []backend.KeyInfo) error {
			facts := make([]backend.KeyFacts, len(batch))
			for i, k := range batch {
				facts[i] = backend.KeyFacts{Key: k.Name, Kind: k.Kind, Size: k.Size, ExpiresAt: k.ExpiresAt}
			}
			return send(facts)
		})
	}
	if errors.Is(err, errSampled) {
		return nil
	}
	return err
}

// analyzeKeys reads exactly keys (each once, in key order, which keeps the
// B+tree reads local) in transactions of analyzeBatch keys.
func (s *Store) analyzeKeys(ctx context.Context, bucket string, keys []string, send func([]backend.KeyFacts) error) error {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		// Still say when the bucket is not there.
		return s.view(func(tx *bolt.Tx) error {
			if userBucket(tx, bucket) == nil {
				return bucketNotFound(bucket)
			}
			return nil
		})
	}
	for start := 0; start < len(keys); start += analyzeBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := keys[start:min(start+analyzeBatch, len(keys))]
		facts := make([]backend.KeyFacts, 0, len(chunk))
		now := s.now()
		err := s.view(func(tx *bolt.Tx) error {
			ub := userBucket(tx, bucket)
			if ub == nil {
				return bucketNotFound(bucket)
			}
			m, _ := bucketMeta(tx, bucket, false)
			mc := newMetaCursor(m)
			c := ub.Cursor()
			for _, name := range chunk {
				k, v := c.Seek([]byte(name))
				if k == nil || string(k) != name || v == nil {
					continue // not there, or a nested bucket
				}
				exp := listedExpiry(mc.get(k), v, now, true)
				if exp < 0 {
					continue // expired
				}
				f := backend.KeyFacts{Key: name, Kind: backend.KindString, Size: int64(len(v))}
				if exp > 0 {
					f.ExpiresAt = time.UnixMilli(exp)
				}
				facts = append(facts, f)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := send(facts); err != nil {
			return err
		}
	}
	return nil
}

// BucketFacts are the file's size on disk and what the bucket holds: its
// live keys (directly in it, not in nested buckets), the bytes of their
// values, and the history it keeps, counted in one read transaction.
func (s *Store) BucketFacts(ctx context.Context, bucket string) ([]backend.Fact, error) {
	var keys, bytes int64
	var history int
	now := s.now()
	err := s.view(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		m, _ := bucketMeta(tx, bucket, false)
		history = readConfig(m, bucket).History
		mc := newMetaCursor(m)
		c := ub.Cursor()
		walked := 0
		defer func() {
			if walked > 0 {
				releaseMapped(tx)
			}
		}()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if walked++; walked%releaseEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				releaseMapped(tx)
			}
			if v == nil || listedExpiry(mc.get(k), v, now, false) < 0 {
				continue
			}
			keys++
			bytes += int64(len(v))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	facts := []backend.Fact{}
	if fi, err := os.Stat(s.path); err == nil {
		facts = append(facts, backend.Fact{Label: "file size", Value: humanize.IBytes(uint64(fi.Size()))})
	}
	facts = append(facts,
		backend.Fact{Label: "keys", Value: strconv.FormatInt(keys, 10)},
		backend.Fact{Label: "value bytes", Value: humanize.IBytes(uint64(bytes))},
		backend.Fact{Label: "history", Value: strconv.Itoa(history)},
	)
	return facts, nil
}
