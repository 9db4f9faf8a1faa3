// Package sshtest runs a real OpenSSH sshd in front of stores that only it
// can reach, for tests of SSH tunnels. The stores (redis-server, a NATS
// server, a Redis Sentinel) listen in a network namespace of their own;
// each SSH connection to the test's listener gets its own `sshd -i`
// entered into that namespace. A direct dial of a store's address from the
// test therefore fails, and one through the SSH server works.
//
// It needs root, sshd (apt-get install -y openssh-server), redis-server,
// unshare and nsenter; without them a test fails, saying so, and is never
// skipped.
//
// In another package's test:
//
//	srv := sshtest.Start(t, sshtest.Options{Redis: true, NATS: true})
//	sshtest.RequireUnreachable(t, srv.RedisAddr) // only through SSH
//	target, _ := sshtunnel.Parse(srv.Target)      // root@127.0.0.1:PORT
//	tun, err := sshtunnel.Dial(ctx, sshtunnel.Config{Target: target,
//		KnownHostsFile: srv.KnownHosts, IdentityFiles: []string{srv.KeyFile}})
//	store, err := redis.Open(ctx, redis.Options{Addrs: []string{srv.RedisAddr},
//		Network: "tcp", Dialer: tun.DialContext})
//
// srv.EncryptedKeyFile (with Passphrase), Options.PasswordUser (with
// Password), a known_hosts file without the key (to be asked about it,
// compare srv.HostKeyFingerprint), srv.KillSessions and srv.Log cover
// the other paths.
package sshtest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/testcerts"
	"golang.org/x/crypto/ssh"
)

// Options choose what runs behind the SSH server.
type Options struct {
	Redis bool
	NATS  bool
	// Sentinel adds a Redis Sentinel monitoring the Redis server as
	// SentinelMaster (implies Redis).
	Sentinel bool
	// RedisTLS adds a TLS-only redis-server; its CA is RedisTLSCerts.CA.
	RedisTLS bool
	// Cluster adds a Redis Cluster of three masters; ClusterAddrs are
	// their in-namespace addresses, which the nodes also announce.
	Cluster bool
	// PasswordUser creates a throwaway system user with Password and
	// allows password logins (removed when the test ends).
	PasswordUser bool
}

// SentinelMaster is the master name the Sentinel monitors.
const SentinelMaster = "kvdeck"

// Server is a running sshd with stores behind it.
type Server struct {
	// Addr is the SSH server's address (127.0.0.1:PORT); Target is
	// root@Addr, for sshtunnel.Parse or kvdeck's --ssh.
	Addr   string
	Target string
	Host   string
	Port   int
	User   string

	// HostKey is the server's host key; HostKeyFile its .pub file and
	// HostKeyFingerprint what `ssh-keygen -lf HostKeyFile` prints
	// ("SHA256:..."). KnownHosts is a known_hosts file listing it for Addr.
	HostKey            ssh.PublicKey
	HostKeyFile        string
	HostKeyFingerprint string
	KnownHosts         string

	// KeyFile is an unencrypted private key root may log in with;
	// EncryptedKeyFile is another, encrypted with Passphrase.
	KeyFile          string
	EncryptedKeyFile string

	// PasswordUser logs in with Password (Options.PasswordUser).
	PasswordUser string

	// RedisAddr, NATSURL and SentinelAddr are the stores' addresses inside
	// the namespace: reachable through the SSH server only.
	RedisAddr    string
	NATSURL      string
	SentinelAddr string
	ClusterAddrs []string
	// RedisTLSAddr is the TLS-only Redis server (Options.RedisTLS),
	// whose certificate, signed by RedisTLSCerts.CA, names 127.0.0.1.
	RedisTLSAddr  string
	RedisTLSCerts testcerts.Files
	// RedisSocket is the Redis server's unix socket. Paths are not
	// namespaced: it shows streamlocal forwarding, not isolation.
	RedisSocket string

	// Log is sshd's log (LogLevel DEBUG3), all sessions appended.
	Log string
	Dir string

	ns   *netns
	sshd *sshd
}

