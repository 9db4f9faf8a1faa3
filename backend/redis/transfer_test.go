package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// dbClient is a go-redis client of database db of srv.
func dbClient(t *testing.T, srv *redistest.Server, db int) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: db})
	t.Cleanup(func() { c.Close() })
	return c
}

// fillEveryType writes one key of each type, with binary and edge-case
// values, some with a TTL, and returns the keys.
func fillEveryType(t *testing.T, c *goredis.Client) []string {
	t.Helper()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "str:bin", "a\x00b\xffc", time.Hour).Err())
	must(t, c.Set(ctx, "str:empty", "", 0).Err())
	must(t, c.HSet(ctx, "hash", "f1", "v1", "f\x002", "\xff", "empty", "").Err())
	must(t, c.PExpire(ctx, "hash", 90*time.Minute).Err())
	must(t, c.RPush(ctx, "list", "x", "y", "x", "", "x\x00").Err())
	must(t, c.SAdd(ctx, "set", "m1", "m2", "\x00\xff").Err())
	must(t, c.ZAdd(ctx, "zset",
		goredis.Z{Score: 1.5, Member: "a"},
		goredis.Z{Score: math.Inf(-1), Member: "ninf"},
		goredis.Z{Score: 0.1 + 0.2, Member: "exact"},
		goredis.Z{Score: math.Inf(1), Member: "pinf"},
		goredis.Z{Score: -0.000123456789012345678, Member: "tiny"},
	).Err())
	must(t, c.PExpire(ctx, "zset", 2*time.Hour).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "1-1", Values: []any{"a", "1", "b", "2"}}).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "1-2", Values: []any{"a", "3"}}).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "5-0", Values: []any{"z", "\x00", "y", ""}}).Err())
	must(t, c.PExpire(ctx, "stream", 3*time.Hour).Err())
	return []string{"str:bin", "str:empty", "hash", "list", "set", "zset", "stream"}
}

// sameKeys compares what keys hold in a and b, type, content and expiry
// (to the millisecond), with go-redis.
func sameKeys(t *testing.T, a, b *goredis.Client, keys []string) {
	t.Helper()
	ctx := ctxT(t)
	for _, k := range keys {
		ta, tb := a.Type(ctx, k).Val(), b.Type(ctx, k).Val()
		if ta != tb {
			t.Errorf("%s: a %s, copied as a %s", k, ta, tb)
			continue
		}
		var va, vb any
		switch ta {
		case "string":
			va, vb = a.Get(ctx, k).Val(), b.Get(ctx, k).Val()
		case "hash":
			va, vb = a.HGetAll(ctx, k).Val(), b.HGetAll(ctx, k).Val()
		case "list":
			va, vb = a.LRange(ctx, k, 0, -1).Val(), b.LRange(ctx, k, 0, -1).Val()
		case "set":
			sa, sb := a.SMembers(ctx, k).Val(), b.SMembers(ctx, k).Val()
			sort.Strings(sa)
			sort.Strings(sb)
			va, vb = sa, sb
		case "zset":
			va, vb = a.ZRangeWithScores(ctx, k, 0, -1).Val(), b.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			va, vb = a.XRange(ctx, k, "-", "+").Val(), b.XRange(ctx, k, "-", "+").Val()
		default:
			t.Errorf("%s: a %s", k, ta)
		}
		if !reflect.DeepEqual(va, vb) {
			t.Errorf("%s: %v, copied as %v", k, va, vb)
		}
		if ea, eb := a.PExpireTime(ctx, k).Val(), b.PExpireTime(ctx, k).Val(); ea != eb {
			t.Errorf("%s: expires at %v, the copy at %v", k, ea, eb)
		}
	}
}

