package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

func TestOpenErrorsAreOneClearLine(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "right-pass")
	ctx := ctxT(t)
	o, _ := ParseURL(withUser(srv.URL(), "", "wrong-pass"))
	_, err := Open(ctx, o)
	oneLine(t, "wrong password", err, "wrong-pass")
	if !strings.Contains(err.Error(), "wrong user name or password") {
		t.Fatalf("wrong password: %v", err)
	}

	o, _ = ParseURL(srv.URL())
	_, err = Open(ctx, o)
	oneLine(t, "no password", err, "")
	if !strings.Contains(err.Error(), "needs a password") {
		t.Fatalf("no password: %v", err)
	}

	// A user the ACL allows nothing, not even PING.
	admin := srv.Client()
	defer admin.Close()
	must(t, admin.Do(ctx, "AUTH", "right-pass").Err())
	must(t, admin.Do(ctx, "ACL", "SETUSER", "nobody", "on", ">nobody-pass", "-@all").Err())
	o, _ = ParseURL(withUser(srv.URL(), "nobody", "nobody-pass"))
	_, err = Open(ctx, o)
	oneLine(t, "a user without permissions", err, "nobody-pass")
	if !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("a user without permissions: %v", err)
	}

	dead := redistest.Start(t)
	url := dead.URL()
	dead.Stop()
	o, _ = ParseURL(withUser(url, "", "some-pass"))
	_, err = Open(ctx, o)
	oneLine(t, "unreachable", err, "some-pass")
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "***") {
		t.Fatalf("unreachable: %v (want the masked address and the cause)", err)
	}
}

func TestAServerThatNeverAnswersTimesOut(t *testing.T) {
	// A listener that accepts and then says nothing: a hung server, or a
	// firewall that swallows packets after the handshake.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	o, _ := ParseURL("redis://" + l.Addr().String())
	o.Timeout = 300 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := Open(context.Background(), o)
		done <- err
	}()
	select {
	case err := <-done:
		oneLine(t, "a silent server", err, "")
		if !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("a silent server: %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open hung on a server that never answers")
	}
}

func TestACLUserWithoutWriteGetsAClearError(t *testing.T) {
	srv := redistest.Start(t)
	srv.AddReadOnlyUser(t, "reader", "s3cret")
	// Allowed scripts but not writes: the refusal comes from inside Lua.
	srv.AddUser(t, "scripter", "s3cret", "~*", "&*", "+@all", "-@write")
	admin := srv.Client()
	defer admin.Close()
	ctx := ctxT(t)
	must(t, admin.Set(ctx, "visible", "yes", 0).Err())
	for _, user := range []string{"reader", "scripter"} {
		s := open(t, withUser(srv.URL(), user, "s3cret"), false)
		writes := map[string]error{
			"Put":       errOf(s.Put(ctx, "0", "k", []byte("v"), backend.PutOptions{})),
			"Expire":    s.Expire(ctx, "0", "visible", time.Minute),
			"CreateKey": errOf(s.CreateKey(ctx, "0", "h", backend.KindHash, backend.Element{Field: "f", Value: []byte("v")}, 0)),
			"Delete":    s.Delete(ctx, "0", "visible", backend.DeleteOptions{}),
		}
		for op, err := range writes {
			oneLine(t, user+" "+op, err, "s3cret")
			if !strings.Contains(err.Error(), "NOPERM") || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("%s by %s, who may not write: %v", op, user, err)
			}
		}
		if a := s.Info().Address; strings.Contains(a, "s3cret") || !strings.Contains(a, user+":***@") {
			t.Fatalf("the address shows the password or loses the user: %s", a)
		}
		// Reading still works for that user.
		if e, err := s.Get(ctx, "0", "visible", backend.GetOptions{}); err != nil || string(e.Value) != "yes" {
			t.Fatalf("a read by %s: %v %q", user, err, e.Value)
		}
	}
}

