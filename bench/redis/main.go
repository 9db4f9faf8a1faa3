// Command redis measures kvdeck's Redis key listing against the floor, a
// plain go-redis SCAN COUNT 1000 loop, on a real redis-server it starts and
// loads with 1,000,000 keys in realistic namespaces; and it measures how
// fast the UI answers a key press while a listing streams in.
//
//	go run ./bench/redis [-keys 1000000] [-runs 3] [-redis-addr host:port]
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
	sparseKeys    = 100
)

func main() {
	keys := flag.Int("keys", 1_000_000, "keys to load")
	runs := flag.Int("runs", 3, "listings of each kind; medians are reported")
	addr := flag.String("redis-addr", "", "use this server instead of starting one (it is flushed!)")
	flag.Parse()
	if err := run(*keys, *runs, *addr); err != nil {
		log.Fatal(err)
	}
}

func run(n, runs int, addr string) error {
	ctx := context.Background()
	if addr == "" {
		srv, err := redistest.StartProcess()
		if err != nil {
			return err
		}
		defer srv.Stop()
		addr = srv.Addr
	}
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	start := time.Now()
	if err := load(ctx, c, n); err != nil {
		return err
	}
	dbsize, _ := c.DBSize(ctx).Result()
	fmt.Printf("loaded %d keys in %v (DBSIZE %d)\n", n, time.Since(start).Round(time.Millisecond), dbsize)

	o, _ := redis.ParseURL("redis://" + addr)
	s, err := redis.Open(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()

	var floor, full, dense, sparse []listing
	for range runs {
		floor = append(floor, scanFloor(ctx, c))
		full = append(full, kvdeckList(ctx, s, ""))
	}
	for range runs {
		dense = append(dense, kvdeckList(ctx, s, "user:*"))
		sparse = append(sparse, kvdeckList(ctx, s, "admin:*"))
	}
	fl, fu, de, sp := median(floor), median(full), median(dense), median(sparse)
	lat, firstFrame, total, rss := uiLatency(s, dbsize)

	ratio := float64(fu.total) / float64(fl.total)
	fmt.Printf("\n%-34s %10s %12s %10s\n", "listing (median of runs)", "keys", "total", "first rows")
	fmt.Printf("%-34s %10d %12v %10v\n", "floor: go-redis SCAN COUNT 1000", fl.count, fl.total.Round(time.Millisecond), fl.first.Round(time.Microsecond))
	fmt.Printf("%-34s %10d %12v %10v\n", "kvdeck Store.Keys, all", fu.count, fu.total.Round(time.Millisecond), fu.first.Round(time.Microsecond))
	fmt.Printf("%-34s %10d %12v %10v\n", "kvdeck Store.Keys, user:* (dense)", de.count, de.total.Round(time.Millisecond), de.first.Round(time.Microsecond))
	fmt.Printf("%-34s %10d %12v %10v\n", "kvdeck Store.Keys, admin:* (sparse)", sp.count, sp.total.Round(time.Millisecond), sp.first.Round(time.Microsecond))
	fmt.Printf("\nUI on the same server: listing %d keys through the model took %v; first rows drawn after %v\n", n, total.Round(time.Millisecond), firstFrame.Round(time.Millisecond))
	fmt.Printf("key press to frame while listing: p50 %v, p99 %v, max %v over %d presses\n",
		pct(lat, 50).Round(10*time.Microsecond), pct(lat, 99).Round(10*time.Microsecond), pct(lat, 100).Round(10*time.Microsecond), len(lat))
	fmt.Printf("RSS of this process with the model holding all %d keys: %d MB\n\n", dbsize, rss)

	ok := true
	check := func(name string, pass bool, got string) {
		mark := "ok  "
		if !pass {
			mark, ok = "FAIL", false
		}
		fmt.Printf("%s %-40s %s\n", mark, name, got)
	}
	check("full listing within 1.3x the floor", ratio <= maxRatio, fmt.Sprintf("%.2fx", ratio))
	check("complete and exact (= DBSIZE)", int64(fu.count) == dbsize, fmt.Sprintf("%d of %d", fu.count, dbsize))
	check("sparse pattern exact", sp.count == sparseKeys, fmt.Sprintf("%d of %d", sp.count, sparseKeys))
	check("first rows drawn < 100 ms", firstFrame < maxFirstRows, firstFrame.Round(time.Millisecond).String())
	check("RSS for 1M listed keys < 200 MB", rss < maxRSSMB, fmt.Sprintf("%d MB", rss))
	check("key press answered < 30 ms while listing", pct(lat, 99) < maxKeyLatency, "p99 "+pct(lat, 99).Round(10*time.Microsecond).String())
	if !ok {
		os.Exit(1)
	}
	return nil
}

// load writes n keys: a quarter JSON profiles, sessions with TTLs, API
// caches with TTLs, 100 admin keys, and hashes, lists, sets, sorted sets
// and streams.
func load(ctx context.Context, c *goredis.Client, n int) error {
	if err := c.FlushAll(ctx).Err(); err != nil {
		return err
	}
	p := c.Pipeline()
	for i := range n {
		switch {
		case i < sparseKeys:
			p.Set(ctx, fmt.Sprintf("admin:%d", i), `{"role":"admin"}`, 0)
		case i%4 == 0:
			p.Set(ctx, fmt.Sprintf("user:%d:profile", i), fmt.Sprintf(`{"id":%d,"name":"user %d","theme":"dark","langs":["en","de"]}`, i, i), 0)
		case i%4 == 1:
			p.Set(ctx, fmt.Sprintf("session:%016x", uint64(i)*2654435761), `{"uid":1,"csrf":"x"}`, time.Duration(1+i%72)*time.Hour)
		case i%4 == 2:
			p.Set(ctx, fmt.Sprintf("cache:api:v1:repos:%d", i), `{"status":200,"body":{"stars":1}}`, 7*24*time.Hour)
		default:
			switch i % 20 {
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
				return err
			}
		}
	}
	_, err := p.Exec(ctx)
	return err
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
func kvdeckList(ctx context.Context, s *redis.Store, pattern string) listing {
	start := time.Now()
	var l listing
	set := keyspace.New()
	err := s.Keys(ctx, "0", backend.Query{Pattern: pattern}, func(b []backend.KeyInfo) error {
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
	return l
}

// uiLatency runs the real model on the store, opens database 0 and, while
// the listing streams in, presses "down" every 5 ms in the same event loop
// that applies the listing's messages (as Bubble Tea's loop does), timing
// each press from when it was due to when its frame was drawn. It returns
// the RSS with the whole listing held by the model.
func uiLatency(s *redis.Store, want int64) (lat []time.Duration, firstRows, total time.Duration, rss int) {
	start := time.Now()
	sim := modeltest.Start(model.New(s, model.Options{Bucket: "0", Dark: true}), 160, 50)
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
func rssMB() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb / 1024
		}
	}
	return -1
}
