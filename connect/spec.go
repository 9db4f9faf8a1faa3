// Package connect turns a connection, typed on the command line or saved
// in the config file, into an open store: it resolves secrets from outside
// argv (environment, files, commands, a prompt), opens the SSH tunnel the
// connection goes through, and opens the Redis, NATS or local store. main
// uses it before the UI starts, the connection picker from inside.
package connect

import (
	"context"
	"time"
)

// Store kinds.
const (
	KindLocal = "local"
	KindRedis = "redis"
	KindNATS  = "nats"
)

// Spec is one connection, everything needed to open it. Secrets are not in
// it, only where to find them.
type Spec struct {
	// Name and Color are a saved connection's name and label colour; a
	// target typed on the command line has neither.
	Name, Color string
	Kind        string
	// Target is the URL or path (no secret in it when it came from the
	// config file). Empty with NATSContext, or for the default local store.
	Target string

	// Username is the Redis ACL user or the NATS user; Password and Token
	// say where their secrets come from.
	Username        string
	Password, Token Secret
	// AskPass asks for the password (NATS: the token when there is no
	// user) on the terminal before connecting.
	AskPass bool

	ReadOnly bool
	// Create makes a new local store where there is none; MustExist
	// refuses a local path with nothing there.
	Create, MustExist bool

	TLSCA, TLSCert, TLSKey string
	TLSSkipVerify          bool
	Cluster                bool
	SentinelMaster         string
	SentinelAddrs          []string

	NATSContext, NATSCreds, NATSNKey string

	// Bucket and Match open the listing at a bucket and pattern.
	Bucket, Match string

	// SSH is user@host[:port] of the bastion the connection goes through;
	// SSHIdentity a key file and SSHKnownHosts the known_hosts file
	// (default ~/.ssh/known_hosts).
	SSH, SSHIdentity, SSHKnownHosts string

	Timeout time.Duration
}

// Secret is where a secret comes from: nil when there is none, else a
// function that reads it (an environment variable, a file, a command).
type Secret func(ctx context.Context) (string, error)

// Literal is a secret already known (a password from a URL).
func Literal(s string) Secret {
	if s == "" {
		return nil
	}
	return func(context.Context) (string, error) { return s, nil }
}
