package model

import (
	"context"
	"strings"
	"testing"
	"time"

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
