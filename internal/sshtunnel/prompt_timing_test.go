package sshtunnel

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/sshtest"
)

// slowPrompter accepts the host key after a human's pause, or when
// released.
type slowPrompter struct {
	recorder
	delay   time.Duration
	release chan struct{}
}

func (p *slowPrompter) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	if p.release != nil {
		<-p.release
	}
	time.Sleep(p.delay)
	return true, nil
}

// Time spent answering a prompt does not count against Timeout: a user
// slower than the handshake's deadline still gets connected.
func TestPromptPausesTheHandshakeDeadline(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	cfg.Timeout = 300 * time.Millisecond
	cfg.Prompter = &slowPrompter{delay: time.Second}
	dial(t, cfg)
}

// Dial returns when its context ends, even while a prompt is unanswered.
func TestDialCancelledDuringPrompt(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	p := &slowPrompter{release: make(chan struct{})}
	defer close(p.release)
	cfg.Prompter = p
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Dial(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Dial returned %v after its context ended", d)
	}
}
