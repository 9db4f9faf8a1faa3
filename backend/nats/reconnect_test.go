package nats

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// reconnectWaitLimit bounds the wait for the client to notice a server
// going away and coming back.
const reconnectWaitLimit = 20 * time.Second

func TestServerRestartKeepsTheStoreUsable(t *testing.T) {
	srv, s, bucket := startStore(t)
	mustPut(t, s, bucket, "before", "1", backend.PutOptions{})
	w := startWatch(t, s, bucket, "")
	if !s.Connected() {
		t.Fatal("Connected() = false right after Open")
	}

	srv.Shutdown()
	eventually(t, reconnectWaitLimit, "Connected() turns false", func() bool { return !s.Connected() })
	if _, err := s.Get(testContext(t), bucket, "before", backend.GetOptions{}); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("Get with the server down = %v, want a not-connected error", err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	eventually(t, reconnectWaitLimit, "Connected() turns true", s.Connected)

	// JetStream recovers its streams from the store directory; the same
	// Store reads, writes and lists again.
	eventually(t, reconnectWaitLimit, "Get works again", func() bool {
		_, err := s.Get(testContext(t), bucket, "before", backend.GetOptions{})
		return err == nil
	})
	mustPut(t, s, bucket, "after", "2", backend.PutOptions{})
	if got := listKeys(t, s, bucket, ""); !slices.Equal(got, []string{"after", "before"}) {
		t.Errorf("Keys after restart = %v", got)
	}

	// The watch started before the restart delivers a change made after it,
	// by another client.
	other := openURL(t, srv.URL(), false)
	mustPut(t, other, bucket, "from.elsewhere", "3", backend.PutOptions{})
	w.waitFor(t, "from.elsewhere", backend.ChangePut)
}

// Issue 11, item 7: a listing cut by a server crash waited 30 s and then
// said "context canceled". It ends as soon as the connection drops, with
// that as its cause.
func TestListingCutByACrashEndsAtOnceWithTheCause(t *testing.T) {
	srv, s, bucket := startStore(t)
	// More keys than the consumer pulls at once (pullBatch), published
	// without waiting for each acknowledgement, in runs of 1000 (the
	// client stalls beyond 4000 outstanding).
	const keys = 3 * pullBatch
	for i := range keys {
		if _, err := s.js.PublishAsync(fmt.Sprintf("$KV.%s.k.%05d", bucket, i), []byte("v")); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 999 {
			select {
			case <-s.js.PublishAsyncComplete():
			case <-time.After(30 * time.Second):
				t.Fatal("publishing did not complete")
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	firstBatch, crashed := make(chan struct{}), make(chan struct{})
	ended := make(chan error, 1)
	listed := 0
	go func() {
		ended <- s.Keys(ctx, bucket, backend.Query{BatchSize: 100}, func(b []backend.KeyInfo) error {
			if listed == 0 {
				close(firstBatch)
				<-crashed
			}
			listed += len(b)
			return nil
		})
	}()
	<-firstBatch
	srv.Shutdown()
	close(crashed)
	select {
	case err := <-ended:
		if err == nil || !strings.Contains(err.Error(), "connection to") || !strings.Contains(err.Error(), "lost") {
			t.Fatalf("the cut listing ended with %v, want the connection named as lost", err)
		}
		if listed >= keys {
			t.Fatalf("listed all %d keys although the server went away", listed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the listing is still waiting 10 s after the server went away")
	}
}
