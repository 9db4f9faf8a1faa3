package sshtest

import (
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Password is the password of the throwaway user Options.PasswordUser
// creates.
const Password = testsecret.SSHPassword

// addPasswordUser creates a throwaway system user with Password, and
// deletes it when the test ends: root's own password is never touched.
// useradd fails while another process holds /etc/passwd's lock (tests of
// other packages doing the same), so it is retried for a while.
func addPasswordUser(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"useradd", "userdel", "chpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("missing %s: %s", tool, needs)
		}
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "kvdt" + hex.EncodeToString(b)
	retry(t, "useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", "-c", "kvdeck sshtest (temporary)", name)
	t.Cleanup(func() { retryQuiet("userdel", "-f", name) })
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd for %s: %v: %s", name, err, out)
	}
	return name
}

func retry(t testing.TB, name string, args ...string) {
	t.Helper()
	var out []byte
	var err error
	for range 50 {
		if out, err = exec.Command(name, args...).CombinedOutput(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
}

func retryQuiet(name string, args ...string) {
	for range 50 {
		if exec.Command(name, args...).Run() == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
