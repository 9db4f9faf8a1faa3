package sshtunnel

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// passphraseTries is how often a wrong passphrase is asked again, as
// OpenSSH does.
const passphraseTries = 3

// WrongPassphraseError: every passphrase typed for an identity file was wrong.
type WrongPassphraseError struct{ KeyFile string }

func (e *WrongPassphraseError) Error() string {
	return fmt.Sprintf("identity file %s: wrong passphrase (asked %d times)", e.KeyFile, passphraseTries)
}

// credentials are what a tunnel logs in with, in OpenSSH's order: the
// agent's keys, the identity files, then a password. What was unlocked or
// typed is kept once it worked, so that a reconnection asks nothing.
type credentials struct {
	user, host  string // host as prompts name it
	agentSocket string
	files       []string

	mu       sync.Mutex
	unlocked map[string]ssh.Signer // identity file → decrypted key
	password []byte
}

// attempt is one login: its prompter, the deadline pause, and the most
// telling failure, which x/crypto/ssh would otherwise replace with "no
// supported methods remain" when it moves on to the next method.
type attempt struct {
	c       *credentials
	p       Prompter
	pause   func() func()
	closers []io.Closer

	mu        sync.Mutex
	failure   error
	password  []byte // typed in this attempt; kept once the login succeeds
	keptTried bool   // the kept password was offered once already
}

func (a *attempt) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failure == nil {
		a.failure = err
	}
}

func (a *attempt) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failure
}

// close releases the agent connection used for signing.
func (a *attempt) close() {
	for _, c := range a.closers {
		c.Close()
	}
}

// succeeded keeps the password typed, if any, for reconnections.
func (a *attempt) succeeded() {
	a.mu.Lock()
	pw := a.password
	a.password = nil
	a.mu.Unlock()
	if pw != nil {
		a.c.mu.Lock()
		a.c.password = pw
		a.c.mu.Unlock()
	}
}

// methods are the auth methods of one attempt. Agent and file keys share
// one publickey method: x/crypto/ssh tries each method name once.
func (a *attempt) methods() []ssh.AuthMethod {
	return []ssh.AuthMethod{
		ssh.PublicKeysCallback(a.signers),
		ssh.RetryableAuthMethod(ssh.PasswordCallback(a.passwordAnswer), 3),
		ssh.RetryableAuthMethod(ssh.KeyboardInteractive(a.keyboardAnswers), 3),
	}
}

// signers lists the agent's keys, then the identity files' keys. An
// encrypted file whose public key is known is offered as is and unlocked
// only if the server accepts that key, as OpenSSH asks for a passphrase
// only then.
func (a *attempt) signers() ([]ssh.Signer, error) {
	var out []ssh.Signer
	seen := map[string]bool{}
	add := func(s ssh.Signer) {
		k := string(s.PublicKey().Marshal())
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	if a.c.agentSocket != "" {
		// An agent that is not there is passed over, as OpenSSH does.
		if conn, err := net.DialTimeout("unix", a.c.agentSocket, 5*time.Second); err == nil {
			a.closers = append(a.closers, conn)
			signers, _ := agent.NewClient(conn).Signers()
			for _, s := range signers {
				add(s)
			}
		}
	}
	for _, file := range a.c.files {
		a.c.mu.Lock()
		s := a.c.unlocked[file]
		a.c.mu.Unlock()
		if s != nil {
			add(s)
			continue
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			a.fail(fmt.Errorf("identity file: %w", err))
			continue
		}
		s, err = ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		switch {
		case err == nil:
			add(s)
		case errors.As(err, &missing):
			l := &lockedSigner{a: a, file: file, pem: pem, pub: missing.PublicKey}
			if l.pub == nil {
				l.pub = publicKeyBeside(file)
			}
			if l.pub == nil {
				// Nothing to offer without unlocking (an old PEM key
				// without its .pub): ask now.
				if s, err := l.unlock(); err == nil {
					add(s)
				}
				continue
			}
			add(l)
		default:
			a.fail(fmt.Errorf("identity file %s: %w", file, err))
		}
	}
	return out, nil
}

// publicKeyBeside reads file.pub, as OpenSSH does for keys whose private
// file does not hold the public key.
func publicKeyBeside(file string) ssh.PublicKey {
	b, err := os.ReadFile(file + ".pub")
	if err != nil {
		return nil
	}
	k, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		return nil
	}
	return k
}

