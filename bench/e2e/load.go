package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// The data set: names and values as an application writes them, so that
// listing, the tree, the filter and the value search see realistic lengths
// and shapes. Key i is, by i mod 4:
//
//	0  user:<id>:prefs            {"theme":"dark","lang":"en","plan":"free"}
//	1  session:<uuid>             {"user":<id>,"csrf":"<hex>","ua":"Mozilla/5.0 …"}  (TTL 24 h)
//	2  cache:api:v1:repos:<id>    {"status":200,"etag":"W/\"<hex>\"","stars":<n>}
//	3  ratelimit:<ip>:<minute>    <count>   (ip 10-a-b-c, from id)
//
// Every 100th user's plan is "enterprise" instead of "free": searchQuery
// matches exactly those values, so a value search has a known answer.
// NATS names use "." where Redis names use ":".

const searchQuery = "enterprise"

// keyPrefixes are the first segments of the data set's names: the keys
// pane shows a key once its top row starts with one of them.
var keyPrefixes = []string{"user", "session", "cache", "ratelimit"}

// dataset counts what a load wrote.
type dataset struct {
	keys       int
	searchHits int // values containing searchQuery
}

// entry is the i-th key and value with the given separator.
func entry(i int, sep string) (key, value string, ttl time.Duration, hit bool) {
	h := fnv.New128a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	h.Write(b[:])
	sum := h.Sum(nil)
	id := i / 4
	switch i % 4 {
	case 0:
		plan := "free"
		if id%100 == 0 {
			plan, hit = searchQuery, true
		}
		return fmt.Sprintf("user%s%d%sprefs", sep, id, sep),
			fmt.Sprintf(`{"theme":"dark","lang":"en","plan":%q,"tz":"Europe/Berlin"}`, plan), 0, hit
	case 1:
		uuid := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
		return "session" + sep + uuid,
			fmt.Sprintf(`{"user":%d,"csrf":"%x","ua":"Mozilla/5.0 (X11; Linux x86_64)"}`, id, sum[:8]), 24 * time.Hour, false
	case 2:
		return fmt.Sprintf("cache%sapi%sv1%srepos%s%d", sep, sep, sep, sep, id),
			fmt.Sprintf(`{"status":200,"etag":"W/\"%x\"","stars":%d}`, sum[:6], id%5000), 0, false
	default:
		// The address comes from id, so names never collide.
		return fmt.Sprintf("ratelimit%s10-%d-%d-%d%s%d", sep, id>>16&255, id>>8&255, id&255, sep, 28_000_000+id%1440),
			fmt.Sprint(1 + id%60), 0, false
	}
}

// redisLoad writes n keys with pipelines of 10,000 commands; c is a plain
// or a cluster client (a cluster pipeline splits by node).
func redisLoad(ctx context.Context, c goredis.UniversalClient, n int) (dataset, error) {
	d := dataset{keys: n}
	p := c.Pipeline()
	for i := range n {
		k, v, ttl, hit := entry(i, ":")
		if hit {
			d.searchHits++
		}
		p.Set(ctx, k, v, ttl)
		if p.Len() == 10_000 {
			if _, err := p.Exec(ctx); err != nil {
				return d, err
			}
		}
	}
	if _, err := p.Exec(ctx); err != nil {
		return d, err
	}
	return d, nil
}

// redisPopulate fills a database with DEBUG POPULATE: n string keys named
// prefix0 … prefix<n-1>, far faster than any client for ten million.
func redisPopulate(ctx context.Context, c *goredis.Client, n int, prefix string) error {
	return c.Do(ctx, "DEBUG", "POPULATE", n, prefix, 10).Err()
}

// natsLoad creates bucket and puts n keys with asynchronous publishes (a
// window of acknowledgements in flight), as a busy application would.
func natsLoad(ctx context.Context, js jetstream.JetStream, bucket string, n int) (dataset, error) {
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, History: 1}); err != nil {
		return dataset{}, err
	}
	d := dataset{keys: n}
	subject := "$KV." + bucket + "."
	for i := range n {
		k, v, _, hit := entry(i, ".")
		if hit {
			d.searchHits++
		}
		for {
			_, err := js.PublishAsync(subject+k, []byte(v))
			if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
				// The window of unacknowledged publishes stayed full: a
				// busy machine's server is behind. Let it catch up.
				if err := waitAcks(ctx, js); err != nil {
					return d, err
				}
				continue
			}
			if err != nil {
				return d, err
			}
			break
		}
		if i%50_000 == 49_999 {
			if err := waitAcks(ctx, js); err != nil {
				return d, err
			}
		}
	}
	return d, waitAcks(ctx, js)
}

func waitAcks(ctx context.Context, js jetstream.JetStream) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("NATS: %d publishes not acknowledged after 5 minutes", js.PublishAsyncPending())
	}
}

// boltLoad writes n keys of the data set into bucket of a new bbolt file
// at path with plain bbolt, as another program would (no kvdeck metadata,
// so no TTLs), 100,000 keys a transaction.
func boltLoad(path, bucket string, n int) (dataset, error) {
	d := dataset{keys: n}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return d, err
	}
	defer db.Close()
	for start := 0; start < n; start += 100_000 {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(bucket))
			if err != nil {
				return err
			}
			for i := start; i < min(start+100_000, n); i++ {
				k, v, _, hit := entry(i, ":")
				if hit {
					d.searchHits++
				}
				if err := b.Put([]byte(k), []byte(v)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return d, err
		}
	}
	return d, db.Close()
}
