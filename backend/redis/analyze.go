package redis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.Analyzer = (*Store)(nil)

// analyzeWorkers is how many chunks an analysis reads at once.
const analyzeWorkers = 2

// analyzeChunk bounds the keys of one analysis pipeline: a SCAN page of
// up to maxScanCount keys is sent in pipelines of at most this many keys
// (three commands each), so the replies a pipeline holds stay a few MB
// and a cancel is seen between them.
const analyzeChunk = 5000

// Analyze reports each key's MEMORY USAGE, expiry, type and (for a
// collection) length. The keys come from the listing's own SCAN (paced
// under the SLOWLOG threshold, every master of a Cluster, repeats
// removed), or are exactly q.Keys; they are then read in chunks of
// analyzeChunk, each in two pipelines: TYPE, PTTL and MEMORY USAGE per
// key, then the length of the collections among them (LLEN, HLEN, SCARD,
// ZCARD, XLEN; a RedisJSON document has none). Every command is O(1) or,
// for MEMORY USAGE, a walk of at most five elements, so none of them is
// slow whatever the key. analyzeWorkers chunks are in flight at once, so
// the server works on one while the client encodes the next and decodes
// the last; facts are emitted from the calling goroutine.
//
// A key gone between SCAN and the pipeline (TYPE none, PTTL -2) is left
// out. A user the ACL forbids MEMORY gets Size -1 for every key and the
// rest of the facts. ExpiresAt is the local clock when the pipeline was
// sent plus PTTL, as Describe has it: the analysis page measures the TTL
// groups against the same clock, so a server clock that differs from the
// local one does not shift them.
func (s *Store) Analyze(ctx context.Context, bucket string, q backend.AnalyzeQuery, emit func([]backend.KeyFacts) error) error {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	a := &analysis{s: s, c: c}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the producer and the workers stop on their own
	workers := analyzeWorkers

	// With a sample, no more keys are read than the sample still needs:
	// left is the keys still wanted, inflight those being read; the
	// producer waits for progress when the two meet.
	var left, inflight atomic.Int64
	left.Store(int64(q.Sample))
	progress := make(chan struct{}, 1)

	jobs := make(chan []string)
	produced := make(chan error, 1)
	go func() {
		defer close(jobs)
		send := func(names []string) error {
			for len(names) > 0 {
				n := min(len(names), analyzeChunk)
				for q.Sample > 0 {
					if need := left.Load() - inflight.Load(); need > 0 {
						n = min(n, int(need))
						break
					}
					select {
					case <-progress:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				inflight.Add(int64(n))
				select {
				case jobs <- names[:n]:
				case <-ctx.Done():
					return ctx.Err()
				}
				names = names[n:]
			}
			return nil
		}
		if q.Keys != nil {
			produced <- send(uniqueKeys(q.Keys))
			return
		}
		produced <- s.Keys(ctx, bucket, backend.Query{Pattern: q.Pattern}, func(batch []backend.KeyInfo) error {
			names := make([]string, len(batch))
			for i, k := range batch {
				names[i] = k.Name
			}
			return send(names)
		})
	}()

	type result struct {
		asked int
		facts []backend.KeyFacts
		err   error
	}
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for names := range jobs {
				facts, err := a.read(ctx, names)
				select {
				case results <- result{len(names), facts, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	for r := range results {
		if r.err != nil {
			return r.err
		}
		facts := r.facts
		if q.Sample > 0 {
			facts = facts[:min(int64(len(facts)), left.Load())]
			left.Add(-int64(len(facts)))
			inflight.Add(-int64(r.asked))
			select {
			case progress <- struct{}{}:
			default:
			}
		}
		if len(facts) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := emit(facts); err != nil {
				return err
			}
		}
		if q.Sample > 0 && left.Load() == 0 {
			return nil
		}
	}
	if err := <-produced; err != nil {
		return err
	}
	return ctx.Err()
}

// uniqueKeys is keys without repeats, in their order: a key marked twice
// is still one key.
func uniqueKeys(keys []string) []string {
	seen := make(map[string]struct{}, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}

// analysis is one Analyze call's state.
type analysis struct {
	s *Store
	c goredis.UniversalClient

	mu       sync.Mutex
	noMemory bool // MEMORY USAGE was refused: not asked again
}

func (a *analysis) memoryAllowed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.noMemory
}

func (a *analysis) memoryRefused() {
	a.mu.Lock()
	a.noMemory = true
	a.mu.Unlock()
}

// read analyses one chunk of names in two pipelines.
func (a *analysis) read(ctx context.Context, names []string) ([]backend.KeyFacts, error) {
	types := make([]*goredis.StatusCmd, len(names))
	ttls := make([]*goredis.DurationCmd, len(names))
	var mems []*goredis.IntCmd
	memory := a.memoryAllowed()
	if memory {
		mems = make([]*goredis.IntCmd, len(names))
	}
	now := time.Now()
	_, err := a.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range names {
			types[i] = p.Type(ctx, k)
			ttls[i] = p.PTTL(ctx, k)
			if memory {
				// MEMORY USAGE with its default of SAMPLES 5: the size of
				// a collection is estimated from five of its elements, a
				// fixed cost. SAMPLES 0 would walk every element, and a
				// hash of a million fields would take the server tens of
				// milliseconds, into the SLOWLOG; a string, the common
				// case, is exact either way.
				mems[i] = p.MemoryUsage(ctx, k)
			}
		}
		return nil
	})
	if err := a.s.pipelineErr(ctx, err, types); err != nil {
		return nil, err
	}
	facts := make([]backend.KeyFacts, 0, len(names))
	var collections []int // indexes into facts
	for i, k := range names {
		typ, err := types[i].Result()
		if err != nil || typ == "none" || ttls[i].Val() == -2 {
			// Gone since the listing, or hidden from this user (an ACL
			// on key patterns): not a key of this analysis.
			continue
		}
		kind, _ := backend.ParseKind(typ)
		f := backend.KeyFacts{Key: k, Kind: kind, Size: -1}
		if d := ttls[i].Val(); d > 0 {
			f.ExpiresAt = now.Add(d)
		}
		if memory {
			switch n, err := mems[i].Result(); {
			case err == nil:
				f.Size = n
			case errors.Is(err, goredis.Nil):
				continue // gone between TYPE and MEMORY USAGE
			case isCommandDenied(err):
				a.memoryRefused()
			}
		}
		if kind.IsCollection() {
			collections = append(collections, len(facts))
		}
		facts = append(facts, f)
	}
	if len(collections) == 0 {
		return facts, nil
	}
	lengths := make([]*goredis.IntCmd, len(collections))
	_, err = a.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for j, fi := range collections {
			// A collection's size command (describe.go) is its length.
			lengths[j] = sizeCmd(ctx, p, facts[fi].Kind, facts[fi].Key).(*goredis.IntCmd)
		}
		return nil
	})
	if err != nil && (ctx.Err() != nil || isNetErr(err)) {
		return nil, a.s.cmdErr(err, "")
	}
	for j, fi := range collections {
		// A key whose type changed in between (WRONGTYPE) keeps length 0.
		if n, err := lengths[j].Result(); err == nil {
			facts[fi].Length = n
		}
	}
	return facts, nil
}