func TestServerGoingAwayAndComingBack(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	ctx := ctxT(t)
	items := make([]backend.Item, 50_000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k:%d", i), Value: []byte("v")}
	}
	must(t, s.PutMany(ctx, "0", items))

	// Mid-listing: the server is killed after the first page.
	stopped, pages := false, 0
	start := time.Now()
	err := s.Keys(ctx, "0", backend.Query{BatchSize: 100}, func([]backend.KeyInfo) error {
		pages++
		if !stopped {
			stopped = true
			srv.Stop()
		}
		return nil
	})
	oneLine(t, "a listing whose server went away", err, "")
	if time.Since(start) > 2*defaultTimeout {
		t.Fatalf("the listing took %v to notice the server was gone", time.Since(start))
	}
	if s.Connected() {
		t.Fatal("Connected() is still true with the server gone")
	}
	// Mid-edit: a write while it is gone fails with a clear line, promptly
	// (go-redis retries are off, so it is never replayed later).
	_, err = s.Put(ctx, "0", "while-down", []byte("x"), backend.PutOptions{})
	oneLine(t, "a write with the server gone", err, "")

	must(t, srv.Restart())
	if _, err := s.Put(ctx, "0", "after", []byte("ok"), backend.PutOptions{}); err != nil {
		t.Fatalf("first write after the server came back: %v", err)
	}
	if got := listAll(t, s, "0", backend.Query{}); len(got) != 1 || got[0] != "after" {
		t.Fatalf("listing after restart: %v (the restarted server keeps no data; only the new key)", got)
	}
	if !s.Connected() {
		t.Fatal("Connected() false after the server came back")
	}
}

func TestCancellingAListingReturnsAtOnce(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	items := make([]backend.Item, 20_000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k:%d", i), Value: []byte("v")}
	}
	must(t, s.PutMany(ctxT(t), "0", items))
	ctx, cancel := context.WithCancel(context.Background())
	seen := 0
	err := s.Keys(ctx, "0", backend.Query{BatchSize: 100}, func(b []backend.KeyInfo) error {
		seen += len(b)
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled listing returned %v, want context.Canceled", err)
	}
	if seen >= len(items) {
		t.Fatalf("the cancelled listing went on to the end (%d keys)", seen)
	}
}

func TestSentinelFindsTheMaster(t *testing.T) {
	master, sentinel := redistest.StartSentinel(t, "mymaster")
	c := master.Client()
	defer c.Close()
	must(t, c.Set(context.Background(), "via", "sentinel", 0).Err())
	s := open(t, "redis+sentinel://"+sentinel.Addr+"/mymaster/0", false)
	e, err := s.Get(ctxT(t), "0", "via", backend.GetOptions{})
	if err != nil || string(e.Value) != "sentinel" {
		t.Fatalf("read through sentinel: %v %q", err, e.Value)
	}
	ok(t)(s.Put(ctxT(t), "0", "written", []byte("through sentinel"), backend.PutOptions{}))
	if v, _ := c.Get(context.Background(), "written").Result(); v != "through sentinel" {
		t.Fatalf("a write through sentinel reached the master as %q", v)
	}
	if a := s.Info().Address; !strings.Contains(a, "redis+sentinel://") || !strings.Contains(a, "mymaster") {
		t.Fatalf("address %q", a)
	}
}

func TestTLSConnectsWithTheCAAndFailsClearlyWithout(t *testing.T) {
	srv, files := redistest.StartTLS(t)
	ctx := ctxT(t)
	o, _ := ParseURL("rediss://:tls-pass@" + srv.Addr)
	_, err := Open(ctx, o)
	oneLine(t, "TLS without the CA", err, "tls-pass")
	if !strings.Contains(err.Error(), "TLS certificate not trusted") {
		t.Fatalf("TLS without the CA: %v", err)
	}
	o, _ = ParseURL("rediss://" + srv.Addr)
	o.TLS.CAFile = files.CA
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatalf("TLS with the CA: %v", err)
	}
	defer s.Close()
	ok(t)(s.Put(ctx, "0", "k", []byte("over tls"), backend.PutOptions{}))
	if e, err := s.Get(ctx, "0", "k", backend.GetOptions{}); err != nil || string(e.Value) != "over tls" {
		t.Fatalf("read over TLS: %v %q", err, e.Value)
	}
	// A CA file that holds no certificate: named as bad input.
	o.TLS.CAFile = files.Key
	if _, err := Open(ctx, o); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("a CA file without a certificate: %v, want ErrInvalid", err)
	}
	// Plain text to a TLS port: a clear line too, not a hang.
	o, _ = ParseURL("redis://" + srv.Addr)
	o.Timeout = time.Second
	_, err = Open(ctx, o)
	oneLine(t, "plain text to a TLS server", err, "")
}
