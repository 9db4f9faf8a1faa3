package redis

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

func TestClusterListsEveryMasterAndRoutesReadsAndEdits(t *testing.T) {
	cl := redistest.StartCluster(t, 3, "--notify-keyspace-events", "KEA")
	// One seed is enough: cluster mode is detected from INFO.
	s := open(t, "redis://"+cl.Addrs[0], false)
	if !strings.Contains(s.Info().Address, "cluster") {
		t.Fatalf("cluster mode not detected: %s", s.Info().Address)
	}
	ctx := ctxT(t)
	items := make([]backend.Item, 3000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("user:%d", i), Value: []byte(fmt.Sprint(i))}
	}
	must(t, s.PutMany(ctx, "cluster", items))
	for _, srv := range cl.Servers {
		c := srv.Client()
		n, _ := c.DBSize(ctx).Result()
		c.Close()
		if n == 0 {
			t.Fatalf("master %s holds no keys; the test would not prove routing", srv.Addr)
		}
	}
	if got := listAll(t, s, "cluster", backend.Query{}); len(got) != 3000 {
		t.Fatalf("cluster listing found %d keys, want 3000 (every master)", len(got))
	}
	if got := listAll(t, s, "cluster", backend.Query{Pattern: "user:1?"}); len(got) != 10 {
		t.Fatalf("pattern user:1? over the cluster found %d keys, want 10", len(got))
	}
	bs, err := s.Buckets(ctx)
	if err != nil || len(bs) != 1 || bs[0].Name != "cluster" || bs[0].Keys != 3000 {
		t.Fatalf("cluster bucket: %v %+v", err, bs)
	}
	if _, err := s.Get(ctx, "0", "user:1", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("database 0 on a cluster: %v, want ErrNotFound (the bucket is %q)", err, clusterBucket)
	}

	cc := cl.ClusterClient()
	defer cc.Close()
	keys := []string{"user:1", "user:2", "user:3", "user:2999"}
	infos, err := s.Describe(ctx, "cluster", keys)
	must(t, err)
	for _, i := range infos {
		if i.Kind != backend.KindString || i.Size < 1 {
			t.Fatalf("describe across masters: %+v", i)
		}
	}
	for _, k := range keys {
		e, err := s.Get(ctx, "cluster", k, backend.GetOptions{})
		must(t, err)
		must(t, s.Expire(ctx, "cluster", k, time.Hour))
		if _, err := s.Put(ctx, "cluster", k, []byte("edited"), backend.PutOptions{IfVersion: e.Version}); err != nil {
			t.Fatalf("edit %s: %v", k, err)
		}
		if v, _ := cc.Get(ctx, k).Result(); v != "edited" {
			t.Fatalf("%s holds %q", k, v)
		}
		if d, _ := cc.PTTL(ctx, k).Result(); d < 59*time.Minute {
			t.Fatalf("%s lost its TTL: %v", k, d)
		}
	}
	// Collections route by slot too.
	for i := range 20 {
		k := fmt.Sprintf("cart:%d", i)
		ok(t)(s.CreateKey(ctx, "cluster", k, backend.KindHash, backend.Element{Field: "sku", Value: []byte("A")}, 0))
		ok(t)(s.SetElement(ctx, "cluster", k, backend.KindHash, nil, backend.Element{Field: "qty", Value: []byte("2")}))
		p, err := s.Elements(ctx, "cluster", k, "", 10)
		if err != nil || len(p.Elements) != 2 {
			t.Fatalf("elements of %s: %v %+v", k, err, p)
		}
	}
	// Rename within a slot works; across slots it is refused clearly.
	ok(t)(s.Put(ctx, "cluster", "{u1}:a", []byte("v"), backend.PutOptions{}))
	must(t, s.Rename(ctx, "cluster", "{u1}:a", "{u1}:b"))
	err = s.Rename(ctx, "cluster", "user:1", "user:2-renamed")
	if !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), "hash tag") {
		t.Fatalf("rename across slots: %v, want ErrUnsupported naming hash tags", err)
	}
	if v, _ := cc.Get(ctx, "user:1").Result(); v != "edited" {
		t.Fatal("a refused rename touched the key")
	}
}

func TestClusterWatchHearsEveryMaster(t *testing.T) {
	cl := redistest.StartCluster(t, 3, "--notify-keyspace-events", "KEA")
	s := open(t, cl.URL(), false)
	got := watch(t, s, "cluster", "")
	cc := cl.ClusterClient()
	defer cc.Close()
	ctx := ctxT(t)
	// Keys in different slots land on different masters.
	want := map[string]bool{}
	for i := range 12 {
		k := fmt.Sprintf("w:%d", i)
		want[k] = true
		must(t, cc.Set(ctx, k, "v", 0).Err())
	}
	deadline := time.After(5 * time.Second)
	for len(want) > 0 {
		select {
		case c := <-got:
			delete(want, c.Key)
		case <-deadline:
			t.Fatalf("the watch missed %v", want)
		}
	}
}