// Every type, binary values, an empty string, list duplicates, scores
// at the edges of float64 and TTLs, read from database 0 and written
// into database 1, by their elements and by DUMP: database 1 holds the
// same, expiry to the millisecond (PEXPIRETIME).
func TestTransferRoundTripEveryType(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	src, dst := dbClient(t, srv, 0), dbClient(t, srv, 1)
	ctx := ctxT(t)
	keys := fillEveryType(t, src)
	for _, dump := range []bool{false, true} {
		t.Run(fmt.Sprintf("dump=%v", dump), func(t *testing.T) {
			must(t, dst.FlushDB(ctx).Err())
			recs, err := s.ReadRecords(ctx, "0", append(keys, "missing"), backend.ReadOptions{Dump: dump})
			must(t, err)
			if len(recs) != len(keys) {
				t.Fatalf("%d records for %d keys (one missing)", len(recs), len(keys))
			}
			for i, r := range recs {
				kind, _ := backend.ParseKind(src.Type(ctx, keys[i]).Val())
				if r.Key != keys[i] || r.Kind != kind || (len(r.Dump) > 0) != dump {
					t.Fatalf("record %d: %s %s dump %d bytes", i, r.Key, r.Kind, len(r.Dump))
				}
			}
			if !dump {
				if v := string(recs[0].Value); v != "a\x00b\xffc" {
					t.Errorf("str:bin read as %q", v)
				}
				if v := recs[1].Value; v == nil || len(v) != 0 {
					t.Errorf("str:empty read as %#v", v)
				}
				if e := recs[3].Elements; len(e) != 5 || e[2].Index != 2 || string(e[2].Value) != "x" {
					t.Errorf("list read as %+v", e)
				}
				if e := recs[6].Elements; len(e) != 3 || e[0].Field != "1-1" || !reflect.DeepEqual(e[0].Fields, []backend.Field{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}) {
					t.Errorf("stream read as %+v", e)
				}
				if got, want := recs[2].ExpiresAt, pexpiretime(t, src, "hash"); !got.Equal(want) {
					t.Errorf("hash expires at %v, want %v", got, want)
				}
			}
			res, err := s.WriteRecords(ctx, "1", recs, backend.ConflictFail)
			must(t, err)
			for _, r := range res {
				if r.Outcome != backend.BulkChanged || r.Err != nil {
					t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
				}
			}
			sameKeys(t, src, dst, keys)
		})
	}
}

// Each policy over keys that exist in the destination: skip leaves the
// other client's key as it is, fail says ErrConflict with the type and
// writes nothing, overwrite replaces the type and the TTL (and drops a
// TTL the record has not).
func TestTransferConflictPolicies(t *testing.T) {
	s, c, ctx := secondWriter(t)
	recs := []backend.Record{
		{Key: "a", Kind: backend.KindString, Value: []byte("new-a"), ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Millisecond)},
		{Key: "b", Kind: backend.KindList, Elements: []backend.Element{{Value: []byte("1")}, {Value: []byte("2")}}},
		{Key: "fresh", Kind: backend.KindSet, Elements: []backend.Element{{Value: []byte("m")}}},
	}
	theirs := func() {
		must(t, c.FlushDB(ctx).Err())
		must(t, c.HSet(ctx, "a", "theirs", "1").Err())
		must(t, c.Set(ctx, "b", "theirs-b", 10*time.Minute).Err())
	}
	check := func(k string, res []backend.WriteResult, i int, want backend.BulkOutcome) {
		t.Helper()
		if res[i].Key != k || res[i].Outcome != want {
			t.Fatalf("%s: %s %v, want %s", k, res[i].Outcome, res[i].Err, want)
		}
	}

	theirs()
	res, err := s.WriteRecords(ctx, "0", recs, backend.ConflictSkip)
	must(t, err)
	check("a", res, 0, backend.BulkSkipped)
	check("b", res, 1, backend.BulkSkipped)
	check("fresh", res, 2, backend.BulkChanged)
	if res[0].Err != nil || c.HGet(ctx, "a", "theirs").Val() != "1" || c.Get(ctx, "b").Val() != "theirs-b" || c.PTTL(ctx, "b").Val() <= 0 {
		t.Fatalf("skip changed the other client's keys: %v", res[0].Err)
	}

	theirs()
	res, err = s.WriteRecords(ctx, "0", recs, backend.ConflictFail)
	must(t, err)
	check("a", res, 0, backend.BulkSkipped)
	check("b", res, 1, backend.BulkSkipped)
	wantConflict(t, "fail over a", res[0].Err)
	if !strings.Contains(res[0].Err.Error(), "hash") || !strings.Contains(res[1].Err.Error(), "string") {
		t.Errorf("the conflicts do not name the types there: %v; %v", res[0].Err, res[1].Err)
	}
	if c.HGet(ctx, "a", "theirs").Val() != "1" || c.Get(ctx, "b").Val() != "theirs-b" {
		t.Fatal("fail wrote over the existing keys")
	}

	theirs()
	res, err = s.WriteRecords(ctx, "0", recs, backend.ConflictOverwrite)
	must(t, err)
	for i, k := range []string{"a", "b", "fresh"} {
		check(k, res, i, backend.BulkChanged)
	}
	if c.Get(ctx, "a").Val() != "new-a" || !pexpiretime(t, c, "a").Equal(recs[0].ExpiresAt) {
		t.Errorf("a after overwrite: %q expiring %v", c.Get(ctx, "a").Val(), pexpiretime(t, c, "a"))
	}
	if got := lrange(t, c, "b"); !reflect.DeepEqual(got, []string{"1", "2"}) || !pexpiretime(t, c, "b").IsZero() {
		t.Errorf("b after overwrite: %q expiring %v", got, pexpiretime(t, c, "b"))
	}
}

