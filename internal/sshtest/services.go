package sshtest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/internal/testcerts"
)

// hostFreePort is a port nothing listens on in the test's namespace, for
// a store inside the other one: the test's direct dial of the store's
// address then fails because the store is elsewhere, not because its port
// happens to be taken by something else.
func hostFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startInside runs a program in the namespace until the test ends.
func startInside(t testing.TB, ns *netns, logFile string, name string, args ...string) <-chan struct{} {
	t.Helper()
	cmd := ns.command(name, args...)
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start %s in the namespace: %v (%s)", name, err, needs)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		log.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return exited
}

// startRedis runs redis-server in the namespace on TCP and on a unix
// socket in dir (a path is not namespaced: the socket is for tests of
// streamlocal forwarding, not of isolation).
func startRedis(t testing.TB, ns *netns, dir string) (addr, socket string) {
	t.Helper()
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(hostFreePort(t)))
	_, port, _ := net.SplitHostPort(addr)
	socket = filepath.Join(dir, "redis.sock")
	log := filepath.Join(dir, "redis.log")
	exited := startInside(t, ns, log, "redis-server", "--port", port, "--bind", "127.0.0.1",
		"--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := ns.waitListening(addr, exited); err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("redis-server in the namespace: %v\n%s", err, b)
	}
	return addr, socket
}

// startSentinel runs redis-server --sentinel in the namespace, monitoring
// the master under name; it announces the master's in-namespace address.
func startSentinel(t testing.TB, ns *netns, dir, name, master string) string {
	t.Helper()
	host, mport, _ := net.SplitHostPort(master)
	port := strconv.Itoa(hostFreePort(t))
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %s\nbind 127.0.0.1\nsentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 5000\n", port, name, host, mport, name)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "sentinel.log")
	exited := startInside(t, ns, log, "redis-server", conf, "--sentinel")
	addr := net.JoinHostPort("127.0.0.1", port)
	if err := ns.waitListening(addr, exited); err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("redis sentinel in the namespace: %v\n%s", err, b)
	}
	return addr
}

func startNATS(t testing.TB, ns *netns, dir string) string {
	t.Helper()
	bin, err := natstest.Binary()
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(hostFreePort(t))
	return natstest.RunProcess(t, ns.command(bin, "-dir", filepath.Join(dir, "jetstream"), "-port", port))
}

// startRedisTLS runs a TLS-only redis-server in the namespace with a
// throwaway CA (testcerts) whose server certificate names 127.0.0.1.
func startRedisTLS(t testing.TB, ns *netns, dir string) (string, testcerts.Files) {
	t.Helper()
	certs, err := testcerts.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(hostFreePort(t))
	log := filepath.Join(dir, "redis-tls.log")
	exited := startInside(t, ns, log, "redis-server", "--port", "0", "--tls-port", port, "--bind", "127.0.0.1",
		"--tls-cert-file", certs.ServerCert, "--tls-key-file", certs.ServerKey, "--tls-ca-cert-file", certs.CA,
		"--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", dir)
	addr := net.JoinHostPort("127.0.0.1", port)
	if err := ns.waitListening(addr, exited); err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("redis-server with TLS in the namespace: %v\n%s", err, b)
	}
	return addr, certs
}

// startCluster runs n redis-servers with cluster mode on in the namespace
// and joins them with redis-cli --cluster create (run there too); the
// nodes announce their in-namespace addresses, which only a tunnel's far
// end can reach.
func startCluster(t testing.TB, ns *netns, dir string, n int) []string {
	t.Helper()
	var addrs []string
	for i := range n {
		port := strconv.Itoa(hostFreePort(t))
		addr := net.JoinHostPort("127.0.0.1", port)
		nodeDir := filepath.Join(dir, "cluster-"+strconv.Itoa(i))
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			t.Fatal(err)
		}
		log := filepath.Join(nodeDir, "redis.log")
		exited := startInside(t, ns, log, "redis-server", "--port", port, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(nodeDir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no", "--dir", nodeDir)
		if err := ns.waitListening(addr, exited); err != nil {
			b, _ := os.ReadFile(log)
			t.Fatalf("cluster node in the namespace: %v\n%s", err, b)
		}
		addrs = append(addrs, addr)
	}
	create := ns.command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create in the namespace: %v (%s)\n%s", err, needs, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range addrs {
		host, port, _ := net.SplitHostPort(addr)
		for {
			out, _ := ns.command("redis-cli", "-h", host, "-p", port, "cluster", "info").Output()
			if strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster not ok on %s after 30s: %s", addr, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return addrs
}
