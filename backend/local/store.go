// Package local is kvdeck's embedded store: a bbolt file. Values stay raw
// bytes in ordinary bbolt buckets (nested buckets show as paths, see
// names.go), so files written by other programs open as they are; kvdeck's
// own metadata (bucket config, revisions, expiry, history) lives beside them
// in one reserved bucket that is created only when the user first writes,
// and every key's metadata is bound to the value it was written for.
//
// The file is shared with the programs that own it, so kvdeck holds no lock
// on it while idle. Reads open it read-only (bbolt's shared lock), kept for
// a short linger after the last read so that a listing's batches do not
// reopen it; every write reopens it read-write (the exclusive lock, waited
// for a bounded time), checks and writes in one transaction, and closes it.
package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// Options configure Open.
type Options struct {
	ReadOnly bool
	// MustExist refuses a path where there is no file yet (a target the
	// user typed: a typo must not leave a new store behind), unless
	// Create is set too. Without it a missing file is created (the
	// default store, tests).
	MustExist bool
	// Create makes a new store where there is no file, or in an existing
	// empty file, which is otherwise refused as not a bbolt database.
	Create bool
	// NoSync skips fsync on commit: for temporary stores (the demo) only.
	NoSync bool
	// Now is the clock; tests may freeze it.
	Now func() time.Time
	// SweepEvery is how often expired keys are removed (default 2s).
	SweepEvery time.Duration

	linger time.Duration // tests: a shorter linger (default: the const)
}

// Store is a bbolt file kvdeck works on. It is safe for concurrent use.
type Store struct {
	backend.Guard
	path   string
	now    func() time.Time
	noSync bool
	linger time.Duration

	// hmu guards db and closed. An operation holds it shared for one
	// read transaction; opening, closing and every write hold it
	// exclusively (a write closes the read-only handle, whose shared lock
	// would block this very process's exclusive one).
	hmu    sync.RWMutex
	db     *bolt.DB // the lingering read-only handle; nil when none is open
	closed bool

	lastUse     atomic.Int64 // unix ns of the last read, for the linger
	lingerArmed atomic.Bool  // a linger timer is pending
	nextDue     atomic.Int64 // unix ms of the earliest expiry known; 0 = unknown

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
	_ backend.Restorer    = (*Store)(nil)
)

// lockTimeout is how long an operation waits for a lock another process
// holds before saying the file is in use.
const lockTimeout = time.Second

// sweepLockTimeout is the sweeper's wait for the exclusive lock: one try;
// it tries again on its next round rather than keep readers waiting.
const sweepLockTimeout = time.Millisecond

// defaultLinger is how long the read-only handle (and its shared lock) stays open
// after the last read. Reopening costs little (see the benchmarks); the
// linger keeps a listing's batches and a burst of reads on one handle,
// while another program that opens the file read-write waits at most this
// long once kvdeck is idle.
const defaultLinger = 500 * time.Millisecond

// ErrLocked is matched (errors.Is) by the error of an operation that could
// not get the file's lock because another program has the file open. It
// is retryable: nothing was read or written.
var ErrLocked = errors.New("file in use by another program")

// lockedError names the file and what could not be done.
type lockedError struct {
	path  string
	write bool
}

func (e *lockedError) Error() string {
	if e.write {
		return fmt.Sprintf("cannot write %s: another program has it open (bbolt allows one process at a time to write); nothing was written, try again once it closes the file", e.path)
	}
	return fmt.Sprintf("cannot read %s: another program has it open for writing (bbolt lets no other process read it meanwhile); try again once it closes the file", e.path)
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

var errClosed = errors.New("the store is closed")

// Open opens the bbolt file at path, or creates it when there is no file
// (unless read-only, or MustExist without Create). A file that is not a
// bbolt database is refused with what it is, and left untouched. It checks
// the file and returns; it keeps no lock on it.
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SweepEvery == 0 {
		opts.SweepEvery = 2 * time.Second
	}
	if opts.linger == 0 {
		opts.linger = defaultLinger
	}
	st, statErr := os.Stat(path)
	// An empty file is refused as not a store, unless Create makes it one.
	createInEmpty := opts.Create && statErr == nil && st.Mode().IsRegular() && st.Size() == 0
	switch {
	case statErr == nil && !createInEmpty:
		if err := checkBoltFile(path); err != nil {
			return nil, err
		}
	case opts.ReadOnly:
		return nil, fmt.Errorf("cannot open %s read-only: %w", path, statErr)
	case opts.MustExist && !opts.Create && errors.Is(statErr, fs.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist; to make a new store there, add --create", path)
	}
	if dir := filepath.Dir(path); !opts.ReadOnly && dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("cannot create %s: folder %s: %w", path, dir, err)
		}
	}
	s := &Store{
		Guard: backend.Guard{ReadOnly: opts.ReadOnly}, path: path, now: opts.Now, noSync: opts.NoSync, linger: opts.linger,
		watchers: map[*watcher]struct{}{}, stop: make(chan struct{}), done: make(chan struct{}),
	}
	if errors.Is(statErr, fs.ErrNotExist) || createInEmpty {
		db, err := s.openBolt(false, true, lockTimeout)
		if err != nil {
			return nil, err
		}
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("creating %s: %w", path, err)
		}
	}
	// A first read says now whether this is a bbolt file kvdeck can read.
	if err := s.openRead(); err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		close(s.done)
	} else {
		go s.sweepLoop(opts.SweepEvery)
	}
	return s, nil
}

