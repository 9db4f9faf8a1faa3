package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// env gives the program a predictable terminal and no inherited config.
func env(t *testing.T) []string {
	return []string{"HOME=" + t.TempDir(), "XDG_DATA_HOME=" + t.TempDir(), "TERM=xterm-256color", "EDITOR=true"}
}

func TestDemoThreePanesAndValues(t *testing.T) {
	s := tmuxtest.Start(t, 140, 40, env(t), binary, "--demo")
	s.WaitFor("prefs", 15*time.Second)
	s.WaitFor("events", 5*time.Second)
	// Walk the buckets down to misc and open it.
	screen := s.WaitFor("keys", 5*time.Second)
	if !strings.Contains(screen, "Buckets") {
		t.Fatalf("no buckets pane:\n%s", screen)
	}
	s.Send("Tab") // keys pane
	s.Send("Enter")
	s.WaitFor("kind", 5*time.Second)
	s.Send("Tab") // value pane
	s.Send("q")
	s.WaitExit(5 * time.Second)
	if code := s.ExitCode(); code != 0 {
		t.Fatalf("kvdeck exited with %d", code)
	}
}

func TestDemoBigBucketCompletes(t *testing.T) {
	s := tmuxtest.Start(t, 140, 40, env(t), binary, "--demo", "--bucket", "events")
	s.WaitFor("100000 keys", 20*time.Second)
	s.Send("End")
	s.WaitForFunc(func(sc string) bool { return strings.Contains(sc, "100000 keys") && !strings.Contains(sc, "listing") }, 5*time.Second, "complete listing")
	s.Send("q")
	s.WaitExit(5 * time.Second)
}

func TestBadTargetExitsWithCode2AndOneLine(t *testing.T) {
	s := tmuxtest.Start(t, 140, 10, env(t), binary, "gopher://example")
	s.WaitExit(10 * time.Second)
	if code := s.ExitCode(); code != 2 {
		t.Fatalf("exit code %d, want 2\n%s", code, s.Screen())
	}
	if !strings.Contains(s.Screen(), "unknown scheme") {
		t.Fatalf("no clear error:\n%s", s.Screen())
	}
}
