package sshtunnel

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/sshtest"
)

// recorder is a Prompter that answers from its fields and records every
// question, with the moment it was asked.
type recorder struct {
	acceptHost  bool
	passphrases []string // answered in turn; the last one repeats
	password    string

	mu          sync.Mutex
	hostAsks    []hostAsk
	passAsks    []string
	passwordFor []string
}

type hostAsk struct{ host, keyType, fingerprint string }

func (r *recorder) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hostAsks = append(r.hostAsks, hostAsk{host, keyType, fingerprint})
	return r.acceptHost, nil
}

func (r *recorder) Passphrase(keyFile string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.passAsks = append(r.passAsks, keyFile)
	if len(r.passphrases) == 0 {
		return nil, &NeedsInteractionError{Question: AskPassphrase, KeyFile: keyFile}
	}
	p := r.passphrases[0]
	if len(r.passphrases) > 1 {
		r.passphrases = r.passphrases[1:]
	}
	return []byte(p), nil
}

func (r *recorder) Password(user, host string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.passwordFor = append(r.passwordFor, user+"@"+host)
	if r.password == "" {
		return nil, &NeedsInteractionError{Question: AskPassword, User: user, Host: host}
	}
	return []byte(r.password), nil
}

func (r *recorder) counts() (host, pass, password int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hostAsks), len(r.passAsks), len(r.passwordFor)
}

// config is a tunnel to srv that trusts its host key and logs in with
// the unencrypted key, asking nothing.
func config(t *testing.T, srv *sshtest.Server) Config {
	t.Helper()
	target, err := Parse(srv.Target)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Target: target, KnownHostsFile: srv.KnownHosts, IdentityFiles: []string{srv.KeyFile},
		Prompter: &recorder{}, Timeout: 5 * time.Second}
}

func dial(t *testing.T, cfg Config) *Tunnel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tun, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}
