package sshtunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ErrClosed: the tunnel was closed.
var ErrClosed = errors.New("ssh tunnel closed")

// Tunnel is an SSH connection that store connections are dialled through.
// When the SSH connection dies, the next dial makes a new one without
// asking anything (the host key and the credentials are those of the
// first connection).
type Tunnel struct {
	cfg   Config
	hosts *hostKeys
	creds *credentials

	// connecting holds one token: one (re)connection at a time, waited
	// for under the caller's context.
	connecting chan struct{}

	mu     sync.Mutex
	client *ssh.Client
	closed bool
}

// Dial connects to the SSH server and logs in. ctx bounds the whole dial,
// prompts included; cancelling it closes the connection.
func Dial(ctx context.Context, cfg Config) (*Tunnel, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Tunnel{
		cfg:   cfg,
		hosts: &hostKeys{file: cfg.KnownHostsFile},
		creds: &credentials{user: cfg.Target.User, host: knownhosts.Normalize(cfg.Target.Addr()),
			agentSocket: cfg.AgentSocket, files: cfg.IdentityFiles},
		connecting: make(chan struct{}, 1),
	}
	c, err := t.connectCtx(ctx, cfg.Prompter)
	if err != nil {
		return nil, err
	}
	t.client = c
	t.watch(c)
	return t, nil
}

// Target is where the tunnel goes.
func (t *Tunnel) Target() Target { return t.cfg.Target }

// connectCtx is connect returning as soon as ctx ends, even while a
// prompt waits for an answer (a prompter cannot be interrupted); the
// connection made after that is closed.
func (t *Tunnel) connectCtx(ctx context.Context, p Prompter) (*ssh.Client, error) {
	type result struct {
		c   *ssh.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := t.connect(ctx, p)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, fmt.Errorf("ssh %s: %w", t.cfg.Target, context.Cause(ctx))
	}
}

// connect dials TCP, checks the host key, logs in.
func (t *Tunnel) connect(ctx context.Context, p Prompter) (*ssh.Client, error) {
	addr := t.cfg.Target.Addr()
	d := net.Dialer{Timeout: t.cfg.Timeout, KeepAlive: t.cfg.KeepAlive}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", t.cfg.Target, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	// The handshake's deadline, paused while a prompt waits for a human.
	var dmu sync.Mutex
	arm := func() { raw.SetDeadline(time.Now().Add(t.cfg.Timeout)) }
	pause := func() func() {
		dmu.Lock()
		raw.SetDeadline(time.Time{})
		dmu.Unlock()
		return func() { dmu.Lock(); arm(); dmu.Unlock() }
	}
	arm()

	a := &attempt{c: t.creds, p: p, pause: pause}
	defer a.close()
	conf := &ssh.ClientConfig{
		User:              t.cfg.Target.User,
		Auth:              a.methods(),
		HostKeyCallback:   t.hosts.callback(p, pause),
		HostKeyAlgorithms: t.hosts.algorithms(addr),
		Timeout:           t.cfg.Timeout,
	}
	sc, chans, reqs, err := ssh.NewClientConn(raw, addr, conf)
	if err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh %s: %w", t.cfg.Target, context.Cause(ctx))
		}
		return nil, t.loginError(err, a.err())
	}
	if !stop() {
		sc.Close()
		return nil, fmt.Errorf("ssh %s: %w", t.cfg.Target, context.Cause(ctx))
	}
	raw.SetDeadline(time.Time{})
	a.succeeded()
	return ssh.NewClient(sc, chans, reqs), nil
}