// A dry run (Existing) finds the key absent; another client creates it
// before the write: the write meets the policy (skip keeps theirs, fail
// says ErrConflict), decided when the key is written.
func TestTransferSecondWriterMeetsThePolicy(t *testing.T) {
	s, c, ctx := secondWriter(t)
	recs := []backend.Record{
		{Key: "k", Kind: backend.KindHash, Elements: []backend.Element{{Field: "mine", Value: []byte("1")}}},
		{Key: "other", Kind: backend.KindString, Value: []byte("v")},
	}
	must(t, c.Set(ctx, "other", "there", 0).Err())
	ex, err := s.Existing(ctx, "0", []string{"k", "other", "nope"})
	must(t, err)
	if !reflect.DeepEqual(ex, []bool{false, true, false}) {
		t.Fatalf("Existing: %v", ex)
	}
	must(t, c.RPush(ctx, "k", "theirs").Err())
	res, err := s.WriteRecords(ctx, "0", recs[:1], backend.ConflictSkip)
	must(t, err)
	if res[0].Outcome != backend.BulkSkipped || !reflect.DeepEqual(lrange(t, c, "k"), []string{"theirs"}) {
		t.Fatalf("skip: %s %v, k holds %v", res[0].Outcome, res[0].Err, lrange(t, c, "k"))
	}
	res, err = s.WriteRecords(ctx, "0", recs[:1], backend.ConflictFail)
	must(t, err)
	wantConflict(t, "fail", res[0].Err)
}

// A record whose expiry has passed writes nothing (BulkGone), neither a
// new key nor over an existing one under overwrite; the others of the
// batch are written.
func TestTransferExpiredRecordIsGone(t *testing.T) {
	s, c, ctx := secondWriter(t)
	past := time.Now().Add(-time.Second)
	must(t, c.Set(ctx, "there", "theirs", 0).Err())
	big := backend.Record{Key: "big", Kind: backend.KindList, ExpiresAt: past}
	for i := range writeCallElements + 1 {
		big.Elements = append(big.Elements, backend.Element{Value: []byte(strconv.Itoa(i))})
	}
	recs := []backend.Record{
		{Key: "old", Kind: backend.KindString, Value: []byte("v"), ExpiresAt: past},
		{Key: "there", Kind: backend.KindString, Value: []byte("mine"), ExpiresAt: past},
		{Key: "live", Kind: backend.KindString, Value: []byte("v"), ExpiresAt: time.Now().Add(time.Minute)},
		big,
	}
	res, err := s.WriteRecords(ctx, "0", recs, backend.ConflictOverwrite)
	must(t, err)
	for i, want := range []backend.BulkOutcome{backend.BulkGone, backend.BulkGone, backend.BulkChanged, backend.BulkGone} {
		if res[i].Outcome != want {
			t.Errorf("%s: %s %v, want %s", res[i].Key, res[i].Outcome, res[i].Err, want)
		}
	}
	if c.Exists(ctx, "old", "big").Val() != 0 || c.Get(ctx, "there").Val() != "theirs" {
		t.Fatal("an expired record wrote something")
	}
	if n := len(c.Keys(ctx, "*kvdeck-import*").Val()); n != 0 {
		t.Fatalf("%d temporary keys left", n)
	}
}

