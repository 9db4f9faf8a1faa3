package nats

import (
	"context"
	"errors"
	"testing"
)

func TestListingGate(t *testing.T) {
	var g listingGate
	ctx := context.Background()
	if err := g.wait(ctx, "a"); err != nil {
		t.Fatalf("wait with no listing = %v", err)
	}
	leaveA1 := g.enter("a")
	leaveA2 := g.enter("a")
	leaveB := g.enter("b")

	done := make(chan error, 1)
	go func() { done <- g.wait(ctx, "a") }()
	leaveB()
	leaveA1()
	select {
	case err := <-done:
		t.Fatalf("wait returned %v while a listing of the bucket runs", err)
	default:
	}
	leaveA2()
	if err := <-done; err != nil {
		t.Fatalf("wait after the listings ended = %v", err)
	}

	g.enter("a")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.wait(cancelled, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait = %v, want context.Canceled", err)
	}
}
