package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

// Term runs a program in a pseudo-terminal and keeps a VT emulator's view
// of its screen, as a terminal window would. Every clock of the benchmark
// stops on what this screen shows.
//
// Conditions on the screen are watchers: a reader goroutine feeds each
// chunk read from the terminal to the emulator and then evaluates the
// pending watchers, so a watcher fires at the time the chunk that made its
// condition true was read, not when some poller next looked. While the
// program holds a synchronized update open (mode 2026) nothing is
// evaluated: a terminal would not show that half-drawn frame either.
type Term struct {
	cmd   *exec.Cmd
	pty   *os.File
	start time.Time

	writeMu sync.Mutex // keys and the emulator's replies both write to the pty

	mu       sync.Mutex
	emu      *vt.Emulator
	inSync   bool
	watchers []*watcher
	written  bool // something was drawn since the last snapshot

	exited    chan struct{}
	waitErr   error
	readEnd   chan struct{}
	closeOnce sync.Once
}

type watcher struct {
	pred func(Screen) bool
	at   time.Time
	done chan struct{}
}

// startTerm execs argv in a cols×rows pseudo-terminal. The returned Term's
// Started is taken just before the exec: every "exec →" figure starts
// there.
func startTerm(cols, rows int, env []string, argv ...string) (*Term, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	t := &Term{cmd: cmd, emu: vt.NewEmulator(cols, rows), exited: make(chan struct{}), readEnd: make(chan struct{})}
	t.emu.SetCallbacks(vt.Callbacks{
		EnableMode: func(m ansi.Mode) {
			if m == ansi.ModeSynchronizedOutput {
				t.inSync = true
			}
		},
		DisableMode: func(m ansi.Mode) {
			if m == ansi.ModeSynchronizedOutput {
				t.inSync = false
			}
		},
	})
	t.start = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, err
	}
	t.pty = f
	go func() {
		t.waitErr = cmd.Wait()
		close(t.exited)
	}()
	go t.read()
	// The emulator answers the program's queries (background colour,
	// device attributes, cursor position) as a real terminal does; without
	// answers a program waits for its query timeouts at start.
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := t.emu.Read(buf)
			if n > 0 {
				t.writeMu.Lock()
				t.pty.Write(buf[:n])
				t.writeMu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return t, nil
}

func (t *Term) read() {
	defer close(t.readEnd)
	buf := make([]byte, 64<<10)
	for {
		n, err := t.pty.Read(buf)
		at := time.Now()
		if n > 0 {
			t.mu.Lock()
			t.emu.Write(buf[:n])
			t.written = true
			if !t.inSync && len(t.watchers) > 0 {
				t.evaluate(at)
			}
			t.mu.Unlock()
		}
		if err != nil {
			// EIO once the program has exited and the terminal is closed.
			return
		}
	}
}

