package redis

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// contents are keys' types, contents and expiries as the server has them
// (go-redis): what a delete and its undo must give back. A set's members
// are sorted (its DUMP may list them in another order once restored).
func contents(t *testing.T, c goredis.Cmdable, keys ...string) map[string]string {
	t.Helper()
	ctx := ctxT(t)
	out := map[string]string{}
	for _, k := range keys {
		typ := c.Type(ctx, k).Val()
		var v any
		switch typ {
		case "string":
			v = c.Get(ctx, k).Val()
		case "hash":
			v = c.HGetAll(ctx, k).Val()
		case "list":
			v = c.LRange(ctx, k, 0, -1).Val()
		case "set":
			m := c.SMembers(ctx, k).Val()
			slices.Sort(m)
			v = m
		case "zset":
			v = c.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			v = c.XRange(ctx, k, "-", "+").Val()
		}
		out[k] = fmt.Sprintf("%s %q expires %v", typ, fmt.Sprint(v), pexpiretime(t, c, k))
	}
	return out
}

// Every type deleted with its copy and put back: the keys are gone after
// the delete and come back with the same contents and expiry; a
// missing key is gone, a string over the keep limit is left in place.
func TestBulkDeleteKeepsEveryTypeAndPutsItBack(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.Set(ctx, "str", "v\x00\xff", time.Hour).Err())
	must(t, c.HSet(ctx, "hash", "f", "1", "g", "2").Err())
	must(t, c.RPush(ctx, "list", "a", "b", "a").Err())
	must(t, c.SAdd(ctx, "set", "x", "y").Err())
	must(t, c.ZAdd(ctx, "zset", goredis.Z{Score: 1.5, Member: "m"}).Err())
	must(t, c.PExpire(ctx, "zset", 90*time.Minute).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "1-1", Values: []string{"k", "v"}}).Err())
	big := strings.Repeat("x", keepBytesLimit+1)
	must(t, c.Set(ctx, "big", big, 0).Err())
	kept := []string{"str", "hash", "list", "set", "zset", "stream"}
	before := contents(t, c, kept...)

	res, err := s.DeleteKeys(ctx, "0", append(append([]string{}, kept...), "missing", "big"), true)
	must(t, err)
	var copies []backend.Snapshot
	for _, r := range res[:len(kept)] {
		if r.Outcome != backend.BulkChanged || r.Kept == nil {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
		copies = append(copies, *r.Kept)
	}
	if r := res[len(kept)]; r.Outcome != backend.BulkGone {
		t.Errorf("missing: %s", r.Outcome)
	}
	if r := res[len(kept)+1]; r.Outcome != backend.BulkSkipped || !errors.Is(r.Err, backend.ErrUnsupported) || r.Kept != nil {
		t.Errorf("big: %s %v", r.Outcome, r.Err)
	}
	if n := c.Exists(ctx, kept...).Val(); n != 0 {
		t.Fatalf("%d of the deleted keys still exist", n)
	}
	if c.StrLen(ctx, "big").Val() != int64(len(big)) {
		t.Fatal("the key too large to keep was deleted")
	}

	back, err := s.RestoreKeys(ctx, "0", copies)
	must(t, err)
	for _, r := range back {
		if r.Outcome != backend.BulkChanged {
			t.Fatalf("restore %s: %s %v", r.Key, r.Outcome, r.Err)
		}
	}
	after := contents(t, c, kept...)
	for _, k := range kept {
		if before[k] != after[k] {
			t.Errorf("%s came back as %s, was %s", k, after[k], before[k])
		}
	}
}

