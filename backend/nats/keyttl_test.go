package nats

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// expiryWait is how long a test waits for the server to remove an expired
// key; the server checks expiries on its own clock.
const expiryWait = 10 * time.Second

func gone(t *testing.T, s *Store, bucket, key string) bool {
	_, err := s.Get(testContext(t), bucket, key, backend.GetOptions{})
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return err != nil
}

func TestPerKeyTTLSetOnCreateAndExpiry(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	mustPut(t, s, bucket, "session.abc", `{"user":1}`, backend.PutOptions{TTLMode: backend.TTLSet, TTL: 2 * time.Second, IfAbsent: true})
	mustPut(t, s, bucket, "session.keep", "stays", backend.PutOptions{})

	e := mustGet(t, s, bucket, "session.abc")
	if e.TTL != 2*time.Second || !e.ExpiresAt.Equal(e.Created.Add(2*time.Second)) {
		t.Errorf("entry TTL %s expires %s, want 2s after %s", e.TTL, e.ExpiresAt, e.Created)
	}
	if k, ok := keyInfo(t, s, bucket, "session.abc"); !ok || !k.ExpiresAt.Equal(e.ExpiresAt) {
		t.Errorf("listed expiry %v, want %v", k.ExpiresAt, e.ExpiresAt)
	}

	eventually(t, expiryWait, "the key expires", func() bool { return gone(t, s, bucket, "session.abc") })
	if got := listKeys(t, s, bucket, ""); !slices.Equal(got, []string{"session.keep"}) {
		t.Errorf("Keys after expiry = %v", got)
	}
}

func TestPerKeyTTLRefresh(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "lease", "leader-1", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 3 * time.Second})
	before := mustGet(t, s, bucket, "lease")

	time.Sleep(1200 * time.Millisecond)
	if err := s.Expire(ctx, bucket, "lease", 3*time.Second); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	after := mustGet(t, s, bucket, "lease")
	if string(after.Value) != "leader-1" || after.Revision <= before.Revision {
		t.Errorf("after refresh: value %q revision %d (was %d)", after.Value, after.Revision, before.Revision)
	}
	if moved := after.ExpiresAt.Sub(before.ExpiresAt); moved < time.Second {
		t.Errorf("refresh moved the expiry by %s, want the 1.2s that passed", moved)
	}
	if after.TTL != 3*time.Second {
		t.Errorf("TTL after refresh = %s", after.TTL)
	}

	// A changed TTL (longer) and then none.
	if err := s.Expire(ctx, bucket, "lease", time.Hour); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, bucket, "lease"); e.TTL != time.Hour {
		t.Errorf("TTL after change = %s, want 1h", e.TTL)
	}
	if err := s.Expire(ctx, bucket, "lease", 0); err != nil {
		t.Fatal(err)
	}
	if e := mustGet(t, s, bucket, "lease"); !e.ExpiresAt.IsZero() || e.TTL != 0 {
		t.Errorf("after Expire(0): TTL %s expires %v, want none", e.TTL, e.ExpiresAt)
	}
	wantErr(t, s.Expire(ctx, bucket, "missing", time.Minute), backend.ErrNotFound, "Expire of a missing key")
}

func TestPerKeyTTLKeptOnEdit(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	mustPut(t, s, bucket, "doc", `{"v":1}`, backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	first := mustGet(t, s, bucket, "doc")

	time.Sleep(1100 * time.Millisecond)
	// An edit with the revision shown, and one without: neither loses the
	// TTL nor moves the expiry instant (beyond rounding up to a second).
	mustPut(t, s, bucket, "doc", `{"v":2}`, backend.PutOptions{IfVersion: first.Version})
	mustPut(t, s, bucket, "doc", `{"v":3}`, backend.PutOptions{})
	edited := mustGet(t, s, bucket, "doc")
	if string(edited.Value) != `{"v":3}` {
		t.Fatalf("value = %s", edited.Value)
	}
	if d := edited.ExpiresAt.Sub(first.ExpiresAt); d < 0 || d >= time.Second {
		t.Errorf("edit moved the expiry from %s to %s", first.ExpiresAt, edited.ExpiresAt)
	}

	// With a short TTL the edited key expires when the first write would
	// have, and no older revision comes back.
	mustPut(t, s, bucket, "short", "one", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 2 * time.Second})
	mustPut(t, s, bucket, "short", "two", backend.PutOptions{})
	eventually(t, expiryWait, "the edited key expires", func() bool { return gone(t, s, bucket, "short") })
	time.Sleep(1500 * time.Millisecond)
	if !gone(t, s, bucket, "short") {
		t.Errorf("an older revision of the expired key came back")
	}
}

