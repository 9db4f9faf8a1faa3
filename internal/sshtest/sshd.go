package sshtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

const sshdPath = "/usr/sbin/sshd"

// sshdConfig is a config for a throwaway sshd: its own host key and
// authorized keys, no PAM, forwarding allowed, and a DEBUG3 log.
func sshdConfig(dir, hostKey, authorizedKeys string, password bool) string {
	pw := "no"
	if password {
		pw = "yes"
	}
	return fmt.Sprintf(`HostKey %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication %s
KbdInteractiveAuthentication no
PermitEmptyPasswords no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PidFile %s
LogLevel DEBUG3
MaxAuthTries 10
`, hostKey, authorizedKeys, pw, filepath.Join(dir, "sshd.pid"))
}

// sshd accepts TCP connections in the test's namespace and hands each to
// its own `sshd -i` (inetd mode) entered into the store namespace: the
// connection is sshd's standard input and output.
type sshd struct {
	ln     net.Listener
	ns     *netns
	config string
	log    string

	mu       sync.Mutex
	sessions []*session
	wg       sync.WaitGroup
}

type session struct {
	conn   *net.TCPConn
	cmd    *exec.Cmd
	exited bool // under sshd.mu
}

func startSSHD(t testing.TB, ns *netns, config, log string) *sshd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &sshd{ln: ln, ns: ns, config: config, log: log}
	// The config must be valid, or every connection would just close.
	if out, err := exec.Command(sshdPath, "-t", "-f", config).CombinedOutput(); err != nil {
		ln.Close()
		t.Fatalf("sshd -t: %v: %s", err, out)
	}
	go d.serve()
	t.Cleanup(func() {
		ln.Close()
		d.kill(syscall.SIGKILL)
		d.wg.Wait()
	})
	return d
}

func (d *sshd) serve() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.start(c.(*net.TCPConn))
	}
}

func (d *sshd) start(c *net.TCPConn) {
	f, err := c.File() // a duplicate: sshd gets its own descriptor
	if err != nil {
		c.Close()
		return
	}
	defer f.Close()
	cmd := d.ns.command(sshdPath, "-i", "-f", d.config, "-E", d.log)
	cmd.Stdin, cmd.Stdout = f, f
	// Its own process group: kill reaches the session's children too.
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "sshtest: start sshd -i: %v\n", err)
		c.Close()
		return
	}
	s := &session{conn: c, cmd: cmd}
	d.mu.Lock()
	d.sessions = append(d.sessions, s)
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		cmd.Wait()
		d.mu.Lock()
		s.exited = true
		d.mu.Unlock()
		c.Close()
	}()
}

// kill signals every session's process group; SIGKILL also cuts the
// connections, so the client sees them end at once.
func (d *sshd) kill(sig syscall.Signal) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range d.sessions {
		if s.exited {
			continue
		}
		if syscall.Kill(-s.cmd.Process.Pid, sig) == nil {
			n++
		}
		if sig == syscall.SIGKILL {
			// The socket is shared with sshd's descriptor: shut it down
			// for both, in case a child of sshd still holds it.
			if raw, err := s.conn.SyscallConn(); err == nil {
				raw.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
			}
		}
	}
	return n
}
