package local

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// version names the value read: its revision when kvdeck wrote it, else a
// fingerprint of the bytes (a foreign key), so IfVersion works for both.
func version(meta keyMeta, hasMeta bool, value []byte) string {
	if hasMeta && meta.rev > 0 {
		return strconv.FormatUint(meta.rev, 10)
	}
	h := fnv.New64a()
	h.Write(value)
	return "fp:" + strconv.FormatUint(h.Sum64(), 16)
}

func keyNotFound(bucket, key string) error {
	return backendErr(backend.ErrNotFound, "key %q in bucket %q", key, bucket)
}

// Get reads one key.
func (s *Store) Get(ctx context.Context, bucket, key string, opts backend.GetOptions) (backend.Entry, error) {
	var e backend.Entry
	now := s.now()
	err := s.db.View(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		v := ub.Get([]byte(key))
		if v == nil {
			return keyNotFound(bucket, key)
		}
		m, _ := bucketMeta(tx, bucket, false)
		meta, has := getMeta(m, []byte(key))
		if has && meta.expired(now) {
			return keyNotFound(bucket, key)
		}
		e = entryOf(key, v, meta, has, opts.Limit())
		return nil
	})
	return e, err
}

func entryOf(key string, v []byte, meta keyMeta, has bool, limit int64) backend.Entry {
	e := backend.Entry{Key: key, Kind: backend.KindString, Size: int64(len(v)), Version: version(meta, has, v)}
	shown := v
	if limit >= 0 && int64(len(v)) > limit {
		shown, e.Truncated = v[:limit], true
	}
	e.Value = append([]byte(nil), shown...)
	if has {
		e.Revision = meta.rev
		if meta.created != 0 {
			e.Created = time.Unix(0, meta.created)
		}
		if meta.expires != 0 {
			e.ExpiresAt = time.UnixMilli(meta.expires)
		}
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
	var rev uint64
	var created bool
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		rev, created, err = s.putTx(tx, bucket, []byte(key), value, opts)
		return err
	})
	if err != nil {
		return "", err
	}
	_ = created
	s.notify(bucket, backend.Change{Key: key, Op: backend.ChangePut, Revision: rev, Time: s.now()})
	return strconv.FormatUint(rev, 10), nil
}

func (s *Store) putTx(tx *bolt.Tx, bucket string, key, value []byte, opts backend.PutOptions) (uint64, bool, error) {
	ub := userBucket(tx, bucket)
	if ub == nil {
		return 0, false, bucketNotFound(bucket)
	}
	now := s.now()
	m, err := bucketMeta(tx, bucket, true)
	if err != nil {
		return 0, false, err
	}
	cfg := readConfig(m, bucket)
	if cfg.MaxValueSize > 0 && len(value) > int(cfg.MaxValueSize) {
		return 0, false, backend.Invalid("value", "%d bytes is over the bucket's max value size of %d", len(value), cfg.MaxValueSize)
	}
	cur := ub.Get(key)
	old, hasOld := getMeta(m, key)
	exists := cur != nil && !(hasOld && old.expired(now))
	switch {
	case opts.IfAbsent && exists:
		return 0, false, backendErr(backend.ErrConflict, "key %q already exists", key)
	case opts.IfVersion != "" && !exists:
		return 0, false, backendErr(backend.ErrConflict, "key %q was deleted since it was read", key)
	case opts.IfVersion != "" && version(old, hasOld, cur) != opts.IfVersion:
		return 0, false, backendErr(backend.ErrConflict, "key %q", key)
	}
	if cfg.MaxBytes > 0 {
		total := int64(len(value))
		c := ub.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil && string(k) != string(key) {
				total += int64(len(v))
			}
		}
		if total > cfg.MaxBytes {
			return 0, false, backend.Invalid("value", "the bucket would hold %d bytes, over its max bytes of %d", total, cfg.MaxBytes)
		}
	}
	nm := keyMeta{created: now.UnixNano()}
	switch opts.TTLMode {
	case backend.TTLKeep:
		if exists && hasOld {
			nm.expires, nm.ttl = old.expires, old.ttl
		} else if !exists && cfg.TTL > 0 {
			nm.expires, nm.ttl = now.Add(cfg.TTL).UnixMilli(), int64(cfg.TTL)
		}
	case backend.TTLSet:
		if opts.TTL <= 0 {
			return 0, false, backend.Invalid("ttl", "must be positive")
		}
		nm.expires, nm.ttl = now.Add(opts.TTL).UnixMilli(), int64(opts.TTL)
	}
	if nm.rev, err = m.NextSequence(); err != nil {
		return 0, false, err
	}
	if !exists && hasOld {
		// An expired key the sweeper has not reached yet: start afresh.
		if err := trimHistory(m.Bucket(histMeta), key, 0); err != nil {
			return 0, false, err
		}
	}
	if err := putMeta(tx, m, bucket, key, old, hasOld, nm); err != nil {
		return 0, false, err
	}
	if err := ub.Put(key, value); err != nil {
		return 0, false, err
	}
	// With history 1 the current value is the only revision and nothing is
	// kept; trimming on every write also applies a history lowered since
	// older revisions were kept.
	h, keep := m.Bucket(histMeta), 0
	if cfg.History > 1 {
		keep = cfg.History
		if err := h.Put(histKey(key, nm.rev), value); err != nil {
			return 0, false, err
		}
	}
	if err := trimHistory(h, key, keep); err != nil {
		return 0, false, err
	}
	return nm.rev, !exists, nil
}