// A second writer. Its write between the user's look and the delete is
// what the delete keeps, so undo puts back its value, not an older one;
// a key it writes again after the delete is left as it is by undo; a
// copy whose expiry has passed puts nothing back.
func TestBulkDeleteUndoSkipsKeysAnotherClientWroteAgain(t *testing.T) {
	s, c, ctx := secondWriter(t)
	for _, k := range []string{"a", "b", "c"} {
		must(t, c.Set(ctx, k, "v-"+k, 0).Err())
	}
	must(t, c.Set(ctx, "short", "v", 1500*time.Millisecond).Err())
	// The user saw a, b, c and short; the other client turns a into a hash.
	must(t, c.Del(ctx, "a").Err())
	must(t, c.HSet(ctx, "a", "theirs", "1").Err())
	res, err := s.DeleteKeys(ctx, "0", []string{"a", "b", "c", "short"}, true)
	must(t, err)
	copies := make([]backend.Snapshot, len(res))
	for i, r := range res {
		if r.Outcome != backend.BulkChanged {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
		copies[i] = *r.Kept
	}
	if copies[0].Kind != backend.KindHash {
		t.Fatalf("the copy of a is a %v, not the other client's hash", copies[0].Kind)
	}
	// After the delete the other client writes b again.
	must(t, c.Set(ctx, "b", "theirs", 0).Err())
	time.Sleep(time.Until(copies[3].ExpiresAt) + 10*time.Millisecond)

	back, err := s.RestoreKeys(ctx, "0", copies)
	must(t, err)
	want := []backend.BulkOutcome{backend.BulkChanged, backend.BulkSkipped, backend.BulkChanged, backend.BulkGone}
	for i, r := range back {
		if r.Outcome != want[i] {
			t.Errorf("undo of %s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
		}
	}
	if v := c.HGet(ctx, "a", "theirs").Val(); v != "1" {
		t.Errorf("a: the other client's hash came back as %q", v)
	}
	if v := c.Get(ctx, "b").Val(); v != "theirs" {
		t.Errorf("b: the other client's value became %q", v)
	}
	if !errors.Is(back[1].Err, backend.ErrConflict) {
		t.Errorf("b: %v, want a conflict", back[1].Err)
	}
	if v := c.Get(ctx, "c").Val(); v != "v-c" {
		t.Errorf("c came back as %q", v)
	}
	if c.Exists(ctx, "short").Val() != 0 {
		t.Error("short came back after its expiry")
	}
}

// Without copies the keys are UNLINKed; a missing one is gone.
func TestBulkDeleteWithoutCopies(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.Set(ctx, "a", "1", 0).Err())
	must(t, c.RPush(ctx, "b", "x").Err())
	res, err := s.DeleteKeys(ctx, "0", []string{"a", "b", "c"}, false)
	must(t, err)
	want := []backend.BulkOutcome{backend.BulkChanged, backend.BulkChanged, backend.BulkGone}
	for i, r := range res {
		if r.Outcome != want[i] || r.Kept != nil {
			t.Errorf("%s: %s kept %v", r.Key, r.Outcome, r.Kept != nil)
		}
	}
	if n := c.Exists(ctx, "a", "b").Val(); n != 0 {
		t.Fatalf("%d keys left", n)
	}
}

func TestBulkDeleteRefusedReadOnly(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "k", "v", 0).Err())
	ro := open(t, srv.URL(), true)
	if _, err := ro.DeleteKeys(ctx, "0", []string{"k"}, true); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only DeleteKeys: %v", err)
	}
	if _, err := ro.RestoreKeys(ctx, "0", []backend.Snapshot{{Key: "j", Kind: backend.KindString, Value: []byte("v")}}); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only RestoreKeys: %v", err)
	}
	if c.Exists(ctx, "k").Val() != 1 || c.Exists(ctx, "j").Val() != 0 {
		t.Fatal("a read-only store wrote")
	}
}

