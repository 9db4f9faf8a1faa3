package nats

import (
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Defect 11: in a bucket with a TTL and per-key TTLs, an edit of a key
// without a TTL of its own keeps its expiry instant (it restarted the
// bucket's hour before).
func TestEditInBucketWithTTLKeepsExpiryInstant(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "cache", TTL: time.Hour, History: 3, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "cache", "k", "v1", backend.PutOptions{})
	first := mustGet(t, s, "cache", "k")
	if first.WriteRestartsTTL {
		t.Error("WriteRestartsTTL set where per-key TTLs keep the instant")
	}

	time.Sleep(1100 * time.Millisecond) // so that a restarted TTL would show
	mustPut(t, s, "cache", "k", "v2", backend.PutOptions{IfVersion: first.Version})
	edited := mustGet(t, s, "cache", "k")
	if d := edited.ExpiresAt.Sub(first.ExpiresAt); d < 0 || d >= time.Second {
		t.Errorf("edit moved the expiry from %s to %s", first.ExpiresAt, edited.ExpiresAt)
	}
}

// Where only the bucket's TTL applies, a write restarts the key's age, and
// Get says so before the editor saves.
func TestWriteRestartsTTLWithoutPerKeyTTLs(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "aged", TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "forever"}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "aged", "k", "v1", backend.PutOptions{})
	mustPut(t, s, "forever", "k", "v1", backend.PutOptions{})
	if e := mustGet(t, s, "forever", "k"); e.WriteRestartsTTL {
		t.Error("WriteRestartsTTL set in a bucket without a TTL")
	}
	first := mustGet(t, s, "aged", "k")
	if !first.WriteRestartsTTL {
		t.Fatal("WriteRestartsTTL not set in a bucket with only a bucket TTL")
	}
	time.Sleep(1100 * time.Millisecond)
	mustPut(t, s, "aged", "k", "v2", backend.PutOptions{IfVersion: first.Version})
	edited := mustGet(t, s, "aged", "k")
	if moved := edited.ExpiresAt.Sub(first.ExpiresAt); moved < time.Second {
		t.Errorf("the expiry moved by %s; the flag says a write restarts it", moved)
	}
	// Removing the TTL cannot be done there, and says why.
	err := s.Expire(ctx, "aged", "k", 0)
	wantErr(t, err, backend.ErrInvalid, "persist where every key expires")
	if !strings.Contains(err.Error(), "1h0m0s") {
		t.Errorf("refusal %q does not name the bucket's TTL", err)
	}
}

// The server raises a per-key TTL shorter than the bucket's marker TTL to
// the marker TTL (nats-server processJetStreamMsg, except with one revision
// per key): kvdeck refuses such a TTL naming the limit rather than report a
// TTL the key does not get.
func TestKeyTTLBelowMarkerTTLRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "m", History: 5, KeyTTL: true, MarkerTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	o := newOther(t, srv, "m")

	// What the server does: 5m asked, 1h stored.
	o.setTTL(t, "raw", "v", 5*time.Minute)
	if got := o.last(t, "raw").Header.Get(jetstream.MsgTTLHeader); got != "3600" {
		t.Fatalf("server stored TTL %q for 5m under a 1h marker TTL; the rule changed", got)
	}

	mustPut(t, s, "m", "k", "v", backend.PutOptions{})
	err := s.Expire(ctx, "m", "k", 5*time.Minute)
	wantErr(t, err, backend.ErrInvalid, "Expire under the marker TTL")
	if !strings.Contains(err.Error(), "marker TTL") || !strings.Contains(err.Error(), "1h0m0s") {
		t.Errorf("refusal %q does not name the limit", err)
	}
	_, err = s.Put(ctx, "m", "k", []byte("v2"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 5 * time.Minute})
	wantErr(t, err, backend.ErrInvalid, "Put with a TTL under the marker TTL")
	if e := mustGet(t, s, "m", "k"); e.TTL != 0 || string(e.Value) != "v" {
		t.Errorf("refused TTL calls changed the key: %q TTL %s", e.Value, e.TTL)
	}

	// At or above the marker TTL the key gets what was asked, as Get shows.
	if err := s.Expire(ctx, "m", "k", 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, "m", "k"); e.TTL != 2*time.Hour || !e.ExpiresAt.Equal(e.Created.Add(2*time.Hour)) {
		t.Errorf("TTL %s expires %s, want 2h from %s", e.TTL, e.ExpiresAt, e.Created)
	}

	// With one revision per key the server applies short TTLs as given.
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "one", History: 1, KeyTTL: true, MarkerTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "one", "k", "v", backend.PutOptions{})
	if err := s.Expire(ctx, "one", "k", 5*time.Minute); err != nil {
		t.Fatalf("Expire(5m) with history 1: %v", err)
	}
	if e := mustGet(t, s, "one", "k"); e.TTL != 5*time.Minute {
		t.Errorf("TTL with history 1 = %s, want 5m", e.TTL)
	}
}

// The bucket's TTL removes a message before a longer per-key TTL of its own
// (nats-server removes by max age first; only "never" outlives it): kvdeck
// refuses such a TTL naming the bucket's.
func TestKeyTTLAboveBucketTTLRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "short", TTL: 2 * time.Second, History: 2, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	o := newOther(t, srv, "short")
	// What the server does: a 1h per-key TTL goes with the bucket's 2s.
	o.setTTL(t, "raw", "v", time.Hour)
	eventually(t, expiryWait, "the bucket's TTL removes a key with a longer TTL", func() bool { return gone(t, s, "short", "raw") })

	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "hour", TTL: time.Hour, History: 2, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "hour", "k", "v", backend.PutOptions{})
	err := s.Expire(ctx, "hour", "k", 2*time.Hour)
	wantErr(t, err, backend.ErrInvalid, "Expire beyond the bucket's TTL")
	if !strings.Contains(err.Error(), "1h0m0s") {
		t.Errorf("refusal %q does not name the bucket's TTL", err)
	}
	if err := s.Expire(ctx, "hour", "k", 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, "hour", "k"); e.TTL != 30*time.Minute || !e.ExpiresAt.Equal(e.Created.Add(30*time.Minute)) {
		t.Errorf("TTL %s expires %s, want 30m from %s", e.TTL, e.ExpiresAt, e.Created)
	}
	// Persist there writes "never", the one TTL that outlives the bucket's.
	if err := s.Expire(ctx, "hour", "k", 0); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, "hour", "k"); !e.ExpiresAt.IsZero() {
		t.Errorf("after persist the key expires %s", e.ExpiresAt)
	}
}
