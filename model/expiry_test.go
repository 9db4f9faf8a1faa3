package model

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// Defect 13: after a NATS revision with its own TTL expired, the pane
// still showed it, not the older revision the server returns now.
func TestValuePaneReadsAgainWhenItsRevisionExpires(t *testing.T) {
	srv := natstest.Start(t)
	o, err := nats.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := nats.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "flags", History: 5, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "flags", "mode", []byte("steady"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "flags", "mode", []byte("temporary"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Second}); err != nil {
		t.Fatal(err)
	}
	a := New(s, Options{Bucket: "flags", NoColor: true})
	sim := modeltest.New(a, 120, 30)
	if !sim.WaitFor("mode", 5*time.Second) {
		t.Fatalf("no key:\n%s", sim.Plain())
	}
	sim.Keys("enter")
	if !sim.WaitFor("temporary", 5*time.Second) {
		t.Fatalf("the value is not shown:\n%s", sim.Plain())
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(sim.Plain(), "steady") {
		sim.Send(tickMsg(time.Now()))
		sim.WaitFor("steady", 500*time.Millisecond)
	}
	if p := sim.Plain(); !strings.Contains(p, "steady") || strings.Contains(p, "temporary") {
		t.Fatalf("after the revision expired the pane shows:\n%s", p)
	}
}
