package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func keyNotFound(bucket, key string) error {
	return backendErr(backend.ErrNotFound, "key %q in bucket %q", key, bucket)
}

// viewKey runs fn on a live key in one read transaction; a missing or
// expired key is ErrNotFound.
func (s *Store) viewKey(bucket, key string, fn func(ks keyState) error) error {
	now := s.now()
	return s.view(func(tx *bolt.Tx) error {
		ks, err := keyAt(tx, bucket, []byte(key), now)
		if err != nil {
			return err
		}
		if !ks.live {
			return keyNotFound(bucket, key)
		}
		return fn(ks)
	})
}

// Get reads one key.
func (s *Store) Get(ctx context.Context, bucket, key string, opts backend.GetOptions) (backend.Entry, error) {
	var e backend.Entry
	err := s.viewKey(bucket, key, func(ks keyState) error {
		e = entryOf(ks, opts.Limit())
		return nil
	})
	return e, err
}

func entryOf(ks keyState, limit int64) backend.Entry {
	v := ks.value
	e := backend.Entry{Key: string(ks.key), Kind: backend.KindString, Size: int64(len(v)), Version: ks.version()}
	shown := v
	if limit >= 0 && int64(len(v)) > limit {
		shown, e.Truncated = v[:limit], true
	}
	e.Value = append([]byte(nil), shown...)
	meta := ks.bound()
	e.Revision = meta.rev
	if meta.created != 0 {
		e.Created = time.Unix(0, meta.created)
	}
	if meta.expires != 0 {
		e.ExpiresAt = time.UnixMilli(meta.expires)
		e.TTL = time.Duration(meta.ttl)
	}
	return e
}

// Put writes a value; see backend.Store.
func (s *Store) Put(ctx context.Context, bucket, key string, value []byte, opts backend.PutOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	if key == "" {
		return "", backend.Invalid("key", "must not be empty")
	}
	if opts.TTLMode == backend.TTLSet && opts.TTL <= 0 {
		return "", backend.Invalid("ttl", "must be positive")
	}
	var res written
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		var err error
		res, err = s.putTx(tx, bucket, []byte(key), value, opts)
		return res.wrote, err
	})
	if err != nil {
		return "", err
	}
	s.wrote(bucket, key, res)
	return res.version, nil
}

// written is the outcome of one key's write.
type written struct {
	version string
	rev     uint64
	expires int64
	wrote   bool // false: the key already held exactly this
}

// wrote tells the sweeper and the watchers about a committed write.
func (s *Store) wrote(bucket, key string, w written) {
	if !w.wrote {
		return
	}
	s.noteExpiry(w.expires)
	s.notify(bucket, backend.Change{Key: key, Op: backend.ChangePut, Revision: w.rev, Time: s.now()})
}

func conflict(format string, args ...any) error {
	return backendErr(backend.ErrConflict, format, args...)
}

// holds says what a key holds now, for conflict messages.
func (k keyState) holds() string {
	return fmt.Sprintf("it now holds %d bytes (version %s)", len(k.value), k.version())
}

func (s *Store) putTx(tx *bolt.Tx, bucket string, key, value []byte, opts backend.PutOptions) (written, error) {
	now := s.now()
	ks, err := keyAt(tx, bucket, key, now)
	if err != nil {
		return written{}, err
	}
	switch {
	case opts.IfAbsent && ks.live:
		return written{}, conflict("key %q already exists", key)
	case opts.IfVersion != "" && !ks.live:
		return written{}, conflict("key %q was deleted since it was read", key)
	case opts.IfVersion != "" && ks.version() != opts.IfVersion:
		return written{}, conflict("key %q changed since it was read: %s", key, ks.holds())
	}
	var expires, ttl int64
	switch opts.TTLMode {
	case backend.TTLKeep:
		if ks.live {
			expires, ttl = ks.bound().expires, ks.bound().ttl
		} else if cfg := readConfig(ks.m, bucket); cfg.TTL > 0 {
			expires, ttl = now.Add(cfg.TTL).UnixMilli(), int64(cfg.TTL)
		}
	case backend.TTLSet:
		expires, ttl = now.Add(opts.TTL).UnixMilli(), int64(opts.TTL)
	}
	return s.writeValue(tx, ks, bucket, value, expires, ttl, opts.TTLMode == backend.TTLSet)
}

