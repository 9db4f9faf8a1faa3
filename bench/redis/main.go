// Command redis measures kvdeck's Redis key listing against the floor, a
// plain go-redis SCAN COUNT 1000 loop, on a real redis-server it starts and
// loads with 1,000,000 keys in realistic namespaces; and it measures how
// fast the UI answers a key press while a listing streams in.
//
//	go run ./bench/redis [-keys 1000000] [-runs 3] [-redis-addr host:port [-db N] [-flush]]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/keyspace"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// The budgets.
const (
	maxRatio      = 1.3
	maxFirstRows  = 100 * time.Millisecond
	maxRSSMB      = 200
	maxKeyLatency = 30 * time.Millisecond
	sparseKeys    = 100 // admin:*
)

func main() {
	keys := flag.Int("keys", 1_000_000, "keys to load")
	runs := flag.Int("runs", 3, "listings of each kind; medians are reported")
	addr := flag.String("redis-addr", "", "use this server instead of starting one")
	db := flag.Int("db", 0, "with -redis-addr: the database to load and list; it must be empty")
	flush := flag.Bool("flush", false, "with -redis-addr: empty the database first (its keys are lost)")
	flag.Parse()
	if err := run(*keys, *runs, *addr, *db, *flush); err != nil {
		log.Fatal(err)
	}
}

