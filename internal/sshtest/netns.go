package sshtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netns is a network namespace of its own, held open by a sleeping
// process: the stores listen in it, and only sshd (entered into it for
// each connection) can reach them.
type netns struct {
	holder *exec.Cmd
	path   string // /proc/PID/ns/net
}

const needs = "internal/sshtest needs root (CAP_SYS_ADMIN, network namespaces allowed: a container needs --privileged or --cap-add SYS_ADMIN) and " +
	"/usr/sbin/sshd and ssh-keygen (apt-get install -y openssh-server), redis-server (apt-get install -y redis-server), " +
	"unshare and nsenter (apt-get install -y util-linux), ip (apt-get install -y iproute2), useradd and chpasswd (apt-get install -y passwd), and go on PATH"

// requireTools fails the test, saying what to install, when a tool is missing.
func requireTools(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"unshare", "nsenter", "ip", sshdPath, "ssh-keygen", "redis-server", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("missing %s: %s", strings.Join(missing, ", "), needs)
	}
	if os.Geteuid() != 0 {
		t.Fatalf("not running as root: %s", needs)
	}
}

func newNetns(t testing.TB) *netns {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "sleep", "infinity")
	cmd.SysProcAttr = orphanKill()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare --net: %v: %s", err, needs)
	}
	n := &netns{holder: cmd, path: fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// unshare execs sleep once the namespace exists: wait until the
	// process's namespace differs from ours.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if link, err := os.Readlink(n.path); err == nil && link != ownNetns {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unshare --net made no network namespace (%s): %s", strings.TrimSpace(stderr.String()), needs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if out, err := n.command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up in the namespace: %v: %s (%s)", err, out, needs)
	}
	return n
}

// ownNetns is the test process's network namespace.
var ownNetns, _ = os.Readlink("/proc/self/ns/net")

// command runs a program inside the namespace.
func (n *netns) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command("nsenter", append([]string{"--net=" + n.path, name}, args...)...)
	cmd.SysProcAttr = orphanKill()
	return cmd
}

// orphanKill has the kernel kill a child when the test process dies
// without its cleanups (a panic, a timeout): no sleeping namespace holder
// or store is left behind. nsenter and unshare exec the program, which
// keeps the setting.
func orphanKill() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// dial connects to addr from inside the namespace: the socket is made on
// an OS thread moved into it (a socket stays in the namespace it was made
// in), and the thread is moved back before it runs anything else. Were it
// left to end with its goroutine instead, the children it had forked
// would get their Pdeathsig.
func (n *netns) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, err}
			return
		}
		defer own.Close()
		target, err := os.Open(n.path)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, fmt.Errorf("setns: %w", err)}
			return
		}
		c, err := net.DialTimeout(network, addr, timeout)
		if unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and ends with this goroutine
		done <- result{c, err}
	}()
	r := <-done
	return r.c, r.err
}

// waitListening waits until addr accepts connections inside the namespace.
func (n *netns) waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := n.dial("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before listening")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after 10s: %w", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
