package model

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// Issue 11, item 6: "DISCONNECTED · retrying" was shown on Redis, where
// nothing retried, and stayed after the server came back. Now the header
// says which attempt failed and when the next is, r tries at once, and
// once the server is back kvdeck says so and lists the cut listing again.
func TestReconnectingIsShownAsItIsAndTheCutListingRunsAgain(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "before", "1", 0)
	o, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := redis.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sim := modeltest.New(New(s, Options{Bucket: "0", NoColor: true, Timeout: 2 * time.Second}), 140, 30)
	if !sim.WaitFor("1 keys", 5*time.Second) {
		t.Fatalf("no listing:\n%s", sim.Plain())
	}

	srv.Stop()
	sim.Keys("r") // the keys pane lists again and finds the server gone
	if !sim.WaitFor("(incomplete)", 10*time.Second) {
		t.Fatalf("the cut listing is not marked incomplete:\n%s", sim.Plain())
	}
	sim.Send(tickMsg(time.Now()))
	if !sim.WaitFor("DISCONNECTED · attempt 1 failed, next in", 10*time.Second) {
		t.Fatalf("the header does not say the first attempt failed:\n%s", sim.Plain())
	}
	if strings.Contains(sim.Plain(), "retrying") {
		t.Fatalf("the header says retrying:\n%s", sim.Plain())
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "after", "2", 0) // the server restarted empty: only this
	sim.Keys("shift+tab", "r")  // r in the bucket pane: try now, not in 1 s
	if !sim.WaitFor("connected again to", 10*time.Second) {
		t.Fatalf("no word that the connection is back:\n%s", sim.Plain())
	}
	if !sim.WaitFor("1 keys", 10*time.Second) || !strings.Contains(sim.Plain(), "after") {
		t.Fatalf("the cut listing did not run again:\n%s", sim.Plain())
	}
	if strings.Contains(sim.Plain(), "DISCONNECTED") {
		t.Fatalf("the header still says DISCONNECTED:\n%s", sim.Plain())
	}
}

// The clock lists a cut listing again once, not in a loop while the
// failure stays, and again after a listing has completed; a refusal that
// will not pass (a missing bucket) is not retried.
func TestTheClockListsACutListingAgainOnceUntilOneCompletes(t *testing.T) {
	s, err := local.Open(filepath.Join(t.TempDir(), "s.db"), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := New(s, Options{NoColor: true})
	a.keys.bucket = "b"
	cut := func(err error) {
		a.keys.listing, a.keys.err = false, err
	}
	cut(errors.New("connection lost"))
	if a.relistCut(false) == nil {
		t.Fatal("a cut listing was not listed again")
	}
	cut(errors.New("connection lost again"))
	if a.relistCut(false) != nil {
		t.Fatal("the clock listed again a second time while the failure stays")
	}
	if a.relistCut(true) == nil {
		t.Fatal("asked (r, :reconnect), it did not list again")
	}
	cut(nil) // a listing completed
	a.relistCut(false)
	cut(errors.New("connection lost later"))
	if a.relistCut(false) == nil {
		t.Fatal("a new cut after a completed listing was not listed again")
	}
	cut(fmt.Errorf("bucket gone: %w", backend.ErrNotFound))
	a.conn.relisted = false
	if a.relistCut(false) != nil || a.relistCut(true) != nil {
		t.Fatal("a missing bucket was listed again")
	}
}
