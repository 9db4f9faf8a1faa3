package sshtunnel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/internal/sshtest"
	goredis "github.com/redis/go-redis/v9"
)

// After the SSH connection dies, the next dial makes a new one, asking
// nothing; kvdeck's store then reconnects.
func TestReconnectAfterSessionKilled(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	cfg := config(t, srv)
	rec := &recorder{}
	cfg.Prompter = rec
	tun := dial(t, cfg)
	requireRedisPing(t, tun, srv)
	if n := srv.KillSessions(); n != 1 {
		t.Fatalf("killed %d sessions, want 1", n)
	}
	requireRedisPing(t, tun, srv)
	if n := srv.Sessions(); n != 2 {
		t.Errorf("%d SSH connections, want 2 (one new)", n)
	}
	if h, p, pw := rec.counts(); h+p+pw != 0 {
		t.Errorf("a reconnection prompted (%d, %d, %d)", h, p, pw)
	}
}

// kvdeck's stores come back after the SSH connection dies: Redis on
// Reconnect (what :reconnect and the UI's clock call), NATS by nats.go's
// own reconnection, both through a new SSH connection.
func TestStoresReconnectThroughNewSSHConnection(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true, NATS: true})
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)
	rs, err := redis.Open(ctx, redis.Options{Addrs: []string{srv.RedisAddr}, Network: "tcp", Dialer: tun.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	ns, err := nats.Open(ctx, nats.Options{Servers: []string{srv.NATSURL}, Dialer: tun.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := ns.CreateBucket(ctx, backend.BucketConfig{Name: "b", History: 1, Storage: "memory", Replicas: 1}); err != nil {
		t.Fatal(err)
	}

	srv.KillSessions()
	waitGone(t, tun)
	// The pooled Redis connection died with the channel; Reconnect dials
	// a new one, and the tunnel a new SSH connection under it.
	var rerr error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if rerr = rs.Reconnect(ctx); rerr == nil {
			break
		}
	}
	if rerr != nil {
		t.Fatalf("redis Reconnect after the SSH connection died: %v", rerr)
	}
	if _, err := rs.Put(ctx, "0", "after", []byte("kill"), backend.PutOptions{}); err != nil {
		t.Fatalf("redis Put after reconnecting: %v", err)
	}
	// nats.go may not have seen its connection end yet: a Put can fail
	// (no buffering while reconnecting) until it is back.
	var perr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, perr = ns.Put(ctx, "b", "after", []byte("kill"), backend.PutOptions{}); perr == nil && ns.Connected() {
			break
		}
	}
	if perr != nil {
		t.Fatalf("nats Put after the SSH connection died: %v", perr)
	}
	if n := srv.Sessions(); n < 2 {
		t.Errorf("%d SSH connections, want a new one", n)
	}
}

// A bastion that stops answering without closing anything is noticed by
// the keepalives, and the next dial goes through a new connection.
func TestKeepAliveNoticesFrozenServer(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	cfg := config(t, srv)
	cfg.KeepAlive = 100 * time.Millisecond
	tun := dial(t, cfg)
	requireRedisPing(t, tun, srv)
	srv.FreezeSessions()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tun.mu.Lock()
		gone := tun.client == nil
		tun.mu.Unlock()
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the frozen SSH connection is still in use after 5s of 100ms keepalives")
		}
		time.Sleep(20 * time.Millisecond)
	}
	requireRedisPing(t, tun, srv)
}

// DialContext gives up when its context ends; Close ends the tunnel.
func TestDialContextCancelAndClose(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	tun := dial(t, config(t, srv))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tun.DialContext(ctx, "tcp", srv.RedisAddr); !errors.Is(err, context.Canceled) {
		t.Fatalf("DialContext with a cancelled context = %v", err)
	}
	// Blocked mid-reconnection on a frozen server: the deadline ends it.
	srv.KillSessions()
	waitGone(t, tun)
	srv.FreezeSessions() // none left; new ones start normally
	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	start := time.Now()
	if _, err := tun.DialContext(ctx, "tcp", srv.RedisAddr); err == nil {
		t.Fatal("DialContext with an expired context succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("DialContext took %v after its deadline", d)
	}
	tun.Close()
	if _, err := tun.DialContext(context.Background(), "tcp", srv.RedisAddr); !errors.Is(err, ErrClosed) {
		t.Fatalf("DialContext after Close = %v, want ErrClosed", err)
	}
}

// A unix socket at the far end is reached by streamlocal forwarding.
func TestUnixSocketThroughTunnel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	tun := dial(t, config(t, srv))
	c := goredis.NewClient(&goredis.Options{Network: "unix", Addr: srv.RedisSocket, Dialer: tun.DialContext})
	defer c.Close()
	if err := c.Ping(ctxFor(t)).Err(); err != nil {
		t.Fatalf("PING over streamlocal: %v", err)
	}
}

func waitGone(t *testing.T, tun *Tunnel) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tun.mu.Lock()
		gone := tun.client == nil
		tun.mu.Unlock()
		if gone {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the SSH connection is still in use 5s after its session was killed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// requireRedisPing: a fresh client through the tunnel gets PONG.
func requireRedisPing(t *testing.T, tun *Tunnel, srv *sshtest.Server) {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.RedisAddr, Dialer: tun.DialContext, MaxRetries: -1})
	defer c.Close()
	if err := c.Ping(ctxFor(t)).Err(); err != nil {
		t.Fatalf("PING through the tunnel: %v", err)
	}
}

// requireDial: the SSH server answers a forwarding request. Nothing
// listens on port 1 at the far end: sshd's "connect failed" proves the
// tunnel works without needing a store.
func requireDial(t *testing.T, tun *Tunnel) {
	t.Helper()
	c, err := tun.DialContext(ctxFor(t), "tcp", "127.0.0.1:1")
	if c != nil {
		c.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "through ssh") {
		t.Fatalf("the tunnel does not work: %v", err)
	}
}
