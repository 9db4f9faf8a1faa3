package sshtunnel

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/internal/sshtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// An encrypted key is offered by its public half, and unlocked (one
// passphrase prompt) only once the server accepts it.
func TestEncryptedKeyAsksPassphrase(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	cfg := config(t, srv)
	cfg.IdentityFiles = []string{srv.EncryptedKeyFile}
	rec := &recorder{passphrases: []string{sshtest.Passphrase}}
	cfg.Prompter = rec
	tun := dial(t, cfg)
	if len(rec.passAsks) != 1 || rec.passAsks[0] != srv.EncryptedKeyFile {
		t.Fatalf("passphrase asked for %v, want once for %s", rec.passAsks, srv.EncryptedKeyFile)
	}
	// The unlocked key is kept: a reconnection asks nothing.
	srv.KillSessions()
	requireRedisPing(t, tun, srv)
	if _, p, _ := rec.counts(); p != 1 {
		t.Errorf("passphrase asked %d times after a reconnection, want still once", p)
	}
}

// A wrong passphrase is asked again, as OpenSSH does, then named; the
// error never holds what was typed.
func TestEncryptedKeyWrongPassphrase(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.IdentityFiles = []string{srv.EncryptedKeyFile}
	const typed = "hunter2-typo"
	rec := &recorder{passphrases: []string{typed}}
	cfg.Prompter = rec
	_, err := Dial(ctxFor(t), cfg)
	var wrong *WrongPassphraseError
	if !errors.As(err, &wrong) || wrong.KeyFile != srv.EncryptedKeyFile {
		t.Fatalf("Dial = %v, want a WrongPassphraseError for %s", err, srv.EncryptedKeyFile)
	}
	if len(rec.passAsks) != passphraseTries {
		t.Errorf("asked %d times, want %d", len(rec.passAsks), passphraseTries)
	}
	if strings.Contains(err.Error(), typed) {
		t.Errorf("the error holds the passphrase: %v", err)
	}
	// The wrong passphrase came second: the right one after it works.
	rec = &recorder{passphrases: []string{typed, sshtest.Passphrase}}
	cfg.Prompter = rec
	dial(t, cfg)
}

// Without a prompter, an encrypted key is reported, not asked about.
func TestEncryptedKeyNonInteractive(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(t, srv)
	cfg.IdentityFiles = []string{srv.EncryptedKeyFile}
	cfg.Prompter = NonInteractive{}
	_, err := Dial(ctxFor(t), cfg)
	var needs *NeedsInteractionError
	if !errors.As(err, &needs) || needs.Question != AskPassphrase || needs.KeyFile != srv.EncryptedKeyFile {
		t.Fatalf("Dial = %v, want a NeedsInteractionError for the passphrase", err)
	}
}

// The agent's keys are used, from the socket the Config names (the
// process's SSH_AUTH_SOCK is not consulted).
func TestAgentAuth(t *testing.T) {
	// Not parallel: t.Setenv. A SSH_AUTH_SOCK that goes nowhere shows the
	// socket is the Config's.
	t.Setenv("SSH_AUTH_SOCK", "/nonexistent/agent.sock")
	srv := sshtest.Start(t, sshtest.Options{})
	sock := serveAgent(t, srv.KeyFile)
	cfg := config(t, srv)
	cfg.IdentityFiles = []string{} // the agent alone
	cfg.UseAgent, cfg.AgentSocket = true, sock
	tun := dial(t, cfg)
	requireDial(t, tun)
	if !strings.Contains(srv.LogText(), "Accepted publickey for root") {
		t.Errorf("sshd logged no publickey login")
	}

	// An empty agent and no files: refused, without prompts.
	cfg.AgentSocket = serveAgent(t, "")
	rec := &recorder{}
	cfg.Prompter = rec
	if _, err := Dial(ctxFor(t), cfg); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("Dial with an empty agent = %v, want permission denied", err)
	}
}

// Password logins ask the prompter once; the password is kept for
// reconnections and never appears in an error.
func TestPasswordAuth(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{PasswordUser: true})
	cfg := config(t, srv)
	cfg.Target.User = srv.PasswordUser
	cfg.IdentityFiles = []string{}
	rec := &recorder{password: sshtest.Password}
	cfg.Prompter = rec
	tun := dial(t, cfg)
	if len(rec.passwordFor) != 1 {
		t.Fatalf("password asked %d times, want once", len(rec.passwordFor))
	}
	srv.KillSessions()
	requireDial(t, tun)
	if _, _, pw := rec.counts(); pw != 1 {
		t.Errorf("password asked %d times after a reconnection, want still once", pw)
	}

	const typed = "not-the-password-42"
	cfg.Prompter = &recorder{password: typed}
	_, err := Dial(ctxFor(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "permission denied") || strings.Contains(err.Error(), typed) {
		t.Fatalf("Dial with a wrong password = %v, want permission denied without the password", err)
	}
	cfg.Prompter = NonInteractive{}
	_, err = Dial(ctxFor(t), cfg)
	var needs *NeedsInteractionError
	if !errors.As(err, &needs) || needs.Question != AskPassword || needs.User != srv.PasswordUser {
		t.Fatalf("Dial without a prompter = %v, want a NeedsInteractionError for the password", err)
	}
}

// serveAgent serves an in-process agent holding keyFile's key (none if
// empty) on a unix socket, until the test ends.
func serveAgent(t *testing.T, keyFile string) string {
	t.Helper()
	keyring := agent.NewKeyring()
	if keyFile != "" {
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := ssh.ParseRawPrivateKey(pem)
		if err != nil {
			t.Fatal(err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	return sock
}
