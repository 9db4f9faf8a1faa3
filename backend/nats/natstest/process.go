package natstest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binary builds bench/natsd (this package's server, in a process of its
// own) once per test process (go build's cache makes that quick), to one
// path in the temporary directory shared by every run: a build goes to a
// file of its own and is renamed over it, so packages testing in parallel
// never run a half-written binary.
var Binary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(os.TempDir(), "kvdeck-natsd")
	tmp, err := os.CreateTemp(os.TempDir(), "kvdeck-natsd-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	out, err := exec.Command("go", "build", "-o", tmp.Name(), "github.com/kvdeck/kvdeck/bench/natsd").CombinedOutput()
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("go build bench/natsd: %v: %s", err, out)
	}
	if err := os.Rename(tmp.Name(), bin); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return bin, nil
})

// StartProcess runs a JetStream server in a process of its own (natsd)
// on a free loopback port, stopped when t ends, and returns its URL. A
// test that moves a million messages uses it: in the test's process,
// built with -race, the server would take several times as long.
func StartProcess(t testing.TB) string {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	return RunProcess(t, exec.Command(bin, "-dir", filepath.Join(t.TempDir(), "jetstream")))
}

// RunProcess starts cmd, a natsd command line (Binary, with its flags,
// perhaps in another network namespace), stops it when t ends, and
// returns the URL it prints once its server is ready.
func RunProcess(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	stdin, err := cmd.StdinPipe() // natsd stops when its stdin closes
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start natsd: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "url ") {
		t.Fatalf("natsd printed %q (%v): %s", line, err, stderr.String())
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "url "))
}
