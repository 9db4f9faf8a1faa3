package redis

import (
	"context"
	"hash/maphash"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// scanPage is one SCAN reply on its way to the caller's goroutine.
type scanPage struct {
	keys []string
	err  error
}

// Keys streams SCAN pages (MATCH for the pattern, TYPE for the kind) until
// the cursor returns to 0 on every master. Names only: type and TTL come
// from Describe for the rows a user looks at. SCAN may return a key twice
// (during a rehash), so keys are de-duplicated by a 64-bit hash rather than
// by a set of strings, which would cost a second copy of the keyspace; at a
// million keys the odds of two names colliding are about 3 in 100 million.
func (s *Store) Keys(ctx context.Context, bucket string, q backend.Query, emit func([]backend.KeyInfo) error) error {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	count := int64(q.BatchSize)
	if count <= 0 {
		count = int64(s.opts.ScanCount)
	}
	typ := ""
	if q.Type != backend.KindUnknown {
		typ = q.Type.String()
		if q.Type == backend.KindJSON {
			typ = "ReJSON-RL"
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan scanPage, 4)
	var wg sync.WaitGroup
	scanNode := func(ctx context.Context, node goredis.UniversalClient) error {
		var cursor uint64
		for {
			var keys []string
			var err error
			if typ != "" {
				keys, cursor, err = node.ScanType(ctx, cursor, q.Pattern, count, typ).Result()
			} else {
				keys, cursor, err = node.Scan(ctx, cursor, q.Pattern, count).Result()
			}
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				select {
				case pages <- scanPage{keys: keys}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if cursor == 0 {
				return nil
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var err error
		if cc, ok := c.(*goredis.ClusterClient); ok {
			err = cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error { return scanNode(ctx, m) })
		} else {
			err = scanNode(ctx, c)
		}
		if err != nil {
			select {
			case pages <- scanPage{err: err}:
			case <-ctx.Done():
			}
		}
	}()
	go func() { wg.Wait(); close(pages) }()

	seed := maphash.MakeSeed()
	seen := make(map[uint64]struct{}, 1024)
	batch := make([]backend.KeyInfo, 0, count)
	for p := range pages {
		if p.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return s.cmdErr(p.err, "")
		}
		batch = batch[:0]
		for _, k := range p.keys {
			h := maphash.String(seed, k)
			if _, dup := seen[h]; dup {
				continue
			}
			seen[h] = struct{}{}
			batch = append(batch, backend.KeyInfo{Name: k, Size: -1})
		}
		if len(batch) > 0 {
			if err := emit(batch); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ctx.Err()
}
