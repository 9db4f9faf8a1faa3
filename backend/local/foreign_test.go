package local

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

func fileHash(t *testing.T, path string) [32]byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(raw)
}

// A bbolt file written by another program opens as it is: its buckets
// (nested ones as paths) and raw values show, and browsing writes nothing.
func TestForeignFileIsShownAndNotWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "foreign.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		app, _ := tx.CreateBucket([]byte("app"))
		app.Put([]byte("config"), []byte(`{"debug":true}`))
		cache, _ := app.CreateBucket([]byte("cache"))
		cache.Put([]byte("page:/"), []byte{0xde, 0xad, 0xbe, 0xef})
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, path)
	s, err := Open(path, Options{SweepEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bs, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Name != "app" || bs[1].Name != "app/cache" || bs[0].Keys != 1 || bs[1].Keys != 1 {
		t.Fatalf("buckets of a foreign file: %+v", bs)
	}
	e, err := s.Get(ctx, "app/cache", "page:/", backend.GetOptions{})
	if err != nil || string(e.Value) != "\xde\xad\xbe\xef" || e.Version == "" {
		t.Fatalf("raw value: %v %q", err, e.Value)
	}
	var keys []string
	s.Keys(ctx, "app", backend.Query{}, func(b []backend.KeyInfo) error {
		for _, k := range b {
			keys = append(keys, k.Name)
		}
		return nil
	})
	if strings.Join(keys, ",") != "config" {
		t.Fatalf("a nested bucket was listed as a key: %v", keys)
	}
	time.Sleep(200 * time.Millisecond) // give the sweeper its chances
	s.Close()
	if fileHash(t, path) != before {
		t.Fatal("browsing a foreign file changed it")
	}
	// An edit with the fingerprint version read above works.
	s, _ = Open(path, Options{})
	defer s.Close()
	if _, err := s.Put(ctx, "app/cache", "page:/", []byte("new"), backend.PutOptions{IfVersion: e.Version}); err != nil {
		t.Fatalf("editing a foreign key: %v", err)
	}
}

// Two kvdeck sessions on one file both work: neither holds a lock while
// idle, and each write takes the exclusive lock only for its transaction.
func TestTwoStoresOnOneFileBothWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	ctx := context.Background()
	a, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.CreateBucket(ctx, backend.BucketConfig{Name: "b", History: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("a second kvdeck on the same file: %v", err)
	}
	defer b.Close()
	if _, err := a.Put(ctx, "b", "from-a", []byte("1"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "b", "from-b", []byte("2"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Store{a, b} {
		for _, k := range []string{"from-a", "from-b"} {
			if _, err := s.Get(ctx, "b", k, backend.GetOptions{}); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
	}
}

func TestOpenErrorsAreClear(t *testing.T) {
	if _, err := Open("/nonexistent/dir/s.db", Options{}); err == nil || !strings.Contains(err.Error(), "/nonexistent/dir") {
		t.Fatalf("missing folder: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 1000)), 0o600)
	if _, err := Open(junk, Options{}); err == nil || !strings.Contains(err.Error(), "not a bbolt database") {
		t.Fatalf("junk file: %v", err)
	}
}

func newStore(t *testing.T, cfg backend.BucketConfig) *Store {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{SweepEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateBucket(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHistoryIsTrimmedToTheBucketsHistory(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "flags", History: 3})
	ctx := context.Background()
	for _, v := range []string{"1", "2", "3", "4", "5"} {
		s.Put(ctx, "flags", "f", []byte(v), backend.PutOptions{})
	}
	h, err := s.History(ctx, "flags", "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || string(h[0].Value) != "5" || string(h[2].Value) != "3" {
		t.Fatalf("history has %d entries, want the newest 3", len(h))
	}
}

func TestBucketRulesAndLimits(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "small", History: 1, MaxValueSize: 4, TTL: time.Hour})
	ctx := context.Background()
	for _, bad := range []backend.BucketConfig{{Name: "has space", History: 1}, {Name: "dots.not.ok", History: 1}, {Name: "ok", History: 65}} {
		if err := s.CreateBucket(ctx, bad); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("CreateBucket(%+v): %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.Put(ctx, "small", "k", []byte("12345"), backend.PutOptions{}); !errors.Is(err, backend.ErrInvalid) || !strings.Contains(err.Error(), "max value size") {
		t.Fatalf("an oversized value: %v", err)
	}
	if _, err := s.Put(ctx, "small", "k", []byte("1234"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Get(ctx, "small", "k", backend.GetOptions{})
	if left := time.Until(e.ExpiresAt); left < 59*time.Minute || e.TTL != time.Hour {
		t.Fatalf("a new key did not get the bucket's default TTL: %v left, TTL %v", left, e.TTL)
	}
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "small", History: 1}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("creating an existing bucket: %v", err)
	}
}

func TestSweeperRemovesExpiredKeysAndTellsWatchers(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "b", History: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan backend.Change, 10)
	go s.Watch(ctx, "b", "", func(c backend.Change) { changes <- c })
	time.Sleep(50 * time.Millisecond)
	s.Put(ctx, "b", "gone", []byte("x"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Second})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case c := <-changes:
			if c.Op == backend.ChangeExpire && c.Key == "gone" {
				if _, ok := rawGet(t, s.path, "b", "gone"); ok {
					t.Error("the sweeper reported an expiry but left the value in the file")
				}
				return
			}
		case <-deadline:
			t.Fatal("no expiry change within 5s")
		}
	}
}

func TestSparsePatternOverManyKeysIsCompleteAcrossTransactions(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "b", History: 1})
	ctx := context.Background()
	items := make([]backend.Item, 0, 3*scanPerTx)
	for i := range 3 * scanPerTx {
		name := fmt.Sprintf("k:%06d", i)
		if i%25_000 == 7 {
			name = fmt.Sprintf("k:%06d:rare", i)
		}
		items = append(items, backend.Item{Key: name, Value: []byte("v")})
	}
	if err := s.PutMany(ctx, "b", items); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.Keys(ctx, "b", backend.Query{Pattern: "*rare"}, func(b []backend.KeyInfo) error {
		for _, k := range b {
			got = append(got, k.Name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("a sparse pattern over %d keys found %v, want 3 keys", len(items), got)
	}
}

func TestReservedAndReadOnlyMessages(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "b", History: 1})
	if err := s.CreateBucket(context.Background(), backend.BucketConfig{Name: "__kvdeck__", History: 1}); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("creating the metadata bucket by name: %v", err)
	}
	ro, err := Open(s.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a file another kvdeck has open: %v", err)
	}
	ro.Close()
	if err := s.Watch(context.Background(), "nope", "", func(backend.Change) {}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("watching a missing bucket: %v", err)
	}
}

func TestLoweringHistoryStopsShowingOldRevisions(t *testing.T) {
	s := newStore(t, backend.BucketConfig{Name: "flags", History: 5})
	ctx := context.Background()
	for _, v := range []string{"1", "2", "3"} {
		s.Put(ctx, "flags", "f", []byte(v), backend.PutOptions{})
	}
	if err := s.UpdateBucket(ctx, backend.BucketConfig{Name: "flags", History: 5}, backend.BucketConfig{Name: "flags", History: 1}); err != nil {
		t.Fatal(err)
	}
	h, _ := s.History(ctx, "flags", "f")
	if len(h) != 1 || string(h[0].Value) != "3" {
		t.Fatalf("with history 1 the history shows %d revisions", len(h))
	}
	s.Put(ctx, "flags", "f", []byte("4"), backend.PutOptions{})
	if err := s.UpdateBucket(ctx, backend.BucketConfig{Name: "flags", History: 1}, backend.BucketConfig{Name: "flags", History: 5}); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, "flags", "f"); len(h) != 1 {
		t.Fatalf("revisions kept before history was lowered came back: %d", len(h))
	}
}
