package tmuxtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Screen returns the visible screen as plain text, one line per row with
// trailing spaces removed.
//
// Every screen captured is checked for the test suite's secrets (package
// testsecret): one on the screen fails the test.
func (s *Session) Screen() string {
	s.t.Helper()
	screen := s.must("capture-pane", "-p", "-t", sessionName)
	if leaked := testsecret.Leaked(screen); leaked != "" {
		s.t.Errorf("tmuxtest: the test secret %q is on the screen:\n%s", leaked, frame(screen))
	}
	return screen
}

// ScreenANSI returns the visible screen with its colours and attributes as
// SGR escape sequences.
func (s *Session) ScreenANSI() string {
	s.t.Helper()
	return s.must("capture-pane", "-p", "-e", "-t", sessionName)
}

// WaitFor waits until the screen shows substr and returns that screen. If it
// does not within timeout, the test fails with the last screen shown.
func (s *Session) WaitFor(substr string, timeout time.Duration) string {
	s.t.Helper()
	return s.WaitForFunc(func(screen string) bool { return strings.Contains(screen, substr) }, timeout, fmt.Sprintf("screen showing %q", substr))
}

// WaitForFunc waits until ok accepts the screen and returns that screen. If
// it does not within timeout, the test fails saying it waited for what and
// showing the last screen.
func (s *Session) WaitForFunc(ok func(screen string) bool, timeout time.Duration, what string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.Screen()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			state := "still running"
			if s.Exited() {
				state = fmt.Sprintf("exited with status %d", s.exitCode())
			}
			s.t.Fatalf("tmuxtest: no %s after %v (program %s); last screen:\n%s", what, timeout, state, frame(screen))
			return screen
		}
		time.Sleep(pollInterval)
	}
}

// frame draws a ruler around a screen dump so blank lines and trailing
// space are visible in a test log.
func frame(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	var b strings.Builder
	b.WriteString("┌────\n")
	for _, l := range lines {
		b.WriteString("│" + l + "\n")
	}
	b.WriteString("└────")
	return b.String()
}
