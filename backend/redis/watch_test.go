package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// watch starts s.Watch and returns its changes.
func watch(t *testing.T, s *Store, bucket, pattern string) <-chan backend.Change {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan backend.Change, 100)
	done := make(chan error, 1)
	go func() { done <- s.Watch(ctx, bucket, pattern, func(c backend.Change) { got <- c }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch ended with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Watch did not return after its context was cancelled")
		}
	})
	time.Sleep(300 * time.Millisecond) // let it subscribe
	return got
}

func expect(t *testing.T, got <-chan backend.Change, key string, op backend.ChangeOp) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case c := <-got:
			if c.Key == key && c.Op == op {
				return
			}
			if c.Key != key && key != "" {
				t.Fatalf("change %v of %q, want only keys matching the pattern", c.Op, c.Key)
			}
		case <-deadline:
			t.Fatalf("no %v of %q within 5s", op, key)
		}
	}
}

func TestWatchNeedsNotificationsAndNeverTurnsThemOn(t *testing.T) {
	quiet := redistest.Start(t)
	s := open(t, quiet.URL(), false)
	err := s.Watch(ctxT(t), "0", "", func(backend.Change) {})
	if !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("watch without notifications: %v, want ErrUnsupported", err)
	}
	c := quiet.Client()
	defer c.Close()
	if cfg, _ := c.ConfigGet(context.Background(), "notify-keyspace-events").Result(); cfg["notify-keyspace-events"] != "" {
		t.Fatalf("Watch changed the server's configuration to %q", cfg["notify-keyspace-events"])
	}
}

func TestWatchFollowsKeyspaceNotifications(t *testing.T) {
	srv := redistest.Start(t, "--notify-keyspace-events", "KEA")
	s := open(t, srv.URL(), false)
	got := watch(t, s, "0", "user:*")
	other := srv.Client()
	defer other.Close()
	ctx := ctxT(t)
	other.Set(ctx, "cache:x", "ignored", 0) // outside the pattern
	other.Set(ctx, "user:1", "1", 0)
	expect(t, got, "user:1", backend.ChangePut)
	other.Del(ctx, "user:1")
	expect(t, got, "user:1", backend.ChangeDelete)
	other.Set(ctx, "user:2", "1", 50*time.Millisecond)
	expect(t, got, "user:2", backend.ChangePut)
	expect(t, got, "user:2", backend.ChangeExpire)
}

func TestWatchFollowsKeyeventOnlyNotifications(t *testing.T) {
	srv := redistest.Start(t, "--notify-keyspace-events", "Eg$")
	s := open(t, srv.URL(), false)
	got := watch(t, s, "0", "user:*")
	other := srv.Client()
	defer other.Close()
	ctx := ctxT(t)
	other.Set(ctx, "cache:x", "ignored", 0)
	other.Set(ctx, "user:1", "1", 0)
	expect(t, got, "user:1", backend.ChangePut)
	other.Del(ctx, "user:1")
	expect(t, got, "user:1", backend.ChangeDelete)
}

func TestWatchResumesAfterTheServerRestarts(t *testing.T) {
	srv := redistest.Start(t, "--notify-keyspace-events", "KA")
	s := open(t, srv.URL(), false)
	got := watch(t, s, "1", "")
	must(t, srv.Restart())
	other := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 1})
	defer other.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// go-redis resubscribes on its own schedule; write until seen.
		other.Set(context.Background(), "back", "1", 0)
		select {
		case c := <-got:
			if c.Key == "back" {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the watch saw nothing after the server restarted")
		}
	}
}
