// Command floor is the floor of kvdeck's end-to-end benchmark: the plainest
// client program that does the same work as kvdeck, run as a process so its
// wall time (exec to exit) compares with kvdeck's (exec to the screen
// showing the result) on equal terms: both pay process start, connecting
// and the Go runtime. bench/e2e builds and runs it; each subcommand prints
// what it counted, which the harness checks against what it loaded.
//
//	floor redis-scan -addr HOST:PORT [-db N]
//	floor redis-mget -addr HOST:PORT [-db N] -query TEXT
//	floor nats-listkeys -url nats://HOST:PORT -bucket NAME
//	floor bolt-keys -path FILE -bucket NAME
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// scanCount is the COUNT hint of the SCAN loop; mgetBatch the keys per MGET,
// and mgetWindow how many MGETs go in one pipeline (one round trip).
const (
	scanCount  = 1000
	mgetBatch  = 1000
	mgetWindow = 16
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: floor redis-scan|redis-mget|redis-memusage|redis-pexpire|redis-unlink|redis-export|redis-import|nats-listkeys|bolt-keys [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "", "Redis address")
	db := fs.Int("db", 0, "Redis database")
	query := fs.String("query", "", "redis-mget: the text a value must contain")
	url := fs.String("url", "", "NATS URL")
	bucket := fs.String("bucket", "", "NATS KV bucket, or bbolt bucket")
	path := fs.String("path", "", "bbolt file")
	match := fs.String("match", "*", "redis-pexpire, redis-unlink: the keys' SCAN MATCH pattern")
	format := fs.String("format", "jsonl", "redis-export, redis-import: jsonl (GET, SET) or rdm-csv (DUMP, RESTORE)")
	file := fs.String("file", "", "redis-export: the file written; redis-import: the file read")
	fs.Parse(os.Args[2:])
	// Long enough for the slow link and the largest bucket, short enough
	// that a stuck server ends the run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var err error
	switch os.Args[1] {
	case "redis-scan":
		err = redisScan(ctx, *addr, *db)
	case "redis-mget":
		err = redisMget(ctx, *addr, *db, *query)
	case "nats-listkeys":
		err = natsListKeys(ctx, *url, *bucket)
	case "bolt-keys":
		err = boltKeys(*path, *bucket)
	case "redis-memusage":
		err = redisMemUsage(ctx, *addr, *db)
	case "redis-pexpire":
		err = redisPexpire(ctx, *addr, *db, *match)
	case "redis-unlink":
		err = redisUnlink(ctx, *addr, *db, *match)
	case "redis-export":
		err = redisExport(ctx, *addr, *db, *format, *file)
	case "redis-import":
		err = redisImport(ctx, *addr, *db, *format, *file)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func redisClient(addr string, db int) *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: addr, DB: db, ReadTimeout: time.Minute})
}

// redisScan is SCAN cursor COUNT 1000 until the cursor is 0, counting the
// names (no de-duplication: SCAN may repeat a name only while the table is
// resized, and nothing writes during the benchmark).
func redisScan(ctx context.Context, addr string, db int) error {
	c := redisClient(addr, db)
	defer c.Close()
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "", scanCount).Result()
		if err != nil {
			return err
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			break
		}
	}
	fmt.Printf("keys %d\n", n)
	return nil
}

// redisMget is the floor of a search in values: SCAN every name, then MGET
// them 1000 at a time, 16 MGETs a round trip, and count the values that
// contain the query.
func redisMget(ctx context.Context, addr string, db int, query string) error {
	c := redisClient(addr, db)
	defer c.Close()
	var names []string
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "", scanCount).Result()
		if err != nil {
			return err
		}
		names = append(names, keys...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	matches := 0
	for start := 0; start < len(names); {
		p := c.Pipeline()
		var cmds []*goredis.SliceCmd
		for range mgetWindow {
			if start >= len(names) {
				break
			}
			end := min(start+mgetBatch, len(names))
			cmds = append(cmds, p.MGet(ctx, names[start:end]...))
			start = end
		}
		if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
			return err
		}
		for _, cmd := range cmds {
			for _, v := range cmd.Val() {
				if s, ok := v.(string); ok && strings.Contains(s, query) {
					matches++
				}
			}
		}
	}
	fmt.Printf("matches %d of %d\n", matches, len(names))
	return nil
}

