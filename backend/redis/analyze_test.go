package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// analyzeAll runs Analyze and returns the facts by key, failing on a key
// reported twice.
func analyzeAll(t *testing.T, s *Store, bucket string, q backend.AnalyzeQuery) map[string]backend.KeyFacts {
	t.Helper()
	out := map[string]backend.KeyFacts{}
	err := s.Analyze(ctxT(t), bucket, q, func(b []backend.KeyFacts) error {
		for _, f := range b {
			if _, dup := out[f.Key]; dup {
				t.Fatalf("%s reported twice", f.Key)
			}
			out[f.Key] = f
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Analyze(%+v): %v", q, err)
	}
	return out
}

// checkFacts compares each key's facts with what the server says of it now:
// TYPE, PTTL (within a second), the collection's length and, unless
// noMemory, MEMORY USAGE (else -1).
func checkFacts(t *testing.T, c goredis.UniversalClient, facts map[string]backend.KeyFacts, noMemory bool) {
	t.Helper()
	ctx := ctxT(t)
	for key, f := range facts {
		typ := c.Type(ctx, key).Val()
		if kind, _ := backend.ParseKind(typ); f.Kind != kind {
			t.Errorf("%s: kind %v, TYPE says %s", key, f.Kind, typ)
		}
		wantSize := int64(-1)
		if !noMemory {
			wantSize = c.MemoryUsage(ctx, key).Val()
		}
		if f.Size != wantSize {
			t.Errorf("%s: size %d, MEMORY USAGE says %d", key, f.Size, wantSize)
		}
		switch pttl := c.PTTL(ctx, key).Val(); {
		case pttl == -1:
			if !f.ExpiresAt.IsZero() {
				t.Errorf("%s: expires %v, PTTL says no TTL", key, f.ExpiresAt)
			}
		default:
			if d := time.Until(f.ExpiresAt) - pttl; d < -time.Second || d > time.Second {
				t.Errorf("%s: expires in %v, PTTL says %v", key, time.Until(f.ExpiresAt), pttl)
			}
		}
		var length int64
		switch f.Kind {
		case backend.KindList:
			length = c.LLen(ctx, key).Val()
		case backend.KindHash:
			length = c.HLen(ctx, key).Val()
		case backend.KindSet:
			length = c.SCard(ctx, key).Val()
		case backend.KindZSet:
			length = c.ZCard(ctx, key).Val()
		case backend.KindStream:
			length = c.XLen(ctx, key).Val()
		}
		if f.Length != length {
			t.Errorf("%s: length %d, the server says %d", key, f.Length, length)
		}
	}
}

// writeEveryType writes a string and each collection type, with and
// without a TTL, with go-redis, and returns their names.
func writeEveryType(t *testing.T, c goredis.UniversalClient) []string {
	t.Helper()
	ctx := ctxT(t)
	p := c.Pipeline()
	p.Set(ctx, "s1", "hello", 0)
	p.Set(ctx, "s2", strings.Repeat("x", 1000), time.Hour)
	p.Set(ctx, "s3", strings.Repeat("y", 100_000), 0) // raw encoding, not embedded
	p.RPush(ctx, "list", "a", "b", "c")
	p.PExpire(ctx, "list", 90*time.Second)
	p.HSet(ctx, "hash", "f1", "v1", "f2", "v2")
	p.SAdd(ctx, "set", "m1", "m2", "m3", "m4", "m5")
	p.Expire(ctx, "set", 24*time.Hour)
	p.ZAdd(ctx, "zset", goredis.Z{Score: 1, Member: "a"}, goredis.Z{Score: 2, Member: "b"})
	p.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", Values: []string{"k", "v"}})
	p.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", Values: []string{"k", "w"}})
	p.Expire(ctx, "stream", 7*24*time.Hour)
	_, err := p.Exec(ctx)
	must(t, err)
	bigHash := make([]any, 0, 2000)
	for i := range 1000 {
		bigHash = append(bigHash, "f"+strconv.Itoa(i), strings.Repeat("v", 100))
	}
	must(t, c.HSet(ctx, "bighash", bigHash...).Err()) // a hashtable: MEMORY USAGE samples it
	return []string{"s1", "s2", "s3", "list", "hash", "set", "zset", "stream", "bighash"}
}

// Every fact of every type is what the server's own commands say; a user
// without MEMORY gets the same facts with size -1.
func TestAnalyzeReportsWhatRedisSays(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	names := writeEveryType(t, c)
	s := open(t, srv.URL(), false)

	got := analyzeAll(t, s, "0", backend.AnalyzeQuery{})
	if len(got) != len(names) {
		t.Fatalf("analysed %d keys, want %d: %v", len(got), len(names), got)
	}
	checkFacts(t, c, got, false)
	for _, k := range names {
		if f := got[k]; f.Kind == backend.KindUnknown || f.Size <= 0 {
			t.Errorf("%s: %+v", k, f)
		}
	}
	if got["s3"].Size < 100_000 || got["list"].Length != 3 || got["bighash"].Length != 1000 || got["s2"].ExpiresAt.IsZero() {
		t.Errorf("facts: %+v", got)
	}

	if p := analyzeAll(t, s, "0", backend.AnalyzeQuery{Pattern: "s?"}); len(p) != 3 || p["set"].Key != "" {
		t.Errorf("pattern s?: %v", p)
	}
	exact := analyzeAll(t, s, "0", backend.AnalyzeQuery{Keys: []string{"hash", "nope", "list", "hash"}})
	if len(exact) != 2 || exact["hash"].Length != 2 || exact["list"].Length != 3 {
		t.Errorf("exact keys (a missing one left out, a repeat once): %v", exact)
	}
	checkFacts(t, c, exact, false)
	if none := analyzeAll(t, s, "0", backend.AnalyzeQuery{Keys: []string{}}); len(none) != 0 {
		t.Errorf("no keys: %v", none)
	}

	srv.AddUser(t, "nomem", "pw", "~*", "&*", "+@all", "-memory")
	limited := open(t, withUser(srv.URL(), "nomem", "pw"), false)
	got = analyzeAll(t, limited, "0", backend.AnalyzeQuery{})
	if len(got) != len(names) {
		t.Fatalf("without MEMORY: analysed %d keys, want %d", len(got), len(names))
	}
	checkFacts(t, c, got, true)
}

// A sample stops at its size; a cancel stops between batches; keys
// deleted by another client while the analysis runs are left out, without
// an error, whether they came from SCAN or were asked for by name.
func TestAnalyzeSampleCancelAndDeletedKeys(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	s := open(t, srv.URL(), false)
	ctx := ctxT(t)
	const n = 60_000
	all := make([]string, n)
	items := make([]backend.Item, n)
	for i := range items {
		all[i] = fmt.Sprintf("k:%05d", i)
		items[i] = backend.Item{Key: all[i], Value: []byte("v")}
	}
	must(t, s.PutMany(ctx, "0", items))

	for _, q := range []backend.AnalyzeQuery{{Sample: 1}, {Sample: 1500}, {Sample: 3*analyzeChunk + 7}, {Sample: n + 5}, {Keys: all, Sample: 7000}} {
		got := 0
		err := s.Analyze(ctx, "0", q, func(b []backend.KeyFacts) error {
			got += len(b)
			return nil
		})
		if err != nil || got != min(q.Sample, n) {
			t.Errorf("sample %d (%d keys asked for): %d keys, %v", q.Sample, len(q.Keys), got, err)
		}
	}
	// A sample of keys asked for by name, most of them missing, is still
	// the sample's size.
	sparse := []string{"nope:1", "nope:2", "nope:3"}
	sparse = append(sparse, all[:10]...)
	if got := analyzeAll(t, s, "0", backend.AnalyzeQuery{Keys: sparse, Sample: 5}); len(got) != 5 {
		t.Errorf("a sample of 5 among missing keys: %d", len(got))
	}

	cctx, cancel := context.WithCancel(ctx)
	calls := 0
	err := s.Analyze(cctx, "0", backend.AnalyzeQuery{}, func([]backend.KeyFacts) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled in the first batch: %v after %d batches", err, calls)
	}

	// Another client deletes every key not in the first batch. The
	// analysis reads ahead at most a chunk per worker and one waiting in
	// each worker's hand, so beyond those the deleted keys are left out.
	readAhead := 2 * analyzeWorkers * analyzeChunk
	for _, q := range []backend.AnalyzeQuery{{}, {Keys: all}} {
		first, total := 0, 0
		err := s.Analyze(ctx, "0", q, func(b []backend.KeyFacts) error {
			if first == 0 {
				first = len(b)
				in := map[string]bool{}
				for _, f := range b {
					in[f.Key] = true
				}
				p := c.Pipeline()
				for _, k := range all {
					if !in[k] {
						p.Unlink(ctx, k)
					}
				}
				_, err := p.Exec(ctx)
				must(t, err)
			}
			total += len(b)
			return nil
		})
		if err != nil || first == 0 || total > first+readAhead || total >= n {
			t.Errorf("%d keys by name: keys deleted meanwhile: %d analysed, %d in the first batch, %v", len(q.Keys), total, first, err)
		}
		must(t, s.PutMany(ctx, "0", items))
	}
}

// An analysis of 200,000 keys, and of a hash too large for MEMORY USAGE
// SAMPLES 0 to stay quick, puts none of its commands in the SLOWLOG at
// 10 ms: SCAN is paced, and MEMORY USAGE, TYPE, PTTL and the lengths are
// each a few steps whatever the key. As in
// TestListingPacesScanUnderTheSlowlogThreshold, a quarter of the SCANs
// may be slow on a busy machine.
func TestAnalyzePutsNothingInTheSlowlog(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n = 200_000
	must(t, c.Do(ctx, "DEBUG", "POPULATE", n, "slow:key:", 20).Err())
	p := c.Pipeline()
	for i := range 300 {
		fields := make([]any, 0, 2000)
		for j := range 1000 {
			fields = append(fields, strconv.Itoa(i*1000+j), "v")
		}
		p.HSet(ctx, "bighash", fields...)
	}
	_, err := p.Exec(ctx)
	must(t, err)
	must(t, c.ConfigSet(ctx, "slowlog-log-slower-than", "10000").Err())
	must(t, c.SlowLogReset(ctx).Err())
	calls0, _, _ := scanStats(t, c)

	s := open(t, srv.URL(), false)
	got := 0
	var bigHash backend.KeyFacts
	must(t, s.Analyze(ctx, "0", backend.AnalyzeQuery{}, func(b []backend.KeyFacts) error {
		got += len(b)
		for _, f := range b {
			if f.Key == "bighash" {
				bigHash = f
			}
		}
		return nil
	}))
	if got != n+1 || bigHash.Length != 300_000 || bigHash.Size <= 0 {
		t.Fatalf("analysed %d keys, want %d; the big hash: %+v", got, n+1, bigHash)
	}
	calls, _, slowScans := scanStats(t, c)
	if slowScans*4 > calls-calls0 {
		t.Errorf("%d of %d SCAN calls in the SLOWLOG", slowScans, calls-calls0)
	}
	entries, err := c.SlowLogGet(ctx, -1).Result()
	must(t, err)
	var slow []string
	for _, e := range entries {
		if len(e.Args) < 2 || strings.EqualFold(e.Args[0], "scan") {
			continue
		}
		slow = append(slow, fmt.Sprintf("%v (%v)", e.Args, e.Duration))
		if e.Args[1] == "bighash" || strings.EqualFold(e.Args[1], "usage") && e.Args[2] == "bighash" {
			t.Errorf("a command on the big hash is slow: %v (%v)", e.Args, e.Duration)
		}
	}
	// Each of the 600,000 commands takes a microsecond or two; one caught
	// by the scheduler on a busy machine takes whatever the pause, so a
	// few (seen: up to four, at load 3.7 on two cores) are preemption,
	// not cost. A command with a cost that grows with its key would show
	// on the big hash.
	if len(slow) > 10 {
		t.Errorf("%d analysis commands in the SLOWLOG: %v", len(slow), slow)
	} else if len(slow) > 0 {
		t.Logf("in the SLOWLOG, preempted: %v", slow)
	}

	// The check can tell: MEMORY USAGE walking every field of the big
	// hash (SAMPLES 0) is there.
	must(t, c.SlowLogReset(ctx).Err())
	must(t, c.MemoryUsage(ctx, "bighash", 0).Err())
	if entries, _ := c.SlowLogGet(ctx, -1).Result(); len(entries) == 0 {
		t.Errorf("MEMORY USAGE bighash SAMPLES 0 is not in the SLOWLOG: this check cannot tell a walk of the whole hash")
	}
}

// BucketFacts are INFO memory's fields and the database's keyspace line,
// as the server reports them.
func TestBucketFactsAreInfoMemoryAndKeyspace(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "a", "1", time.Hour).Err())
	must(t, c.Set(ctx, "b", "2", 0).Err())
	s := open(t, srv.URL(), false)
	facts, err := s.BucketFacts(ctx, "0")
	must(t, err)
	got := map[string]string{}
	for _, f := range facts {
		got[f.Label] = f.Value
	}
	info, err := c.InfoMap(ctx, "memory", "keyspace").Result()
	must(t, err)
	for _, k := range []string{"maxmemory_human", "maxmemory_policy"} {
		if got[k] == "" || got[k] != info["Memory"][k] {
			t.Errorf("%s: %q, INFO says %q", k, got[k], info["Memory"][k])
		}
	}
	for _, k := range []string{"used_memory_human", "used_memory_peak_human", "mem_fragmentation_ratio"} {
		if got[k] == "" {
			t.Errorf("%s missing: %v", k, got)
		}
	}
	if want := info["Keyspace"]["db0"]; got["db0"] != want || !strings.HasPrefix(want, "keys=2,expires=1,") {
		t.Errorf("db0: %q, INFO keyspace says %q", got["db0"], want)
	}
	facts, err = s.BucketFacts(ctx, "3")
	must(t, err)
	if last := facts[len(facts)-1]; last.Label != "db3" || !strings.HasPrefix(last.Value, "keys=0,") {
		t.Errorf("an empty database: %+v", facts)
	}
}