// writeValue writes value with the given expiry over the key read as ks,
// as one new revision bound to the value. A key that already holds exactly
// value with that expiry is left as it is (unless restart is set: a TTL set
// again restarts), so an unchanged write writes nothing.
func (s *Store) writeValue(tx *bolt.Tx, ks keyState, bucket string, value []byte, expires, ttl int64, restart bool) (written, error) {
	if ks.live && !restart && bytes.Equal(ks.value, value) {
		if cur := ks.bound(); cur.expires == expires && (expires == 0 || cur.ttl == ttl) {
			return written{version: ks.version(), rev: cur.rev, expires: expires}, nil
		}
	}
	cfg := readConfig(ks.m, bucket)
	if cfg.MaxValueSize > 0 && len(value) > int(cfg.MaxValueSize) {
		return written{}, backend.Invalid("value", "%d bytes is over the bucket's max value size of %d", len(value), cfg.MaxValueSize)
	}
	if cfg.MaxBytes > 0 {
		total := int64(len(value))
		c := ks.ub.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil && !bytes.Equal(k, ks.key) {
				total += int64(len(v))
			}
		}
		if total > cfg.MaxBytes {
			return written{}, backend.Invalid("value", "the bucket would hold %d bytes, over its max bytes of %d", total, cfg.MaxBytes)
		}
	}
	m, err := bucketMeta(tx, bucket, true)
	if err != nil {
		return written{}, err
	}
	nm := bindMeta(value)
	nm.created, nm.expires, nm.ttl = s.now().UnixNano(), expires, ttl
	if nm.rev, err = m.NextSequence(); err != nil {
		return written{}, err
	}
	h := m.Bucket(histMeta)
	if !ks.live && ks.state != metaNone {
		// An expired key the sweeper has not reached yet, or metadata left
		// by a key another program deleted: start afresh.
		if err := trimHistory(h, ks.key, 0); err != nil {
			return written{}, err
		}
	}
	// Replacing the old record also drops stale metadata and its expiry
	// entry.
	if err := putMeta(tx, m, bucket, ks.key, ks.meta, ks.state != metaNone, nm); err != nil {
		return written{}, err
	}
	if err := ks.ub.Put(ks.key, value); err != nil {
		if err == bolt.ErrIncompatibleValue {
			return written{}, backend.Invalid("key", "%q is the name of a nested bucket", ks.key)
		}
		return written{}, err
	}
	// With history 1 the current value is the only revision and nothing is
	// kept; trimming on every write also applies a history lowered since
	// older revisions were kept.
	keep := 0
	if cfg.History > 1 {
		keep = cfg.History
		if err := h.Put(histKey(ks.key, nm.rev), value); err != nil {
			return written{}, err
		}
	}
	if err := trimHistory(h, ks.key, keep); err != nil {
		return written{}, err
	}
	return written{version: strconv.FormatUint(nm.rev, 10), rev: nm.rev, expires: expires, wrote: true}, nil
}

// Delete removes a key with its history.
func (s *Store) Delete(ctx context.Context, bucket, key string, opts backend.DeleteOptions) error {
	if err := s.Writable(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		ks, err := keyAt(tx, bucket, []byte(key), s.now())
		if err != nil {
			return false, err
		}
		if !ks.live {
			return false, keyNotFound(bucket, key)
		}
		if opts.IfVersion != "" && ks.version() != opts.IfVersion {
			return false, conflict("key %q changed since it was read: %s; nothing was deleted", key, ks.holds())
		}
		return true, dropKey(tx, ks, bucket)
	})
	if err == nil {
		s.notify(bucket, backend.Change{Key: key, Op: backend.ChangeDelete, Time: s.now()})
	}
	return err
}

// Expire sets, refreshes (same ttl again) or removes (0) a key's TTL, bound
// to the value the key holds now, in one transaction.
func (s *Store) Expire(ctx context.Context, bucket, key string, ttl time.Duration) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if ttl < 0 {
		return backend.Invalid("ttl", "must not be negative")
	}
	var expires int64
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		now := s.now()
		ks, err := keyAt(tx, bucket, []byte(key), now)
		if err != nil {
			return false, err
		}
		if !ks.live {
			return false, keyNotFound(bucket, key)
		}
		if ttl == 0 {
			if ks.bound().expires == 0 {
				return false, nil // no TTL (or only a stale one): nothing to persist
			}
			nm := ks.meta
			nm.expires, nm.ttl = 0, 0
			return true, putMeta(tx, ks.m, bucket, ks.key, ks.meta, true, nm)
		}
		m, err := bucketMeta(tx, bucket, true)
		if err != nil {
			return false, err
		}
		nm := ks.bound()
		if ks.state != metaBound {
			// A value kvdeck did not write keeps its fingerprint version:
			// a TTL changes no bytes.
			nm = bindMeta(ks.value)
		}
		expires = now.Add(ttl).UnixMilli()
		nm.expires, nm.ttl = expires, int64(ttl)
		return true, putMeta(tx, m, bucket, ks.key, ks.meta, ks.state != metaNone, nm)
	})
	if err == nil {
		s.noteExpiry(expires)
	}
	return err
}

