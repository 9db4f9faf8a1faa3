package sshtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Passphrase encrypts EncryptedKeyFile.
const Passphrase = testsecret.SSHPassphrase

// keygen makes an ed25519 key pair at path (path.pub beside it) with
// OpenSSH's own ssh-keygen, so the files are exactly what users have.
func keygen(t testing.TB, path, passphrase string) {
	t.Helper()
	// -a 2: two KDF rounds, not 16, so that unlocking the encrypted key
	// takes milliseconds rather than a second or two under -race.
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-a", "2", "-N", passphrase, "-C", "kvdeck-sshtest", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s (%s)", err, out, needs)
	}
}

// fingerprint is the SHA256 fingerprint ssh-keygen -lf prints for a key.
func fingerprint(t testing.TB, pubFile string) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-lf", pubFile).Output()
	if err != nil {
		t.Fatalf("ssh-keygen -lf %s: %v", pubFile, err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		t.Fatalf("ssh-keygen -lf %s printed %q", pubFile, out)
	}
	return fields[1]
}

func readPublicKey(t testing.TB, pubFile string) ssh.PublicKey {
	t.Helper()
	b, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	k, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		t.Fatalf("%s: %v", pubFile, err)
	}
	return k
}

// writeKnownHosts writes a known_hosts file naming addr with key.
func writeKnownHosts(t testing.TB, dir, name, addr string, key ssh.PublicKey) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(knownhosts.Line([]string{addr}, key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
