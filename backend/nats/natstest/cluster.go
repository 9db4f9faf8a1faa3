package natstest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// clusterReadyTimeout bounds how long a cluster may take to form and elect
// its JetStream meta leader.
const clusterReadyTimeout = 30 * time.Second

// globalAccount is the account of clients on a server without accounts.
const globalAccount = "$G"

// Cluster is a JetStream cluster of in-process servers on loopback.
type Cluster struct {
	Name    string
	Servers []*Server
}

// RunCluster starts n JetStream servers named S-1..S-n in one cluster,
// routed on loopback, with their stores under baseDir, and waits until the
// cluster has a JetStream meta leader.
func RunCluster(baseDir string, n int) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("a cluster needs at least one server")
	}
	// A JetStream cluster needs its routes configured from the start, so
	// the route ports are chosen before any server starts.
	ports, err := freePorts(n)
	if err != nil {
		return nil, err
	}
	routes := make([]*url.URL, n)
	for i, p := range ports {
		routes[i] = &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)}
	}
	c := &Cluster{Name: "kvdeck-test"}
	for i := range n {
		name := fmt.Sprintf("S-%d", i+1)
		s, err := Run(filepath.Join(baseDir, name), func(o *server.Options) {
			o.ServerName = name
			o.Cluster = server.ClusterOpts{Name: c.Name, Host: "127.0.0.1", Port: ports[i]}
			o.Routes = routes
		})
		if err != nil {
			c.Shutdown()
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		c.Servers = append(c.Servers, s)
	}
	if err := c.waitReady(); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// freePorts finds n free loopback ports. They are released before the
// servers bind them, a window other processes are unlikely to hit.
func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	listeners := make([]net.Listener, n)
	defer func() {
		for _, l := range listeners {
			if l != nil {
				l.Close()
			}
		}
	}()
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners[i] = l
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// StartCluster runs a cluster of n servers for the test (see RunCluster)
// and shuts it down when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := RunCluster(t.TempDir(), n)
	if err != nil {
		t.Fatalf("start nats cluster: %v", err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// waitReady waits until every running server is routed to the others and
// the JetStream meta group has a leader that all of them follow.
func (c *Cluster) waitReady() error {
	deadline := time.Now().Add(clusterReadyTimeout)
	for time.Now().Before(deadline) {
		if c.ready() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("nats cluster did not form a JetStream meta leader in time")
}

func (c *Cluster) ready() bool {
	running := c.Running()
	leader := false
	for _, s := range running {
		srv := s.NATS()
		if srv.NumRoutes() < len(running)-1 || !srv.JetStreamIsCurrent() {
			return false
		}
		leader = leader || srv.JetStreamIsLeader()
	}
	return leader
}

// Running lists the servers that are up.
func (c *Cluster) Running() []*Server {
	var up []*Server
	for _, s := range c.Servers {
		if s.Running() {
			up = append(up, s)
		}
	}
	return up
}

// URL lists every server's client URL, comma-separated, as clients take it.
func (c *Cluster) URL() string {
	urls := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		urls[i] = s.URL()
	}
	return strings.Join(urls, ",")
}

// StreamLeader returns the running server leading the stream (a KV bucket's
// stream is "KV_" + bucket), or nil when it has no leader right now.
func (c *Cluster) StreamLeader(stream string) *Server {
	for _, s := range c.Running() {
		if s.NATS().JetStreamIsStreamLeader(globalAccount, stream) {
			return s
		}
	}
	return nil
}

// WaitStreamLeader waits until the stream has a leader among the running
// servers and returns it.
func (c *Cluster) WaitStreamLeader(stream string, timeout time.Duration) (*Server, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s := c.StreamLeader(stream); s != nil {
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("stream %s has no leader after %s", stream, timeout)
}

// WaitMetaLeader waits until the running servers agree on a JetStream meta
// leader again, after a server was stopped.
func (c *Cluster) WaitMetaLeader(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, s := range c.Running() {
			if s.NATS().JetStreamIsLeader() {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no JetStream meta leader after %s", timeout)
}

// Shutdown stops every server.
func (c *Cluster) Shutdown() {
	for _, s := range c.Servers {
		s.Shutdown()
	}
}