func run(n, runs int, addr string, db int, flush bool) error {
	ctx := context.Background()
	if addr == "" {
		srv, err := redistest.StartProcess()
		if err != nil {
			return err
		}
		defer srv.Remove()
		addr, db = srv.Addr, 0
		fmt.Printf("redis-server started on %s\n", addr)
	}
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	defer c.Close()
	if flush {
		if err := c.FlushDB(ctx).Err(); err != nil {
			return err
		}
	}
	if n, err := c.DBSize(ctx).Result(); err != nil {
		return err
	} else if n > 0 {
		// Never clear someone's data by surprise.
		return fmt.Errorf("database %d on %s holds %d keys; pick an empty one with -db or pass -flush", db, addr, n)
	}
	start := time.Now()
	want, err := load(ctx, c, n)
	if err != nil {
		return err
	}
	dbsize, _ := c.DBSize(ctx).Result()
	fmt.Printf("loaded %d keys in %v (DBSIZE %d)\n", n, time.Since(start).Round(time.Millisecond), dbsize)
	bucket := fmt.Sprint(db)

	o, _ := redis.ParseURL(fmt.Sprintf("redis://%s/%d", addr, db))
	s, err := redis.Open(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()

	var floor, full, dense, sparse []listing
	for range runs {
		// Interleaved, so a slow moment of a shared machine hits both.
		floor = append(floor, scanFloor(ctx, c))
		full = append(full, kvdeckList(ctx, s, bucket, ""))
	}
	for range runs {
		dense = append(dense, kvdeckList(ctx, s, bucket, "user:*"))
		sparse = append(sparse, kvdeckList(ctx, s, bucket, "admin:*"))
	}
	fl, fu, de, sp := median(floor), median(full), median(dense), median(sparse)
	heapMB, storeRSS := listingMemory(ctx, s, bucket)
	lat, firstFrame, total, rss := uiLatency(s, bucket, dbsize)

	ratio := float64(fu.total) / float64(fl.total)
	fmt.Printf("\n%-38s %10s %12s %12s\n", fmt.Sprintf("listing (median of %d runs)", runs), "keys", "total", "first batch")
	row := func(name string, l listing) {
		fmt.Printf("%-38s %10d %12v %12v\n", name, l.count, l.total.Round(time.Millisecond), l.first.Round(time.Microsecond))
	}
	row("floor: go-redis SCAN COUNT 1000 loop", fl)
	row("kvdeck Store.Keys, all", fu)
	row("kvdeck Store.Keys, user:* (dense)", de)
	row("kvdeck Store.Keys, admin:* (sparse)", sp)
	fmt.Printf("\nStore.Keys of all %d keys held in the UI's key set: Go heap %d MB, RSS %d MB\n", dbsize, heapMB, storeRSS)
	fmt.Printf("UI on the same server: listing %d keys through the model took %v; first rows drawn after %v\n", dbsize, total.Round(time.Millisecond), firstFrame.Round(time.Millisecond))
	fmt.Printf("key press to frame while listing: p50 %v, p99 %v, max %v over %d presses\n",
		pct(lat, 50).Round(10*time.Microsecond), pct(lat, 99).Round(10*time.Microsecond), pct(lat, 100).Round(10*time.Microsecond), len(lat))
	fmt.Printf("RSS of this process with the model holding all %d keys: %d MB (peak over the whole run, all listings and the floor's copies included: %d MB)\n\n", dbsize, rss, procStatusMB("VmHWM:"))

	ok := true
	check := func(name string, pass bool, got string) {
		mark := "ok  "
		if !pass {
			mark, ok = "FAIL", false
		}
		fmt.Printf("%s %-44s %s\n", mark, name, got)
	}
	check("full listing within 1.3x the floor", ratio <= maxRatio, fmt.Sprintf("%.2fx", ratio))
	check("complete and exact (= DBSIZE)", int64(fu.count) == dbsize, fmt.Sprintf("%d of %d", fu.count, dbsize))
	check("dense pattern exact", de.count == want.users, fmt.Sprintf("%d of %d", de.count, want.users))
	check("sparse pattern exact", sp.count == want.admins, fmt.Sprintf("%d of %d", sp.count, want.admins))
	check("first batch from Store.Keys < 100 ms", fu.first < maxFirstRows, fu.first.Round(time.Microsecond).String())
	check("first rows drawn by the UI < 100 ms", firstFrame < maxFirstRows, firstFrame.Round(time.Millisecond).String())
	check("RSS for 1M listed keys < 200 MB (Store.Keys)", storeRSS < maxRSSMB, fmt.Sprintf("%d MB", storeRSS))
	check("RSS for 1M listed keys < 200 MB (whole UI)", rss < maxRSSMB, fmt.Sprintf("%d MB", rss))
	check("key press answered < 30 ms while listing", pct(lat, 99) < maxKeyLatency, "p99 "+pct(lat, 99).Round(10*time.Microsecond).String())
	if !ok {
		os.Exit(1)
	}
	return nil
}

// loaded counts what load wrote, for the exactness checks.
type loaded struct{ users, admins int }

// load writes n keys with pipelines: 100 admin keys (the sparse pattern),
// then a quarter each of JSON user profiles (the dense pattern), sessions
// with TTLs of hours and API caches with a week's TTL; the last quarter is
// half rate-limit counters and half hashes, lists, sets, sorted sets and
// streams.
func load(ctx context.Context, c *goredis.Client, n int) (loaded, error) {
	var want loaded
	p := c.Pipeline()
	for i := range n {
		switch {
		case i < sparseKeys:
			p.Set(ctx, fmt.Sprintf("admin:%d", i), `{"role":"admin"}`, 0)
			want.admins++
		case i%4 == 0:
			p.Set(ctx, fmt.Sprintf("user:%d:profile", i), fmt.Sprintf(`{"id":%d,"name":"user %d","theme":"dark","langs":["en","de"]}`, i, i), 0)
			want.users++
		case i%4 == 1:
			p.Set(ctx, fmt.Sprintf("session:%016x", uint64(i)*2654435761), `{"uid":1,"csrf":"x"}`, time.Duration(1+i%72)*time.Hour)
		case i%4 == 2:
			p.Set(ctx, fmt.Sprintf("cache:api:v1:repos:%d", i), `{"status":200,"body":{"stars":1}}`, 7*24*time.Hour)
		default:
			switch i % 40 {
			case 3:
				p.HSet(ctx, fmt.Sprintf("cart:%d", i), "sku", "SKU-1", "qty", 2)
			case 7:
				p.RPush(ctx, fmt.Sprintf("queue:%d", i), "a", "b", "c")
			case 11:
				p.SAdd(ctx, fmt.Sprintf("tags:%d", i), "x", "y")
			case 15:
				p.ZAdd(ctx, fmt.Sprintf("leaderboard:%d", i), goredis.Z{Score: 1, Member: "a"})
			case 19:
				p.XAdd(ctx, &goredis.XAddArgs{Stream: fmt.Sprintf("events:%d", i), Values: []any{"type", "click"}})
			default:
				p.Set(ctx, fmt.Sprintf("ratelimit:%d", i), "7", time.Minute*30)
			}
		}
		if p.Len() == 10_000 {
			if _, err := p.Exec(ctx); err != nil {
				return want, err
			}
		}
	}
	_, err := p.Exec(ctx)
	return want, err
}

type listing struct {
	total, first time.Duration
	count        int
}

// scanFloor is the floor: a plain SCAN loop that keeps the names.
func scanFloor(ctx context.Context, c *goredis.Client) listing {
	start := time.Now()
	var l listing
	var cursor uint64
	var names []string
	for {
		keys, next, err := c.Scan(ctx, cursor, "", 1000).Result()
		if err != nil {
			log.Fatal(err)
		}
		if l.first == 0 {
			l.first = time.Since(start)
		}
		names = append(names, keys...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	l.total, l.count = time.Since(start), len(names)
	return l
}

// kvdeckList lists through the store into a keyspace.Set, as the UI does.
func kvdeckList(ctx context.Context, s *redis.Store, bucket, pattern string) listing {
	l, _ := listInto(ctx, s, bucket, pattern)
	return l
}

func listInto(ctx context.Context, s *redis.Store, bucket, pattern string) (listing, *keyspace.Set) {
	start := time.Now()
	var l listing
	set := keyspace.New()
	err := s.Keys(ctx, bucket, backend.Query{Pattern: pattern}, func(b []backend.KeyInfo) error {
		if l.first == 0 {
			l.first = time.Since(start)
		}
		set.Append(b)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	l.total, l.count = time.Since(start), set.Live()
	return l, set
}

// listingMemory lists every key into the UI's key set and, holding it,
// reports the Go heap in use and the process's RSS after the garbage of
// earlier runs has been returned to the OS.
func listingMemory(ctx context.Context, s *redis.Store, bucket string) (heapMB, rss int) {
	_, set := listInto(ctx, s, bucket, "")
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss = rssMB()
	runtime.KeepAlive(set)
	return int(m.HeapInuse >> 20), rss
}

// uiLatency runs the real model on the store, opens the database and, while
// the listing streams in, presses "down" every 5 ms in the same event loop
// that applies the listing's messages (as Bubble Tea's loop does), timing
// each press from when it was due to when its frame was drawn. It returns
// the RSS with the whole listing held by the model.
func uiLatency(s *redis.Store, bucket string, want int64) (lat []time.Duration, firstRows, total time.Duration, rss int) {
	runtime.GC()
	start := time.Now()
	sim := modeltest.Start(model.New(s, model.Options{Bucket: bucket, Dark: true}), 160, 50)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	complete := fmt.Sprintf("%d keys", want)
	check := func() bool {
		screen := sim.Plain()
		if firstRows == 0 && (strings.Contains(screen, "session:") || strings.Contains(screen, "user:") || strings.Contains(screen, "cache:")) {
			firstRows = time.Since(start)
		}
		return strings.Contains(screen, complete) && !strings.Contains(screen, "listing")
	}
	for !check() {
		select {
		case msg := <-sim.Messages():
			sim.Send(msg)
		case due := <-tick.C:
			sim.Send(modeltest.Key("down"))
			_ = sim.Screen()
			lat = append(lat, time.Since(due))
		}
	}
	total = time.Since(start)
	// Return the garbage of the earlier runs (the floor's names, the
	// listing's de-duplication set) to the OS, so RSS shows what the model
	// holds rather than what the Go runtime has not yet handed back.
	runtime.GC()
	debug.FreeOSMemory()
	rss = rssMB()
	runtime.KeepAlive(sim)
	return lat, firstRows, total, rss
}

func median(ls []listing) listing {
	slices.SortFunc(ls, func(a, b listing) int { return int(a.total - b.total) })
	return ls[len(ls)/2]
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := min(len(s)*p/100, len(s)-1)
	return s[i]
}

// rssMB reads the resident set size from /proc.
func rssMB() int { return procStatusMB("VmRSS:") }

// procStatusMB reads a kB figure from /proc/self/status in MB.
func procStatusMB(field string) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field) {
			var kb int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, field)), "%d", &kb)
			return kb / 1024
		}
	}
	return -1
}
