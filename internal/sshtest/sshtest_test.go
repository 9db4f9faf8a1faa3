package sshtest

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The stores answer inside the namespace and not outside it, and the files
// handed to tests describe the server.
func TestStoresIsolatedBehindSSHD(t *testing.T) {
	s := Start(t, Options{Redis: true, NATS: true})
	u, err := url.Parse(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{s.RedisAddr, u.Host} {
		RequireUnreachable(t, addr)
		c, err := s.DialInside("tcp", addr)
		if err != nil {
			t.Fatalf("%s does not answer inside the namespace: %v", addr, err)
		}
		c.Close()
	}
	kh, err := os.ReadFile(s.KnownHosts)
	if err != nil || !strings.Contains(string(kh), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))) {
		t.Errorf("known_hosts %q lacks the host key (%v)", kh, err)
	}
	if !strings.HasPrefix(s.HostKeyFingerprint, "SHA256:") || s.HostKeyFingerprint != ssh.FingerprintSHA256(s.HostKey) {
		t.Errorf("fingerprint %q, want %q", s.HostKeyFingerprint, ssh.FingerprintSHA256(s.HostKey))
	}
	if s.Target != "root@"+s.Addr {
		t.Errorf("Target = %q", s.Target)
	}
}
