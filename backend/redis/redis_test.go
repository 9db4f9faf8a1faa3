package redis

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

func listAll(t *testing.T, s *Store, bucket string, q backend.Query) []string {
	t.Helper()
	var out []string
	err := s.Keys(context.Background(), bucket, q, func(b []backend.KeyInfo) error {
		for _, k := range b {
			out = append(out, k.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestSparsePatternOver100kIsCompleteAndExact(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	defer s.Close()
	ctx := context.Background()
	items := make([]backend.Item, 0, 100_100)
	for i := range 100_000 {
		items = append(items, backend.Item{Key: fmt.Sprintf("cache:%d", i), Value: []byte("x")})
	}
	for i := range 100 {
		items = append(items, backend.Item{Key: fmt.Sprintf("rare:%d", i), Value: []byte("y")})
	}
	if err := s.PutMany(ctx, "0", items); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s, "0", backend.Query{Pattern: "rare:*"}); len(got) != 100 {
		t.Fatalf("a sparse pattern listed %d keys, want exactly 100", len(got))
	}
	if got := listAll(t, s, "0", backend.Query{}); len(got) != 100_100 {
		t.Fatalf("listing everything gave %d keys, want 100100 (DBSIZE)", len(got))
	}
	bs, err := s.Buckets(ctx)
	if err != nil || len(bs) < 16 || bs[0].Name != "0" || bs[0].Keys != 100_100 {
		t.Fatalf("buckets: %v %+v", err, bs[:1])
	}
}

func TestEveryTypeReadsAndEdits(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	defer s.Close()
	ctx := context.Background()
	create := map[backend.Kind]backend.Element{
		backend.KindHash:   {Field: "name", Value: []byte("ada")},
		backend.KindList:   {Value: []byte("first")},
		backend.KindSet:    {Value: []byte("m1")},
		backend.KindZSet:   {Value: []byte("alice"), Score: 42},
		backend.KindStream: {Fields: []backend.Field{{Name: "event", Value: "signup"}}},
	}
	for kind, el := range create {
		key := "k:" + kind.String()
		if err := s.CreateKey(ctx, "0", key, kind, el, time.Hour); err != nil {
			t.Fatalf("create %s: %v", kind, err)
		}
		if err := s.CreateKey(ctx, "0", key, kind, el, 0); !errors.Is(err, backend.ErrConflict) {
			t.Fatalf("creating an existing %s: %v, want ErrConflict", kind, err)
		}
		e, err := s.Get(ctx, "0", key, backend.GetOptions{})
		if err != nil || e.Kind != kind || e.Size != 1 || e.ExpiresAt.IsZero() {
			t.Fatalf("%s: %v %+v", kind, err, e)
		}
	}
	// Edits.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetElement(ctx, "0", "k:hash", backend.KindHash, backend.Element{Field: "lang", Value: []byte("en")}))
	must(s.PushElement(ctx, "0", "k:list", []byte("second"), false))
	must(s.PushElement(ctx, "0", "k:list", []byte("zeroth"), true))
	must(s.SetElement(ctx, "0", "k:list", backend.KindList, backend.Element{Index: 1, Value: []byte("FIRST")}))
	must(s.SetElement(ctx, "0", "k:set", backend.KindSet, backend.Element{Value: []byte("m2")}))
	must(s.SetElement(ctx, "0", "k:zset", backend.KindZSet, backend.Element{Value: []byte("alice"), Score: 7}))
	must(s.SetElement(ctx, "0", "k:zset", backend.KindZSet, backend.Element{Value: []byte("bob"), Score: 9}))
	must(s.SetElement(ctx, "0", "k:stream", backend.KindStream, backend.Element{Fields: []backend.Field{{Name: "event", Value: "login"}}}))
	page := func(key string) []backend.Element {
		p, err := s.Elements(ctx, "0", key, "", 100)
		if err != nil || !p.Done {
			t.Fatalf("elements of %s: %v done=%v", key, err, p.Done)
		}
		return p.Elements
	}
	if els := page("k:hash"); len(els) != 2 {
		t.Fatalf("hash fields: %+v", els)
	}
	if els := page("k:list"); len(els) != 3 || string(els[0].Value) != "zeroth" || string(els[1].Value) != "FIRST" || els[2].Index != 2 {
		t.Fatalf("list: %+v", els)
	}
	if els := page("k:zset"); len(els) != 2 || els[0].Score != 7 {
		t.Fatalf("zset: %+v", els)
	}
	if els := page("k:stream"); len(els) != 2 || els[1].Fields[0].Value != "login" || els[0].Field == "" {
		t.Fatalf("stream: %+v", els)
	}
	must(s.RemoveElement(ctx, "0", "k:hash", backend.KindHash, backend.Element{Field: "name"}))
	must(s.RemoveElement(ctx, "0", "k:set", backend.KindSet, backend.Element{Value: []byte("m1")}))
	must(s.RemoveElement(ctx, "0", "k:zset", backend.KindZSet, backend.Element{Value: []byte("bob")}))
	must(s.RemoveElement(ctx, "0", "k:list", backend.KindList, backend.Element{Value: []byte("zeroth")}))
	if len(page("k:hash")) != 1 || len(page("k:set")) != 1 || len(page("k:zset")) != 1 || len(page("k:list")) != 2 {
		t.Fatal("an element was not removed")
	}
	// A string write never replaces another type.
	if err := s.Put(ctx, "0", "k:hash", []byte("oops"), backend.PutOptions{}); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("Put over a hash: %v, want a WRONGTYPE refusal", err)
	}
	// Describe for visible rows.
	infos, err := s.Describe(ctx, "0", []string{"k:hash", "k:list", "missing"})
	if err != nil || infos[0].Kind != backend.KindHash || infos[1].Size != 2 || infos[2].Kind != backend.KindUnknown {
		t.Fatalf("describe: %v %+v", err, infos)
	}
}

func TestPagingAMillionElementHashNeverLoadsItWhole(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	for i := 0; i < 50_000; i += 5000 {
		args := make([]any, 0, 10000)
		for j := i; j < i+5000; j++ {
			args = append(args, fmt.Sprintf("f%d", j), "v")
		}
		c.HSet(ctx, "big", args...)
	}
	s := open(t, srv.URL(), false)
	defer s.Close()
	p, err := s.Elements(ctx, "0", "big", "", 200)
	if err != nil || len(p.Elements) == 0 || len(p.Elements) > 1000 || p.Done {
		t.Fatalf("first page of a 50,000-field hash: %v, %d elements, done %v", err, len(p.Elements), p.Done)
	}
}

func TestACLUserWithoutWriteGetsAClearError(t *testing.T) {
	srv := redistest.Start(t)
	srv.AddUser(t, "reader", "s3cret", "~*", "+@read", "+@connection", "+info", "-@write")
	s := open(t, strings.Replace(srv.URL(), "redis://", "redis://reader:s3cret@", 1), false)
	defer s.Close()
	err := s.Put(context.Background(), "0", "k", []byte("v"), backend.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "NOPERM") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a write by a read-only ACL user: %v", err)
	}
	if strings.Contains(s.Info().Address, "s3cret") {
		t.Fatalf("the address shows the password: %s", s.Info().Address)
	}
}

func TestOpenErrorsAreOneClearLine(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "right-pass")
	ctx := context.Background()
	o, _ := ParseURL(strings.Replace(srv.URL(), "redis://", "redis://:wrong-pass@", 1))
	_, err := Open(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "wrong user name or password") || strings.Contains(err.Error(), "wrong-pass") {
		t.Fatalf("wrong password: %v", err)
	}
	o, _ = ParseURL(srv.URL())
	if _, err = Open(ctx, o); err == nil || !strings.Contains(err.Error(), "needs a password") {
		t.Fatalf("no password: %v", err)
	}
	dead := redistest.Start(t)
	url := dead.URL()
	dead.Stop()
	o, _ = ParseURL(url)
	if _, err = Open(ctx, o); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("unreachable: %v", err)
	}
	for _, e := range []error{err} {
		if strings.Contains(e.Error(), "\n") {
			t.Fatalf("error spans lines: %q", e)
		}
	}
}

