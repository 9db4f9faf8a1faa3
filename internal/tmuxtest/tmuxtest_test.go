package tmuxtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestTypeAndReadBack(t *testing.T) {
	s := Start(t, 60, 10, nil, "sh", "-c", `printf "hello\n"; read x; echo got:$x`)
	s.WaitFor("hello", 5*time.Second)
	s.Type("abc")
	s.Send("Enter")
	screen := s.WaitFor("got:abc", 5*time.Second)
	if !strings.Contains(screen, "hello") {
		t.Errorf("earlier output gone from the screen:\n%s", screen)
	}
	s.WaitExit(5 * time.Second)
	if code := s.ExitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	// The pane stays after exit, so the last screen can still be read.
	if !strings.Contains(s.Screen(), "got:abc") {
		t.Errorf("screen lost after exit:\n%s", s.Screen())
	}
}

func TestSizeTermAndEnvironment(t *testing.T) {
	s := Start(t, 77, 13, []string{"KVDECK_PROBE=p r o b e"}, "sh", "-c", `stty size; echo "term=$TERM"; echo "probe=$KVDECK_PROBE"; read x`)
	screen := s.WaitFor("probe=", 5*time.Second)
	for _, want := range []string{"13 77", "term=xterm-256color", "probe=p r o b e"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if rows := strings.Count(screen, "\n"); rows != 13 {
		t.Errorf("screen has %d rows, want 13 (no status line)", rows)
	}
	if s.Exited() {
		t.Errorf("program waiting for input reported as exited")
	}
}

func TestTypeIsLiteralSendIsKeyNames(t *testing.T) {
	s := Start(t, 60, 10, nil, "sh", "-c", `read a; echo "a=[$a]"; read b; echo "b=[$b]"; read c; echo "c=[$c]"`)
	s.Type("Enter -x 'q'")
	s.Send("Enter")
	s.WaitFor("a=[Enter -x 'q']", 5*time.Second)
	s.Send("x", "y", "Space", "z", "Enter")
	s.WaitFor("b=[xy z]", 5*time.Second)
	s.Send("C-c")
	s.WaitExit(5 * time.Second)
	if code := s.ExitCode(); code != 130 {
		t.Errorf("after C-c exit code %d, want 130 (SIGINT)", code)
	}
}

func TestExitCodeAndColours(t *testing.T) {
	s := Start(t, 40, 5, nil, "sh", "-c", `printf '\033[1;31mred\033[0m plain\n'; exit 3`)
	s.WaitExit(5 * time.Second)
	if code := s.ExitCode(); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if plain := s.Screen(); !strings.Contains(plain, "red plain") || strings.Contains(plain, "\x1b") {
		t.Errorf("plain screen %q", plain)
	}
	if ansi := s.ScreenANSI(); !strings.Contains(ansi, "31m") || !strings.Contains(ansi, "red") {
		t.Errorf("ANSI screen lacks the colour: %q", ansi)
	}
}

func TestMissingProgramExitsNonZero(t *testing.T) {
	s := Start(t, 40, 5, nil, "/nonexistent/kvdeck-binary")
	s.WaitExit(5 * time.Second)
	if code := s.ExitCode(); code != 127 {
		t.Errorf("exit code %d, want 127 (command not found)", code)
	}
}

func TestSessionsAreIndependent(t *testing.T) {
	a := Start(t, 40, 5, nil, "sh", "-c", "echo first; read x")
	b := Start(t, 40, 5, nil, "sh", "-c", "echo second; read x")
	a.WaitFor("first", 5*time.Second)
	b.WaitFor("second", 5*time.Second)
	if strings.Contains(a.Screen(), "second") || a.socket == b.socket {
		t.Fatalf("sessions share a server")
	}
	b.Send("Enter")
	b.WaitExit(5 * time.Second)
	if a.Exited() {
		t.Fatalf("ending one session ended the other")
	}
}

func TestServerIsKilledAtCleanup(t *testing.T) {
	var s *Session
	var serverPID, programPID int
	t.Run("inner", func(t *testing.T) {
		s = Start(t, 40, 5, nil, "sh", "-c", "echo pid=$$; sleep 60")
		screen := s.WaitFor("pid=", 5*time.Second)
		fmt.Sscanf(screen[strings.Index(screen, "pid="):], "pid=%d", &programPID)
		fmt.Sscanf(s.must("display-message", "-p", "#{pid}"), "%d", &serverPID)
	})
	if serverPID == 0 || programPID == 0 {
		t.Fatalf("could not read the server's and program's pids")
	}
	for _, pid := range []int{serverPID, programPID} {
		if !gone(pid, 5*time.Second) {
			t.Errorf("process %d still running after the test ended", pid)
		}
	}
	if _, err := os.Stat(filepath.Dir(s.socket)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory left behind: %v", err)
	}
}

// gone waits for a process to disappear (reaped or a zombie of someone
// else's is fine: signal 0 then fails or the state is Z).
func gone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); err != nil {
			return true
		}
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(stat), ") Z ") {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does, so a failure can be inspected.
type fatalRecorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *fatalRecorder) Helper() {}

func failureOf(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.msg
}

func TestWaitForFailureShowsTheLastScreen(t *testing.T) {
	msg := failureOf(t, func(tb testing.TB) {
		s := Start(tb, 40, 5, nil, "sh", "-c", "echo the-last-screen; read x")
		s.WaitFor("the-last-screen", 5*time.Second)
		s.WaitFor("never shown", 300*time.Millisecond)
	})
	for _, want := range []string{`"never shown"`, "the-last-screen", "still running"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}
	msg = failureOf(t, func(tb testing.TB) {
		s := Start(tb, 40, 5, nil, "sh", "-c", "echo bye; exit 4")
		s.WaitFor("bye", 5*time.Second)
		s.WaitForFunc(func(string) bool { return false }, 200*time.Millisecond, "impossible screen")
	})
	if !strings.Contains(msg, "impossible screen") || !strings.Contains(msg, "exited with status 4") {
		t.Errorf("failure after exit does not say so:\n%s", msg)
	}
	msg = failureOf(t, func(tb testing.TB) {
		s := Start(tb, 40, 5, nil, "sh", "-c", "echo still-here; sleep 60")
		s.WaitFor("still-here", 5*time.Second)
		s.WaitExit(200 * time.Millisecond)
	})
	if !strings.Contains(msg, "still running") || !strings.Contains(msg, "still-here") {
		t.Errorf("WaitExit failure does not show the screen:\n%s", msg)
	}
}

func TestLastScreenKeptWholeAfterExit(t *testing.T) {
	// A full screen, top line included, must survive the exit: tmux's own
	// remain-on-exit would scroll it away.
	s := Start(t, 30, 5, nil, "sh", "-c", `printf 'TOP LINE\n2\n3\n4\nBOTTOM'; exit 0`)
	s.WaitExit(5 * time.Second)
	lines := strings.Split(s.Screen(), "\n")
	if lines[0] != "TOP LINE" || lines[4] != "BOTTOM" {
		t.Fatalf("screen after exit:\n%s", frame(s.Screen()))
	}
}
