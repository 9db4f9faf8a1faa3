package redistest

import (
	"errors"
	"os/exec"
)

// StartClusterProcess is StartCluster for programs (the benchmarks): it
// needs no testing.TB, and the caller stops the servers and deletes their
// folders with Remove.
func StartClusterProcess(masters int, args ...string) (*Cluster, error) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return nil, errors.New("redis-cli not found: install it with `apt-get install -y redis-tools`")
	}
	c := &Cluster{}
	for range masters {
		// Each server runs in a folder of its own (its --dir), where a
		// relative cluster config file lands.
		nodeArgs := append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"}, args...)
		s, err := StartProcess(nodeArgs...)
		if err != nil {
			c.Remove()
			return nil, err
		}
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	if err := c.join(); err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

// Remove stops the servers of a StartClusterProcess cluster and deletes
// their folders.
func (c *Cluster) Remove() {
	for _, s := range c.Servers {
		s.Remove()
	}
}