func TestPerKeyTTLSetAndRemovedByPut(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	mustPut(t, s, bucket, "k", "v1", backend.PutOptions{})
	mustPut(t, s, bucket, "k", "v2", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 90 * time.Second})
	if e := mustGet(t, s, bucket, "k"); e.TTL != 90*time.Second {
		t.Errorf("TTL = %s, want 90s", e.TTL)
	}
	mustPut(t, s, bucket, "k", "v3", backend.PutOptions{TTLMode: backend.TTLNone})
	if e := mustGet(t, s, bucket, "k"); e.TTL != 0 || !e.ExpiresAt.IsZero() {
		t.Errorf("after TTLNone: TTL %s expires %v", e.TTL, e.ExpiresAt)
	}
	// A TTL under a second is rounded up to the second the server counts.
	mustPut(t, s, bucket, "k", "v4", backend.PutOptions{TTLMode: backend.TTLSet, TTL: 1500 * time.Millisecond})
	if e := mustGet(t, s, bucket, "k"); e.TTL != 2*time.Second {
		t.Errorf("TTL of 1.5s = %s, want 2s", e.TTL)
	}
}

// NATS removes only the expired revision: an older revision without a TTL
// becomes the key's value again. The UI warns about this before a TTL is
// set in a bucket with history.
func TestExpiryOfLatestRevisionRevealsOlderOneWithoutTTL(t *testing.T) {
	t.Parallel()
	_, s, bucket := startStore(t)
	mustPut(t, s, bucket, "k", "permanent", backend.PutOptions{})
	if err := s.Expire(testContext(t), bucket, "k", time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, expiryWait, "the older revision is current again", func() bool {
		e, err := s.Get(testContext(t), bucket, "k", backend.GetOptions{})
		return err == nil && e.TTL == 0
	})
	if e := mustGet(t, s, bucket, "k"); string(e.Value) != "permanent" {
		t.Errorf("value = %q", e.Value)
	}
}

func TestPerKeyTTLNeedsTheBucketOption(t *testing.T) {
	_, s, _ := startStore(t)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "nottl", History: 3}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(ctx, "nottl", "k", []byte("v"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Minute})
	wantErr(t, err, backend.ErrUnsupported, "TTL in a bucket without per-key TTLs")
	if !strings.Contains(err.Error(), "does not allow per-key TTL") {
		t.Errorf("error %q does not say what to do", err)
	}
	mustPut(t, s, "nottl", "k", "v", backend.PutOptions{})
	mustPut(t, s, "nottl", "k", "v2", backend.PutOptions{}) // TTLKeep without TTLs: a plain write
	wantErr(t, s.Expire(ctx, "nottl", "k", time.Minute), backend.ErrUnsupported, "Expire without per-key TTLs")
	if err := s.Expire(ctx, "nottl", "k", 0); err != nil {
		t.Errorf("Expire(0) on a key without TTL: %v", err)
	}
	err = s.PutMany(ctx, "nottl", []backend.Item{{Key: "x", Value: []byte("1"), TTL: time.Second}})
	wantErr(t, err, backend.ErrUnsupported, "PutMany with TTLs")
}

func TestBucketTTLGivesExpiry(t *testing.T) {
	_, s, _ := startStore(t)
	if err := s.CreateBucket(testContext(t), backend.BucketConfig{Name: "cache", TTL: time.Hour, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "cache", "k", "v", backend.PutOptions{})
	e := mustGet(t, s, "cache", "k")
	if !e.ExpiresAt.Equal(e.Created.Add(time.Hour)) || e.TTL != 0 {
		t.Errorf("expires %v (TTL %s), want the bucket's hour after %v", e.ExpiresAt, e.TTL, e.Created)
	}
	// A key's own TTL wins over the bucket's.
	mustPut(t, s, "cache", "own", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Minute})
	if e := mustGet(t, s, "cache", "own"); !e.ExpiresAt.Equal(e.Created.Add(time.Minute)) {
		t.Errorf("own TTL: expires %v, want a minute after %v", e.ExpiresAt, e.Created)
	}
}

func TestWholeSeconds(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0: time.Second, 300 * time.Millisecond: time.Second, time.Second: time.Second,
		1001 * time.Millisecond: 2 * time.Second, 59*time.Second + time.Nanosecond: time.Minute,
		backend.MaxTTL: backend.MaxTTL, backend.MaxTTL - time.Millisecond: backend.MaxTTL,
	} {
		if got := wholeSeconds(in); got != want {
			t.Errorf("wholeSeconds(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestExpiresAtTakesTheEarlierOfKeyAndBucketTTL(t *testing.T) {
	created := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	header := func(v string) natsgo.Header {
		h := natsgo.Header{}
		if v != "" {
			h.Set(jetstream.MsgTTLHeader, v)
		}
		return h
	}
	for _, c := range []struct {
		ttl    string
		maxAge time.Duration
		want   time.Duration // from created; -1 for never
	}{
		{"", 0, -1},
		{"", time.Hour, time.Hour},
		{"30s", 0, 30 * time.Second},
		{"30", time.Hour, 30 * time.Second},
		{"2h0m0s", time.Hour, time.Hour},
		{"never", time.Hour, -1},
	} {
		got := expiresAt(header(c.ttl), created, c.maxAge)
		switch {
		case c.want < 0 && !got.IsZero():
			t.Errorf("ttl %q maxAge %s: expires %v, want never", c.ttl, c.maxAge, got)
		case c.want >= 0 && !got.Equal(created.Add(c.want)):
			t.Errorf("ttl %q maxAge %s: expires %v, want %v", c.ttl, c.maxAge, got, created.Add(c.want))
		}
	}
}
