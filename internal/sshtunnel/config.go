package sshtunnel

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Config says how to reach the SSH server and log in there.
type Config struct {
	Target Target
	// KnownHostsFile is checked, and appended to when a new host key is
	// accepted; default ~/.ssh/known_hosts.
	KnownHostsFile string
	// IdentityFiles are private keys to offer; default those of
	// ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist.
	IdentityFiles []string
	// UseAgent offers the keys of the ssh-agent at AgentSocket (default
	// $SSH_AUTH_SOCK) first.
	UseAgent    bool
	AgentSocket string
	// Prompter answers questions during the first connection (default
	// NonInteractive). Reconnections never ask: they answer with what
	// the first connection learned.
	Prompter Prompter
	// Timeout bounds the TCP dial and the handshake (not the time spent
	// in prompts); default 10s.
	Timeout time.Duration
	// KeepAlive is how often keepalive@openssh.com is sent; a reply not
	// back within another KeepAlive closes the connection, so a dead
	// bastion is noticed. Default 15s.
	KeepAlive time.Duration
}

const (
	defaultTimeout   = 10 * time.Second
	defaultKeepAlive = 15 * time.Second
)

// withDefaults fills the defaults in.
func (c Config) withDefaults() (Config, error) {
	if c.Target.Host == "" {
		return c, fmt.Errorf("ssh: no target host")
	}
	if c.Target.Port == 0 {
		c.Target.Port = 22
	}
	if c.Target.User == "" {
		c.Target.User = defaultUser()
	}
	home, _ := os.UserHomeDir()
	if c.KnownHostsFile == "" {
		if home == "" {
			return c, fmt.Errorf("ssh: no home directory for ~/.ssh/known_hosts; give a known_hosts file")
		}
		c.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	if c.IdentityFiles == nil && home != "" {
		for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			f := filepath.Join(home, ".ssh", name)
			if _, err := os.Stat(f); err == nil {
				c.IdentityFiles = append(c.IdentityFiles, f)
			}
		}
	}
	if c.UseAgent && c.AgentSocket == "" {
		c.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	}
	if !c.UseAgent {
		c.AgentSocket = ""
	}
	if c.Prompter == nil {
		c.Prompter = NonInteractive{}
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = defaultKeepAlive
	}
	return c, nil
}