// memoryFacts are the INFO memory fields BucketFacts reports, in order.
var memoryFacts = []string{"used_memory_human", "used_memory_peak_human", "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio"}

// BucketFacts are the server's INFO memory (used_memory_human,
// used_memory_peak_human, maxmemory_human, maxmemory_policy,
// mem_fragmentation_ratio) and the database's INFO keyspace line
// ("db0", "keys=…,expires=…,avg_ttl=…"), both in one round trip. In a
// Cluster each master's come labelled with its address first.
func (s *Store) BucketFacts(ctx context.Context, bucket string) ([]backend.Fact, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	db := 0
	if !s.cluster {
		db, _ = strconv.Atoi(bucket)
	}
	cc, ok := c.(*goredis.ClusterClient)
	if !ok {
		facts, err := serverFacts(ctx, c, db, "")
		if err != nil {
			return nil, describe(err, s.address)
		}
		return facts, nil
	}
	var mu sync.Mutex
	var facts []backend.Fact
	err = cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
		f, err := serverFacts(ctx, m, 0, m.Options().Addr+" ")
		mu.Lock()
		facts = append(facts, f...)
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, describe(err, s.address)
	}
	// Grouped by master, each master's in their order.
	slices.SortStableFunc(facts, func(a, b backend.Fact) int {
		sa, _, _ := strings.Cut(a.Label, " ")
		sb, _, _ := strings.Cut(b.Label, " ")
		return strings.Compare(sa, sb)
	})
	return facts, nil
}

// serverFacts reads one server's INFO memory and keyspace in one round
// trip (two INFO calls: before Redis 7, INFO takes one section), each label
// prefixed with prefix.
func serverFacts(ctx context.Context, c goredis.UniversalClient, db int, prefix string) ([]backend.Fact, error) {
	pipe := c.Pipeline()
	memory := pipe.Info(ctx, "memory")
	keyspace := pipe.Info(ctx, "keyspace")
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for line := range strings.Lines(memory.Val() + keyspace.Val()) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	var facts []backend.Fact
	for _, k := range memoryFacts {
		if v, ok := fields[k]; ok {
			facts = append(facts, backend.Fact{Label: prefix + k, Value: v})
		}
	}
	name := "db" + strconv.Itoa(db)
	line, ok := fields[name]
	if !ok {
		line = "keys=0,expires=0,avg_ttl=0" // INFO lists only databases that hold keys
	}
	return append(facts, backend.Fact{Label: prefix + name, Value: line}), nil
}
