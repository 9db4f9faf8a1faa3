package sshtunnel

import (
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/internal/sshtest"
)

// Sentinel mode: the Sentinel and the master it announces (an address
// inside the namespace) are both dialled through the tunnel.
func TestRedisSentinelThroughTunnel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Sentinel: true})
	sshtest.RequireUnreachable(t, srv.SentinelAddr)
	sshtest.RequireUnreachable(t, srv.RedisAddr)
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)
	st, err := redis.Open(ctx, redis.Options{MasterName: sshtest.SentinelMaster, SentinelAddrs: []string{srv.SentinelAddr},
		Network: "tcp", Dialer: tun.DialContext})
	if err != nil {
		t.Fatalf("redis.Open through Sentinel and the tunnel: %v", err)
	}
	defer st.Close()
	if _, err := st.Put(ctx, "0", "via-sentinel", []byte("yes"), backend.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if e, err := st.Get(ctx, "0", "via-sentinel", backend.GetOptions{}); err != nil || string(e.Value) != "yes" {
		t.Fatalf("Get = %q, %v", e.Value, err)
	}
	log := srv.LogText()
	for _, addr := range []string{srv.SentinelAddr, srv.RedisAddr} {
		_, port, _ := strings.Cut(addr, ":")
		if !strings.Contains(log, "port "+port) {
			t.Errorf("sshd's log shows no forwarding to %s", addr)
		}
	}
}

// rediss:// through the tunnel: TLS runs inside the SSH channel, and the
// certificate is checked against the name dialled (127.0.0.1).
func TestRedisTLSThroughTunnel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{RedisTLS: true})
	sshtest.RequireUnreachable(t, srv.RedisTLSAddr)
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)
	st, err := redis.Open(ctx, redis.Options{Addrs: []string{srv.RedisTLSAddr}, Network: "tcp", Dialer: tun.DialContext,
		TLS: redis.TLSOptions{Enabled: true, CAFile: srv.RedisTLSCerts.CA}})
	if err != nil {
		t.Fatalf("redis.Open with TLS through the tunnel: %v", err)
	}
	defer st.Close()
	if _, err := st.Put(ctx, "0", "k", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}

	// Plain redis:// against the TLS port fails (TLS really is on).
	_, err = redis.Open(ctx, redis.Options{Addrs: []string{srv.RedisTLSAddr}, Network: "tcp", Dialer: tun.DialContext, Timeout: 2e9})
	if err == nil {
		t.Fatal("a plain client was answered by the TLS-only server")
	}
}
