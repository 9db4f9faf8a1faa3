// Package keyspace holds the listed keys of one bucket, once, compactly, for
// a million keys and more. Views (filtered, sorted, tree) are slices of row
// numbers into a Set, never copies of the keys.
//
// Written by hand rather than with a []backend.KeyInfo because that costs
// ~90 bytes of headers per key before the name; a row here is 32 bytes and
// names are packed into large byte chunks that are never moved, so a Set of
// 1,000,000 keys of 30 bytes stays near 60 MB and appending never copies the
// keyspace.
package keyspace

import (
	"time"
	"unsafe"

	"github.com/kvdeck/kvdeck/backend"
)

// chunkSize is the size of one name chunk. Names never span chunks, so a
// name longer than this gets a chunk of its own.
const chunkSize = 1 << 20

// row is one key: where its name lives plus the metadata the list shows.
type row struct {
	chunk   uint32
	off     uint32
	n       uint32
	kind    backend.Kind
	flags   uint8
	upper   bool // the name has an ASCII upper-case letter (set once)
	_       byte
	expires int64 // unix milliseconds; 0 = none or unknown
	size    int64 // -1 = unknown
}

const (
	flagMeta    uint8 = 1 << iota // kind/expires/size are known
	flagDeleted                   // removed since it was listed
)

// Set is an append-only list of keys with tombstones. It is not safe for
// concurrent writers; readers in other goroutines may read names of rows
// that existed when they took a Snapshot (names are immutable).
type Set struct {
	chunks [][]byte
	rows   []row
	live   int
}

// New returns an empty Set.
func New() *Set { return &Set{} }

// Len is the number of rows, deleted ones included (row numbers are stable).
func (s *Set) Len() int { return len(s.rows) }

// Live is the number of rows not deleted.
func (s *Set) Live() int { return s.live }

// Append adds a batch of listed keys. Names are copied into the arena, so
// the batch may be reused by the caller afterwards.
func (s *Set) Append(batch []backend.KeyInfo) {
	if cap(s.rows)-len(s.rows) < len(batch) {
		// Grow by at least half again so a million single-key appends stay
		// amortised O(1).
		grown := make([]row, len(s.rows), len(s.rows)+len(batch)+len(s.rows)/2+1024)
		copy(grown, s.rows)
		s.rows = grown
	}
	for i := range batch {
		s.add(&batch[i])
	}
}

func (s *Set) add(k *backend.KeyInfo) {
	n := len(k.Name)
	ci := len(s.chunks) - 1
	if ci < 0 || cap(s.chunks[ci])-len(s.chunks[ci]) < n {
		size := chunkSize
		if n > size {
			size = n
		}
		s.chunks = append(s.chunks, make([]byte, 0, size))
		ci++
	}
	c := s.chunks[ci]
	off := len(c)
	s.chunks[ci] = append(c, k.Name...)
	r := row{chunk: uint32(ci), off: uint32(off), n: uint32(n), size: -1, upper: hasUpper(k.Name)}
	if k.HasMeta {
		setMeta(&r, k)
	}
	s.rows = append(s.rows, r)
	s.live++
}

// hasUpper tells the filter whether a case-insensitive match needs case
// folding at all; most keys are lower case and take the faster path.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func setMeta(r *row, k *backend.KeyInfo) {
	r.flags |= flagMeta
	r.kind = k.Kind
	r.size = k.Size
	r.expires = 0
	if !k.ExpiresAt.IsZero() {
		r.expires = k.ExpiresAt.UnixMilli()
	}
}

// Name returns row i's key. The string shares the arena's memory (no copy);
// it stays valid for the Set's lifetime because chunks are never rewritten.
func (s *Set) Name(i int) string {
	r := &s.rows[i]
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&s.chunks[r.chunk][r.off], int(r.n))
}

// Deleted reports whether row i was removed.
func (s *Set) Deleted(i int) bool { return s.rows[i].flags&flagDeleted != 0 }

