package nats

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
)

// Options.Dialer makes the connections; a natscli context's socks_proxy
// and a Dialer together are refused, naming both.
func TestDialer(t *testing.T) {
	srv := natstest.Start(t)
	var dials atomic.Int32
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	s, err := Open(testContext(t), Options{Servers: []string{srv.URL()}, Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if dials.Load() == 0 {
		t.Fatal("the dialer was not used")
	}

	home := natsConfigHome(t)
	writeContext(t, home, "socks", map[string]string{"url": srv.URL(), "socks_proxy": "socks5://bob:proxy-secret@127.0.0.1:1080"})
	o, err := OptionsFromContext("socks")
	if err != nil {
		t.Fatal(err)
	}
	o.Dialer = dialer
	_, err = Open(testContext(t), o)
	if err == nil || !strings.Contains(err.Error(), "SOCKS proxy") || !strings.Contains(err.Error(), "tunnel") {
		t.Fatalf("Open with both a SOCKS proxy and a Dialer = %v", err)
	}
	if strings.Contains(err.Error(), "proxy-secret") {
		t.Errorf("the error shows the proxy's password: %v", err)
	}
}
