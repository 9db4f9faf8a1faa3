package local

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// metaRoot is the reserved top-level bucket for kvdeck's metadata. It is
// hidden from Buckets and created only by a write.
var metaRoot = []byte("__kvdeck__")

// Inside metaRoot:
//
//	b/<bucket path>/config   JSON backend.BucketConfig
//	b/<bucket path>/keys     key → keyMeta (binary)
//	b/<bucket path>/hist     keylen(4)|key|rev(8) → value (history > 1)
//	expiry                   expires(8)|len(4)|bucket path|key → nil
var (
	bucketsMeta = []byte("b")
	configKey   = []byte("config")
	keysMeta    = []byte("keys")
	histMeta    = []byte("hist")
	expiryIndex = []byte("expiry")
)

// keyMeta is what kvdeck knows about one key.
type keyMeta struct {
	rev     uint64
	created int64 // unix ns
	expires int64 // unix ms; 0 = never
	ttl     int64 // configured TTL in ns, for refresh
}

func (m keyMeta) encode() []byte {
	b := make([]byte, 32)
	binary.BigEndian.PutUint64(b[0:], m.rev)
	binary.BigEndian.PutUint64(b[8:], uint64(m.created))
	binary.BigEndian.PutUint64(b[16:], uint64(m.expires))
	binary.BigEndian.PutUint64(b[24:], uint64(m.ttl))
	return b
}

func decodeMeta(b []byte) (keyMeta, bool) {
	if len(b) != 32 {
		return keyMeta{}, false
	}
	return keyMeta{
		rev:     binary.BigEndian.Uint64(b[0:]),
		created: int64(binary.BigEndian.Uint64(b[8:])),
		expires: int64(binary.BigEndian.Uint64(b[16:])),
		ttl:     int64(binary.BigEndian.Uint64(b[24:])),
	}, true
}

func (m keyMeta) expired(now time.Time) bool { return m.expires != 0 && now.UnixMilli() >= m.expires }

// userBucket finds a bucket by its slash-joined path.
func userBucket(tx *bolt.Tx, path string) *bolt.Bucket {
	parts := strings.Split(path, "/")
	if parts[0] == string(metaRoot) {
		return nil
	}
	b := tx.Bucket([]byte(parts[0]))
	for _, p := range parts[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(p))
	}
	return b
}

func bucketNotFound(path string) error {
	return backendErr(backend.ErrNotFound, "bucket %q not found", path)
}

// bucketMeta returns the metadata bucket of a user bucket; nil if it has
// none (a foreign bucket) and create is false.
func bucketMeta(tx *bolt.Tx, path string, create bool) (*bolt.Bucket, error) {
	root := tx.Bucket(metaRoot)
	if root == nil {
		if !create {
			return nil, nil
		}
		var err error
		if root, err = tx.CreateBucket(metaRoot); err != nil {
			return nil, err
		}
	}
	bs := root.Bucket(bucketsMeta)
	if bs == nil {
		if !create {
			return nil, nil
		}
		var err error
		if bs, err = root.CreateBucket(bucketsMeta); err != nil {
			return nil, err
		}
	}
	m := bs.Bucket([]byte(path))
	if m == nil && create {
		var err error
		if m, err = bs.CreateBucket([]byte(path)); err != nil {
			return nil, err
		}
		for _, sub := range [][]byte{keysMeta, histMeta} {
			if _, err := m.CreateBucket(sub); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func readConfig(m *bolt.Bucket, name string) backend.BucketConfig {
	cfg := backend.BucketConfig{Name: name, History: 1}
	if m == nil {
		return cfg
	}
	if raw := m.Get(configKey); raw != nil {
		_ = json.Unmarshal(raw, &cfg)
	}
	cfg.Name = name
	if cfg.History < 1 {
		cfg.History = 1
	}
	return cfg
}

func getMeta(m *bolt.Bucket, key []byte) (keyMeta, bool) {
	if m == nil {
		return keyMeta{}, false
	}
	return decodeMeta(m.Bucket(keysMeta).Get(key))
}

func expiryEntry(expires int64, path string, key []byte) []byte {
	b := make([]byte, 12, 12+len(path)+len(key))
	binary.BigEndian.PutUint64(b, uint64(expires))
	binary.BigEndian.PutUint32(b[8:], uint32(len(path)))
	b = append(b, path...)
	return append(b, key...)
}

func parseExpiry(k []byte) (expires int64, path string, key []byte, ok bool) {
	if len(k) < 12 {
		return 0, "", nil, false
	}
	n := int(binary.BigEndian.Uint32(k[8:]))
	if 12+n > len(k) {
		return 0, "", nil, false
	}
	return int64(binary.BigEndian.Uint64(k)), string(k[12 : 12+n]), k[12+n:], true
}

// putMeta stores a key's metadata and keeps the expiry index in step.
func putMeta(tx *bolt.Tx, m *bolt.Bucket, path string, key []byte, old keyMeta, hadOld bool, nm keyMeta) error {
	root := tx.Bucket(metaRoot)
	idx, err := root.CreateBucketIfNotExists(expiryIndex)
	if err != nil {
		return err
	}
	if hadOld && old.expires != 0 {
		if err := idx.Delete(expiryEntry(old.expires, path, key)); err != nil {
			return err
		}
	}
	if nm.expires != 0 {
		if err := idx.Put(expiryEntry(nm.expires, path, key), nil); err != nil {
			return err
		}
	}
	return m.Bucket(keysMeta).Put(key, nm.encode())
}

// dropKey removes a key's value, metadata, expiry entry and history.
func dropKey(tx *bolt.Tx, ub *bolt.Bucket, path string, key []byte) error {
	m, err := bucketMeta(tx, path, false)
	if err != nil {
		return err
	}
	if m != nil {
		if old, ok := getMeta(m, key); ok && old.expires != 0 {
			if idx := tx.Bucket(metaRoot).Bucket(expiryIndex); idx != nil {
				if err := idx.Delete(expiryEntry(old.expires, path, key)); err != nil {
					return err
				}
			}
		}
		if err := m.Bucket(keysMeta).Delete(key); err != nil {
			return err
		}
		if err := trimHistory(m.Bucket(histMeta), key, 0); err != nil {
			return err
		}
	}
	return ub.Delete(key)
}

func histPrefix(key []byte) []byte {
	p := make([]byte, 4, 4+len(key))
	binary.BigEndian.PutUint32(p, uint32(len(key)))
	return append(p, key...)
}

func histKey(key []byte, rev uint64) []byte {
	k := histPrefix(key)
	return binary.BigEndian.AppendUint64(k, rev)
}

// trimHistory keeps the newest keep revisions of key.
func trimHistory(h *bolt.Bucket, key []byte, keep int) error {
	prefix := histPrefix(key)
	var revs [][]byte
	c := h.Cursor()
	for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
		revs = append(revs, append([]byte(nil), k...))
	}
	for i := 0; i < len(revs)-keep; i++ {
		if err := h.Delete(revs[i]); err != nil {
			return err
		}
	}
	return nil
}