// Delete tombstones row i.
func (s *Set) Delete(i int) {
	if s.rows[i].flags&flagDeleted == 0 {
		s.rows[i].flags |= flagDeleted
		s.live--
	}
}

// Meta is what the list shows about a key besides its name.
type Meta struct {
	Known     bool
	Kind      backend.Kind
	ExpiresAt time.Time // zero = no TTL
	Size      int64     // -1 = unknown
}

// Meta returns row i's metadata.
func (s *Set) Meta(i int) Meta {
	r := &s.rows[i]
	m := Meta{Known: r.flags&flagMeta != 0, Kind: r.kind, Size: r.size}
	if r.expires != 0 {
		m.ExpiresAt = time.UnixMilli(r.expires)
	}
	return m
}

// SetMeta records metadata learnt later (Describer, a loaded entry).
func (s *Set) SetMeta(i int, k backend.KeyInfo) {
	k.HasMeta = true
	setMeta(&s.rows[i], &k)
}

// ForgetMeta marks row i's metadata as unknown, so it is fetched again.
func (s *Set) ForgetMeta(i int) { s.rows[i].flags &^= flagMeta }

// ExpiresMillis and Size expose raw fields for sorting without building
// time.Time values.
func (s *Set) ExpiresMillis(i int) int64 { return s.rows[i].expires }

// Size returns row i's size, -1 when unknown.
func (s *Set) Size(i int) int64 { return s.rows[i].size }

// Find returns the row of a live key named name, or -1. It is a linear scan
// (about 5 ms at a million keys): it runs for watch events and single-key
// updates, which are rare next to frames, and an index would cost more
// memory than the rest of the Set.
func (s *Set) Find(name string) int {
	for i := range s.rows {
		r := &s.rows[i]
		if int(r.n) == len(name) && r.flags&flagDeleted == 0 && s.Name(i) == name {
			return i
		}
	}
	return -1
}

// FindMany finds several live keys in one pass over the rows (a burst of
// watch events), where Find per key would scan once per key.
func (s *Set) FindMany(names []string) map[string]int {
	want := make(map[string]int, len(names))
	for _, n := range names {
		want[n] = -1
	}
	found := 0
	for i := range s.rows {
		if s.rows[i].flags&flagDeleted != 0 {
			continue
		}
		if r, ok := want[s.Name(i)]; ok && r < 0 {
			want[s.Name(i)] = i
			if found++; found == len(want) {
				break
			}
		}
	}
	return want
}

// Bytes estimates the memory the Set holds, for benchmarks and the status
// bar's debug line.
func (s *Set) Bytes() int64 {
	n := int64(cap(s.rows)) * int64(unsafe.Sizeof(row{}))
	for _, c := range s.chunks {
		n += int64(cap(c))
	}
	return n
}

// Snapshot is a read-only view of the names of the first n rows, safe to
// read from another goroutine (filter and sort commands) while the Set keeps
// growing. It shares the Set's memory: a row's name fields never change after
// Append, and growth writes only past the snapshot's end or into a new
// array. Tombstones and metadata do change, so a Snapshot does not expose
// them; callers drop deleted rows when they draw.
type Snapshot struct {
	chunks [][]byte
	rows   []row
}

// Snapshot captures the current rows without copying them.
func (s *Set) Snapshot() Snapshot {
	chunks := make([][]byte, len(s.chunks))
	copy(chunks, s.chunks)
	return Snapshot{chunks: chunks, rows: s.rows[:len(s.rows):len(s.rows)]}
}

// Len is the number of rows in the snapshot.
func (sn Snapshot) Len() int { return len(sn.rows) }

// hasUpper reports whether row i's name has an upper-case ASCII letter.
func (sn Snapshot) hasUpper(i int) bool { return sn.rows[i].upper }

// Name returns row i's name.
func (sn Snapshot) Name(i int) string {
	r := &sn.rows[i]
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&sn.chunks[r.chunk][r.off], int(r.n))
}