// Records Redis cannot hold fail alone, before anything is written: a
// list without elements, a NaN score, stream ids out of order. An empty
// stream is written (XADD then trimmed: Redis keeps empty streams).
func TestTransferRefusesWhatRedisCannotHold(t *testing.T) {
	s, c, ctx := secondWriter(t)
	recs := []backend.Record{
		{Key: "nolist", Kind: backend.KindList},
		{Key: "nan", Kind: backend.KindZSet, Elements: []backend.Element{{Value: []byte("m"), Score: math.NaN()}}},
		{Key: "order", Kind: backend.KindStream, Elements: []backend.Element{
			{Field: "2-0", Fields: []backend.Field{{Name: "a", Value: "1"}}},
			{Field: "1-0", Fields: []backend.Field{{Name: "a", Value: "1"}}}}},
		{Key: "empty-stream", Kind: backend.KindStream},
	}
	res, err := s.WriteRecords(ctx, "0", recs, backend.ConflictFail)
	must(t, err)
	for _, r := range res[:3] {
		if r.Outcome != backend.BulkFailed || !errors.Is(r.Err, backend.ErrInvalid) {
			t.Errorf("%s: %s %v, want failed, invalid", r.Key, r.Outcome, r.Err)
		}
	}
	if res[3].Outcome != backend.BulkChanged || c.Type(ctx, "empty-stream").Val() != "stream" || c.XLen(ctx, "empty-stream").Val() != 0 {
		t.Errorf("empty stream: %s %v, a %s of %d", res[3].Outcome, res[3].Err, c.Type(ctx, "empty-stream").Val(), c.XLen(ctx, "empty-stream").Val())
	}
	if n := c.DBSize(ctx).Val(); n != 1 {
		t.Errorf("%d keys written", n)
	}
}

