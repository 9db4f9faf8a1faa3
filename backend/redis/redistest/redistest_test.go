package redistest

import (
	"context"
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
	s.AddUser(t, "ro", "pw", "~*", "+@read", "-@write")
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