// Start runs the namespace, the stores asked for and the SSH server, all
// stopped when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	requireTools(t)
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		t.Fatalf("mkdir /run/sshd: %v (%s)", err, needs)
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, User: "root", Log: filepath.Join(dir, "sshd.log")}
	s.HostKeyFile = filepath.Join(dir, "host_ed25519_key.pub")
	keygen(t, strings.TrimSuffix(s.HostKeyFile, ".pub"), "")
	s.HostKey = readPublicKey(t, s.HostKeyFile)
	s.HostKeyFingerprint = fingerprint(t, s.HostKeyFile)
	s.KeyFile = filepath.Join(dir, "id_ed25519")
	keygen(t, s.KeyFile, "")
	s.EncryptedKeyFile = filepath.Join(dir, "id_ed25519_encrypted")
	keygen(t, s.EncryptedKeyFile, Passphrase)
	authorized := filepath.Join(dir, "authorized_keys")
	var keys []byte
	for _, f := range []string{s.KeyFile, s.EncryptedKeyFile} {
		b, err := os.ReadFile(f + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, b...)
	}
	if err := os.WriteFile(authorized, keys, 0o600); err != nil {
		t.Fatal(err)
	}
	if o.PasswordUser {
		s.PasswordUser = addPasswordUser(t)
	}

	s.ns = newNetns(t)
	if o.Redis || o.Sentinel {
		s.RedisAddr, s.RedisSocket = startRedis(t, s.ns, dir)
	}
	if o.Sentinel {
		s.SentinelAddr = startSentinel(t, s.ns, dir, SentinelMaster, s.RedisAddr)
	}
	if o.RedisTLS {
		s.RedisTLSAddr, s.RedisTLSCerts = startRedisTLS(t, s.ns, dir)
	}
	if o.NATS {
		s.NATSURL = startNATS(t, s.ns, dir)
	}
	if o.Cluster {
		s.ClusterAddrs = startCluster(t, s.ns, dir, 3)
	}

	config := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(config, []byte(sshdConfig(dir, strings.TrimSuffix(s.HostKeyFile, ".pub"), authorized, o.PasswordUser)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.sshd = startSSHD(t, s.ns, config, s.Log)
	s.Addr = s.sshd.ln.Addr().String()
	tcp := s.sshd.ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = tcp.IP.String(), tcp.Port
	s.Target = s.User + "@" + s.Addr
	s.KnownHosts = writeKnownHosts(t, dir, "known_hosts", s.Addr, s.HostKey)
	return s
}

// KillSessions kills every sshd session now (SIGKILL, connections cut),
// as a bastion that reboots would; it returns how many there were. New
// connections are still served.
func (s *Server) KillSessions() int { return s.sshd.kill(syscall.SIGKILL) }

// FreezeSessions stops every sshd session (SIGSTOP) without closing its
// connection, as a bastion that vanished from the network would look:
// only keepalives notice.
func (s *Server) FreezeSessions() int { return s.sshd.kill(syscall.SIGSTOP) }

// Sessions is how many SSH connections were accepted so far.
func (s *Server) Sessions() int {
	s.sshd.mu.Lock()
	defer s.sshd.mu.Unlock()
	return len(s.sshd.sessions)
}

// LogText is sshd's log so far.
func (s *Server) LogText() string {
	b, _ := os.ReadFile(s.Log)
	return string(b)
}

// DialInside connects to addr from inside the stores' namespace, not
// through SSH: for checks that must not depend on the tunnel under test.
func (s *Server) DialInside(network, addr string) (net.Conn, error) {
	return s.ns.dial(network, addr, 2*time.Second)
}

// RequireUnreachable fails the test unless a direct dial of addr from
// the test's own namespace fails: the proof that a store is reachable
// through the SSH server only.
func RequireUnreachable(t testing.TB, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("%s answers a direct dial: the store is not isolated behind sshd", addr)
	}
}
