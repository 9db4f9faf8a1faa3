package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/internal/sshtunnel"
)

// tunnel is the SSH connection a store's connections go through.
type tunnel interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	Close() error
}

// openTunnel opens the SSH tunnel s goes through, or returns nil. The
// store's connections are dialled through it from the bastion's side, so
// the URL's host is as the bastion sees it (a Sentinel's announced master
// and a Cluster's announced nodes too).
func openTunnel(ctx context.Context, s Spec, p Prompter) (tunnel, error) {
	if s.SSH == "" {
		return nil, nil
	}
	target, err := sshtunnel.Parse(s.SSH)
	if err != nil {
		return nil, err
	}
	cfg := sshtunnel.Config{
		Target: target, KnownHostsFile: expandHome(s.SSHKnownHosts), UseAgent: true,
		Timeout: s.Timeout, Prompter: sshPrompter{p},
	}
	if s.SSHIdentity != "" {
		cfg.IdentityFiles = []string{expandHome(s.SSHIdentity)}
	}
	if _, ok := p.(NeedsTerminal); ok {
		cfg.Prompter = sshtunnel.NonInteractive{}
	}
	t, err := sshtunnel.Dial(ctx, cfg)
	var needs *sshtunnel.NeedsInteractionError
	if errors.As(err, &needs) {
		// Inside the UI: the picker asks again with the terminal.
		return nil, fmt.Errorf("ssh %s: %w", target, ErrNeedsTerminal)
	}
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", target, err)
	}
	return t, nil
}

// sshPrompter asks the SSH questions as OpenSSH words them.
type sshPrompter struct{ p Prompter }

func (s sshPrompter) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	return s.p.Confirm(fmt.Sprintf("The authenticity of host '%s' can't be established.\n%s key fingerprint is %s.\nAre you sure you want to continue connecting (yes/no)? ", host, keyType, fingerprint))
}

func (s sshPrompter) Passphrase(keyFile string) ([]byte, error) {
	pw, err := s.p.Secret(fmt.Sprintf("Enter passphrase for key '%s': ", keyFile))
	return []byte(pw), err
}

func (s sshPrompter) Password(user, host string) ([]byte, error) {
	pw, err := s.p.Secret(fmt.Sprintf("%s@%s's password: ", user, host))
	return []byte(pw), err
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
