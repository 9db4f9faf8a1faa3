package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
)

// testTimeout bounds every backend call a test makes.
const testTimeout = 20 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// openURL opens a store on url and closes it when the test ends.
func openURL(t *testing.T, url string, readOnly bool) *Store {
	t.Helper()
	o, err := ParseURL(url)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", url, err)
	}
	o.ReadOnly = readOnly
	s, err := Open(testContext(t), o)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var bucketSeq atomic.Int64

// newBucket creates a bucket named after the test with per-key TTLs and a
// history of 5, the conformance suite's bucket, and returns its name.
func newBucket(t *testing.T, s *Store) string {
	t.Helper()
	name := fmt.Sprintf("b%d", bucketSeq.Add(1))
	err := s.CreateBucket(testContext(t), backend.BucketConfig{Name: name, History: 5, KeyTTL: true})
	if err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
	return name
}

// startStore starts a server and opens a writable store with a fresh
// bucket on it.
func startStore(t *testing.T) (*natstest.Server, *Store, string) {
	t.Helper()
	srv := natstest.Start(t)
	s := openURL(t, srv.URL(), false)
	return srv, s, newBucket(t, s)
}

func mustPut(t *testing.T, s *Store, bucket, key, value string, opts backend.PutOptions) {
	t.Helper()
	if _, err := s.Put(testContext(t), bucket, key, []byte(value), opts); err != nil {
		t.Fatalf("Put(%s, %q): %v", key, value, err)
	}
}

func mustGet(t *testing.T, s *Store, bucket, key string) backend.Entry {
	t.Helper()
	e, err := s.Get(testContext(t), bucket, key, backend.GetOptions{})
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return e
}

// listKeys lists the keys matching pattern, sorted.
func listKeys(t *testing.T, s *Store, bucket, pattern string) []string {
	t.Helper()
	var names []string
	err := s.Keys(testContext(t), bucket, backend.Query{Pattern: pattern}, func(batch []backend.KeyInfo) error {
		for _, k := range batch {
			names = append(names, k.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Keys(%q): %v", pattern, err)
	}
	slices.Sort(names)
	return names
}

// keyInfo lists all keys and returns the one named key.
func keyInfo(t *testing.T, s *Store, bucket, key string) (backend.KeyInfo, bool) {
	t.Helper()
	var found backend.KeyInfo
	ok := false
	err := s.Keys(testContext(t), bucket, backend.Query{}, func(batch []backend.KeyInfo) error {
		for _, k := range batch {
			if k.Name == key {
				found, ok = k, true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	return found, ok
}

// eventually polls cond until it holds or the timeout passes. It waits for
// things the server does on its own clock (expiry, reconnects, elections),
// never to measure speed.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want %v", what, err, target)
	}
}
