// Package tmuxtest drives a real program in a detached tmux session for
// end-to-end tests: it types keys and reads the screen as a user would.
//
// Every Session runs on its own tmux server (a socket in a private temporary
// directory and no user configuration), so tests never touch a tmux the user
// is running; the server is killed and its socket removed when the test ends.
package tmuxtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pollInterval is how often WaitFor and friends look at the screen.
const pollInterval = 50 * time.Millisecond

// sessionName is the one session on each private server.
const sessionName = "test"

// serverConfig replaces ~/.tmux.conf: a bare terminal the size asked for.
// remain-on-exit only matters if the wrapper below is killed: the pane then
// stays, so the test fails with a clear message rather than "no server".
const serverConfig = `set -g status off
set -g remain-on-exit on
set -g default-terminal xterm-256color
set -g escape-time 0
set -g history-limit 1000
`

// wrapper runs the program ("$@" after the status file's path), writes its
// exit status to that file and then idles, so the pane and the program's
// last screen stay exactly as it left them. tmux's own remain-on-exit is not
// used for this: on exit it scrolls the screen up a line to print "Pane is
// dead", and the program's top line (a title, a border) would be lost. The
// INT and QUIT traps keep the wrapper alive when C-c reaches the whole
// foreground process group; the program itself still gets the default
// action, as traps are reset on exec. The status is 128+n for signal n.
const wrapper = `status=$1; shift
trap : INT QUIT
"$@"
echo $? > "$status.tmp" && mv "$status.tmp" "$status"
while :; do sleep 3600; done`

// Session is one program running in its own tmux server. Its methods fail
// the test through t.Fatalf, so call them from the test's goroutine.
type Session struct {
	t      testing.TB
	tmux   string // path of the tmux binary
	socket string // path given to -S
	config string
	status string // file the wrapper writes the exit status to
}

// Start runs argv in a cols×rows detached tmux session with TERM set to
// xterm-256color and env (NAME=value entries) added to the inherited
// environment. The session is killed when the test ends.
func Start(t testing.TB, cols, rows int, env []string, argv ...string) *Session {
	t.Helper()
	if len(argv) == 0 {
		t.Fatalf("tmuxtest.Start: no command to run")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatalf("tmux not found: install it with `apt-get install -y tmux`")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(config, []byte(serverConfig), 0o600); err != nil {
		t.Fatalf("tmuxtest: write tmux config: %v", err)
	}
	// The socket lives in a short directory of its own rather than under
	// t.TempDir(): a Unix socket path must fit in about 100 bytes, and long
	// test names would overflow it. tmux leaves its socket file behind on
	// kill-server, so the directory is removed after the server is killed.
	sockDir, err := os.MkdirTemp("", "tmuxtest-")
	if err != nil {
		t.Fatalf("tmuxtest: make socket directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &Session{
		t:      t,
		tmux:   tmux,
		socket: filepath.Join(sockDir, "tmux"),
		config: config,
		status: filepath.Join(dir, "exit-status"),
	}
	t.Cleanup(s.kill)

	// env(1) sets the variables and then execs the program, so they win
	// over whatever tmux puts in the pane's environment. Passing several
	// arguments makes tmux exec them directly rather than through a shell,
	// so argv needs no quoting.
	cmd := []string{"new-session", "-d", "-s", sessionName, "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "--",
		"sh", "-c", wrapper, "tmuxtest", s.status, "env", "TERM=xterm-256color"}
	cmd = append(cmd, env...)
	cmd = append(cmd, argv...)
	if _, err := s.run(cmd...); err != nil {
		t.Fatalf("tmuxtest: start %q: %v", argv, err)
	}
	return s
}

// run runs one tmux command against this session's server.
func (s *Session) run(args ...string) (string, error) {
	full := append([]string{"-S", s.socket, "-f", s.config}, args...)
	cmd := exec.Command(s.tmux, full...)
	// Inside a tmux the user runs, $TMUX would point commands at it.
	cmd.Env = withoutVar(os.Environ(), "TMUX")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// must runs a tmux command and fails the test if it fails.
func (s *Session) must(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("tmuxtest: %v", err)
	}
	return out
}

func (s *Session) kill() {
	// The server may be gone already; nothing to report then.
	_, _ = s.run("kill-server")
}

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
