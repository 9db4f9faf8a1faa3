package local

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens a writable store on path, closed when the test ends.
func openAt(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newFile makes a fresh file with one kvdeck bucket and returns its path
// and a store on it.
func newFile(t *testing.T, cfg backend.BucketConfig, opts Options) (string, *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	s := openAt(t, path, opts)
	if err := s.CreateBucket(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return path, s
}

func keysOf(t *testing.T, s *Store, bucket string) map[string]backend.KeyInfo {
	t.Helper()
	out := map[string]backend.KeyInfo{}
	err := s.Keys(context.Background(), bucket, backend.Query{}, func(b []backend.KeyInfo) error {
		for _, k := range b {
			out[k.Name] = k
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Keys(%q): %v", bucket, err)
	}
	return out
}

func bucketNames(t *testing.T, s *Store) []string {
	t.Helper()
	bs, err := s.Buckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	sort.Strings(out)
	return out
}

func mustGet(t *testing.T, s *Store, bucket, key string) backend.Entry {
	t.Helper()
	e, err := s.Get(context.Background(), bucket, key, backend.GetOptions{MaxBytes: -1})
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", bucket, key, err)
	}
	return e
}

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("%s: %v, want ErrConflict", what, err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