// A list and a hash of 50,000 elements, a sorted set of 20,000, a stream
// of 12,000 entries, a set of 3,000 (SSCAN pages) and a 3 MB string, among
// small keys, read in pages and
// written through temporary keys, by their elements and again by DUMP
// where it is short: database 1 holds the same, no temporary key is left,
// and no command of the reads or the writes reaches the SLOWLOG at 10 ms (one outlier in a thousand commands tolerated for a
// preempted server, as scriptsOutOfSlowlog).
func TestTransferLargeKeysStayOutOfTheSlowlog(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	src, dst := dbClient(t, srv, 0), dbClient(t, srv, 1)
	ctx := ctxT(t)
	const n, thresholdUsec = 50_000, 10_000
	var items []any
	var fields []any
	for i := range n {
		items = append(items, "item:"+strconv.Itoa(i%40_000)) // duplicates
		fields = append(fields, "f:"+strconv.Itoa(i), "v:"+strconv.Itoa(i))
	}
	for off := 0; off < n; off += 5000 {
		must(t, src.RPush(ctx, "biglist", items[off:off+5000]...).Err())
		must(t, src.HSet(ctx, "bighash", fields[2*off:2*off+10000]...).Err())
	}
	for i := range 20_000 {
		must(t, src.ZAdd(ctx, "bigzset", goredis.Z{Score: float64(i) / 3, Member: "m" + strconv.Itoa(i)}).Err())
	}
	pipe := src.Pipeline()
	for i := range 12_000 {
		pipe.XAdd(ctx, &goredis.XAddArgs{Stream: "bigstream", ID: fmt.Sprintf("%d-%d", i/3+1, i%3), Values: []any{"n", i}})
	}
	_, err := pipe.Exec(ctx)
	must(t, err)
	must(t, src.Set(ctx, "bigstring", strings.Repeat("0123456789abcdef", 3<<16)+"\x00end", time.Hour).Err())
	must(t, src.PExpire(ctx, "bighash", time.Hour).Err())
	var members []any
	for i := range 3000 {
		members = append(members, "s"+strconv.Itoa(i))
	}
	must(t, src.SAdd(ctx, "bigset", members...).Err())
	keys := []string{"small1", "biglist", "bighash", "small2", "bigzset", "bigstream", "bigstring", "bigset"}
	must(t, src.Set(ctx, "small1", "1", 0).Err())
	must(t, src.SAdd(ctx, "small2", "x").Err())

	must(t, src.ConfigSet(ctx, "slowlog-log-slower-than", strconv.Itoa(thresholdUsec)).Err())
	must(t, src.ConfigSet(ctx, "slowlog-max-len", "100000").Err())
	var cmds0 int
	var resetSlowlog func()
	// outOfSlowlog checks the SLOWLOG of what ran since it was last
	// reset, which is done around the test's own commands (HGETALL of
	// 50,000 fields, FLUSHDB...), and resets it. A server preempted on a
	// busy machine (make test runs every package at once on two cores)
	// takes long over anything, so a few commands may be there, one in
	// fifty and at least two; the server's own average time a command,
	// which preemption barely moves, must stay under a fifth of the
	// threshold (see scriptsOutOfSlowlog).
	var usec0 int
	resetSlowlog = func() {
		must(t, src.SlowLogReset(ctx).Err())
		cmds0, usec0 = commandStats(t, src)
	}
	outOfSlowlog := func() {
		t.Helper()
		calls, usec := commandStats(t, src)
		calls, usec = calls-cmds0, usec-usec0
		entries, err := src.SlowLogGet(ctx, -1).Result()
		must(t, err)
		for _, e := range entries {
			t.Logf("slow: %s %.200q", e.Duration, e.Args[:min(len(e.Args), 8)])
		}
		t.Logf("%d commands, %d µs a command on average, %d in the SLOWLOG", calls, usec/max(calls, 1), len(entries))
		if len(entries) > max(2, calls/50) {
			t.Errorf("%d of %d commands in the SLOWLOG", len(entries), calls)
		}
		if avg := usec / max(calls, 1); avg*5 > thresholdUsec {
			t.Errorf("a command costs the server %d µs on average", avg)
		}
		resetSlowlog()
	}
	resetSlowlog()
	start := time.Now()
	recs, err := s.ReadRecords(ctx, "0", keys, backend.ReadOptions{})
	must(t, err)
	if len(recs) != len(keys) || len(recs[1].Elements) != n || len(recs[2].Elements) != n {
		t.Fatalf("%d records", len(recs))
	}
	res, err := s.WriteRecords(ctx, "1", recs, backend.ConflictFail)
	must(t, err)
	t.Logf("read and written in %s", time.Since(start))
	for _, r := range res {
		if r.Outcome != backend.BulkChanged {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
	}
	outOfSlowlog()
	sameKeys(t, src, dst, keys)
	if n := len(dst.Keys(ctx, "*kvdeck-import*").Val()); n != 0 {
		t.Fatalf("%d temporary keys left", n)
	}

	resetSlowlog()
	// Again by DUMP: the keys over the DUMP limits (keepLimit, a fifth of
	// it for a hash or sorted set, dumpBytesLimit) are read by their
	// elements, the others DUMPed.
	recs, err = s.ReadRecords(ctx, "0", keys, backend.ReadOptions{Dump: true})
	must(t, err)
	for _, r := range recs {
		if dumped := len(r.Dump) > 0; dumped != !strings.Contains("bighash bigzset bigstring", r.Key) {
			t.Errorf("%s: dumped %v", r.Key, dumped)
		}
	}
	outOfSlowlog() // the DUMP reads
	must(t, dst.FlushDB(ctx).Err())
	resetSlowlog()
	res, err = s.WriteRecords(ctx, "1", recs, backend.ConflictFail)
	must(t, err)
	for _, r := range res {
		if r.Outcome != backend.BulkChanged {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
	}
	outOfSlowlog()
	sameKeys(t, src, dst, keys)
}

// commandStats is every command the server has counted, and the time
// (µs) it spent in them.
func commandStats(t *testing.T, c *goredis.Client) (calls, usec int) {
	t.Helper()
	info, err := c.InfoMap(ctxT(t), "commandstats").Result()
	must(t, err)
	for _, section := range info {
		for _, v := range section {
			for _, kv := range splitComma(v) {
				if n, ok := strings.CutPrefix(kv, "calls="); ok {
					x, _ := strconv.Atoi(n)
					calls += x
				}
				if n, ok := strings.CutPrefix(kv, "usec="); ok {
					x, _ := strconv.Atoi(n)
					usec += x
				}
			}
		}
	}
	return calls, usec
}

// A key that changes type between the round trips of a read is read
// again as it is now; a key deleted meanwhile is left out. (A string is
// read whole in the first round: there is no later one for it.)
func TestTransferReadKeyChangedMeanwhile(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.HSet(ctx, "a", "f", "1").Err())
	must(t, c.RPush(ctx, "b", "x").Err())
	must(t, c.Set(ctx, "c", "3", 0).Err())
	// A read whose round 1 sees what is there, and whose later rounds
	// run after another client's writes, through a hook on the pipelines.
	s.afterTypeRound = func() {
		s.afterTypeRound = nil
		must(t, c.Del(ctx, "a").Err())
		must(t, c.Del(ctx, "b").Err())
		must(t, c.SAdd(ctx, "b", "m").Err())
	}
	recs, err := s.ReadRecords(ctx, "0", []string{"a", "b", "c"}, backend.ReadOptions{})
	must(t, err)
	if len(recs) != 2 || recs[0].Key != "b" || recs[0].Kind != backend.KindSet || string(recs[0].Elements[0].Value) != "m" || recs[1].Key != "c" {
		t.Fatalf("records %+v", recs)
	}
}

// A read-only store refuses to write, and writes nothing.
func TestTransferReadOnlyRefusesWrites(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), true)
	_, err := s.WriteRecords(ctxT(t), "0", []backend.Record{{Key: "k", Kind: backend.KindString, Value: []byte("v")}}, backend.ConflictOverwrite)
	if !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("%v, want ErrReadOnly", err)
	}
	c := srv.Client()
	defer c.Close()
	if n := c.DBSize(context.Background()).Val(); n != 0 {
		t.Fatalf("%d keys", n)
	}
	if s.ExpiryKept(ctxT(t), "0") != nil {
		t.Fatal("Redis keeps expiries")
	}
}

