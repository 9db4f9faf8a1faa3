package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// StartSentinel starts a master and one Sentinel (redis-server --sentinel)
// monitoring it under masterName, and waits until the Sentinel knows the
// master. It returns the master and the Sentinel.
func StartSentinel(t testing.TB, masterName string) (master, sentinel *Server) {
	t.Helper()
	master = Start(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 5000\n", masterName, master.port, masterName)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// The config file must come first: redis-server reads it positionally.
	s, err := startWith(dir, []string{conf, "--sentinel"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	c := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		addr, err := c.GetMasterAddrByName(context.Background(), masterName).Result()
		if err == nil && len(addr) == 2 {
			return master, s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel does not know master %s: %v", masterName, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
