// Package keyspace holds the listed keys of one bucket, once, compactly, for
// a million keys and more. Views (filtered, sorted, tree) are slices of row
// numbers into a Set, never copies of the keys.
//
// Written by hand rather than with a []backend.KeyInfo because that costs
// ~90 bytes of headers per key before the name; a row here is 16 bytes (TTL
// and size, where known, in pages of their own), rows and names are packed
// into large pages and chunks that are never moved, so a Set of 1,000,000
// keys of 30 bytes stays near 50 MB and appending never copies the keyspace.
package keyspace

import (
	"slices"
	"time"
	"unsafe"

	"github.com/kvdeck/kvdeck/backend"
)

// chunkSize is the size of one name chunk. Names never span chunks, so a
// name longer than this gets a chunk of its own.
const chunkSize = 1 << 20

// Rows live in pages of pageRows that are never moved: growing a single
// slice would copy every row each time it filled (at a million rows that
// copying, on fresh pages of memory, cost a third of a second), and a
// Snapshot would pin the old arrays.
const (
	pageBits = 16
	pageRows = 1 << pageBits
	pageMask = pageRows - 1
)

// row is one key: where its name lives, its type and flags; 16 bytes. The
// TTL and size, known for few rows on Redis (the rows a user looked at),
// live in meta pages allocated only when a row of the page gets them.
type row struct {
	chunk uint32
	off   uint32
	n     uint32
	kind  backend.Kind
	flags uint8
	upper bool // the name has an ASCII upper-case letter (set once)
	_     byte
}

// meta is a row's TTL and size.
type meta struct {
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
	// chunkFirst is the first row of each chunk: rows fill chunks in
	// order, so a byte offset in a chunk maps back to its row (the filter
	// scans whole chunks).
	chunkFirst []int
	// chunkUpper counts each chunk's names with an upper-case letter,
	// which the filter's chunk scan tests again with case folding.
	chunkUpper []int
	pages      [][]row
	metas      [][]meta // parallel to pages; nil until a row of the page has meta
	n          int
	live       int
}

// New returns an empty Set.
func New() *Set { return &Set{} }

// Len is the number of rows, deleted ones included (row numbers are stable).
func (s *Set) Len() int { return s.n }

// Live is the number of rows not deleted.
func (s *Set) Live() int { return s.live }

func (s *Set) row(i int) *row { return &s.pages[i>>pageBits][i&pageMask] }

// metaOf is row i's meta, or nil when its page has none.
func (s *Set) metaOf(i int) *meta {
	if p := i >> pageBits; p < len(s.metas) && s.metas[p] != nil {
		return &s.metas[p][i&pageMask]
	}
	return nil
}

// metaFor is row i's meta, allocating its page's meta on first use.
func (s *Set) metaFor(i int) *meta {
	p := i >> pageBits
	for len(s.metas) <= p {
		s.metas = append(s.metas, nil)
	}
	if s.metas[p] == nil {
		m := make([]meta, pageRows)
		for j := range m {
			m[j].size = -1
		}
		s.metas[p] = m
	}
	return &s.metas[p][i&pageMask]
}

// Append adds a batch of listed keys. Names are copied into the arena, so
// the batch may be reused by the caller afterwards.
func (s *Set) Append(batch []backend.KeyInfo) {
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
		s.chunkFirst = append(s.chunkFirst, s.n)
		s.chunkUpper = append(s.chunkUpper, 0)
		ci++
	}
	c := s.chunks[ci]
	off := len(c)
	s.chunks[ci] = append(c, k.Name...)
	if s.n&pageMask == 0 && s.n>>pageBits == len(s.pages) {
		s.pages = append(s.pages, make([]row, pageRows))
	}
	i := s.n
	r := s.row(i)
	*r = row{chunk: uint32(ci), off: uint32(off), n: uint32(n), upper: hasUpper(k.Name)}
	if r.upper {
		s.chunkUpper[ci]++
	}
	s.n++
	s.live++
	if k.HasMeta {
		s.setMeta(i, k)
	}
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

