// Package local is kvdeck's embedded store: a bbolt file. Values stay raw
// bytes in ordinary bbolt buckets (nested buckets show as slash-joined
// paths), so files written by other programs open as they are; kvdeck's own
// metadata (bucket config, revisions, expiry, history) lives beside them in
// one reserved bucket that is created only when the user first writes.
package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// Options configure Open.
type Options struct {
	ReadOnly bool
	// NoSync skips fsync on commit: for temporary stores (the demo) only.
	NoSync bool
	// Now is the clock; tests may freeze it.
	Now func() time.Time
	// SweepEvery is how often expired keys are removed (default 2s).
	SweepEvery time.Duration
}

// Store is an open bbolt file.
type Store struct {
	backend.Guard
	db   *bolt.DB
	path string
	now  func() time.Time

	watchMu  sync.Mutex
	watchers map[*watcher]struct{}

	stop chan struct{}
	done chan struct{}
}

// The capabilities the local store offers.
var (
	_ backend.Store       = (*Store)(nil)
	_ backend.BucketAdmin = (*Store)(nil)
	_ backend.Historian   = (*Store)(nil)
	_ backend.Renamer     = (*Store)(nil)
	_ backend.Watcher     = (*Store)(nil)
	_ backend.BulkLoader  = (*Store)(nil)
)

// lockTimeout is how long Open waits for another process's lock before
// saying the file is in use.
const lockTimeout = time.Second

// Open opens (or creates) the bbolt file at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SweepEvery == 0 {
		opts.SweepEvery = 2 * time.Second
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("cannot open %s read-only: %w", path, err)
		}
	} else if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("cannot create %s: folder %s: %w", path, dir, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync})
	switch {
	case errors.Is(err, bolt.ErrTimeout) && opts.ReadOnly:
		return nil, fmt.Errorf("%s is being written by another process (another kvdeck?); bbolt allows no reader while a writer holds the file", path)
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("%s is in use by another process (another kvdeck?); close that one first", path)
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrVersionMismatch), errors.Is(err, bolt.ErrChecksum):
		return nil, fmt.Errorf("%s is not a bbolt database: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	s := &Store{
		Guard: backend.Guard{ReadOnly: opts.ReadOnly}, db: db, path: path, now: opts.Now,
		watchers: map[*watcher]struct{}{}, stop: make(chan struct{}), done: make(chan struct{}),
	}
	if opts.ReadOnly {
		close(s.done)
	} else {
		go s.sweepLoop(opts.SweepEvery)
	}
	return s, nil
}

// DefaultPath is the store kvdeck opens with no argument:
// $XDG_DATA_HOME/kvdeck/kvdeck.db (~/.local/share/kvdeck/kvdeck.db),
// creating the folder on first use.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home folder for the default store: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	dir = filepath.Join(dir, "kvdeck")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	return filepath.Join(dir, "kvdeck.db"), nil
}

// Info describes the store.
func (s *Store) Info() backend.Info {
	return backend.Info{Kind: "local", Address: s.path, ReadOnly: s.ReadOnly, Delimiter: ":",
		PatternHelp: "glob: * any run, ? one byte, [abc] a class"}
}

// Close stops the sweeper and closes the file.
func (s *Store) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	return s.db.Close()
}