// openBolt opens the file: read-only with the shared lock, or read-write
// with the exclusive lock, waiting at most wait for another process's
// lock. Only create may create the file: a write never brings back, empty,
// a file that was removed.
func (s *Store) openBolt(readOnly, create bool, wait time.Duration) (*bolt.DB, error) {
	bo := &bolt.Options{Timeout: wait, ReadOnly: readOnly, NoSync: s.noSync}
	if !create {
		bo.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
			return os.OpenFile(name, flag&^os.O_CREATE, perm)
		}
	}
	db, err := bolt.Open(s.path, 0o600, bo)
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, &lockedError{path: s.path, write: !readOnly}
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrVersionMismatch), errors.Is(err, bolt.ErrChecksum):
		return nil, fmt.Errorf("%s is not a bbolt database: %w", s.path, err)
	case err != nil:
		return nil, fmt.Errorf("cannot open %s: %w", s.path, err)
	}
	return db, nil
}

// openRead opens the read-only handle if none is open.
func (s *Store) openRead() error {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.db != nil {
		return nil
	}
	db, err := s.openBolt(true, false, lockTimeout)
	if err != nil {
		return err
	}
	s.db = db
	s.touch()
	return nil
}

// view runs fn in a read transaction on the read-only handle, opening it
// if needed.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	for {
		s.hmu.RLock()
		if db := s.db; db != nil {
			err := db.View(fn)
			s.touch()
			s.hmu.RUnlock()
			return err
		}
		s.hmu.RUnlock()
		if err := s.openRead(); err != nil {
			return err
		}
	}
}

// viewIfOpen runs fn only when a read-only handle is open already, without
// extending its linger; ran says whether it did.
func (s *Store) viewIfOpen(fn func(*bolt.Tx) error) (ran bool, err error) {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	if s.db == nil {
		return false, nil
	}
	return true, s.db.View(fn)
}

// touch records a use of the read-only handle and makes sure a timer will
// close it after the linger. Called with hmu held (shared or exclusive).
func (s *Store) touch() {
	s.lastUse.Store(time.Now().UnixNano())
	if s.lingerArmed.CompareAndSwap(false, true) {
		time.AfterFunc(s.linger, s.idle)
	}
}

// idle closes the read-only handle once it has not been used for linger.
func (s *Store) idle() {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.db != nil {
		if left := s.linger - time.Duration(time.Now().UnixNano()-s.lastUse.Load()); left > 0 {
			time.AfterFunc(left, s.idle)
			return
		}
		_ = s.db.Close()
		s.db = nil
	}
	s.lingerArmed.Store(false)
}

// errNoChange makes update roll back a transaction that changed nothing.
var errNoChange = errors.New("no change")

// update runs fn in one read-write transaction under the file's exclusive
// lock, which it holds for that transaction only. fn reports whether it
// changed anything; a transaction that did not is rolled back, so an
// unchanged write leaves the file as it was (a bbolt commit writes a new
// meta page even when nothing changed).
func (s *Store) update(fn func(*bolt.Tx) (bool, error)) error {
	return s.updateWait(lockTimeout, fn)
}

func (s *Store) updateWait(wait time.Duration, fn func(*bolt.Tx) (bool, error)) error {
	if err := s.Writable(); err != nil {
		return err // a read-only store never asks for the exclusive lock
	}
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.db != nil {
		_ = s.db.Close()
		s.db = nil
	}
	db, err := s.openBolt(false, false, wait)
	if err != nil {
		return err
	}
	defer db.Close() // releases the exclusive lock
	err = db.Update(func(tx *bolt.Tx) error {
		changed, err := fn(tx)
		if err == nil && !changed {
			err = errNoChange
		}
		return err
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	return err
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
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.closed = true
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}