func (s *Set) setMeta(i int, k *backend.KeyInfo) {
	r := s.row(i)
	r.flags |= flagMeta
	r.kind = k.Kind
	m := s.metaFor(i)
	m.size = k.Size
	m.expires = 0
	if !k.ExpiresAt.IsZero() {
		m.expires = k.ExpiresAt.UnixMilli()
	}
}

// Name returns row i's key. The string shares the arena's memory (no copy);
// it stays valid for the Set's lifetime because chunks are never rewritten.
func (s *Set) Name(i int) string {
	r := s.row(i)
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&s.chunks[r.chunk][r.off], int(r.n))
}

// NameLen is the length of row i's name in bytes.
func (s *Set) NameLen(i int) int { return int(s.row(i).n) }

// Deleted reports whether row i was removed.
func (s *Set) Deleted(i int) bool { return s.row(i).flags&flagDeleted != 0 }

// Delete tombstones row i.
func (s *Set) Delete(i int) {
	if r := s.row(i); r.flags&flagDeleted == 0 {
		r.flags |= flagDeleted
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
	r := s.row(i)
	m := Meta{Known: r.flags&flagMeta != 0, Kind: r.kind, Size: -1}
	if mt := s.metaOf(i); mt != nil {
		m.Size = mt.size
		if mt.expires != 0 {
			m.ExpiresAt = time.UnixMilli(mt.expires)
		}
	}
	return m
}

// SetMeta records metadata learnt later (Describer, a loaded entry).
func (s *Set) SetMeta(i int, k backend.KeyInfo) {
	k.HasMeta = true
	s.setMeta(i, &k)
}

// ForgetMeta marks row i's metadata as unknown, so it is fetched again.
func (s *Set) ForgetMeta(i int) { s.row(i).flags &^= flagMeta }

// ExpiresMillis and Size expose raw fields for sorting without building
// time.Time values.
func (s *Set) ExpiresMillis(i int) int64 {
	if m := s.metaOf(i); m != nil {
		return m.expires
	}
	return 0
}

// Size returns row i's size, -1 when unknown.
func (s *Set) Size(i int) int64 {
	if m := s.metaOf(i); m != nil {
		return m.size
	}
	return -1
}

// Find returns the row of a live key named name, or -1. It is a linear scan
// (about 5 ms at a million keys): it runs for watch events and single-key
// updates, which are rare next to frames, and an index would cost more
// memory than the rest of the Set.
func (s *Set) Find(name string) int {
	for i := range s.n {
		r := s.row(i)
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
	for i := range s.n {
		if s.row(i).flags&flagDeleted != 0 {
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
	n := int64(len(s.pages)) * pageRows * int64(unsafe.Sizeof(row{}))
	for _, m := range s.metas {
		n += int64(cap(m)) * int64(unsafe.Sizeof(meta{}))
	}
	for _, c := range s.chunks {
		n += int64(cap(c))
	}
	return n
}

// Snapshot is a read-only view of the names of the first n rows, safe to
// read from another goroutine (filter and sort commands) while the Set keeps
// growing. It shares the Set's memory: a row's name fields never change
// after Append, pages never move, and growth writes only past the
// snapshot's end. Tombstones and metadata do change, so a Snapshot does not
// expose them; callers drop deleted rows when they draw.
type Snapshot struct {
	chunks     [][]byte
	chunkFirst []int
	chunkUpper []int
	pages      [][]row
	n          int
}

// Snapshot captures the current rows without copying them.
func (s *Set) Snapshot() Snapshot {
	chunks := make([][]byte, len(s.chunks))
	copy(chunks, s.chunks)
	pages := make([][]row, len(s.pages))
	copy(pages, s.pages)
	return Snapshot{chunks: chunks, chunkFirst: slices.Clone(s.chunkFirst), chunkUpper: slices.Clone(s.chunkUpper), pages: pages, n: s.n}
}

// Len is the number of rows in the snapshot.
func (sn Snapshot) Len() int { return sn.n }

// hasUpper reports whether row i's name has an upper-case ASCII letter.
func (sn Snapshot) hasUpper(i int) bool { return sn.pages[i>>pageBits][i&pageMask].upper }

// Name returns row i's name.
func (sn Snapshot) Name(i int) string {
	r := &sn.pages[i>>pageBits][i&pageMask]
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&sn.chunks[r.chunk][r.off], int(r.n))
}
