package tmuxtest

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// Exited reports whether the program has exited. Its last screen stays in
// the pane, so Screen still shows it.
func (s *Session) Exited() bool {
	s.t.Helper()
	_, err := os.Stat(s.status)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.t.Fatalf("tmuxtest: read exit status: %v", err)
	}
	return err == nil
}

// WaitExit waits for the program to exit, failing the test with the last
// screen if it is still running after timeout.
func (s *Session) WaitExit(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !s.Exited() {
		if time.Now().After(deadline) {
			s.t.Fatalf("tmuxtest: program still running after %v; last screen:\n%s", timeout, frame(s.Screen()))
			return
		}
		time.Sleep(pollInterval)
	}
}

// ExitCode returns the program's exit status as a shell reports it: 128+n
// if signal n killed it, 127 if the program was not found. The test fails if
// the program is still running.
func (s *Session) ExitCode() int {
	s.t.Helper()
	if !s.Exited() {
		s.t.Fatalf("tmuxtest: ExitCode called while the program is still running; call WaitExit first")
		return -1
	}
	return s.exitCode()
}

func (s *Session) exitCode() int {
	s.t.Helper()
	b, err := os.ReadFile(s.status)
	if err != nil {
		s.t.Fatalf("tmuxtest: read exit status: %v", err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		s.t.Fatalf("tmuxtest: exit status file holds %q", b)
	}
	return code
}
