// Package redistest starts real redis-server processes on free loopback
// ports for kvdeck's tests and benchmarks. It never mocks Redis.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Server is one running redis-server.
type Server struct {
	Addr   string
	Dir    string
	port   int
	lead   []string
	args   []string
	tls    *TLSFiles
	cmd    *exec.Cmd
	exited chan struct{}
	// ownsDir: Dir was made by StartProcess and goes with Remove.
	ownsDir bool
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Client returns a new client; the caller closes it.
func (s *Server) Client() *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: s.Addr})
}

const installHint = "redis-server not found: install it with `apt-get install -y redis-server`"

// Start runs a server for a test and stops it at cleanup. A missing
// redis-server fails the test (never skips it).
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := start(t.TempDir(), args)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartProcess runs a server outside a test (benchmarks, demos) in a new
// temporary folder; call Remove when done. It needs no testing.TB, so a
// plain program can use it.
func StartProcess(args ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "kvdeck-redis-*")
	if err != nil {
		return nil, err
	}
	s, err := start(dir, args)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.ownsDir = true
	return s, nil
}

// Remove stops the server and deletes the folder StartProcess made.
func (s *Server) Remove() {
	s.Stop()
	if s.ownsDir {
		os.RemoveAll(s.Dir)
	}
}

func start(dir string, args []string) (*Server, error) {
	return startWith(dir, nil, args)
}

// startWith runs redis-server with leading arguments (a config file) before
// kvdeck's own flags and trailing ones after them.
func startWith(dir string, lead, args []string) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New(installHint)
	}
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, port: port, lead: lead, args: args}
		if lastErr = s.run(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts the process on s's port and waits for PING.
func (s *Server) run() error {
	argv := append(append([]string{}, s.lead...), "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	argv = append(argv, s.args...)
	if s.tls != nil {
		argv = append(argv, s.tlsArgs()...)
	}
	logPath := filepath.Join(s.Dir, fmt.Sprintf("redis-%d.log", s.port))
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd = exec.Command("redis-server", argv...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() { s.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("redis-server exited at start: %s", lastLines(string(out), 5))
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			if s.pingable() {
				return nil
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	<-exited
	out, _ := os.ReadFile(logPath)
	return fmt.Errorf("redis-server on %s did not answer within 10s: %s", s.Addr, lastLines(string(out), 5))
}

// pingable: a PONG, or an auth error (the server is up but wants a
// password), means the server answers.
func (s *Server) pingable() bool {
	o := &goredis.Options{Addr: s.Addr, MaxRetries: -1}
	if s.tls != nil {
		o.TLSConfig = s.clientTLS()
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := c.Ping(ctx).Err()
	return err == nil || strings.HasPrefix(err.Error(), "NOAUTH") || strings.HasPrefix(err.Error(), "WRONGPASS")
}

func (s *Server) portString() string { return strconv.Itoa(s.port) }

// Stop kills the server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same port and folder.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	for range 20 {
		if err = s.run(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// AddReadOnlyUser creates an ACL user who may read every key and connect,
// but not write: writes answer NOPERM.
func (s *Server) AddReadOnlyUser(t testing.TB, name, password string) {
	t.Helper()
	s.AddUser(t, name, password, "~*", "&*", "+@read", "+@connection", "+info", "+config|get", "-@write")
}

// AddUser creates an ACL user with the given rules (e.g. "~*", "+@read").
func (s *Server) AddUser(t testing.TB, name, password string, rules ...string) {
	t.Helper()
	c := s.Client()
	defer c.Close()
	args := []any{"ACL", "SETUSER", name, "on", ">" + password}
	for _, r := range rules {
		args = append(args, r)
	}
	if err := c.Do(context.Background(), args...).Err(); err != nil {
		t.Fatalf("ACL SETUSER %s: %v", name, err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