// evaluate runs the pending watchers on the screen as it is now; t.mu is
// held.
func (t *Term) evaluate(at time.Time) {
	s := t.snapshot()
	kept := t.watchers[:0]
	for _, w := range t.watchers {
		if w.pred(s) {
			w.at = at
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	clear(t.watchers[len(kept):])
	t.watchers = kept
}

// snapshot reads the emulator's cells into lines; t.mu is held.
func (t *Term) snapshot() Screen {
	w, h := t.emu.Width(), t.emu.Height()
	lines := make([]string, h)
	var b strings.Builder
	for y := range h {
		b.Reset()
		for x := range w {
			c := t.emu.CellAt(x, y)
			switch {
			case c == nil:
				b.WriteByte(' ')
			case c.Width == 0 && c.Content == "":
				// the second half of a wide character
			case c.Content == "":
				b.WriteByte(' ')
			default:
				b.WriteString(c.Content)
			}
		}
		lines[y] = b.String()
	}
	return Screen{Lines: lines}
}

// Started is when the program was exec'd.
func (t *Term) Started() time.Time { return t.start }

// Watch starts watching for pred; it fires at once if the screen already
// shows it (at the time of the call).
func (t *Term) Watch(pred func(Screen) bool) *watcher {
	w := &watcher{pred: pred, done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.inSync && pred(t.snapshot()) {
		w.at = time.Now()
		close(w.done)
		return w
	}
	t.watchers = append(t.watchers, w)
	return w
}

// Fired reports whether the watcher's condition was seen, and when.
func (w *watcher) Fired() (time.Time, bool) {
	select {
	case <-w.done:
		return w.at, true
	default:
		return time.Time{}, false
	}
}

// errExited: the program ended while a condition was awaited.
var errExited = errors.New("kvdeck exited")

// Wait blocks until the watcher fires, the program exits or the timeout
// passes, and returns when the condition was first seen.
func (t *Term) Wait(w *watcher, timeout time.Duration, what string) (time.Time, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-w.done:
		return w.at, nil
	case <-t.exited:
		// The last chunks may still be in the reader.
		<-t.readEnd
		if at, ok := w.Fired(); ok {
			return at, nil
		}
		return time.Time{}, fmt.Errorf("%s: %w (%v); last screen:\n%s", what, errExited, t.waitErr, t.Screen())
	case <-timer.C:
		t.unwatch(w)
		return time.Time{}, fmt.Errorf("%s: not seen within %v; last screen:\n%s", what, timeout, t.Screen())
	}
}

// Until watches for pred and waits for it.
func (t *Term) Until(pred func(Screen) bool, timeout time.Duration, what string) (time.Time, error) {
	return t.Wait(t.Watch(pred), timeout, what)
}

func (t *Term) unwatch(w *watcher) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.watchers {
		if x == w {
			t.watchers = append(t.watchers[:i], t.watchers[i+1:]...)
			return
		}
	}
}

// Screen is what the terminal shows now.
func (t *Term) Screen() Screen {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snapshot()
}

// Key names the bytes a terminal sends for a key.
var keyBytes = map[string]string{
	"enter":  "\r",
	"esc":    "\x1b",
	"down":   "\x1b[B",
	"up":     "\x1b[A",
	"ctrl+c": "\x03",
}

// Press sends a key (a name from keyBytes, or literal text) and returns
// the time just before it was written: the start of a key → frame clock.
func (t *Term) Press(key string) time.Time {
	b, ok := keyBytes[key]
	if !ok {
		b = key
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	at := time.Now()
	t.pty.Write([]byte(b))
	return at
}

// PeakRSS is the program's peak resident set (VmHWM) in bytes, read from
// /proc while it runs: the most memory it held at any moment.
func (t *Term) PeakRSS() (int64, error) { return vmHWM(t.cmd.Process.Pid) }

// vmHWM is process pid's peak resident set (VmHWM) in bytes.
func vmHWM(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// Quit presses q and waits for the program to exit; if it does not within
// the timeout it is killed and the error says so. The terminal is closed
// either way. The caller closes any input first and waits for it to go: an
// esc sent just before q could reach the program in the same read and be
// taken for alt+q.
func (t *Term) Quit(timeout time.Duration) error {
	defer t.close()
	t.Press("q")
	select {
	case <-t.exited:
		if t.waitErr != nil {
			return fmt.Errorf("kvdeck exited with %v", t.waitErr)
		}
		return nil
	case <-time.After(timeout):
	}
	screen := t.Screen()
	t.Kill()
	return fmt.Errorf("kvdeck did not exit within %v of q; killed; last screen:\n%s", timeout, screen)
}

// Kill ends the program at once and closes the terminal.
func (t *Term) Kill() {
	if t.cmd.Process != nil {
		t.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-t.exited
	t.close()
}

func (t *Term) close() {
	select {
	case <-t.exited:
	default:
		return // still running: Kill closes
	}
	t.closeOnce.Do(func() {
		t.pty.Close()
		<-t.readEnd
		// End the goroutine that forwards the emulator's replies by closing
		// the pipe they travel in. Emulator.Close would do it too, but it
		// sets a flag that a blocked Read checks without a lock (a data
		// race in vt v0.1.0); nothing writes to the emulator any more.
		if pw, ok := t.emu.InputPipe().(*io.PipeWriter); ok {
			pw.CloseWithError(io.EOF)
		}
	})
}
