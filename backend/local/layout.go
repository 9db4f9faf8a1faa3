package local

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// metaRoot is the reserved top-level bucket for kvdeck's metadata. It is
// hidden from Buckets and created only by a write.
var metaRoot = []byte("__kvdeck__")

// Inside metaRoot (a bucket path is encoded as in names.go):
//
//	b/<bucket path>/config   JSON backend.BucketConfig
//	b/<bucket path>/keys     key → keyMeta (binary, 48 bytes)
//	b/<bucket path>/hist     keylen(4)|key|rev(8) → value (history > 1)
//	expiry                   expires(8)|len(4)|bucket path|key → nil
var (
	bucketsMeta = []byte("b")
	configKey   = []byte("config")
	keysMeta    = []byte("keys")
	histMeta    = []byte("hist")
	expiryIndex = []byte("expiry")
)

// keyMeta is what kvdeck knows about one key. It is bound to the value it
// was written for by the value's size and sum: the file belongs to other
// programs too, and one that rewrites a key with plain bbolt knows nothing
// of kvdeck's metadata. Metadata whose value changed is stale: the key is
// live with no kvdeck TTL and revision, it is never expired, deleted or
// hidden on its account, and the next write transaction that touches it
// drops it.
type keyMeta struct {
	rev     uint64 // kvdeck's revision; 0 for a value kvdeck did not write (a TTL on a foreign key)
	created int64  // unix ns; 0 = unknown
	expires int64  // unix ms; 0 = never
	ttl     int64  // configured TTL in ns, for refresh
	size    uint64 // len(value)
	sum     uint64 // valueSum(value)
}

const metaLen = 48

// legacyMetaLen is the size of the metadata of kvdeck before values were
// bound: it cannot be checked against the value, so it is always stale.
const legacyMetaLen = 32

// valueSum is the first 8 bytes of the value's SHA-256. SHA-256 rather than
// FNV-1a or xxhash: it is in the standard library with a stable definition,
// the CPU runs it in hardware on amd64 (SHA-NI) and arm64 (measured here:
// 1.5 GB/s, twice FNV-1a), and no program can craft a new value that
// inherits the TTL of an old one, which a non-cryptographic hash would let
// happen on purpose. 64 bits make an accidental match (with the same size,
// which is checked first) negligible. The sum is also the fingerprint
// version of a value kvdeck has no revision for.
func valueSum(v []byte) uint64 {
	s := sha256.Sum256(v)
	return binary.BigEndian.Uint64(s[:8])
}

func (m keyMeta) encode() []byte {
	b := make([]byte, metaLen)
	binary.BigEndian.PutUint64(b[0:], m.rev)
	binary.BigEndian.PutUint64(b[8:], uint64(m.created))
	binary.BigEndian.PutUint64(b[16:], uint64(m.expires))
	binary.BigEndian.PutUint64(b[24:], uint64(m.ttl))
	binary.BigEndian.PutUint64(b[32:], m.size)
	binary.BigEndian.PutUint64(b[40:], m.sum)
	return b
}

// decodeMeta reads a metadata record; bindable is false for a record that
// cannot be bound to a value (legacy or damaged), which is always stale.
func decodeMeta(b []byte) (m keyMeta, bindable bool) {
	if len(b) != metaLen && len(b) != legacyMetaLen {
		return keyMeta{}, false
	}
	m = keyMeta{
		rev:     binary.BigEndian.Uint64(b[0:]),
		created: int64(binary.BigEndian.Uint64(b[8:])),
		expires: int64(binary.BigEndian.Uint64(b[16:])),
		ttl:     int64(binary.BigEndian.Uint64(b[24:])),
	}
	if len(b) != metaLen {
		return m, false
	}
	m.size = binary.BigEndian.Uint64(b[32:])
	m.sum = binary.BigEndian.Uint64(b[40:])
	return m, true
}

// bindMeta returns metadata for value v.
func bindMeta(v []byte) keyMeta { return keyMeta{size: uint64(len(v)), sum: valueSum(v)} }

// binds reports whether m was written for value v (the size is checked
// first, so most rewrites are told apart without hashing).
func (m keyMeta) binds(v []byte) bool {
	return v != nil && m.size == uint64(len(v)) && m.sum == valueSum(v)
}

// metaCursor reads the metadata records of keys asked for in ascending
// order (a listing) by walking the metadata bucket beside the listing's
// own cursor, instead of one B+tree search per key.
type metaCursor struct {
	c    *bolt.Cursor
	k, v []byte
	init bool
}

func newMetaCursor(m *bolt.Bucket) *metaCursor {
	if m == nil {
		return &metaCursor{}
	}
	keys := m.Bucket(keysMeta)
	if keys == nil {
		return &metaCursor{}
	}
	return &metaCursor{c: keys.Cursor()}
}

// get returns key's record (nil if none); key must not be smaller than the
// key of the previous call.
func (r *metaCursor) get(key []byte) []byte {
	if r.c == nil {
		return nil
	}
	if !r.init {
		r.k, r.v = r.c.Seek(key)
		r.init = true
	}
	for steps := 0; r.k != nil && bytes.Compare(r.k, key) < 0; steps++ {
		if steps == 8 { // a long gap: search instead
			r.k, r.v = r.c.Seek(key)
			break
		}
		r.k, r.v = r.c.Next()
	}
	if r.k != nil && bytes.Equal(r.k, key) {
		return r.v
	}
	return nil
}

