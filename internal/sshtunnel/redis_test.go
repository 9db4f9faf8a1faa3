package sshtunnel

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/internal/sshtest"
	goredis "github.com/redis/go-redis/v9"
)

// kvdeck's Redis store works through the tunnel, and only through it.
func TestRedisThroughTunnel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	sshtest.RequireUnreachable(t, srv.RedisAddr)
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)

	st, err := redis.Open(ctx, redis.Options{Addrs: []string{srv.RedisAddr}, Network: "tcp", Dialer: tun.DialContext})
	if err != nil {
		t.Fatalf("redis.Open through the tunnel: %v", err)
	}
	defer st.Close()
	if _, err := st.Put(ctx, "0", "greeting", []byte("hello through ssh"), backend.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	e, err := st.Get(ctx, "0", "greeting", backend.GetOptions{})
	if err != nil || string(e.Value) != "hello through ssh" {
		t.Fatalf("Get = %q, %v", e.Value, err)
	}

	// A client of its own, through the same tunnel, sees the write.
	c := goredis.NewClient(&goredis.Options{Addr: srv.RedisAddr, Dialer: tun.DialContext})
	defer c.Close()
	if v, err := c.Get(ctx, "greeting").Result(); err != nil || v != "hello through ssh" {
		t.Fatalf("second client: GET = %q, %v", v, err)
	}
	if !strings.Contains(srv.LogText(), "direct-tcpip") {
		t.Errorf("sshd's log shows no direct-tcpip channel")
	}
}

// A store the SSH server cannot reach is named as such, with sshd's reason.
func TestRedisRefusedAtTheFarEnd(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	tun := dial(t, config(t, srv))
	_, err := tun.DialContext(ctxFor(t), "tcp", "127.0.0.1:1")
	var ne net.Error
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "dial tcp 127.0.0.1:1: through ssh "+srv.Target) || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("err = %v, want the far end's refusal", err)
	}
}
