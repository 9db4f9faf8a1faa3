package local

import (
	"github.com/kvdeck/kvdeck/backend"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend/storetest"
)

// This file is "another program": it reads and writes kvdeck's files with
// plain go.etcd.io/bbolt, opening the file for each call (with a bounded
// wait for the lock) and closing it, as the program that owns a file
// would. It never goes through the driver.

// rawTimeout is how long the raw client waits for kvdeck's locks: longer
// than kvdeck's linger.
const rawTimeout = 5 * time.Second

func rawOpen(t testing.TB, path string, readOnly bool) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: readOnly, Timeout: rawTimeout})
	if err != nil {
		t.Fatalf("raw bbolt open of %s (read-only %v): %v", path, readOnly, err)
	}
	return db
}

// rawBucket walks a kvdeck bucket path with bbolt.
func rawBucket(tx *bolt.Tx, path string) *bolt.Bucket {
	segs, ok := decodePath(path)
	if !ok {
		return nil
	}
	b := tx.Bucket(segs[0])
	for _, s := range segs[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(s)
	}
	return b
}

func rawView(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db := rawOpen(t, path, true)
	defer db.Close()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func rawUpdate(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db := rawOpen(t, path, false)
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// rawGet reads the bytes the file holds for key, whatever kvdeck's
// metadata says.
func rawGet(t testing.TB, path, bucket, key string) (value []byte, ok bool) {
	t.Helper()
	rawView(t, path, func(tx *bolt.Tx) error {
		if b := rawBucket(tx, bucket); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				value, ok = append([]byte{}, v...), true
			}
		}
		return nil
	})
	return value, ok
}

func rawSet(t testing.TB, path, bucket, key string, value []byte) {
	t.Helper()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return rawBucket(tx, bucket).Put([]byte(key), value)
	})
}

// rawMeta reads kvdeck's metadata record of a key (nil if none).
func rawMeta(t testing.TB, path, bucket, key string) []byte {
	t.Helper()
	var out []byte
	rawView(t, path, func(tx *bolt.Tx) error {
		if root := tx.Bucket(metaRoot); root != nil {
			if bs := root.Bucket(bucketsMeta); bs != nil {
				if m := bs.Bucket([]byte(bucket)); m != nil {
					if keys := m.Bucket(keysMeta); keys != nil {
						if v := keys.Get([]byte(key)); v != nil {
							out = append([]byte{}, v...)
						}
					}
				}
			}
		}
		return nil
	})
	return out
}

func fileBytes(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// rawOther is storetest.Other for the local store.
type rawOther struct {
	path, bucket string
}

var _ storetest.Other = rawOther{}

func (o rawOther) Set(t *testing.T, key string, value []byte) {
	t.Helper()
	rawSet(t, o.path, o.bucket, key, value)
}

// Get reads the value; a value whose kvdeck TTL (bound to these very
// bytes) has passed is expired for every kvdeck reader, so ok is false.
func (o rawOther) Get(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	v, ok := rawGet(t, o.path, o.bucket, key)
	if !ok {
		return nil, false
	}
	if raw := rawMeta(t, o.path, o.bucket, key); raw != nil {
		if m, bindable := decodeMeta(raw); bindable && m.binds(v) && m.expired(time.Now()) {
			return nil, false
		}
	}
	return v, true
}

func (o rawOther) Delete(t *testing.T, key string) {
	t.Helper()
	rawUpdate(t, o.path, func(tx *bolt.Tx) error {
		return rawBucket(tx, o.bucket).Delete([]byte(key))
	})
}

var _ storetest.BucketOther = rawOther{}

// CreateBucket creates the bucket with raw bbolt, as the owning program
// would; a description is kvdeck's own metadata, which only kvdeck knows
// how to write, so a second kvdeck process (its own Store on the file)
// stands in for it there.
func (o rawOther) CreateBucket(t *testing.T, name, description string) {
	t.Helper()
	rawUpdate(t, o.path, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte(name))
		return err
	})
	if description != "" {
		o.SetBucketDescription(t, name, description)
	}
}

func (o rawOther) SetBucketDescription(t *testing.T, name, description string) {
	t.Helper()
	s, err := Open(o.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg, ok := bucketConfigOf(t, s, name)
	if !ok {
		t.Fatalf("the other kvdeck does not see bucket %q", name)
	}
	next := cfg
	next.Description = description
	if err := s.UpdateBucket(t.Context(), cfg, next); err != nil {
		t.Fatalf("the other kvdeck's UpdateBucket(%s): %v", name, err)
	}
}

func (o rawOther) BucketDescription(t *testing.T, name string) (string, bool) {
	t.Helper()
	s, err := Open(o.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg, ok := bucketConfigOf(t, s, name)
	return cfg.Description, ok
}

func (o rawOther) DeleteBucket(t *testing.T, name string) {
	t.Helper()
	rawUpdate(t, o.path, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(name)) })
}

func bucketConfigOf(t *testing.T, s *Store, name string) (backend.BucketConfig, bool) {
	t.Helper()
	bs, err := s.Buckets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Name == name && b.Config != nil {
			return *b.Config, true
		}
	}
	return backend.BucketConfig{}, false
}
