package sshtunnel

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ErrHostKeyNotAccepted: the prompter was asked about an unknown host key
// and said no.
var ErrHostKeyNotAccepted = errors.New("host key not accepted")

// HostKeyChangedError: known_hosts holds another key for the host. This is
// what a man-in-the-middle looks like, so kvdeck refuses and never asks.
type HostKeyChangedError struct {
	Host        string
	KeyType     string
	Fingerprint string // of the key the server offered
	Known       []knownhosts.KnownKey
}

func (e *HostKeyChangedError) Error() string {
	var where []string
	file := ""
	for _, k := range e.Known {
		where = append(where, fmt.Sprintf("%s:%d", k.Filename, k.Line))
		file = k.Filename
	}
	return fmt.Sprintf("REMOTE HOST IDENTIFICATION HAS CHANGED for %s: it offers %s key %s, but %s holds another key for it. "+
		"Someone could be intercepting the connection (man-in-the-middle), or the host key was replaced; "+
		"if you know it was, remove the old key with: ssh-keygen -R '%s' -f %s",
		e.Host, e.KeyType, e.Fingerprint, strings.Join(where, ", "), e.Host, file)
}

// keyTypeName is OpenSSH's display name for a key type.
func keyTypeName(t string) string {
	switch {
	case strings.Contains(t, "ed25519"):
		return "ED25519"
	case strings.HasPrefix(t, "ecdsa-"), strings.Contains(t, "ecdsa-sha2"):
		return "ECDSA"
	case strings.Contains(t, "rsa"):
		return "RSA"
	case strings.Contains(t, "dss"):
		return "DSA"
	}
	return strings.ToUpper(t)
}

// hostKeys checks host keys against a known_hosts file, asks about unknown
// ones and records accepted ones in the file and in memory. The key seen
// first is the only one a reconnection accepts, whatever the file says.
type hostKeys struct {
	file string

	mu       sync.Mutex
	accepted ssh.PublicKey
}

// lookup is the known_hosts callback; a missing file knows no host.
func (h *hostKeys) lookup() (ssh.HostKeyCallback, error) {
	cb, err := knownhosts.New(h.file)
	if errors.Is(err, os.ErrNotExist) {
		return func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return cb, nil
}

// algorithms lists the host key algorithms known_hosts holds for addr, so
// that the server is asked for a key kvdeck can check (a server with ED25519
// and RSA keys, known by its RSA one, must not be refused as changed).
func (h *hostKeys) algorithms(addr string) []string {
	cb, err := h.lookup()
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if err := cb(addr, placeholderAddr(addr), placeholderKey); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// callback checks the key a server offers during key exchange, before any
// authentication: known → go on; changed → refuse; unknown → ask p.
// pause stops the handshake's deadline while p is asked.
func (h *hostKeys) callback(p Prompter, pause func() func()) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		h.mu.Lock()
		prev := h.accepted
		h.mu.Unlock()
		if prev != nil {
			if bytes.Equal(prev.Marshal(), key.Marshal()) {
				return nil
			}
		}
		cb, err := h.lookup()
		if err != nil {
			return err
		}
		err = cb(hostname, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			h.remember(key)
			return nil
		case !errors.As(err, &ke):
			return fmt.Errorf("host key of %s: %w", knownhosts.Normalize(hostname), err)
		case len(ke.Want) > 0:
			return &HostKeyChangedError{Host: knownhosts.Normalize(hostname), KeyType: keyTypeName(key.Type()),
				Fingerprint: ssh.FingerprintSHA256(key), Known: ke.Want}
		}
		host := knownhosts.Normalize(hostname)
		resume := pause()
		ok, err := p.ConfirmHostKey(host, keyTypeName(key.Type()), ssh.FingerprintSHA256(key))
		resume()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: %w", host, ErrHostKeyNotAccepted)
		}
		h.remember(key)
		// Like OpenSSH, a failure to write the file does not stop this
		// connection: the key is remembered for this tunnel's reconnections.
		_ = appendKnownHost(h.file, hostname, key)
		return nil
	}
}

func (h *hostKeys) remember(key ssh.PublicKey) {
	h.mu.Lock()
	h.accepted = key
	h.mu.Unlock()
}

// appendKnownHost adds "host key" to the file as OpenSSH does (plain, not
// hashed), creating the file and its directory private to the user.
func appendKnownHost(file, hostname string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	line := knownhosts.Line([]string{hostname}, key) + "\n"
	// A file whose last line lacks its newline would glue the two lines.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	_, err = f.WriteString(line)
	return err
}

// placeholderKey is a key no known_hosts lists: checking it makes
// knownhosts report the keys it does know for a host.
var placeholderKey = func() ssh.PublicKey {
	k, err := ssh.ParsePublicKey(placeholderKeyBytes)
	if err != nil {
		panic(err)
	}
	return k
}()

// An ed25519 public key of 32 zero-free bytes, in wire format.
var placeholderKeyBytes = append([]byte{0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32},
	bytes.Repeat([]byte{0x5a}, 32)...)

// placeholderAddr gives knownhosts a remote address for addr's IP checks.
func placeholderAddr(addr string) net.Addr {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &net.TCPAddr{}
	}
	p := 0
	fmt.Sscan(port, &p)
	return &net.TCPAddr{IP: net.ParseIP(host), Port: p}
}