// 250,000 keys deleted with copies in batches, then put back: no delete
// script lands in the SLOWLOG at 10 ms (the tolerance of
// TestBulkExpiryStaysOutOfTheSlowlog for a preempted server), and every
// key is back.
func TestBulkDeleteStaysOutOfTheSlowlog(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n, batch, thresholdUsec = 250_000, 5000, 10_000
	must(t, c.Do(ctx, "DEBUG", "POPULATE", n, "bulk", 20).Err())
	must(t, c.ConfigSet(ctx, "slowlog-log-slower-than", strconv.Itoa(thresholdUsec)).Err())
	must(t, c.ConfigSet(ctx, "slowlog-max-len", "100000").Err())
	must(t, c.SlowLogReset(ctx).Err())
	calls0, usec0 := evalStats(t, c)
	s := open(t, srv.URL(), false)
	sample := c.Get(ctx, "bulk:4711").Val()
	keys := make([]string, batch)
	var copies []backend.Snapshot
	start := time.Now()
	for b := 0; b < n; b += batch {
		for i := range keys {
			keys[i] = "bulk:" + strconv.Itoa(b+i)
		}
		res, err := s.DeleteKeys(ctx, "0", keys, true)
		must(t, err)
		for _, r := range res {
			if r.Outcome != backend.BulkChanged {
				t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
			}
			copies = append(copies, *r.Kept)
		}
	}
	t.Logf("%d keys deleted with copies in %s", n, time.Since(start))
	if got := c.DBSize(ctx).Val(); got != 0 {
		t.Fatalf("%d keys left", got)
	}
	for len(copies) > 0 {
		m := min(batch, len(copies))
		res, err := s.RestoreKeys(ctx, "0", copies[:m])
		must(t, err)
		for _, r := range res {
			if r.Outcome != backend.BulkChanged {
				t.Fatalf("restore %s: %s %v", r.Key, r.Outcome, r.Err)
			}
		}
		copies = copies[m:]
	}
	if got := c.DBSize(ctx).Val(); got != n {
		t.Fatalf("%d keys back of %d", got, n)
	}
	if v := c.Get(ctx, "bulk:4711").Val(); v != sample || !strings.HasPrefix(v, "value:4711") {
		t.Fatalf("bulk:4711 came back as %q", v)
	}
	// The deletes are scripts of scriptKeys keys; the copies go back
	// with a SET … NX each (WriteRecords), no script.
	scriptsOutOfSlowlog(t, c, calls0, usec0, n/scriptKeys, thresholdUsec)
}

// In a Cluster each key is its own call, sent to its node.
func TestBulkDeleteAcrossClusterSlots(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	s := open(t, "redis://"+cl.Addrs[0], false)
	cc := cl.ClusterClient()
	defer cc.Close()
	ctx := ctxT(t)
	keys := make([]string, 300)
	for i := range keys {
		keys[i] = fmt.Sprintf("spread:%d", i)
		must(t, cc.Set(ctx, keys[i], "v"+strconv.Itoa(i), time.Hour).Err())
	}
	res, err := s.DeleteKeys(ctx, clusterBucket, keys, true)
	must(t, err)
	copies := make([]backend.Snapshot, len(res))
	for i, r := range res {
		if r.Outcome != backend.BulkChanged || cc.Exists(ctx, r.Key).Val() != 0 {
			t.Fatalf("%s: %s %v", r.Key, r.Outcome, r.Err)
		}
		copies[i] = *r.Kept
	}
	back, err := s.RestoreKeys(ctx, clusterBucket, copies)
	must(t, err)
	for i, r := range back {
		if r.Outcome != backend.BulkChanged || cc.Get(ctx, r.Key).Val() != "v"+strconv.Itoa(i) || pexpiretime(t, cc, r.Key).IsZero() {
			t.Fatalf("undo %s: %s %v", r.Key, r.Outcome, r.Err)
		}
	}
}

// A user without scripts (an ACL without EVAL): a delete without copies
// runs as plain UNLINKs; one with copies is refused, saying why, and
// deletes nothing.
func TestBulkDeleteWithoutScripting(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Do(ctx, "ACL", "SETUSER", "noscript", "on", ">ns-pass", "~*", "+@all", "-@scripting").Err())
	s := open(t, withUser(srv.URL(), "noscript", "ns-pass"), false)
	for _, k := range []string{"a", "b", "c"} {
		must(t, c.Set(ctx, k, "v", 0).Err())
	}
	if _, err := s.DeleteKeys(ctx, "0", []string{"a"}, true); err == nil || !strings.Contains(err.Error(), "Lua scripting") {
		t.Fatalf("a delete with copies without scripts: %v", err)
	}
	if c.Exists(ctx, "a").Val() != 1 {
		t.Fatal("the refused delete deleted a")
	}
	res, err := s.DeleteKeys(ctx, "0", []string{"a", "b", "missing"}, false)
	must(t, err)
	want := []backend.BulkOutcome{backend.BulkChanged, backend.BulkChanged, backend.BulkGone}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %s %v, want %s", r.Key, r.Outcome, r.Err, want[i])
		}
	}
	if c.Exists(ctx, "a", "b").Val() != 0 || c.Exists(ctx, "c").Val() != 1 {
		t.Fatal("the plain UNLINKs deleted the wrong keys")
	}
}
