package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// terminalRestored fails unless the raw output, after the last time kvdeck
// turned each on, turns off the alternate screen and mouse reporting and
// shows the cursor again.
func terminalRestored(t *testing.T, raw string) {
	t.Helper()
	for _, m := range []struct{ on, off, what string }{
		{"\x1b[?1049h", "\x1b[?1049l", "alternate screen"},
		{"\x1b[?25l", "\x1b[?25h", "cursor hidden"},
		{"\x1b[?1002h", "\x1b[?1002l", "mouse reporting (cell motion)"},
		{"\x1b[?1006h", "\x1b[?1006l", "mouse reporting (SGR)"},
	} {
		on := strings.LastIndex(raw, m.on)
		if on < 0 {
			t.Errorf("kvdeck never turned on the %s; the check would prove nothing", m.what)
			continue
		}
		if off := strings.LastIndex(raw, m.off); off < on {
			t.Errorf("%s left on at exit (last on at byte %d, last off at %d)", m.what, on, off)
		}
	}
}

// kvdeckTemps lists kvdeck's temp files in dir.
func kvdeckTemps(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "kvdeck-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Issue 11, item 4: SIGHUP and SIGQUIT left the alternate screen on, the
// cursor hidden and mouse reporting on; SIGTERM exited with code 0. Each
// signal now restores the terminal and exits 128+signal.
func TestEachSignalRestoresTheTerminalAndExitsWith128PlusIt(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	c.Set(context.Background(), "greeting", "hello", 0)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			pt := startPty(t, env(t), binary, srv.URL(), "--bucket", "0")
			pt.waitForText(t, "1 keys", 15*time.Second)
			if err := pt.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code, want := pt.exitCode(t, 10*time.Second), 128+int(sig); code != want {
				t.Errorf("exit code %d, want %d", code, want)
			}
			terminalRestored(t, pt.rawOutput())
		})
	}
}

// Issue 11, items 3 and 4: a signal while $EDITOR was open left the temp
// file (the value in plain text) behind on SIGHUP, and after SIGTERM
// kvdeck went on to save the edit. Now the editor gets the signal too,
// nothing is saved, the file is gone and kvdeck exits 128+signal.
func TestSignalWhileTheEditorIsOpenSavesNothingAndLeavesNoTempFile(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			c.Set(ctx, "token", "s3cret-value", 0)
			dir := t.TempDir()
			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			// The editor changes the value, says it is open, and waits
			// as a person in vi would.
			opened := filepath.Join(dir, "opened")
			editor := filepath.Join(dir, "editor.sh")
			script := fmt.Sprintf("#!/bin/sh\necho changed-by-editor > \"$1\"\ntouch %q\nexec sleep 60\n", opened)
			if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			pt := startPty(t, append(env(t), "EDITOR="+editor, "TMPDIR="+tmp), binary, srv.URL(), "--bucket", "0")
			pt.waitForText(t, "1 keys", 15*time.Second)
			pt.pty.WriteString("\r") // open the key's value
			pt.waitForText(t, "s3cret-value", 5*time.Second)
			pt.pty.WriteString("e")
			// A busy machine (every package's tests at once) has taken
			// over ten seconds to start a shell script.
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(opened); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the editor did not start; screen:\n%s", pt.screen())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(kvdeckTemps(t, tmp)) != 1 {
				t.Fatalf("want the editor's temp file while it is open, found %v", kvdeckTemps(t, tmp))
			}
			if err := pt.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code, want := pt.exitCode(t, 10*time.Second), 128+int(sig); code != want {
				t.Errorf("exit code %d, want %d", code, want)
			}
			if left := kvdeckTemps(t, tmp); len(left) != 0 {
				t.Errorf("temp files left behind: %v", left)
			}
			if v, err := c.Get(ctx, "token").Result(); err != nil || v != "s3cret-value" {
				t.Errorf("the value is %q (%v) after the signal: the edit was saved", v, err)
			}
			terminalRestored(t, pt.rawOutput())
		})
	}
}
