package nats

import (
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
