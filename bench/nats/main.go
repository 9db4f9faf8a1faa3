// Command nats measures kvdeck's NATS key listing against the floor, a
// plain nats.go ListKeys loop over the same bucket in the same run, on an
// in-process nats-server: total time, time to the first rows, and memory.
//
//	go run ./bench/nats [-keys 100000] [-runs 5]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The budgets.
const (
	maxRatio      = 1.2
	maxFirstBatch = 100 * time.Millisecond
	bucket        = "bench"
)

func main() {
	keys := flag.Int("keys", 100_000, "keys in the bucket")
	runs := flag.Int("runs", 5, "listings of each kind (alternating); medians are reported")
	verbose := flag.Bool("v", false, "print every run")
	batch := flag.Int("batch", nats.DefaultBatchSize, "kvdeck batch size")
	flag.Parse()
	if err := run(*keys, *runs, *batch, *verbose); err != nil {
		log.Fatal(err)
	}
}

// listing is one timed listing.
type listing struct {
	total, first time.Duration
	count        int
}

func run(numKeys, runs, batchSize int, verbose bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kvdeck-bench-nats-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := natstest.Run(dir)
	if err != nil {
		return err
	}
	defer srv.Shutdown()

	o, err := nats.ParseURL(srv.URL())
	if err != nil {
		return err
	}
	store, err := nats.Open(ctx, o)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CreateBucket(ctx, backend.BucketConfig{Name: bucket, History: 5, KeyTTL: true}); err != nil {
		return err
	}

	loadStart := time.Now()
	if err := load(ctx, store, numKeys); err != nil {
		return err
	}
	loadTime := time.Since(loadStart)

	nc, err := natsgo.Connect(srv.URL())
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

	var floors, ours []listing
	var kept []backend.KeyInfo
	for range runs {
		f, err := floorListing(ctx, kv)
		if err != nil {
			return err
		}
		floors = append(floors, f)
		k, list, err := kvdeckListing(ctx, store, batchSize)
		if err != nil {
			return err
		}
		ours = append(ours, k)
		kept = list
		if verbose {
			fmt.Printf("run: floor %s (first %s), kvdeck %s (first %s)\n", f.total, f.first, k.total, k.first)
		}
	}
	for _, l := range append(slices.Clone(floors), ours...) {
		if l.count != numKeys {
			return fmt.Errorf("a listing returned %d keys, want %d", l.count, numKeys)
		}
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
	runtime.KeepAlive(kept)

	floor, our := median(floors, total), median(ours, total)
	ratio := float64(our) / float64(floor)
	firstOurs := median(ours, first)

	fmt.Printf("kvdeck NATS listing: %d keys, %d runs each (medians), batch %d, %s/%s, %d CPUs\n\n",
		numKeys, runs, batchSize, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("%-40s %14s %14s %6s\n", "measure", "value", "budget", "")
	row := func(name, value, budget string, ok *bool) {
		mark := ""
		if ok != nil {
			mark = "FAIL"
			if *ok {
				mark = "ok"
			}
		}
		fmt.Printf("%-40s %14s %14s %6s\n", name, value, budget, mark)
	}
	yes := func(b bool) *bool { return &b }
	row("load (PutMany, async publishes)", loadTime.Round(time.Millisecond).String(), "", nil)
	row("floor: nats.go ListKeys loop", floor.Round(time.Millisecond).String(), "", nil)
	row("floor: first key", median(floors, first).Round(time.Microsecond).String(), "", nil)
	row("kvdeck Store.Keys (KeyInfo slice)", our.Round(time.Millisecond).String(), "", nil)
	row("kvdeck / floor", fmt.Sprintf("%.2fx", ratio), fmt.Sprintf("<= %.1fx", maxRatio), yes(ratio <= maxRatio))
	row("kvdeck first batch", firstOurs.Round(time.Microsecond).String(), "< "+maxFirstBatch.String(), yes(firstOurs < maxFirstBatch))
	row("kvdeck keys/s", fmt.Sprintf("%.0f", float64(numKeys)/our.Seconds()), "", nil)
	row("heap in use, listing kept (client+server)", mib(ms.HeapAlloc), "", nil)
	row("listing kept: bytes per key (KeyInfo)", fmt.Sprintf("%d B", keyInfoBytes(kept)), "", nil)
	row("RSS now / peak (client+server)", rss+" / "+hwm, "", nil)
	fmt.Println("\nThe server runs in the same process, so heap and RSS include it.")
	return nil
}

// load writes numKeys JSON values with keys namespaced like the platform's
// flows (flow-07.order.000123), a tenth of them with a per-key TTL.
func load(ctx context.Context, store *nats.Store, numKeys int) error {
	const chunk = 10_000
	items := make([]backend.Item, 0, chunk)
	for i := range numKeys {
		it := backend.Item{
			Key:   fmt.Sprintf("flow-%02d.order.%06d", i%50, i),
			Value: fmt.Appendf(nil, `{"id":%d,"status":"shipped","owner":"user_%d"}`, i, i%977),
		}
		if i%10 == 0 {
			it.TTL = 24 * time.Hour
		}
		items = append(items, it)
		if len(items) == chunk || i == numKeys-1 {
			if err := store.PutMany(ctx, bucket, items); err != nil {
				return err
			}
			items = items[:0]
		}
	}
	return nil
}

// floorListing is the plain loop a nats.go user writes.
func floorListing(ctx context.Context, kv jetstream.KeyValue) (listing, error) {
	start := time.Now()
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return listing{}, err
	}
	var l listing
	var names []string
	for k := range lister.Keys() {
		if l.count == 0 {
			l.first = time.Since(start)
		}
		names = append(names, k)
		l.count++
	}
	l.total = time.Since(start)
	runtime.KeepAlive(names)
	return l, nil
}

// kvdeckListing consumes Store.Keys as the UI does, copying each batch
// into one growing slice.
func kvdeckListing(ctx context.Context, store *nats.Store, batchSize int) (listing, []backend.KeyInfo, error) {
	start := time.Now()
	var l listing
	var kept []backend.KeyInfo
	err := store.Keys(ctx, bucket, backend.Query{BatchSize: batchSize}, func(batch []backend.KeyInfo) error {
		if l.count == 0 {
			l.first = time.Since(start)
		}
		kept = append(kept, batch...)
		l.count += len(batch)
		return nil
	})
	l.total = time.Since(start)
	return l, kept, err
}

func total(l listing) time.Duration { return l.total }
func first(l listing) time.Duration { return l.first }

func median(ls []listing, f func(listing) time.Duration) time.Duration {
	ds := make([]time.Duration, len(ls))
	for i, l := range ls {
		ds[i] = f(l)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// keyInfoBytes estimates the bytes a kept listing holds per key: the
// KeyInfo struct and the name.
func keyInfoBytes(kept []backend.KeyInfo) int {
	if len(kept) == 0 {
		return 0
	}
	sum := 0
	for _, k := range kept {
		sum += len(k.Name)
	}
	return int(unsafe.Sizeof(backend.KeyInfo{})) + sum/len(kept)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// procStatus reads a memory line (VmRSS, VmHWM) of /proc/self/status.
func procStatus(field string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.Join(strings.Fields(rest), " ")
		}
	}
	return "n/a"
}