func TestServerGoingAwayAndComingBack(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	defer s.Close()
	ctx := context.Background()
	items := make([]backend.Item, 50_000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k:%d", i), Value: []byte("v")}
	}
	if err := s.PutMany(ctx, "0", items); err != nil {
		t.Fatal(err)
	}
	stopped := false
	err := s.Keys(ctx, "0", backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error {
		if !stopped {
			stopped = true
			srv.Stop()
		}
		return nil
	})
	if err == nil {
		t.Fatal("a listing whose server went away ended without an error")
	}
	if s.Connected() {
		t.Fatal("Connected() is still true with the server gone")
	}
	srv.Restart()
	if err := s.Put(ctx, "0", "after", []byte("ok"), backend.PutOptions{}); err != nil {
		t.Fatalf("first write after the server came back: %v", err)
	}
	if got := listAll(t, s, "0", backend.Query{}); len(got) != 1 || got[0] != "after" {
		t.Fatalf("listing after restart: %d keys", len(got))
	}
	if !s.Connected() {
		t.Fatal("Connected() false after the server came back")
	}
}

func TestWatchFollowsNotificationsOnlyWhenTheServerSendsThem(t *testing.T) {
	quiet := redistest.Start(t)
	s := open(t, quiet.URL(), false)
	defer s.Close()
	if err := s.Watch(context.Background(), "0", "", func(backend.Change) {}); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("watch without notifications: %v, want ErrUnsupported (and no config change)", err)
	}
	loud := redistest.Start(t, "--notify-keyspace-events", "KEA")
	s2 := open(t, loud.URL(), false)
	defer s2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan backend.Change, 10)
	go s2.Watch(ctx, "0", "", func(c backend.Change) { got <- c })
	time.Sleep(300 * time.Millisecond)
	other := loud.Client()
	defer other.Close()
	other.Set(ctx, "w", "1", 0)
	other.Del(ctx, "w")
	want := []backend.ChangeOp{backend.ChangePut, backend.ChangeDelete}
	for _, op := range want {
		select {
		case c := <-got:
			if c.Key != "w" || c.Op != op {
				t.Fatalf("change %+v, want %v of w", c, op)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v change within 5s", op)
		}
	}
}

