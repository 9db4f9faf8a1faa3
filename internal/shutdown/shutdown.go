// Package shutdown is what a signal that ends kvdeck must reach from
// outside the Bubble Tea program: the temp files that hold values in plain
// text, the editor running in the foreground, and the word that nothing
// new may start. main calls Begin when a signal arrives and RemoveTemps on
// every way out; the model creates its temp files and runs its editor
// through this package.
package shutdown

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
)

var (
	stopping atomic.Bool

	mu    sync.Mutex
	temps = map[string]struct{}{}
	child *os.Process // the editor, while it runs
)

// Stopping reports whether kvdeck is ending on a signal: an edit that
// comes back from the editor is not saved, and no store call starts.
func Stopping() bool { return stopping.Load() }

// Begin marks kvdeck as ending on sig and passes sig on to the editor, if
// one runs, so that it ends too and gives the terminal back.
func Begin(sig os.Signal) {
	stopping.Store(true)
	mu.Lock()
	defer mu.Unlock()
	if child != nil {
		child.Signal(sig)
	}
}

// KillChild ends the editor outright, for an editor that ignored the
// signal Begin passed on.
func KillChild() {
	mu.Lock()
	defer mu.Unlock()
	if child != nil {
		child.Kill()
	}
}

// CreateTemp is os.CreateTemp (mode 0600: the value may be a secret) for
// a file RemoveTemps removes if kvdeck ends before Remove does.
func CreateTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	temps[f.Name()] = struct{}{}
	mu.Unlock()
	return f, nil
}

// Remove removes a temp file made by CreateTemp.
func Remove(path string) error {
	mu.Lock()
	delete(temps, path)
	mu.Unlock()
	return os.Remove(path)
}

// RemoveTemps removes every temp file not yet removed.
func RemoveTemps() {
	mu.Lock()
	defer mu.Unlock()
	for path := range temps {
		os.Remove(path)
		delete(temps, path)
	}
}

// Command runs cmd as a tea.ExecCommand whose process Begin can signal.
type Command struct{ Cmd *exec.Cmd }

func (c Command) SetStdin(r io.Reader)  { c.Cmd.Stdin = r }
func (c Command) SetStdout(w io.Writer) { c.Cmd.Stdout = w }
func (c Command) SetStderr(w io.Writer) { c.Cmd.Stderr = w }

// Run starts the command, unless kvdeck is already ending, and waits.
func (c Command) Run() error {
	mu.Lock()
	if stopping.Load() {
		mu.Unlock()
		return errStopping
	}
	if err := c.Cmd.Start(); err != nil {
		mu.Unlock()
		return err
	}
	child = c.Cmd.Process
	mu.Unlock()
	err := c.Cmd.Wait()
	mu.Lock()
	child = nil
	mu.Unlock()
	return err
}

var errStopping = errors.New("kvdeck is ending on a signal")
