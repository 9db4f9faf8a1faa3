package redis

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// plainProbeAfter is how long a TLS handshake may go unanswered before
// kvdeck asks, on a second connection, whether the server speaks plain
// Redis. A plain server reads the ClientHello as the start of an inline
// command and waits for its end, so the handshake got no answer and the
// user saw "context deadline exceeded" after the whole timeout.
const plainProbeAfter = 500 * time.Millisecond

// tlsDialer dials TCP and then the TLS handshake itself (go-redis's own
// dialer does both in one call), so that a handshake that gets no answer
// is diagnosed: a server that answers PING in plain text is named as such
// at once. addr is what the error names. base, when not nil, makes the
// connections under TLS (an SSH tunnel), the probe's too.
func tlsDialer(conf *tls.Config, timeout time.Duration, base func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if base == nil {
		d := net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
		base = d.DialContext
	}
	// go-redis retries a failed dial (DialerRetries): a server found to
	// speak plain text a moment ago is refused again at once, not after
	// another unanswered handshake.
	var plainSince sync.Map // addr → time.Time
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if at, ok := plainSince.Load(addr); ok && time.Since(at.(time.Time)) < 5*time.Second {
			return nil, plainServerError(addr)
		}
		dctx, cancelDial := context.WithTimeout(ctx, timeout)
		raw, err := base(dctx, network, addr)
		cancelDial()
		if err != nil {
			return nil, err
		}
		c := conf.Clone()
		if c.ServerName == "" {
			// What tls.Dial does: verify the name the address was dialled by.
			if host, _, err := net.SplitHostPort(addr); err == nil {
				c.ServerName = host
			}
		}
		tc := tls.Client(raw, c)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- tc.HandshakeContext(hctx) }()
		select {
		case err = <-done:
		case <-time.After(plainProbeAfter):
			if speaksPlainRedis(ctx, base, network, addr) {
				cancel()
				<-done
				raw.Close()
				plainSince.Store(addr, time.Now())
				return nil, plainServerError(addr)
			}
			err = <-done
		}
		if err != nil {
			raw.Close()
			if ctx.Err() == nil && speaksPlainRedis(ctx, base, network, addr) {
				plainSince.Store(addr, time.Now())
				return nil, plainServerError(addr)
			}
			return nil, err
		}
		return tc, nil
	}
}

func plainServerError(addr string) error {
	return fmt.Errorf("TLS handshake with %s got no TLS answer: the server there speaks plain Redis (it answered PING without TLS); use redis:// instead of rediss://", addr)
}

// speaksPlainRedis reports whether addr answers a plain-text PING as
// Redis does (+PONG, or an error such as -NOAUTH), within a second.
func speaksPlainRedis(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), network, addr string) bool {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := dial(dctx, network, addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false
	}
	return strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH") || strings.HasPrefix(line, "-ERR")
}
