package local

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// watcher receives changes to one bucket made through this Store.
type watcher struct {
	bucket, pattern string
	ch              chan backend.Change
}

// watchBuffer bounds the changes queued for a slow watcher; past it,
// changes are dropped rather than blocking writers (the UI reloads on r).
const watchBuffer = 4096

// Watch streams changes made through this process's Store (writes, deletes
// and expiry sweeps) until ctx is cancelled. A bbolt file has no change
// feed, so changes made by another process are not seen. Watching holds no
// lock on the file.
func (s *Store) Watch(ctx context.Context, bucket, pattern string, emit func(backend.Change)) error {
	if err := s.view(func(tx *bolt.Tx) error {
		if userBucket(tx, bucket) == nil {
			return bucketNotFound(bucket)
		}
		return nil
	}); err != nil {
		return err
	}
	w := &watcher{bucket: bucket, pattern: pattern, ch: make(chan backend.Change, watchBuffer)}
	s.watchMu.Lock()
	s.watchers[w] = struct{}{}
	s.watchMu.Unlock()
	defer func() {
		s.watchMu.Lock()
		delete(s.watchers, w)
		s.watchMu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-w.ch:
			emit(c)
		}
	}
}

func (s *Store) notify(bucket string, c backend.Change) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	for w := range s.watchers {
		if w.bucket != bucket || w.pattern != "" && !backend.MatchGlob(w.pattern, c.Key) {
			continue
		}
		select {
		case w.ch <- c:
		default:
		}
	}
}
