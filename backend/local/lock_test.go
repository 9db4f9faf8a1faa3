package local

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// While kvdeck is open and idle (it has just listed and read), the owner's
// tools can open the file: read-only at once, read-write once the short
// linger has passed.
func TestIdleStoreLetsOtherProgramsOpenTheFile(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 1}, Options{})
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	keysOf(t, s, "b")
	mustGet(t, s, "b", "k")

	ro, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("a read-only open beside an idle kvdeck: %v", err)
	}
	ro.Close()

	start := time.Now()
	rw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: defaultLinger + 2*time.Second})
	if err != nil {
		t.Fatalf("a read-write open once kvdeck is idle: %v", err)
	}
	waited := time.Since(start)
	err = rw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("owner"), []byte("x")) })
	rw.Close()
	if err != nil {
		t.Fatal(err)
	}
	if waited > defaultLinger+time.Second {
		t.Fatalf("the owner waited %v for kvdeck's lock", waited)
	}
	// kvdeck sees the owner's write on its next read.
	if e := mustGet(t, s, "b", "owner"); string(e.Value) != "x" {
		t.Fatalf("owner's key reads %q", e.Value)
	}
}

// While another program has the file open read-write, a kvdeck write fails
// within the bounded wait with one clear line naming the file, changes
// nothing, and succeeds when retried after the other program closes it.
func TestWriteWhileAnotherProgramHoldsTheFile(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 1}, Options{})
	if _, err := s.Put(ctx, "b", "k", []byte("mine"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	other := rawOpen(t, path, false)
	start := time.Now()
	_, err := s.Put(ctx, "b", "k", []byte("new"), backend.PutOptions{})
	took := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		other.Close()
		t.Fatalf("Put while another program holds the file: %v, want ErrLocked", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "another program has it open") || strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line naming %s and saying another program has it open", msg, path)
	}
	if took > lockTimeout+time.Second {
		t.Errorf("the write waited %v, want about %v", took, lockTimeout)
	}
	if _, err := s.Get(ctx, "b", "k", backend.GetOptions{}); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Errorf("a read while another program writes: %v", err)
	}
	// The other program still sees its file as it was, and can write.
	if err := other.Update(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("k")); string(v) != "mine" {
			return fmt.Errorf("the other program reads %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if _, err := s.Put(ctx, "b", "k", []byte("new"), backend.PutOptions{}); err != nil {
		t.Fatalf("the retried Put: %v", err)
	}
	if v, _ := rawGet(t, path, "b", "k"); string(v) != "new" {
		t.Fatalf("after the retry the file holds %q", v)
	}
}

// A read-only kvdeck never asks for the exclusive lock: it reads beside
// another reader, refuses writes at once, and never changes the file.
func TestReadOnlyStoreNeverTakesTheWriteLock(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 1}, Options{})
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := fileBytes(t, path)
	reader := rawOpen(t, path, true) // another program reading: a shared lock
	defer reader.Close()

	ro := openAt(t, path, Options{ReadOnly: true, SweepEvery: 10 * time.Millisecond})
	mustGet(t, ro, "b", "k")
	keysOf(t, ro, "b")
	start := time.Now()
	if _, err := ro.Put(ctx, "b", "k", []byte("x"), backend.PutOptions{}); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only Put: %v", err)
	}
	if err := ro.Expire(ctx, "b", "k", 0); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only Expire: %v", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("read-only writes took %v to refuse: they waited for a lock", d)
	}
	// A writable kvdeck beside the reader must wait for the exclusive lock
	// (and give up): writing is what needs it.
	rw := openAt(t, path, Options{})
	if _, err := rw.Put(ctx, "b", "k", []byte("x"), backend.PutOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("a write beside a reader: %v, want ErrLocked", err)
	}
	ro.Close()
	rw.Close()
	if !bytesEqual(before, fileBytes(t, path)) {
		t.Fatal("the file changed")
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// Many goroutines read, list and write while the handle is swapped under
// them (a linger of 1 ms closes it between most calls); run with -race.
func TestConcurrentUseWhileTheHandleIsSwapped(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 3}, Options{linger: time.Millisecond, SweepEvery: 5 * time.Millisecond})
	for i := range 50 {
		if _, err := s.Put(ctx, "b", fmt.Sprintf("k%02d", i), []byte("0"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 60 {
				key := fmt.Sprintf("k%02d", r.IntN(50))
				var err error
				switch i % 5 {
				case 0:
					_, err = s.Put(ctx, "b", key, []byte(fmt.Sprint(g, i)), backend.PutOptions{})
				case 1:
					err = s.Keys(ctx, "b", backend.Query{BatchSize: 7}, func([]backend.KeyInfo) error { return nil })
				case 2:
					_, err = s.Buckets(ctx)
				case 3:
					err = s.Expire(ctx, "b", key, time.Hour)
				default:
					_, err = s.Get(ctx, "b", key, backend.GetOptions{})
				}
				if err != nil {
					errs <- fmt.Errorf("goroutine %d op %d: %w", g, i, err)
					return
				}
				if r.IntN(10) == 0 {
					time.Sleep(2 * time.Millisecond) // let the linger close the handle
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(keysOf(t, s, "b")); got != 50 {
		t.Fatalf("%d keys after the run", got)
	}
	s.Close()
	// Closed: no lock is left behind.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	db.Close()
}
