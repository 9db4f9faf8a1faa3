package local

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// Buckets lists every bucket, nested ones as paths (see names.go), with the
// number of live keys.
func (s *Store) Buckets(ctx context.Context) ([]backend.Bucket, error) {
	var out []backend.Bucket
	now := s.now()
	err := s.view(func(tx *bolt.Tx) error {
		out = out[:0]
		walked := 0 // keys read since the file's pages were last released
		defer func() {
			if walked > 0 {
				releaseMapped(tx)
			}
		}()
		var walk func(path string, b *bolt.Bucket) error
		walk = func(path string, b *bolt.Bucket) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, _ := bucketMeta(tx, path, false)
			var keys, bytes int64
			var subs [][]byte
			mc := newMetaCursor(m)
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if walked++; walked >= releaseEvery {
					releaseMapped(tx)
					walked = 0
				}
				if v == nil {
					subs = append(subs, append([]byte(nil), k...))
					continue
				}
				if listedExpiry(mc.get(k), v, now, false) < 0 {
					continue
				}
				keys++
				bytes += int64(len(v))
			}
			cfg := readConfig(m, path)
			bk := backend.Bucket{Name: path, Keys: keys, Bytes: bytes, Description: cfg.Description, Config: &cfg}
			bk.Status = statusOf(cfg)
			out = append(out, bk)
			for _, sub := range subs {
				if err := walk(joinPath(path, sub), b.Bucket(sub)); err != nil {
					return err
				}
			}
			return nil
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == string(metaRoot) {
				return nil
			}
			return walk(joinPath("", name), b)
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

func statusOf(cfg backend.BucketConfig) []backend.Field {
	f := []backend.Field{{Name: "history", Value: fmt.Sprint(cfg.History)}}
	if cfg.TTL > 0 {
		f = append(f, backend.Field{Name: "ttl", Value: backend.FormatTTL(cfg.TTL)})
	}
	if cfg.MaxValueSize > 0 {
		f = append(f, backend.Field{Name: "max value size", Value: fmt.Sprint(cfg.MaxValueSize)})
	}
	if cfg.MaxBytes > 0 {
		f = append(f, backend.Field{Name: "max bytes", Value: fmt.Sprint(cfg.MaxBytes)})
	}
	return f
}

// CreateBucket creates a bucket (a path with '/' creates nested buckets)
// with its configuration. An existing bucket is ErrConflict.
func (s *Store) CreateBucket(ctx context.Context, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) (bool, error) {
		if userBucket(tx, cfg.Name) != nil {
			return false, backendErr(backend.ErrConflict, "bucket %q already exists", cfg.Name)
		}
		segs, _ := decodePath(cfg.Name)
		b, err := tx.CreateBucketIfNotExists(segs[0])
		for _, p := range segs[1:] {
			if err != nil {
				break
			}
			b, err = b.CreateBucketIfNotExists(p)
		}
		if err == bolt.ErrIncompatibleValue {
			return false, backendErr(backend.ErrConflict, "cannot create bucket %q: a key of that name exists", cfg.Name)
		}
		if err != nil {
			return false, err
		}
		// Metadata left by a bucket of this name that another program
		// deleted belongs to keys that are gone.
		if err := dropBucketMeta(tx, cfg.Name); err != nil {
			return false, err
		}
		return true, writeConfig(tx, cfg)
	})
}

// UpdateBucket changes a bucket from seen, the config the user's form was
// opened with, to cfg, in one transaction: a bucket whose config is no
// longer seen is ErrConflict naming what changed, and only the fields that
// differ between seen and cfg are applied.
func (s *Store) UpdateBucket(ctx context.Context, seen, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if seen.Name != cfg.Name {
		return backend.Invalid("bucket name", "a bucket cannot be renamed (%q to %q)", seen.Name, cfg.Name)
	}
	if err := validateSettings(&cfg); err != nil {
		return err
	}
	normalizeConfig(&seen)
	return s.update(func(tx *bolt.Tx) (bool, error) {
		if userBucket(tx, cfg.Name) == nil {
			return false, bucketNotFound(cfg.Name)
		}
		m, _ := bucketMeta(tx, cfg.Name, false)
		cur := readConfig(m, cfg.Name)
		normalizeConfig(&cur)
		if diff := configDiff(cur, seen); len(diff) > 0 {
			return false, backendErr(backend.ErrConflict, "bucket %q was changed since the form opened: %s", cfg.Name, strings.Join(diff, ", "))
		}
		next := cur
		applyChanged(&next, seen, cfg)
		if err := validateSettings(&next); err != nil {
			return false, err
		}
		if len(configDiff(next, cur)) == 0 {
			return false, nil // nothing to change: write nothing
		}
		return true, writeConfig(tx, next)
	})
}

// The fields of a BucketConfig the local store keeps and honours.
type configField struct {
	name  string
	get   func(*backend.BucketConfig) any
	set   func(dst, src *backend.BucketConfig)
	equal func(a, b *backend.BucketConfig) bool
}

