package redistest

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestStartRestartAndACL(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	c := s.Client()
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr != addr {
		t.Fatal("restart moved the server")
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("no answer after restart: %v", err)
	}
	s.AddReadOnlyUser(t, "ro", "pw")
	ro := s.Client()
	defer ro.Close()
	if err := ro.Do(ctx, "AUTH", "ro", "pw").Err(); err != nil {
		t.Fatal(err)
	}
	if err := ro.Set(ctx, "x", "y", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("read-only user wrote: %v", err)
	}
}

func TestClusterOfThree(t *testing.T) {
	cl := StartCluster(t, 3)
	c := cl.ClusterClient()
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cl.URL(), "addr=") {
		t.Fatal(cl.URL())
	}
}

func TestMissingServerSaysHowToInstallIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := start(t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y redis-server") {
		t.Fatalf("without redis-server on PATH: %v", err)
	}
}

func TestStartProcessWorksOutsideATestAndCleansUp(t *testing.T) {
	s, err := StartProcess("--maxmemory", "64mb")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	defer c.Close()
	cfg, err := c.ConfigGet(context.Background(), "maxmemory").Result()
	if err != nil || cfg["maxmemory"] != "67108864" {
		t.Fatalf("extra arguments did not reach the server: %v %v", err, cfg)
	}
	s.Remove()
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("Remove left %s behind: %v", s.Dir, err)
	}
	if err := c.Ping(context.Background()).Err(); err == nil {
		t.Fatal("the server still answers after Remove")
	}
}
