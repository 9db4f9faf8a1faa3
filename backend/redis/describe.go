package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Describe fills type, TTL and size for the keys on screen in two
// pipelined round trips (TYPE+PTTL, then the size command of each type),
// however many keys. A Cluster pipeline is split by slot by go-redis, one
// round trip per master in parallel.
//
// A key that vanished between the listing and this call comes back with
// KindUnknown. An error on one key (a type changed between the two round
// trips, an ACL that hides some keys) leaves that key unsized rather than
// failing the rows around it; only an error on every key, or the
// connection failing, fails the call.
func (s *Store) Describe(ctx context.Context, bucket string, keys []string) ([]backend.KeyInfo, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
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
	if err := s.pipelineErr(ctx, err, types); err != nil {
		return nil, err
	}
	out := make([]backend.KeyInfo, len(keys))
	sizes := make([]goredis.Cmder, len(keys))
	now := time.Now()
	_, err = c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			kind, _ := backend.ParseKind(types[i].Val())
			out[i] = backend.KeyInfo{Name: k, Kind: kind, Size: -1, HasMeta: true}
			if d := ttls[i].Val(); d > 0 {
				out[i].ExpiresAt = now.Add(d)
			}
			if types[i].Err() == nil {
				sizes[i] = sizeCmd(ctx, p, kind, k)
			}
		}
		return nil
	})
	if err != nil && (ctx.Err() != nil || isNetErr(err)) {
		return nil, s.cmdErr(err, "")
	}
	for i := range out {
		if n, ok := cmdSize(sizes[i]); ok {
			out[i].Size = n
		}
	}
	return out, nil
}

// pipelineErr decides whether a pipeline failed as a whole: the connection
// or the context went, or every command failed.
func (s *Store) pipelineErr(ctx context.Context, err error, cmds []*goredis.StatusCmd) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isNetErr(err) {
		return s.cmdErr(err, "")
	}
	for _, c := range cmds {
		if c.Err() == nil {
			return nil
		}
	}
	return s.cmdErr(err, "")
}

// sizeCmd queues the command that sizes a key of kind: bytes for strings
// and RedisJSON documents, elements for collections. It returns nil for a
// kind it cannot size.
func sizeCmd(ctx context.Context, p commander, kind backend.Kind, key string) goredis.Cmder {
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
	case backend.KindJSON:
		// The module's own measure of a document (bytes in memory); the
		// JSON text's length would need the whole document on the wire.
		return p.Do(ctx, "JSON.DEBUG", "MEMORY", key)
	}
	return nil
}

// commander is what both a client and a pipeline offer.
type commander interface {
	goredis.Cmdable
	Do(ctx context.Context, args ...any) *goredis.Cmd
}

// cmdSize reads a size command's answer.
func cmdSize(c goredis.Cmder) (int64, bool) {
	switch c := c.(type) {
	case *goredis.IntCmd:
		n, err := c.Result()
		return n, err == nil
	case *goredis.Cmd:
		n, err := c.Int64()
		return n, err == nil
	}
	return 0, false
}
