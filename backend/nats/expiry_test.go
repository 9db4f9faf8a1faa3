package nats

import (
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Defect 13: when a revision with its own TTL expires and an older one
// remains, the server leaves no marker; Get returns the older revision and
// the watch reports it, so the pane reloads.
func TestWatchReportsOlderRevisionAfterExpiry(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	o := newOther(t, srv.URL(), bucket)

	// Written before the watch started: found by the watch's first listing.
	mustPut(t, s, bucket, "before", "permanent", backend.PutOptions{})
	older := mustGet(t, s, bucket, "before")
	o.setTTL(t, "before", "temporary", 2*time.Second)

	w := startWatch(t, s, bucket, "")
	// Written while it runs, by another client.
	mustPut(t, s, bucket, "during", "permanent", backend.PutOptions{})
	olderDuring := mustGet(t, s, bucket, "during")
	o.setTTL(t, "during", "temporary", time.Second)
	w.waitFor(t, "during", backend.ChangePut)

	for key, rev := range map[string]uint64{"before": older.Revision, "during": olderDuring.Revision} {
		eventually(t, expiryWait, "watch reports the older revision of "+key, func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			// The older revision counts once it comes back after the newer
			// one: "during"'s first write reported rev itself too. "before"
			// was written, twice, before the watch started.
			newerSeen := key == "before"
			for _, c := range w.changes {
				if c.Key != key {
					continue
				}
				if c.Revision > rev {
					newerSeen = true
				}
				if newerSeen && c.Op == backend.ChangePut && c.Revision == rev {
					return true
				}
			}
			return false
		})
		if e := mustGet(t, s, bucket, key); string(e.Value) != "permanent" || e.Revision != rev {
			t.Errorf("Get(%s) after expiry = %q at %d, want the older revision %d", key, e.Value, e.Revision, rev)
		}
	}
}

// Where the expiry of the last revision leaves no marker (a bucket TTL
// without per-key TTLs), the watch reports the expiry itself.
func TestWatchReportsExpiryWithoutMarker(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	if err := s.CreateBucket(testContext(t), backend.BucketConfig{Name: "aged", TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, s, "aged", "")
	mustPut(t, s, "aged", "k", "v", backend.PutOptions{})
	w.waitFor(t, "k", backend.ChangeExpire)
	if !gone(t, s, "aged", "k") {
		t.Error("the watch reported an expiry of a key Get still reads")
	}
}