// Delete removes a key with its history.
func (s *Store) Delete(ctx context.Context, bucket, key string, opts backend.DeleteOptions) error {
	if err := s.Writable(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		cur := ub.Get([]byte(key))
		m, _ := bucketMeta(tx, bucket, false)
		meta, has := getMeta(m, []byte(key))
		if cur == nil || has && meta.expired(s.now()) {
			return keyNotFound(bucket, key)
		}
		if opts.IfVersion != "" && version(meta, has, cur) != opts.IfVersion {
			return backendErr(backend.ErrConflict, "key %q", key)
		}
		return dropKey(tx, ub, bucket, []byte(key))
	})
	if err == nil {
		s.notify(bucket, backend.Change{Key: key, Op: backend.ChangeDelete, Time: s.now()})
	}
	return err
}

// Expire sets, refreshes (same ttl again) or removes (0) a key's TTL.
func (s *Store) Expire(ctx context.Context, bucket, key string, ttl time.Duration) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if ttl < 0 {
		return backend.Invalid("ttl", "must not be negative")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		now := s.now()
		cur := ub.Get([]byte(key))
		m, err := bucketMeta(tx, bucket, true)
		if err != nil {
			return err
		}
		old, has := getMeta(m, []byte(key))
		if cur == nil || has && old.expired(now) {
			return keyNotFound(bucket, key)
		}
		nm := old
		if !has {
			// A foreign key gets metadata now that the user changed it.
			if nm.rev, err = m.NextSequence(); err != nil {
				return err
			}
			nm.created = now.UnixNano()
		}
		nm.expires, nm.ttl = 0, 0
		if ttl > 0 {
			nm.expires, nm.ttl = now.Add(ttl).UnixMilli(), int64(ttl)
		}
		return putMeta(tx, m, bucket, []byte(key), old, has, nm)
	})
}

// History lists the kept revisions of key, newest first; with history 1
// that is the current value only.
func (s *Store) History(ctx context.Context, bucket, key string) ([]backend.Entry, error) {
	cur, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: -1})
	if err != nil {
		return nil, err
	}
	var out []backend.Entry
	err = s.db.View(func(tx *bolt.Tx) error {
		m, _ := bucketMeta(tx, bucket, false)
		if m == nil {
			return nil
		}
		if readConfig(m, bucket).History <= 1 {
			return nil // revisions kept under a higher history are stale
		}
		prefix := histPrefix([]byte(key))
		c := m.Bucket(histMeta).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			rev := uint64(0)
			for _, b := range k[len(prefix):] {
				rev = rev<<8 | uint64(b)
			}
			e := backend.Entry{Key: key, Kind: backend.KindString, Value: append([]byte(nil), v...), Size: int64(len(v)),
				Revision: rev, Version: strconv.FormatUint(rev, 10), Operation: "PUT"}
			out = append([]backend.Entry{e}, out...)
		}
		return nil
	})
	if len(out) == 0 || out[0].Revision != cur.Revision {
		out = append([]backend.Entry{cur}, out...)
	} else {
		// The newest kept revision is the current value: give it the
		// current metadata.
		out[0] = cur
	}
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		ub := userBucket(tx, bucket)
		if ub == nil {
			return bucketNotFound(bucket)
		}
		now := s.now()
		m, err := bucketMeta(tx, bucket, true)
		if err != nil {
			return err
		}
		v := ub.Get([]byte(from))
		meta, has := getMeta(m, []byte(from))
		if v == nil || has && meta.expired(now) {
			return keyNotFound(bucket, from)
		}
		if t := ub.Get([]byte(to)); t != nil {
			if tm, ok := getMeta(m, []byte(to)); !ok || !tm.expired(now) {
				return backendErr(backend.ErrConflict, "key %q already exists; rename never overwrites", to)
			}
		}
		value := append([]byte(nil), v...)
		if err := dropKey(tx, ub, bucket, []byte(from)); err != nil {
			return err
		}
		nm := meta
		if nm.rev, err = m.NextSequence(); err != nil {
			return err
		}
		if !has {
			nm.created = now.UnixNano()
		}
		old, hadOld := getMeta(m, []byte(to))
		if err := putMeta(tx, m, bucket, []byte(to), old, hadOld, nm); err != nil {
			return err
		}
		return ub.Put([]byte(to), value)
	})
	if err == nil {
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
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, it := range chunk {
				opts := backend.PutOptions{TTLMode: backend.TTLNone}
				if it.TTL > 0 {
					opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: it.TTL}
				}
				if _, _, err := s.putTx(tx, bucket, []byte(it.Key), it.Value, opts); err != nil {
					return fmt.Errorf("%s: %w", it.Key, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
