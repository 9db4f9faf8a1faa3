package sshtunnel

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/sshtest"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// loginAttempted: sshd logged a login request. At DEBUG3 it logs every
// userauth request, "none" included, as soon as it reads it.
func loginAttempted(log string) bool { return strings.Contains(log, "userauth-request") }

// An unknown host is asked about with the fingerprint ssh-keygen prints,
// before any login is sent; "no" ends the dial with nothing reaching the
// store.
func TestUnknownHostKeyRefused(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	clientsBefore := connectedClients(t, srv)
	cfg := config(t, srv)
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts") // none yet
	var logAtPrompt string
	rec := &recorder{}
	cfg.Prompter = promptHook{rec, func() {
		// Give sshd time to log anything the client had sent.
		time.Sleep(200 * time.Millisecond)
		logAtPrompt = srv.LogText()
	}}

	_, err := Dial(ctxFor(t), cfg)
	if !errors.Is(err, ErrHostKeyNotAccepted) {
		t.Fatalf("Dial = %v, want ErrHostKeyNotAccepted", err)
	}
	if len(rec.hostAsks) != 1 {
		t.Fatalf("asked %d times about the host key, want once", len(rec.hostAsks))
	}
	ask := rec.hostAsks[0]
	if ask.fingerprint != srv.HostKeyFingerprint || ask.keyType != "ED25519" || ask.host != knownhosts.Normalize(srv.Addr) {
		t.Errorf("asked %+v, want host %s, ED25519, %s (ssh-keygen -lf)", ask, knownhosts.Normalize(srv.Addr), srv.HostKeyFingerprint)
	}
	if logAtPrompt == "" || loginAttempted(logAtPrompt) {
		t.Errorf("sshd had a login request before the host key was answered:\n%s", logAtPrompt)
	}
	log := srv.LogText()
	if loginAttempted(log) || strings.Contains(log, "Accepted") || strings.Contains(log, "direct-tcpip") {
		t.Errorf("sshd's log shows a login or a forwarding after a refused host key:\n%s", log)
	}
	if b, _ := os.ReadFile(cfg.KnownHostsFile); len(b) != 0 {
		t.Errorf("a refused host key was written to known_hosts: %s", b)
	}
	if after := connectedClients(t, srv); after != clientsBefore {
		t.Errorf("Redis connected_clients went from %d to %d", clientsBefore, after)
	}
}

// "yes" writes the key to known_hosts as OpenSSH does; the next tunnel
// asks nothing.
func TestUnknownHostKeyAccepted(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "ssh", "known_hosts")
	rec := &recorder{acceptHost: true}
	cfg.Prompter = rec
	dial(t, cfg).Close()
	if h, _, _ := rec.counts(); h != 1 {
		t.Fatalf("asked %d times, want once", h)
	}
	b, err := os.ReadFile(cfg.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	want := knownhosts.Line([]string{srv.Addr}, srv.HostKey) + "\n"
	if string(b) != want {
		t.Fatalf("known_hosts = %q, want %q", b, want)
	}
	cfg.Prompter = NonInteractive{}
	dial(t, cfg)
}

// NonInteractive says which host and fingerprint would have been asked about.
func TestUnknownHostKeyNonInteractive(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	cfg.Prompter = NonInteractive{}
	_, err := Dial(ctxFor(t), cfg)
	var needs *NeedsInteractionError
	if !errors.As(err, &needs) || needs.Question != AskHostKey || needs.Fingerprint != srv.HostKeyFingerprint {
		t.Fatalf("Dial = %v, want a NeedsInteractionError for the host key %s", err, srv.HostKeyFingerprint)
	}
	if !strings.Contains(err.Error(), srv.HostKeyFingerprint) {
		t.Errorf("error does not name the fingerprint: %v", err)
	}
}

// A host known by another key is refused, naming the host, the new
// fingerprint and the known_hosts line; nobody is asked.
func TestChangedHostKeyRefused(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(t.TempDir(), "known_hosts")
	body := "# other hosts\nexample.org " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other))) + "\n" +
		knownhosts.Line([]string{srv.Addr}, other) + "\n"
	if err := os.WriteFile(known, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, srv)
	cfg.KnownHostsFile = known
	rec := &recorder{acceptHost: true}
	cfg.Prompter = rec
	_, err = Dial(ctxFor(t), cfg)
	var changed *HostKeyChangedError
	if !errors.As(err, &changed) {
		t.Fatalf("Dial = %v, want a HostKeyChangedError", err)
	}
	msg := err.Error()
	for _, want := range []string{knownhosts.Normalize(srv.Addr), srv.HostKeyFingerprint, known + ":3", "CHANGED"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if h, p, pw := rec.counts(); h+p+pw != 0 {
		t.Errorf("the prompter was asked (%d, %d, %d times)", h, p, pw)
	}
	if loginAttempted(srv.LogText()) {
		t.Errorf("a login was sent to a host whose key changed")
	}
	if b, _ := os.ReadFile(known); string(b) != body {
		t.Errorf("known_hosts was changed:\n%s", b)
	}
}

// promptHook runs hook when the host key is asked about.
type promptHook struct {
	*recorder
	hook func()
}

func (p promptHook) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	p.hook()
	return p.recorder.ConfirmHostKey(host, keyType, fingerprint)
}

// connectedClients asks Redis from inside its namespace, not through a
// tunnel, how many clients it has (the asking one included).
func connectedClients(t *testing.T, srv *sshtest.Server) int {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.RedisAddr, MaxRetries: -1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return srv.DialInside(network, addr)
		}})
	defer c.Close()
	info, err := c.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "connected_clients:"); ok {
			n := 0
			for _, r := range v {
				n = n*10 + int(r-'0')
			}
			return n
		}
	}
	t.Fatalf("no connected_clients in INFO clients:\n%s", info)
	return 0
}