// On a Cluster the analysis covers every master and each master's INFO
// comes labelled with its address.
func TestAnalyzeACluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	s := open(t, "redis://"+cl.Addrs[0], false)
	ctx := ctxT(t)
	items := make([]backend.Item, 3000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("user:%d", i), Value: []byte("v"), TTL: time.Hour}
	}
	must(t, s.PutMany(ctx, "cluster", items))
	cc := cl.ClusterClient()
	defer cc.Close()
	must(t, cc.RPush(ctx, "list", "a", "b").Err())
	got := analyzeAll(t, s, "cluster", backend.AnalyzeQuery{})
	if len(got) != 3001 || got["list"].Length != 2 {
		t.Fatalf("analysed %d keys over the cluster, want 3001; list %+v", len(got), got["list"])
	}
	sample := map[string]backend.KeyFacts{"list": got["list"], "user:1": got["user:1"], "user:2999": got["user:2999"]}
	checkFacts(t, cc, sample, false)
	exact := analyzeAll(t, s, "cluster", backend.AnalyzeQuery{Keys: []string{"user:1", "user:2", "user:3", "nope"}})
	if len(exact) != 3 {
		t.Errorf("exact keys across masters: %v", exact)
	}
	facts, err := s.BucketFacts(ctx, "cluster")
	must(t, err)
	for _, a := range cl.Addrs {
		if !hasFactPrefix(facts, a+" used_memory_human") || !hasFactPrefix(facts, a+" db0") {
			t.Errorf("no facts of master %s: %v", a, facts)
		}
	}
}

func hasFactPrefix(facts []backend.Fact, label string) bool {
	for _, f := range facts {
		if f.Label == label {
			return true
		}
	}
	return false
}