func TestClusterListsEveryMasterAndRoutesEdits(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	s := open(t, cl.URL(), false)
	defer s.Close()
	if !strings.Contains(s.Info().Address, "cluster") {
		t.Fatalf("cluster mode not detected: %s", s.Info().Address)
	}
	ctx := context.Background()
	items := make([]backend.Item, 3000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("user:%d", i), Value: []byte(fmt.Sprint(i))}
	}
	if err := s.PutMany(ctx, "cluster", items); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s, "cluster", backend.Query{}); len(got) != 3000 {
		t.Fatalf("cluster listing found %d keys, want 3000 (every master)", len(got))
	}
	// Every master holds some of them.
	cc := cl.ClusterClient()
	defer cc.Close()
	for _, srv := range cl.Servers {
		c := srv.Client()
		n, _ := c.DBSize(ctx).Result()
		c.Close()
		if n == 0 {
			t.Fatalf("master %s holds no keys; the test would not prove routing", srv.Addr)
		}
	}
	bs, err := s.Buckets(ctx)
	if err != nil || len(bs) != 1 || bs[0].Keys != 3000 {
		t.Fatalf("cluster bucket: %v %+v", err, bs)
	}
	for _, k := range []string{"user:1", "user:2", "user:2999"} {
		e, err := s.Get(ctx, "cluster", k, backend.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "cluster", k, []byte("edited"), backend.PutOptions{IfVersion: e.Version}); err != nil {
			t.Fatalf("edit %s: %v", k, err)
		}
		if err := s.Expire(ctx, "cluster", k, time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, _ := cc.Get(ctx, k).Result(); v != "edited" {
			t.Fatalf("%s holds %q", k, v)
		}
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		url  string
		want func(Options) bool
	}{
		{"redis://localhost:6379/2", func(o Options) bool { return o.Addrs[0] == "localhost:6379" && o.DB == 2 }},
		{"redis://user:pw@h", func(o Options) bool { return o.Addrs[0] == "h:6379" && o.Username == "user" && o.Password == "pw" }},
		{"redis://:pw@h:1", func(o Options) bool { return o.Password == "pw" && o.Username == "" }},
		{"rediss://h:6380", func(o Options) bool { return o.TLS.Enabled }},
		{"unix:///run/redis.sock?db=3", func(o Options) bool { return o.Network == "unix" && o.Addrs[0] == "/run/redis.sock" && o.DB == 3 }},
		{"redis://a:1?addr=b:2&addr=c:3", func(o Options) bool { return len(o.Addrs) == 3 && o.Addrs[2] == "c:3" }},
		{"redis+sentinel://s1:26379,s2:26379/mymaster/1", func(o Options) bool {
			return o.MasterName == "mymaster" && len(o.SentinelAddrs) == 2 && o.DB == 1
		}},
	}
	for _, c := range cases {
		o, err := ParseURL(c.url)
		if err != nil || !c.want(o) {
			t.Errorf("ParseURL(%q) = %+v, %v", c.url, o, err)
		}
	}
	for _, bad := range []string{"http://x", "redis://h/notanumber", "unix://", "redis+sentinel://s1:26379"} {
		if _, err := ParseURL(bad); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("ParseURL(%q): %v, want ErrInvalid", bad, err)
		}
	}
	o, _ := ParseURL("redis://admin:hunter2@db:6379")
	if a := o.address(); strings.Contains(a, "hunter2") || !strings.Contains(a, "***") {
		t.Errorf("address %q shows or loses the password mask", a)
	}
}