// loginError names the target and prefers what the host key check or a
// prompt said over x/crypto/ssh's summary ("unable to authenticate...").
func (t *Tunnel) loginError(err, cause error) error {
	var changed *HostKeyChangedError
	var needs *NeedsInteractionError
	switch {
	case errors.As(err, &changed), errors.As(err, &needs), errors.Is(err, ErrHostKeyNotAccepted):
		return fmt.Errorf("ssh %s: %w", t.cfg.Target, errors.Unwrap(err))
	case cause != nil && strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("ssh %s: permission denied: %w", t.cfg.Target, cause)
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("ssh %s: permission denied (%s)", t.cfg.Target, strings.TrimPrefix(err.Error(), "ssh: handshake failed: ssh: "))
	}
	return fmt.Errorf("ssh %s: %w", t.cfg.Target, err)
}

// watch forgets a client once its connection ends, and sends keepalives so
// that a silent death (a bastion gone, a NAT entry dropped) ends it too.
func (t *Tunnel) watch(c *ssh.Client) {
	done := make(chan struct{})
	go func() {
		c.Wait()
		close(done)
		t.mu.Lock()
		if t.client == c {
			t.client = nil
		}
		t.mu.Unlock()
	}()
	go keepAlive(c, t.cfg.KeepAlive, done)
}

// current returns the live client, reconnecting without prompts if the
// last one died.
func (t *Tunnel) current(ctx context.Context) (*ssh.Client, error) {
	t.mu.Lock()
	c, closed := t.client, t.closed
	t.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if c != nil {
		return c, nil
	}
	select {
	case t.connecting <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-t.connecting }()
	t.mu.Lock()
	c, closed = t.client, t.closed
	t.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if c != nil {
		return c, nil // another caller reconnected meanwhile
	}
	c, err := t.connectCtx(ctx, NonInteractive{})
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		c.Close()
		return nil, ErrClosed
	}
	t.client = c
	t.mu.Unlock()
	t.watch(c)
	return c, nil
}

// drop closes a client found broken, so the next dial makes a new one.
func (t *Tunnel) drop(c *ssh.Client) {
	t.mu.Lock()
	if t.client == c {
		t.client = nil
	}
	t.mu.Unlock()
	c.Close()
}

// DialContext opens a connection to addr as seen from the SSH server:
// network "tcp" (direct-tcpip; a host name is resolved there) or "unix"
// (a socket path there, streamlocal). Cancelling ctx abandons the dial. A
// dead SSH connection is replaced once, without prompts. Errors are
// *net.OpError, as a net.Dialer's are, so that the stores count them as
// the network failing.
func (t *Tunnel) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.dial(ctx, network, addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: dialledAddr{network, addr}, Err: err}
	}
	return c, nil
}

func (t *Tunnel) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, fmt.Errorf("an SSH tunnel dials tcp or unix, not %q", network)
	}
	for try := 0; ; try++ {
		c, err := t.current(ctx)
		if err != nil {
			return nil, err
		}
		ch, err := c.DialContext(ctx, network, addr)
		if err == nil {
			return newConn(ch, network, addr), nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		var refused *ssh.OpenChannelError
		if errors.As(err, &refused) {
			// The server answered: it could not, or would not, connect.
			return nil, fmt.Errorf("through ssh %s: %s", t.cfg.Target, refusal(refused))
		}
		t.drop(c)
		if try > 0 {
			return nil, fmt.Errorf("ssh %s: %w", t.cfg.Target, err)
		}
	}
}

func refusal(e *ssh.OpenChannelError) string {
	if e.Reason == ssh.Prohibited {
		return "forwarding is administratively prohibited (AllowTcpForwarding / AllowStreamLocalForwarding in sshd_config)"
	}
	if e.Message != "" {
		return e.Reason.String() + ": " + e.Message
	}
	return e.Reason.String()
}

// Dial is DialContext bounded by the tunnel's Timeout; it makes a Tunnel
// a nats.go CustomDialer.
func (t *Tunnel) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.Timeout)
	defer cancel()
	return t.DialContext(ctx, network, addr)
}

// Close closes the SSH connection and every connection through it, and
// forgets the password it kept.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	c := t.client
	t.client, t.closed = nil, true
	t.mu.Unlock()
	t.creds.mu.Lock()
	clear(t.creds.password)
	t.creds.password = nil
	t.creds.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}