// History lists the kept revisions of key, newest first; with history 1
// that is the current value only.
func (s *Store) History(ctx context.Context, bucket, key string) ([]backend.Entry, error) {
	var out []backend.Entry
	err := s.viewKey(bucket, key, func(ks keyState) error {
		cur := entryOf(ks, -1)
		out = []backend.Entry{cur}
		if ks.m == nil || readConfig(ks.m, bucket).History <= 1 {
			return nil // revisions kept under a higher history are stale
		}
		h := ks.m.Bucket(histMeta)
		if h == nil {
			return nil
		}
		var older []backend.Entry
		prefix := histPrefix([]byte(key))
		c := h.Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rev := uint64(0)
			for _, b := range k[len(prefix):] {
				rev = rev<<8 | uint64(b)
			}
			if rev == cur.Revision {
				continue // the current value, with its current metadata
			}
			e := backend.Entry{Key: key, Kind: backend.KindString, Value: append([]byte(nil), v...), Size: int64(len(v)),
				Revision: rev, Version: strconv.FormatUint(rev, 10), Operation: "PUT"}
			older = append([]backend.Entry{e}, older...)
		}
		out = append(out, older...)
		return nil
	})
	return out, err
}

// Rename moves a key and its TTL, never overwriting another key. The new
// name starts a fresh history: revisions belong to the old name.
func (s *Store) Rename(ctx context.Context, bucket, from, to string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if to == "" {
		return backend.Invalid("key", "the new name must not be empty")
	}
	var expires int64
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		now := s.now()
		ks, err := keyAt(tx, bucket, []byte(from), now)
		if err != nil {
			return false, err
		}
		if !ks.live {
			return false, keyNotFound(bucket, from)
		}
		ts, err := keyAt(tx, bucket, []byte(to), now)
		if err != nil {
			return false, err
		}
		if ts.live {
			return false, conflict("key %q already exists (%d bytes); rename never overwrites", to, len(ts.value))
		}
		value := append([]byte(nil), ks.value...)
		m, err := bucketMeta(tx, bucket, true)
		if err != nil {
			return false, err
		}
		ks.m, ts.m = m, m
		// An expired target, or metadata left by a target another program
		// deleted, goes first.
		if err := dropKey(tx, ts, bucket); err != nil {
			return false, err
		}
		if err := dropKey(tx, ks, bucket); err != nil {
			return false, err
		}
		nm := bindMeta(value)
		if nm.rev, err = m.NextSequence(); err != nil {
			return false, err
		}
		nm.created = now.UnixNano()
		nm.expires, nm.ttl = ks.bound().expires, ks.bound().ttl
		expires = nm.expires
		if err := putMeta(tx, m, bucket, []byte(to), keyMeta{}, false, nm); err != nil {
			return false, err
		}
		if err := ks.ub.Put([]byte(to), value); err != nil {
			if err == bolt.ErrIncompatibleValue {
				return false, backend.Invalid("key", "%q is the name of a nested bucket", to)
			}
			return false, err
		}
		return true, nil
	})
	if err == nil {
		s.noteExpiry(expires)
		s.notify(bucket, backend.Change{Key: from, Op: backend.ChangeDelete, Time: s.now()})
		s.notify(bucket, backend.Change{Key: to, Op: backend.ChangePut, Time: s.now()})
	}
	return err
}

// PutMany writes many values in transactions of 10,000 (demo seeding,
// benchmarks); existing keys are overwritten.
func (s *Store) PutMany(ctx context.Context, bucket string, items []backend.Item) error {
	if err := s.Writable(); err != nil {
		return err
	}
	for len(items) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(items), 10000)
		chunk := items[:n]
		items = items[n:]
		var minExp int64
		err := s.update(func(tx *bolt.Tx) (bool, error) {
			changed := false
			for _, it := range chunk {
				if it.Key == "" {
					return false, backend.Invalid("key", "must not be empty")
				}
				opts := backend.PutOptions{TTLMode: backend.TTLNone}
				if it.TTL > 0 {
					opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: it.TTL}
				}
				w, err := s.putTx(tx, bucket, []byte(it.Key), it.Value, opts)
				if err != nil {
					return false, fmt.Errorf("%s: %w", it.Key, err)
				}
				changed = changed || w.wrote
				if w.expires != 0 && (minExp == 0 || w.expires < minExp) {
					minExp = w.expires
				}
			}
			return changed, nil
		})
		if err != nil {
			return err
		}
		s.noteExpiry(minExp)
	}
	return nil
}
