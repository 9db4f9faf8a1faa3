package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Describe fills type, TTL and size for the keys on screen in two
// pipelined round trips (TYPE+PTTL, then the size command of each type),
// however many keys. Cluster pipelines are split by slot by go-redis.
func (s *Store) Describe(ctx context.Context, bucket string, keys []string) ([]backend.KeyInfo, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	types := make([]*goredis.StatusCmd, len(keys))
	ttls := make([]*goredis.DurationCmd, len(keys))
	_, err = c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			types[i] = p.Type(ctx, k)
			ttls[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	if err != nil && err != goredis.Nil {
		return nil, s.cmdErr(err, "")
	}
	out := make([]backend.KeyInfo, len(keys))
	sizes := make([]*goredis.IntCmd, len(keys))
	now := time.Now()
	_, err = c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			kind, _ := backend.ParseKind(types[i].Val())
			out[i] = backend.KeyInfo{Name: k, Kind: kind, Size: -1, HasMeta: true}
			if d := ttls[i].Val(); d > 0 {
				out[i].ExpiresAt = now.Add(d)
			}
			sizes[i] = sizeCmd(ctx, p, kind, k)
		}
		return nil
	})
	if err != nil && err != goredis.Nil {
		return nil, s.cmdErr(err, "")
	}
	for i := range out {
		if sizes[i] != nil && sizes[i].Err() == nil {
			out[i].Size = sizes[i].Val()
		}
	}
	return out, nil
}

// sizeCmd queues the command that sizes a key of kind: bytes for strings,
// elements for collections.
func sizeCmd(ctx context.Context, p goredis.Cmdable, kind backend.Kind, key string) *goredis.IntCmd {
	switch kind {
	case backend.KindString:
		return p.StrLen(ctx, key)
	case backend.KindHash:
		return p.HLen(ctx, key)
	case backend.KindList:
		return p.LLen(ctx, key)
	case backend.KindSet:
		return p.SCard(ctx, key)
	case backend.KindZSet:
		return p.ZCard(ctx, key)
	case backend.KindStream:
		return p.XLen(ctx, key)
	}
	return nil
}
