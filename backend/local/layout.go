package local

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// metaRoot is the reserved top-level bucket for kvdeck's metadata. It is
// hidden from Buckets and created only by a write, so a bbolt file written
// by another program stays as it was until the user changes something.
var metaRoot = []byte("__kvdeck__")

// Inside metaRoot:
//
//	b/<bucket path>/config   JSON backend.BucketConfig
//	b/<bucket path>/keys     key → keyMeta (32 bytes)
//	b/<bucket path>/hist     keylen(4)|key|rev(8) → created(8)|value (history > 1)
//	b/<bucket path>          its sequence is the bucket's revision counter
//	expiry                   expires(8)|len(4)|bucket path|key → nil
//
// The expiry index is ordered by time, so the sweeper finds due keys
// without walking any bucket.
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
	created int64 // unix ns of the current revision
	expires int64 // unix ms; 0 = never
	ttl     int64 // configured TTL in ns, so a refresh can re-apply it
}

const keyMetaSize = 32

func (m keyMeta) encode() []byte {
	b := make([]byte, keyMetaSize)
	binary.BigEndian.PutUint64(b[0:], m.rev)
	binary.BigEndian.PutUint64(b[8:], uint64(m.created))
	binary.BigEndian.PutUint64(b[16:], uint64(m.expires))
	binary.BigEndian.PutUint64(b[24:], uint64(m.ttl))
	return b
}

func decodeMeta(b []byte) (keyMeta, bool) {
	if len(b) != keyMetaSize {
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

func (m keyMeta) expiresAt() time.Time {
	if m.expires == 0 {
		return time.Time{}
	}
	return time.UnixMilli(m.expires)
}

// withTTL returns m expiring ttl after now (0 = never).
func (m keyMeta) withTTL(now time.Time, ttl time.Duration) keyMeta {
	m.expires, m.ttl = 0, 0
	if ttl > 0 {
		m.expires, m.ttl = now.Add(ttl).UnixMilli(), int64(ttl)
	}
	return m
}

// userBucket finds a user bucket by its slash-joined path; nil if there is
// none (the metadata bucket is never a user bucket).
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

// bucketMeta returns the metadata bucket of a user bucket. Without create
// it returns nil for a bucket kvdeck never wrote to (a foreign bucket).
func bucketMeta(tx *bolt.Tx, path string, create bool) (*bolt.Bucket, error) {
	if !create {
		root := tx.Bucket(metaRoot)
		if root == nil {
			return nil, nil
		}
		bs := root.Bucket(bucketsMeta)
		if bs == nil {
			return nil, nil
		}
		return bs.Bucket([]byte(path)), nil
	}
	root, err := tx.CreateBucketIfNotExists(metaRoot)
	if err != nil {
		return nil, err
	}
	bs, err := root.CreateBucketIfNotExists(bucketsMeta)
	if err != nil {
		return nil, err
	}
	m, err := bs.CreateBucketIfNotExists([]byte(path))
	if err != nil {
		return nil, err
	}
	for _, sub := range [][]byte{keysMeta, histMeta} {
		if _, err := m.CreateBucketIfNotExists(sub); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// expiryBucket returns the expiry index; nil if absent and create is false.
func expiryBucket(tx *bolt.Tx, create bool) (*bolt.Bucket, error) {
	if !create {
		root := tx.Bucket(metaRoot)
		if root == nil {
			return nil, nil
		}
		return root.Bucket(expiryIndex), nil
	}
	root, err := tx.CreateBucketIfNotExists(metaRoot)
	if err != nil {
		return nil, err
	}
	return root.CreateBucketIfNotExists(expiryIndex)
}

// readConfig reads a bucket's configuration; a bucket without metadata has
// the defaults (history 1, no TTL, no limits).
func readConfig(m *bolt.Bucket, name string) backend.BucketConfig {
	cfg := backend.BucketConfig{Name: name, History: 1}
	if m != nil {
		if raw := m.Get(configKey); raw != nil {
			_ = json.Unmarshal(raw, &cfg)
		}
	}
	cfg.Name = name
	if cfg.History < 1 {
		cfg.History = 1
	}
	return cfg
}

// getMeta looks up one key's metadata in a bucket's metadata bucket (nil
// for a foreign bucket).
func getMeta(m *bolt.Bucket, key []byte) (keyMeta, bool) {
	if m == nil {
		return keyMeta{}, false
	}
	return decodeMeta(m.Bucket(keysMeta).Get(key))
}

// metaCursor reads key metadata alongside a cursor over a bucket's values.
// Both are in key order, so a listing walks them together instead of
// looking every key up.
type metaCursor struct {
	c       *bolt.Cursor
	k, v    []byte
	started bool
}

func newMetaCursor(m *bolt.Bucket) *metaCursor {
	if m == nil {
		return &metaCursor{}
	}
	return &metaCursor{c: m.Bucket(keysMeta).Cursor()}
}

// find returns the metadata of key; keys must be asked in ascending order.
func (mc *metaCursor) find(key []byte) (keyMeta, bool) {
	if mc.c == nil {
		return keyMeta{}, false
	}
	if !mc.started {
		mc.k, mc.v = mc.c.Seek(key)
		mc.started = true
	}
	// Step a few entries; past that, the keys are far apart: seek.
	for steps := 0; mc.k != nil && bytes.Compare(mc.k, key) < 0; steps++ {
		if steps == 4 {
			mc.k, mc.v = mc.c.Seek(key)
			break
		}
		mc.k, mc.v = mc.c.Next()
	}
	if mc.k == nil || !bytes.Equal(mc.k, key) {
		return keyMeta{}, false
	}
	return decodeMeta(mc.v)
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

// histPrefix is the prefix of every history entry of key.
func histPrefix(key []byte) []byte {
	p := make([]byte, 4, 4+len(key)+8)
	binary.BigEndian.PutUint32(p, uint32(len(key)))
	return append(p, key...)
}

func histKey(key []byte, rev uint64) []byte {
	return binary.BigEndian.AppendUint64(histPrefix(key), rev)
}

func encodeHist(created int64, value []byte) []byte {
	b := make([]byte, 8, 8+len(value))
	binary.BigEndian.PutUint64(b, uint64(created))
	return append(b, value...)
}

func decodeHist(b []byte) (created int64, value []byte, ok bool) {
	if len(b) < 8 {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b)), b[8:], true
}

// histEntry is one kept revision as stored.
type histEntry struct {
	k, v []byte // only valid inside the transaction
	rev  uint64
}

// histOf returns the kept revisions of key, oldest first.
func histOf(h *bolt.Bucket, key []byte) []histEntry {
	if h == nil {
		return nil
	}
	prefix := histPrefix(key)
	var out []histEntry
	c := h.Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out = append(out, histEntry{k: k, v: v, rev: binary.BigEndian.Uint64(k[len(prefix):])})
	}
	return out
}

// trimHistory keeps the newest keep revisions of key.
func trimHistory(h *bolt.Bucket, key []byte, keep int) error {
	revs := histOf(h, key)
	for i := 0; i < len(revs)-keep; i++ {
		if err := h.Delete(append([]byte(nil), revs[i].k...)); err != nil {
			return err
		}
	}
	return nil
}
