package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// ptyTerm runs the binary in a pseudo-terminal of its own, for what tmux
// hides: the raw bytes the program writes (every escape sequence), signals
// sent to the program alone, its exit code, and a terminal that never
// answers the program's queries (OSC 11 background colour, device
// attributes), as a serial console, `script` or an old terminal does. A VT
// emulator keeps the screen as a terminal would show it.
type ptyTerm struct {
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	emu  *vt.Emulator
	raw  bytes.Buffer
	done chan struct{} // closed when the program has exited
	err  error         // cmd.Wait's, once done
	// drained is closed when the reader has read the terminal to its end:
	// the last bytes the program wrote (its terminal restore) may still
	// be unread when it has exited.
	drained chan struct{}
}

func startPty(t *testing.T, env []string, argv ...string) *ptyTerm {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	pt := &ptyTerm{cmd: cmd, pty: f, emu: vt.NewEmulator(100, 30), done: make(chan struct{}), drained: make(chan struct{})}
	go func() {
		pt.err = cmd.Wait()
		close(pt.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-pt.done
		f.Close()
		// Everything kvdeck wrote to the terminal, prompts and screens,
		// holds none of the test suite's secrets (typed answers included:
		// their echo is off).
		if leaked := testsecret.Leaked(pt.rawOutput()); leaked != "" {
			t.Errorf("the test secret %q was written to the terminal", leaked)
		}
		// Not pt.emu.Close: vt's Close races with the Read below (it
		// writes a flag Read reads without a lock). The reader goroutine
		// stays blocked on the emulator's pipe until the test binary ends.
	})
	// The emulator writes its answers to a pipe that blocks until read:
	// read them and throw them away, so the terminal stays silent.
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := pt.emu.Read(buf); err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(pt.drained)
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			pt.mu.Lock()
			pt.raw.Write(buf[:n])
			pt.emu.Write(buf[:n])
			pt.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return pt
}

// waitFor polls the emulator's screen until ok holds or timeout passes.
func (pt *ptyTerm) waitFor(t *testing.T, timeout time.Duration, what string, ok func(*vt.Emulator) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pt.mu.Lock()
		done, screen := ok(pt.emu), pt.emu.String()
		pt.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; screen:\n%s", what, timeout, screen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForText waits for text on the screen.
func (pt *ptyTerm) waitForText(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	pt.waitFor(t, timeout, "screen showing "+text, func(e *vt.Emulator) bool { return strings.Contains(e.String(), text) })
}

// screen is the emulator's screen now, read under the lock the reader
// writes it under.
func (pt *ptyTerm) screen() string {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.emu.String()
}

// rawOutput is every byte the program wrote so far.
func (pt *ptyTerm) rawOutput() string {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.raw.String()
}

// exitCode waits for the program to end and returns its exit code, or
// 128+signal when a signal killed it outright, as a shell reports it.
func (pt *ptyTerm) exitCode(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-pt.done:
	case <-time.After(timeout):
		pt.mu.Lock()
		screen := pt.emu.String()
		pt.mu.Unlock()
		t.Fatalf("still running %s later; screen:\n%s", timeout, screen)
	}
	select {
	case <-pt.drained: // EIO: the program and its children closed the terminal
	case <-time.After(2 * time.Second):
		t.Errorf("the terminal was not closed 2 s after the program exited: a child still holds it")
	}
	ws := pt.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
