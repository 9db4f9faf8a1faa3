package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of masters without replicas.
type Cluster struct {
	Addrs   []string
	Servers []*Server
}

// URL names every master: redis://a?addr=b&addr=c.
func (c *Cluster) URL() string {
	u := "redis://" + c.Addrs[0]
	for i, a := range c.Addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + a
	}
	return u
}

// ClusterClient returns a new cluster client; the caller closes it.
func (c *Cluster) ClusterClient() *goredis.ClusterClient {
	return goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs})
}

// StartCluster starts masters cluster-enabled servers (with args added to
// each), joins them with redis-cli --cluster create and waits for
// cluster_state:ok everywhere.
func StartCluster(t testing.TB, masters int, args ...string) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not found: install it with `apt-get install -y redis-tools`")
	}
	c := &Cluster{}
	for i := range masters {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		nodeArgs := append([]string{"--cluster-enabled", "yes", "--cluster-config-file", dir + "-nodes.conf", "--cluster-node-timeout", "5000"}, args...)
		s := Start(t, nodeArgs...)
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	if err := c.join(); err != nil {
		t.Fatal(err)
	}
	return c
}

// join makes the servers one cluster with redis-cli --cluster create (the
// slots split evenly) and waits for cluster_state:ok on every one.
func (c *Cluster) join() error {
	create := append([]string{"--cluster", "create"}, c.Addrs...)
	create = append(create, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", create...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range c.Servers {
		cl := s.Client()
		for {
			info, _ := cl.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				cl.Close()
				return fmt.Errorf("cluster not ok on %s after 30s: %s", s.Addr, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
		cl.Close()
	}
	return nil
}