// natsListKeys is nats.go's jetstream KeyValue ListKeys, read to the end.
func natsListKeys(ctx context.Context, url, bucket string) error {
	nc, err := natsgo.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return err
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return err
	}
	n := 0
	for range lister.Keys() {
		n++
	}
	// The channel closes at the end of the bucket; Stop then only finds
	// the subscription gone ("invalid subscription"). The harness checks
	// the count, which is what tells a complete listing.
	lister.Stop()
	fmt.Printf("keys %d\n", n)
	return nil
}

// boltKeys opens a bbolt file read-only and counts one bucket's keys with a
// cursor.
func boltKeys(path, bucket string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return fmt.Errorf("no bucket %q", bucket)
		}
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Println("keys", n)
	return nil
}

// scanNames is every name SCAN MATCH match returns.
func scanNames(ctx context.Context, c *goredis.Client, match string) ([]string, error) {
	var names []string
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, scanCount).Result()
		if err != nil {
			return nil, err
		}
		names = append(names, keys...)
		if cursor = next; cursor == 0 {
			return names, nil
		}
	}
}

// redisMemUsage is the floor of the analysis page: SCAN every name, with a
// pipeline of MEMORY USAGE and PTTL per key for each SCAN batch, adding
// up the sizes.
func redisMemUsage(ctx context.Context, addr string, db int) error {
	c := redisClient(addr, db)
	defer c.Close()
	n, total := 0, int64(0)
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "", scanCount).Result()
		if err != nil {
			return err
		}
		p := c.Pipeline()
		mem := make([]*goredis.IntCmd, len(keys))
		for i, k := range keys {
			mem[i] = p.MemoryUsage(ctx, k)
			p.PTTL(ctx, k)
		}
		if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
			return err
		}
		for _, m := range mem {
			total += m.Val()
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			break
		}
	}
	fmt.Printf("keys %d bytes %d\n", n, total)
	return nil
}

// redisPexpire is the floor of a TTL on many keys: PEXPIRE 7 days on
// each key of match (see pipelineEach); it prints the time of the
// PEXPIREs alone.
func redisPexpire(ctx context.Context, addr string, db int, match string) error {
	n, took, err := pipelineEach(ctx, addr, db, match, func(p goredis.Pipeliner, k string) func() int64 {
		set := p.PExpire(ctx, k, 7*24*time.Hour)
		return func() int64 {
			if set.Val() {
				return 1
			}
			return 0
		}
	})
	if err == nil {
		fmt.Printf("keys %d pexpire %d\n", n, took.Nanoseconds())
	}
	return err
}

// redisUnlink is the floor of a bulk delete: UNLINK of each key of match
// (see pipelineEach); it prints the keys deleted and the time.
func redisUnlink(ctx context.Context, addr string, db int, match string) error {
	n, took, err := pipelineEach(ctx, addr, db, match, func(p goredis.Pipeliner, k string) func() int64 {
		return p.Unlink(ctx, k).Val
	})
	if err == nil {
		fmt.Printf("keys %d unlink %d\n", n, took.Nanoseconds())
	}
	return err
}

// pipelineEach SCANs the names of match (not timed: kvdeck has them from
// its listing), then queues cmd for each, 1000 to a pipeline, and returns
// the sum of the answers (what cmd's returned function reads, once the
// pipeline ran: the keys it changed) and the time they took.
func pipelineEach(ctx context.Context, addr string, db int, match string, cmd func(goredis.Pipeliner, string) func() int64) (int64, time.Duration, error) {
	c := redisClient(addr, db)
	defer c.Close()
	names, err := scanNames(ctx, c, match)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	sum := int64(0)
	for i := 0; i < len(names); i += mgetBatch {
		p := c.Pipeline()
		answers := make([]func() int64, 0, mgetBatch)
		for _, k := range names[i:min(i+mgetBatch, len(names))] {
			answers = append(answers, cmd(p, k))
		}
		if _, err := p.Exec(ctx); err != nil {
			return 0, 0, err
		}
		for _, a := range answers {
			sum += a()
		}
	}
	return sum, time.Since(start), nil
}
