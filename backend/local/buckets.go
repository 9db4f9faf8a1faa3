package local

import (
	"context"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// Buckets lists every bucket, nested ones as slash-joined paths, with the
// number of live keys.
func (s *Store) Buckets(ctx context.Context) ([]backend.Bucket, error) {
	var out []backend.Bucket
	now := s.now()
	err := s.db.View(func(tx *bolt.Tx) error {
		var walk func(path string, b *bolt.Bucket) error
		walk = func(path string, b *bolt.Bucket) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, _ := bucketMeta(tx, path, false)
			var keys, bytes int64
			var subs []string
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if v == nil {
					subs = append(subs, string(k))
					continue
				}
				if meta, ok := getMeta(m, k); ok && meta.expired(now) {
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
				if err := walk(path+"/"+sub, b.Bucket([]byte(sub))); err != nil {
					return err
				}
			}
			return nil
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == string(metaRoot) {
				return nil
			}
			return walk(string(name), b)
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
// with its configuration.
func (s *Store) CreateBucket(ctx context.Context, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if userBucket(tx, cfg.Name) != nil {
			return backendErr(backend.ErrConflict, "bucket %q already exists", cfg.Name)
		}
		parts := strings.Split(cfg.Name, "/")
		b, err := tx.CreateBucketIfNotExists([]byte(parts[0]))
		for _, p := range parts[1:] {
			if err != nil {
				break
			}
			b, err = b.CreateBucketIfNotExists([]byte(p))
		}
		if err != nil {
			return err
		}
		return writeConfig(tx, cfg)
	})
}

// UpdateBucket changes a bucket's configuration; a smaller history trims
// kept revisions on their next write.
func (s *Store) UpdateBucket(ctx context.Context, seen, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if userBucket(tx, cfg.Name) == nil {
			return bucketNotFound(cfg.Name)
		}
		return writeConfig(tx, cfg)
	})
}

// DeleteBucket removes a bucket, its nested buckets and its metadata.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if userBucket(tx, name) == nil {
			return bucketNotFound(name)
		}
		parts := strings.Split(name, "/")
		var err error
		if len(parts) == 1 {
			err = tx.DeleteBucket([]byte(name))
		} else {
			err = userBucket(tx, strings.Join(parts[:len(parts)-1], "/")).DeleteBucket([]byte(parts[len(parts)-1]))
		}
		if err != nil {
			return err
		}
		if root := tx.Bucket(metaRoot); root != nil {
			if bs := root.Bucket(bucketsMeta); bs != nil {
				// Metadata of the bucket and of buckets nested in it.
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
			}
		}
		return nil
	})
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
	if cfg.History == 0 {
		cfg.History = 1
	}
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
