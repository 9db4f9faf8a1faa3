package connect

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// tunnel is the SSH connection a store's connections go through.
type tunnel interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	Close() error
}

// openTunnel opens the SSH tunnel s goes through, or returns nil.
func openTunnel(ctx context.Context, s Spec, p Prompter) (tunnel, error) {
	if s.SSH == "" {
		return nil, nil
	}
	return nil, errors.New("ssh: not built yet")
}

func closeTunnel(t tunnel) {
	if t != nil {
		t.Close()
	}
}

// Conn is an open connection: the store, and the SSH tunnel it runs
// through if any. (The store is not wrapped: the UI asks it for optional
// interfaces, which a wrapper would hide.)
type Conn struct {
	Store  backend.Store
	tunnel tunnel
}

// Close closes the store, then its tunnel.
func (c *Conn) Close() error {
	err := c.Store.Close()
	closeTunnel(c.tunnel)
	return err
}

func withTunnel(st backend.Store, t tunnel) *Conn { return &Conn{Store: st, tunnel: t} }

// expandHome expands a leading ~/ in a path from the config file.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}