// In a Cluster: keys spread over slots are read and written back, a
// large list through a temporary key in its slot, and a large list whose
// name has a '}' but no hash tag (no temporary key can share its slot) in
// one script call.
func TestTransferAcrossClusterSlots(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	s := open(t, "redis://"+cl.Addrs[0], false)
	cc := cl.ClusterClient()
	defer cc.Close()
	ctx := ctxT(t)
	var keys []string
	for i := range 100 {
		k := fmt.Sprintf("spread:%d", i)
		keys = append(keys, k)
		must(t, cc.Set(ctx, k, "v"+strconv.Itoa(i), time.Hour).Err())
	}
	var items []any
	for i := range writeCallElements + 500 {
		items = append(items, "i"+strconv.Itoa(i))
	}
	for _, k := range []string{"biglist", "odd}list"} {
		must(t, cc.RPush(ctx, k, items...).Err())
		keys = append(keys, k)
	}
	want := map[string]any{}
	for _, k := range keys {
		if strings.HasPrefix(k, "spread") {
			want[k] = cc.Get(ctx, k).Val()
		} else {
			want[k] = cc.LRange(ctx, k, 0, -1).Val()
		}
	}
	recs, err := s.ReadRecords(ctx, clusterBucket, keys, backend.ReadOptions{})
	must(t, err)
	if len(recs) != len(keys) {
		t.Fatalf("%d records of %d keys", len(recs), len(keys))
	}
	for _, k := range keys {
		must(t, cc.Del(ctx, k).Err())
	}
	res, err := s.WriteRecords(ctx, clusterBucket, recs, backend.ConflictFail)
	must(t, err)
	for _, r := range res {
		if r.Outcome != backend.BulkChanged {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
	}
	for _, k := range keys {
		var got any
		if strings.HasPrefix(k, "spread") {
			got = cc.Get(ctx, k).Val()
			if pexpiretime(t, cc, k).IsZero() {
				t.Errorf("%s lost its TTL", k)
			}
		} else {
			got = cc.LRange(ctx, k, 0, -1).Val()
		}
		if !reflect.DeepEqual(got, want[k]) {
			t.Errorf("%s written back differs", k)
		}
	}
}

// bigList is a list record too large for one script call.
func bigList(key string) backend.Record {
	rec := backend.Record{Key: key, Kind: backend.KindList}
	for i := range writeCallElements + 1 {
		rec.Elements = append(rec.Elements, backend.Element{Value: []byte(strconv.Itoa(i))})
	}
	return rec
}

// Another client creates a large record's key while its temporary copy
// is written: the move into place meets the policy (skip keeps theirs,
// fail says ErrConflict, overwrite replaces theirs and its TTL), and no
// temporary key is left.
func TestTransferLargeRecordMeetsAKeyCreatedMeanwhile(t *testing.T) {
	s, c, ctx := secondWriter(t)
	for _, policy := range []backend.ConflictPolicy{backend.ConflictSkip, backend.ConflictFail, backend.ConflictOverwrite} {
		must(t, c.FlushDB(ctx).Err())
		s.beforeLargeFinish = func(key string) {
			if n := len(c.Keys(ctx, "{big}:kvdeck-import:*").Val()); n != 1 {
				t.Errorf("%d temporary keys in the slot of big, want 1", n)
			}
			if c.PTTL(ctx, c.Keys(ctx, "{big}:kvdeck-import:*").Val()[0]).Val() <= 0 {
				t.Error("the temporary key has no safety TTL")
			}
			must(t, c.Set(ctx, key, "theirs", time.Hour).Err())
		}
		res, err := s.WriteRecords(ctx, "0", []backend.Record{bigList("big")}, policy)
		must(t, err)
		r := res[0]
		switch policy {
		case backend.ConflictSkip:
			if r.Outcome != backend.BulkSkipped || r.Err != nil || c.Get(ctx, "big").Val() != "theirs" {
				t.Errorf("skip: %s %v, big is a %s", r.Outcome, r.Err, c.Type(ctx, "big").Val())
			}
		case backend.ConflictFail:
			wantConflict(t, "fail", r.Err)
			if r.Outcome != backend.BulkSkipped || c.Get(ctx, "big").Val() != "theirs" {
				t.Errorf("fail: %s, big is a %s", r.Outcome, c.Type(ctx, "big").Val())
			}
		default:
			if r.Outcome != backend.BulkChanged || c.LLen(ctx, "big").Val() != writeCallElements+1 || !pexpiretime(t, c, "big").IsZero() {
				t.Errorf("overwrite: %s %v, big is a %s expiring %v", r.Outcome, r.Err, c.Type(ctx, "big").Val(), pexpiretime(t, c, "big"))
			}
		}
		if n := c.DBSize(ctx).Val(); n != 1 {
			t.Errorf("%s: %d keys, want big only", policy, n)
		}
	}
}

// A DUMP payload the server refuses fails its key alone and, under
// overwrite, leaves the key there as it was (RESTORE ... REPLACE is one
// command); the other records of the call are written.
func TestTransferRefusedDumpLeavesTheKey(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.Set(ctx, "k", "theirs", 0).Err())
	res, err := s.WriteRecords(ctx, "0", []backend.Record{
		{Key: "k", Kind: backend.KindHash, Dump: []byte("not a dump payload")},
		{Key: "ok", Kind: backend.KindString, Value: []byte("v")},
	}, backend.ConflictOverwrite)
	must(t, err)
	if res[0].Outcome != backend.BulkFailed || res[0].Err == nil || c.Get(ctx, "k").Val() != "theirs" {
		t.Errorf("k: %s %v, holds %q", res[0].Outcome, res[0].Err, c.Get(ctx, "k").Val())
	}
	if res[1].Outcome != backend.BulkChanged || c.Get(ctx, "ok").Val() != "v" {
		t.Errorf("ok: %s %v", res[1].Outcome, res[1].Err)
	}
}