// lockedSigner is an encrypted identity file, unlocked on its first
// signature.
type lockedSigner struct {
	a    *attempt
	file string
	pem  []byte
	pub  ssh.PublicKey

	once   sync.Once
	signer ssh.Signer
	err    error
}

func (l *lockedSigner) PublicKey() ssh.PublicKey { return l.pub }

func (l *lockedSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s, err := l.unlock()
	if err != nil {
		return nil, err
	}
	return s.Sign(rand, data)
}

// SignWithAlgorithm lets RSA keys sign with rsa-sha2-256/512.
func (l *lockedSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	s, err := l.unlock()
	if err != nil {
		return nil, err
	}
	if as, ok := s.(ssh.AlgorithmSigner); ok {
		return as.SignWithAlgorithm(rand, data, algorithm)
	}
	return s.Sign(rand, data)
}

func (l *lockedSigner) unlock() (ssh.Signer, error) {
	l.once.Do(func() { l.signer, l.err = l.a.unlock(l.file, l.pem) })
	return l.signer, l.err
}

// unlock asks for a file's passphrase, up to passphraseTries times.
func (a *attempt) unlock(file string, pem []byte) (ssh.Signer, error) {
	for range passphraseTries {
		resume := a.pause()
		pass, err := a.p.Passphrase(file)
		resume()
		if err != nil {
			a.fail(err)
			return nil, err
		}
		s, err := ssh.ParsePrivateKeyWithPassphrase(pem, pass)
		clear(pass)
		if errors.Is(err, x509.IncorrectPasswordError) {
			continue
		}
		if err != nil {
			err = fmt.Errorf("identity file %s: %w", file, err)
			a.fail(err)
			return nil, err
		}
		a.c.mu.Lock()
		if a.c.unlocked == nil {
			a.c.unlocked = map[string]ssh.Signer{}
		}
		a.c.unlocked[file] = s
		a.c.mu.Unlock()
		return s, nil
	}
	err := &WrongPassphraseError{KeyFile: file}
	a.fail(err)
	return nil, err
}

// passwordAnswer gives the kept password first, then asks.
func (a *attempt) passwordAnswer() (string, error) {
	pw, err := a.passwordFor()
	if err != nil {
		return "", err
	}
	return string(pw), nil
}

func (a *attempt) passwordFor() ([]byte, error) {
	a.c.mu.Lock()
	kept := a.c.password
	a.c.mu.Unlock()
	a.mu.Lock()
	offerKept := kept != nil && !a.keptTried
	a.keptTried = true
	a.mu.Unlock()
	if offerKept {
		// Offered once per login: a password the server now refuses is
		// not sent again and again.
		return kept, nil
	}
	resume := a.pause()
	pw, err := a.p.Password(a.c.user, a.c.host)
	resume()
	if err != nil {
		a.fail(err)
		return nil, err
	}
	a.mu.Lock()
	a.password = bytes.Clone(pw)
	a.mu.Unlock()
	return pw, nil
}

// keyboardAnswers answers keyboard-interactive (how PAM servers ask for a
// password): each hidden question gets the password.
func (a *attempt) keyboardAnswers(name, instruction string, questions []string, echos []bool) ([]string, error) {
	answers := make([]string, len(questions))
	for i := range questions {
		if echos[i] {
			err := fmt.Errorf("the server asks %q, which kvdeck cannot answer", questions[i])
			a.fail(err)
			return nil, err
		}
		pw, err := a.passwordFor()
		if err != nil {
			return nil, err
		}
		answers[i] = string(pw)
	}
	return answers, nil
}
