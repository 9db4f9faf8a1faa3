package redis

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

func TestSparsePatternOver100kIsCompleteAndExact(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	ctx := ctxT(t)
	items := make([]backend.Item, 0, 100_000)
	for i := range 99_900 {
		items = append(items, backend.Item{Key: fmt.Sprintf("cache:%d", i), Value: []byte("x")})
	}
	var rare []string
	for i := range 100 {
		k := fmt.Sprintf("rare:%d", i)
		rare = append(rare, k)
		items = append(items, backend.Item{Key: k, Value: []byte("y")})
	}
	must(t, s.PutMany(ctx, "0", items))
	slices.Sort(rare)
	batches := 0
	var got []string
	must(t, s.Keys(ctx, "0", backend.Query{Pattern: "rare:*"}, func(b []backend.KeyInfo) error {
		batches++
		for _, k := range b {
			got = append(got, k.Name)
			if k.HasMeta {
				t.Fatalf("listing claims metadata for %s: it must not make a round trip per key", k.Name)
			}
		}
		return nil
	}))
	slices.Sort(got)
	if !slices.Equal(got, rare) {
		t.Fatalf("a sparse pattern listed %d keys, want exactly the 100 rare ones", len(got))
	}
	// Each SCAN page of a sparse match holds few keys; several pages came.
	if batches < 2 {
		t.Fatalf("the sparse listing came in %d batch(es); SCAN pages were not emitted as they arrived", batches)
	}
	c := srv.Client()
	defer c.Close()
	dbsize, _ := c.DBSize(ctx).Result()
	if all := listAll(t, s, "0", backend.Query{}); int64(len(all)) != dbsize || dbsize != 100_000 {
		t.Fatalf("listing everything gave %d keys, DBSIZE is %d", len(all), dbsize)
	}
}

func TestTypeFilterListsOnlyThatType(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	p := c.Pipeline()
	for i := range 300 {
		p.Set(ctx, fmt.Sprintf("s:%d", i), "v", 0)
		if i%3 == 0 {
			p.HSet(ctx, fmt.Sprintf("h:%d", i), "f", "v")
		}
	}
	_, err := p.Exec(ctx)
	must(t, err)
	got := listAll(t, s, "0", backend.Query{Type: backend.KindHash, BatchSize: 50})
	if len(got) != 100 {
		t.Fatalf("type filter hash listed %d keys, want 100", len(got))
	}
	for _, k := range got {
		if k[0] != 'h' {
			t.Fatalf("type filter hash listed %s", k)
		}
	}
}

func TestBucketsAreDatabasesWithCounts(t *testing.T) {
	srv := redistest.Start(t, "--databases", "6")
	admin := srv.Client()
	defer admin.Close()
	ctx := ctxT(t)
	for db, n := range map[int]int{0: 3, 2: 5} {
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: db})
		for i := range n {
			must(t, c.Set(ctx, fmt.Sprintf("k%d", i), "v", time.Hour*time.Duration(i%2)).Err())
		}
		c.Close()
	}
	s := open(t, srv.URL(), false)
	bs, err := s.Buckets(ctx)
	must(t, err)
	var names []string
	counts := map[string]int64{}
	for _, b := range bs {
		names = append(names, b.Name)
		counts[b.Name] = b.Keys
	}
	if !slices.Equal(names, []string{"0", "1", "2", "3", "4", "5"}) || counts["0"] != 3 || counts["1"] != 0 || counts["2"] != 5 {
		t.Fatalf("buckets %v with counts %v, want databases 0-5 with 3, 0, 5... keys", names, counts)
	}
	// A key written in database 2 is listed there and only there.
	if got := listAll(t, s, "2", backend.Query{}); len(got) != 5 {
		t.Fatalf("database 2 listed %d keys", len(got))
	}
	ok(t)(s.Put(ctx, "3", "only-in-3", []byte("v"), backend.PutOptions{}))
	if _, err := s.Get(ctx, "0", "only-in-3", backend.GetOptions{}); err == nil {
		t.Fatal("a key written in database 3 is readable in database 0")
	}

	// A user without CONFIG sees the databases INFO shows plus its own.
	srv.AddUser(t, "noconfig", "pw", "~*", "&*", "+@all", "-config")
	limited := open(t, withUser(srv.URL(), "noconfig", "pw")+"/1", false)
	bs, err = limited.Buckets(ctx)
	must(t, err)
	names = names[:0]
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"0", "1", "2", "3"}) {
		t.Fatalf("buckets without CONFIG: %v, want 0, 2 and 3 (INFO) and 1 (selected)", names)
	}
}

func TestDescribeFillsTypeTTLAndSizeForVisibleRows(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "str", "12345", time.Hour).Err())
	must(t, c.HSet(ctx, "hash", "a", 1, "b", 2).Err())
	must(t, c.RPush(ctx, "list", 1, 2, 3).Err())
	must(t, c.SAdd(ctx, "set", 1, 2, 3, 4).Err())
	must(t, c.ZAdd(ctx, "zset", goredis.Z{Score: 1, Member: "a"}).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", Values: []any{"f", "v"}}).Err())
	keys := []string{"str", "hash", "list", "set", "zset", "stream", "gone"}
	client, _ := s.client(0)
	trips := &roundTrips{}
	client.AddHook(trips)
	infos, err := s.Describe(ctx, "0", keys)
	must(t, err)
	if n := trips.n.Load(); n != 2 {
		t.Errorf("Describe of %d keys took %d round trips, want 2", len(keys), n)
	}
	want := []struct {
		kind backend.Kind
		size int64
	}{{backend.KindString, 5}, {backend.KindHash, 2}, {backend.KindList, 3}, {backend.KindSet, 4}, {backend.KindZSet, 1}, {backend.KindStream, 1}, {backend.KindUnknown, -1}}
	for i, w := range want {
		got := infos[i]
		if got.Name != keys[i] || !got.HasMeta || got.Kind != w.kind || got.Size != w.size {
			t.Errorf("%s: %+v, want kind %v size %d", keys[i], got, w.kind, w.size)
		}
	}
	if d := time.Until(infos[0].ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("str expires in %v, want about an hour", d)
	}
	if !infos[1].ExpiresAt.IsZero() {
		t.Errorf("hash has no TTL but Describe says it expires at %v", infos[1].ExpiresAt)
	}
}

// roundTrips counts commands and pipelines sent, one per round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if !connectionSetup(cmd) {
			r.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if !connectionSetup(cmds[0]) {
			r.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// connectionSetup: what go-redis sends on a new connection (HELLO, SELECT,
// CLIENT SETINFO) also passes the hooks; it is not the call's own work.
func connectionSetup(cmd goredis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "select", "client", "auth":
		return true
	}
	return false
}