// Where PEXPIRETIME is refused (Redis before 7; here an ACL without it),
// the expiry is read with PTTL and the server's TIME: within a few ms of
// the exact one.
func TestTransferReadsExpiryWithoutPexpiretime(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Do(ctx, "ACL", "SETUSER", "old", "on", ">old-pass", "~*", "+@all", "-pexpiretime").Err())
	s := open(t, withUser(srv.URL(), "old", "old-pass"), false)
	must(t, c.Set(ctx, "a", "1", time.Hour).Err())
	must(t, c.RPush(ctx, "b", "1").Err())
	must(t, c.PExpire(ctx, "b", 2*time.Hour).Err())
	for _, dump := range []bool{false, true} {
		recs, err := s.ReadRecords(ctx, "0", []string{"a", "b"}, backend.ReadOptions{Dump: dump})
		must(t, err)
		if len(recs) != 2 {
			t.Fatalf("%d records", len(recs))
		}
		for _, r := range recs {
			want := pexpiretime(t, c, r.Key)
			if d := r.ExpiresAt.Sub(want); d < -5*time.Millisecond || d > 5*time.Millisecond {
				t.Errorf("dump=%v %s: expires at %v, the server says %v", dump, r.Key, r.ExpiresAt, want)
			}
		}
	}
}