var configFields = []configField{
	{"description", func(c *backend.BucketConfig) any { return fmt.Sprintf("%q", c.Description) },
		func(d, s *backend.BucketConfig) { d.Description = s.Description },
		func(a, b *backend.BucketConfig) bool { return a.Description == b.Description }},
	{"ttl", func(c *backend.BucketConfig) any { return ttlText(c) },
		func(d, s *backend.BucketConfig) { d.TTL = s.TTL },
		func(a, b *backend.BucketConfig) bool { return a.TTL == b.TTL }},
	{"history", func(c *backend.BucketConfig) any { return c.History },
		func(d, s *backend.BucketConfig) { d.History = s.History },
		func(a, b *backend.BucketConfig) bool { return a.History == b.History }},
	{"max bytes", func(c *backend.BucketConfig) any { return c.MaxBytes },
		func(d, s *backend.BucketConfig) { d.MaxBytes = s.MaxBytes },
		func(a, b *backend.BucketConfig) bool { return a.MaxBytes == b.MaxBytes }},
	{"max value size", func(c *backend.BucketConfig) any { return c.MaxValueSize },
		func(d, s *backend.BucketConfig) { d.MaxValueSize = s.MaxValueSize },
		func(a, b *backend.BucketConfig) bool { return a.MaxValueSize == b.MaxValueSize }},
	{"metadata", func(c *backend.BucketConfig) any { return fmt.Sprint(c.Metadata) },
		func(d, s *backend.BucketConfig) { d.Metadata = maps.Clone(s.Metadata) },
		func(a, b *backend.BucketConfig) bool { return maps.Equal(a.Metadata, b.Metadata) }},
}

func ttlText(c *backend.BucketConfig) string {
	if c.TTL == 0 {
		return "none"
	}
	return c.TTL.String()
}

// configDiff names the fields where now differs from was, as
// "history is now 3 (was 5 when the form opened)".
func configDiff(now, was backend.BucketConfig) []string {
	var out []string
	for _, f := range configFields {
		if !f.equal(&now, &was) {
			out = append(out, fmt.Sprintf("%s is now %v (was %v when the form opened)", f.name, f.get(&now), f.get(&was)))
		}
	}
	return out
}

// applyChanged sets in dst the fields that differ between seen and cfg.
func applyChanged(dst *backend.BucketConfig, seen, cfg backend.BucketConfig) {
	for _, f := range configFields {
		if !f.equal(&seen, &cfg) {
			f.set(dst, &cfg)
		}
	}
}

// normalizeConfig maps the spellings of "default" and "unlimited" to one.
func normalizeConfig(cfg *backend.BucketConfig) {
	if cfg.History == 0 {
		cfg.History = 1
	}
	if cfg.MaxBytes == -1 {
		cfg.MaxBytes = 0
	}
	if cfg.MaxValueSize == -1 {
		cfg.MaxValueSize = 0
	}
	if len(cfg.Metadata) == 0 {
		cfg.Metadata = nil
	}
}

// DeleteBucket removes a bucket, its nested buckets and its metadata.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) (bool, error) {
		if userBucket(tx, name) == nil {
			return false, bucketNotFound(name)
		}
		segs, _ := decodePath(name)
		last := segs[len(segs)-1]
		var err error
		if len(segs) == 1 {
			err = tx.DeleteBucket(last)
		} else {
			err = userBucket(tx, name[:strings.LastIndexByte(name, '/')]).DeleteBucket(last)
		}
		if err != nil {
			return false, err
		}
		return true, dropBucketMeta(tx, name)
	})
}

// dropBucketMeta removes the metadata of a bucket and of the buckets nested
// in it, with their expiry entries.
func dropBucketMeta(tx *bolt.Tx, name string) error {
	root := tx.Bucket(metaRoot)
	if root == nil {
		return nil
	}
	if idx := root.Bucket(expiryIndex); idx != nil {
		var drop [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if _, path, _, ok := parseExpiry(k); ok && (path == name || strings.HasPrefix(path, name+"/")) {
				drop = append(drop, append([]byte(nil), k...))
			}
		}
		for _, k := range drop {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
	}
	bs := root.Bucket(bucketsMeta)
	if bs == nil {
		return nil
	}
	var drop [][]byte
	_ = bs.ForEach(func(k, _ []byte) error {
		if string(k) == name || strings.HasPrefix(string(k), name+"/") {
			drop = append(drop, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range drop {
		if err := bs.DeleteBucket(k); err != nil {
			return err
		}
	}
	return nil
}

// validateConfig checks what a local file can hold: every path segment is
// a valid bucket name, history is 1..64, limits are not negative.
func validateConfig(cfg *backend.BucketConfig) error {
	for _, seg := range strings.Split(cfg.Name, "/") {
		if err := backend.ValidateBucketName(seg); err != nil {
			return err
		}
	}
	if strings.Split(cfg.Name, "/")[0] == string(metaRoot) {
		return backend.Invalid("bucket name", "%q is reserved for kvdeck's metadata", cfg.Name)
	}
	return validateSettings(cfg)
}

// validateSettings checks a config's settings (not its name, which may be
// any existing bucket's): history is 1..64, limits are not negative.
func validateSettings(cfg *backend.BucketConfig) error {
	normalizeConfig(cfg)
	if err := backend.ValidateHistory(cfg.History); err != nil {
		return err
	}
	if cfg.TTL < 0 {
		return backend.Invalid("ttl", "must not be negative")
	}
	if cfg.MaxBytes < 0 || cfg.MaxValueSize < 0 {
		return backend.Invalid("limits", "max bytes and max value size must not be negative")
	}
	return nil
}

func writeConfig(tx *bolt.Tx, cfg backend.BucketConfig) error {
	m, err := bucketMeta(tx, cfg.Name, true)
	if err != nil {
		return err
	}
	raw, err := jsonMarshal(cfg)
	if err != nil {
		return err
	}
	return m.Put(configKey, raw)
}