func TestSentinelFindsTheMaster(t *testing.T) {
	master, sentinel := redistest.StartSentinel(t, "mymaster")
	c := master.Client()
	defer c.Close()
	c.Set(context.Background(), "via", "sentinel", 0)
	s := open(t, "redis+sentinel://"+sentinel.Addr+"/mymaster/0", false)
	defer s.Close()
	e, err := s.Get(context.Background(), "0", "via", backend.GetOptions{})
	if err != nil || string(e.Value) != "sentinel" {
		t.Fatalf("read through sentinel: %v %q", err, e.Value)
	}
	if a := s.Info().Address; !strings.Contains(a, "redis+sentinel://") || !strings.Contains(a, "mymaster") {
		t.Fatalf("address %q", a)
	}
}

func TestTLSConnectsWithTheCAAndFailsClearlyWithout(t *testing.T) {
	srv, files := redistest.StartTLS(t)
	ctx := context.Background()
	o, _ := ParseURL("rediss://" + srv.Addr)
	if _, err := Open(ctx, o); err == nil || !strings.Contains(err.Error(), "TLS certificate not trusted") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("TLS without the CA: %v", err)
	}
	o.TLS.CAFile = files.CA
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatalf("TLS with the CA: %v", err)
	}
	defer s.Close()
	if err := s.Put(ctx, "0", "k", []byte("over tls"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Plain text to a TLS port: a clear line too, not a hang.
	o, _ = ParseURL("redis://" + srv.Addr)
	if _, err := Open(ctx, o); err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("plain text to a TLS server: %v", err)
	}
}
