package nats

import (
	"context"
	"sync"
)

// listingGate counts the Keys listings running per bucket. The expiry
// tracker of a watch reads every key of the bucket too (see
// expiryTracker.seed), and kvdeck starts a watch with each listing: side
// by side the two would share the server and the client, and the listing
// the user waits for would take twice as long. The tracker's reading waits
// for the listings instead. The zero value is ready.
type listingGate struct {
	mu      sync.Mutex
	running map[string]int
	idle    map[string]chan struct{} // closed when the bucket's last listing ends
}

// enter records a listing of bucket until leave is called.
func (g *listingGate) enter(bucket string) (leave func()) {
	g.mu.Lock()
	if g.running == nil {
		g.running, g.idle = map[string]int{}, map[string]chan struct{}{}
	}
	if g.running[bucket] == 0 {
		g.idle[bucket] = make(chan struct{})
	}
	g.running[bucket]++
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.running[bucket]--; g.running[bucket] == 0 {
			close(g.idle[bucket])
			delete(g.running, bucket)
			delete(g.idle, bucket)
		}
	}
}

// wait returns once no listing of bucket runs, or with ctx's error.
func (g *listingGate) wait(ctx context.Context, bucket string) error {
	for {
		g.mu.Lock()
		idle, busy := g.idle[bucket]
		g.mu.Unlock()
		if !busy {
			return ctx.Err()
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