// A key the user may not read (an ACL) fails the read, naming it, rather
// than being left out of an export.
func TestTransferReadRefusedKeyFailsTheBatch(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Do(ctx, "ACL", "SETUSER", "some", "on", ">some-pass", "~open:*", "+@all").Err())
	s := open(t, withUser(srv.URL(), "some", "some-pass"), false)
	must(t, c.Set(ctx, "open:a", "1", 0).Err())
	must(t, c.Set(ctx, "secret", "2", 0).Err())
	_, err := s.ReadRecords(ctx, "0", []string{"open:a", "secret"}, backend.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("%v, want an error naming secret", err)
	}
}

// A user without scripts (an ACL without EVAL) is told that an import of
// collections needs them, and none is written: not a small one, nor a
// large one (whose temporary copy is removed). A string needs no script
// (SET … NX is its atomic write) and is written.
func TestTransferWriteWithoutScripting(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Do(ctx, "ACL", "SETUSER", "noscript", "on", ">ns-pass", "~*", "+@all", "-@scripting").Err())
	s := open(t, withUser(srv.URL(), "noscript", "ns-pass"), false)
	for _, recs := range [][]backend.Record{
		{{Key: "h", Kind: backend.KindHash, Elements: []backend.Element{{Field: "f", Value: []byte("v")}}}, bigList("big")},
		{bigList("big")},
	} {
		res, err := s.WriteRecords(ctx, "0", recs, backend.ConflictSkip)
		if err == nil || !strings.Contains(err.Error(), "Lua scripting") {
			t.Fatalf("%v, want a refusal naming Lua scripting", err)
		}
		for _, r := range res {
			if r.Outcome != backend.BulkFailed {
				t.Errorf("%s: %s", r.Key, r.Outcome)
			}
		}
		if n := c.DBSize(ctx).Val(); n != 0 {
			t.Fatalf("%d keys written", n)
		}
	}
	res, err := s.WriteRecords(ctx, "0", []backend.Record{{Key: "a", Kind: backend.KindString, Value: []byte("v")}}, backend.ConflictSkip)
	if err != nil || res[0].Outcome != backend.BulkChanged || c.Get(ctx, "a").Val() != "v" {
		t.Fatalf("a string without scripts: %+v %v", res, err)
	}
}