// listedExpiry is what a listing shows of the expiry of a key holding v
// with metadata record raw, hashing the value only when the metadata would
// matter: the bound expiry (unix ms, 0 = none), or -1 when the key has
// expired and is hidden. With needExpiry false an expiry still to come is
// not checked (and may be reported as 0).
func listedExpiry(raw, v []byte, now time.Time, needExpiry bool) int64 {
	if raw == nil {
		return 0
	}
	meta, bindable := decodeMeta(raw)
	if !bindable || meta.expires == 0 {
		return 0
	}
	expired := meta.expired(now)
	if !expired && !needExpiry {
		return 0
	}
	if !meta.binds(v) {
		return 0 // stale: the key is live and has no kvdeck TTL
	}
	if expired {
		return -1
	}
	return meta.expires
}

func (m keyMeta) expired(now time.Time) bool { return m.expires != 0 && now.UnixMilli() >= m.expires }

// metaState says what kvdeck's metadata of a key is worth.
type metaState uint8

const (
	metaNone  metaState = iota // no record: a key only other programs wrote
	metaBound                  // a record for the value the key holds
	metaStale                  // a record for another value (or a missing key)
)

// keyState is one key as a transaction sees it.
type keyState struct {
	ub    *bolt.Bucket // the user bucket
	m     *bolt.Bucket // its metadata bucket; nil when it has none
	key   []byte
	value []byte // nil when missing (only valid during the transaction)
	meta  keyMeta
	state metaState
	live  bool // the key exists and has not expired
}

// rawMetaOf is key's metadata record, nil if none.
func rawMetaOf(m *bolt.Bucket, key []byte) []byte {
	if m == nil {
		return nil
	}
	if keys := m.Bucket(keysMeta); keys != nil {
		return keys.Get(key)
	}
	return nil
}

// lookupMeta reads key's metadata and binds it to value v.
func lookupMeta(m *bolt.Bucket, key, v []byte) (keyMeta, metaState) {
	raw := rawMetaOf(m, key)
	if raw == nil {
		return keyMeta{}, metaNone
	}
	meta, bindable := decodeMeta(raw)
	if !bindable || !meta.binds(v) {
		return meta, metaStale
	}
	return meta, metaBound
}

// keyAt reads key in bucket.
func keyAt(tx *bolt.Tx, bucket string, key []byte, now time.Time) (keyState, error) {
	ub := userBucket(tx, bucket)
	if ub == nil {
		return keyState{}, bucketNotFound(bucket)
	}
	m, _ := bucketMeta(tx, bucket, false)
	ks := keyState{ub: ub, m: m, key: key, value: ub.Get(key)}
	ks.meta, ks.state = lookupMeta(m, key, ks.value)
	ks.live = ks.value != nil && !(ks.state == metaBound && ks.meta.expired(now))
	return ks, nil
}

// bound is the key's metadata when it belongs to the value (else zero).
func (k keyState) bound() keyMeta {
	if k.state == metaBound {
		return k.meta
	}
	return keyMeta{}
}

// version names the value read: its revision when kvdeck wrote it, else a
// fingerprint of the bytes (a foreign value, or one rewritten by another
// program since kvdeck wrote it), so IfVersion works for both and changes
// whenever the bytes do.
func (k keyState) version() string {
	if b := k.bound(); b.rev > 0 {
		return strconv.FormatUint(b.rev, 10)
	}
	if k.state == metaBound {
		return fingerprint(k.meta.sum)
	}
	return fingerprint(valueSum(k.value))
}

func fingerprint(sum uint64) string { return "fp:" + strconv.FormatUint(sum, 16) }

// userBucket finds a bucket by its path (see names.go).
func userBucket(tx *bolt.Tx, path string) *bolt.Bucket {
	segs, ok := decodePath(path)
	if !ok || string(segs[0]) == string(metaRoot) {
		return nil
	}
	b := tx.Bucket(segs[0])
	for _, p := range segs[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(p)
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
	}
	if m != nil && create {
		for _, sub := range [][]byte{keysMeta, histMeta} {
			if _, err := m.CreateBucketIfNotExists(sub); err != nil {
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

// putMeta stores a key's metadata and keeps the expiry index in step; old
// is the record it replaces (any state), hadOld whether there was one.
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

// dropMeta removes a key's metadata record and its expiry entry, keeping
// the value and the kept revisions.
func dropMeta(tx *bolt.Tx, m *bolt.Bucket, path string, key []byte, old keyMeta) error {
	if m == nil {
		return nil
	}
	if old.expires != 0 {
		if idx := tx.Bucket(metaRoot).Bucket(expiryIndex); idx != nil {
			if err := idx.Delete(expiryEntry(old.expires, path, key)); err != nil {
				return err
			}
		}
	}
	if keys := m.Bucket(keysMeta); keys != nil {
		return keys.Delete(key)
	}
	return nil
}

// dropKey removes a key's value, metadata, expiry entry and history.
func dropKey(tx *bolt.Tx, ks keyState, path string) error {
	if ks.m != nil {
		if ks.state != metaNone {
			if err := dropMeta(tx, ks.m, path, ks.key, ks.meta); err != nil {
				return err
			}
		}
		if h := ks.m.Bucket(histMeta); h != nil {
			if err := trimHistory(h, ks.key, 0); err != nil {
				return err
			}
		}
	}
	if ks.value == nil {
		return nil
	}
	return ks.ub.Delete(ks.key)
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
