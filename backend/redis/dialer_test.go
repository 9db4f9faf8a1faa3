package redis

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// countingDialer dials directly and counts; it stands in for a tunnel.
func countingDialer(n *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// Options.Dialer makes every connection, plain or under TLS (the TLS
// handshake runs over the dialer's connection, and so does the probe for
// a plain server on a TLS URL).
func TestDialerCarriesConnections(t *testing.T) {
	ctx := ctxT(t)
	var plain atomic.Int32
	srv := redistest.Start(t)
	s, err := Open(ctx, Options{Addrs: []string{srv.Addr}, Network: "tcp", Dialer: countingDialer(&plain)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ok(t)(s.Put(ctx, "0", "k", []byte("v"), backend.PutOptions{}))
	if plain.Load() == 0 {
		t.Fatal("the dialer was not used")
	}

	var viaTLS atomic.Int32
	tsrv, files := redistest.StartTLS(t)
	ts, err := Open(ctx, Options{Addrs: []string{tsrv.Addr}, Network: "tcp", Dialer: countingDialer(&viaTLS),
		TLS: TLSOptions{Enabled: true, CAFile: files.CA}})
	if err != nil {
		t.Fatalf("TLS over the dialer: %v", err)
	}
	defer ts.Close()
	ok(t)(ts.Put(ctx, "0", "k", []byte("v"), backend.PutOptions{}))
	if viaTLS.Load() == 0 {
		t.Fatal("the dialer was not used under TLS")
	}

	// rediss:// to a plain server: the probe goes through the dialer too
	// and the error still says what is wrong.
	var probe atomic.Int32
	_, err = Open(ctx, Options{Addrs: []string{srv.Addr}, Network: "tcp", Dialer: countingDialer(&probe),
		TLS: TLSOptions{Enabled: true}, Timeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "speaks plain Redis") {
		t.Fatalf("rediss:// to a plain server over the dialer: %v", err)
	}
	if probe.Load() < 2 {
		t.Errorf("%d dials, want the handshake's and the probe's", probe.Load())
	}
}
