package keyspace

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"sync"
)

// FuzzyLimit is the largest key list the filter also matches fuzzily (the
// query's characters in order, anywhere in the name). A fuzzy test costs a
// pass over every name's bytes; beyond a couple of million keys that is
// more than a keystroke may take, and the filter matches substrings only,
// found by scanning the packed names (substringRows).
const FuzzyLimit = 2_000_000

// substringRows returns, in listing order, the rows from `from` on whose
// names contain lowerQuery (ASCII case folded), or all = true and no rows
// when every one of them does: at ten million keys a query like "k" would
// otherwise write a 40 MB list (twice, growing it and joining the chunks'
// parts), most of a keystroke's time. Rather than testing name by name it
// searches each chunk of packed names for the query's rarest byte
// (anchoredIndex), which jumps over non-matching bytes with vector
// instructions, and maps each hit back to its row; a hit that spans two
// adjacent names is no match. Where names keep matching it tests them one
// by one instead. Names with an
// upper-case letter, which the search on the lower-cased query can miss,
// are then tested with folding. Chunks are split across the CPUs; ctx is
// checked after each chunk.
func substringRows(ctx context.Context, sn Snapshot, from int, lowerQuery string) (rows []uint32, all bool, err error) {
	q := []byte(lowerQuery)
	anchor := sn.anchorOf(q)
	results := make([][]uint32, len(sn.chunks))
	whole := make([]bool, len(sn.chunks)) // every row of the chunk matched
	next := make(chan int, len(sn.chunks))
	most := 0 // rows in the largest chunk: the size of a worker's scratch
	for c := range sn.chunks {
		next <- c
		lo, hi := sn.chunkRows(c, from)
		most = max(most, hi-lo)
	}
	close(next)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scratch := make([]uint32, 0, most)
			for c := range next {
				if ctx.Err() != nil {
					return
				}
				lo, hi := sn.chunkRows(c, from)
				if lo >= hi {
					whole[c] = true
					continue
				}
				m := sn.chunkMatches(c, lo, hi, q, anchor, scratch[:0])
				if len(m) == hi-lo {
					whole[c] = true
				} else {
					results[c] = slices.Clone(m)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	n, everyChunk := 0, true
	for c, r := range results {
		if whole[c] {
			lo, hi := sn.chunkRows(c, from)
			n += hi - lo
		} else {
			n += len(r)
			everyChunk = false
		}
	}
	if everyChunk {
		return nil, true, nil
	}
	out := make([]uint32, 0, n)
	for c, r := range results {
		if !whole[c] {
			out = append(out, r...)
			continue
		}
		lo, hi := sn.chunkRows(c, from)
		for i := lo; i < hi; i++ {
			out = append(out, uint32(i))
		}
	}
	return out, false, nil
}

// chunkRows is the range of rows, from `from` on, whose names chunk c holds.
func (sn Snapshot) chunkRows(c, from int) (lo, hi int) {
	lo, hi = sn.chunkFirst[c], sn.n
	if c+1 < len(sn.chunkFirst) {
		hi = min(sn.chunkFirst[c+1], sn.n)
	}
	lo = max(lo, from)
	return min(lo, hi), hi
}

// chunkMatches is substringRows for rows [lo, hi) of chunk c, appended to
// exact (a worker's scratch); anchor is q's rarest byte (anchorOf).
func (sn Snapshot) chunkMatches(c, lo, hi int, q []byte, anchor int, exact []uint32) []uint32 {
	data := sn.chunks[c]
	start := int(sn.rowAt(lo).off)
	k := lo // the row holding the last hit; hits only move forward
	for pos := start; ; {
		at := anchoredIndex(data, pos, q, anchor)
		if at < 0 {
			break
		}
		// The row holding byte `at`: the last row of the chunk starting at
		// or before it. Stepping row by row costs a read per row passed,
		// no more than the name-by-name test, and a query that matches most
		// names finds its row in a step or two.
		for k+1 < hi && int(sn.rowAt(k+1).off) <= at {
			k++
		}
		r := sn.rowAt(k)
		end := int(r.off) + int(r.n)
		if at+len(q) <= end {
			exact = append(exact, uint32(k))
			// While the names that follow match too (a query most names
			// contain), test them one by one: a search within one short
			// name costs a third of one started over the chunk's rest.
			// The first that does not match sends the search on from it.
			for k+1 < hi {
				next := sn.rowAt(k + 1)
				if bytes.Index(data[next.off:next.off+next.n], q) < 0 {
					break
				}
				k++
				exact = append(exact, uint32(k))
				end = int(next.off) + int(next.n)
			}
			pos = end // one hit per name is enough
		} else {
			pos = at + 1
		}
		if pos >= len(data) {
			break
		}
	}
	// Names with upper case that the plain search missed.
	if sn.chunkUpper[c] == 0 {
		return exact
	}
	var folded []uint32
	e := 0
	for k := lo; k < hi; k++ {
		for e < len(exact) && int(exact[e]) < k {
			e++
		}
		if e < len(exact) && int(exact[e]) == k {
			continue
		}
		if r := sn.rowAt(k); r.upper && containsFold(sn.Name(k), string(q)) {
			folded = append(folded, uint32(k))
		}
	}
	if len(folded) == 0 {
		return exact
	}
	return mergeRows(exact, folded)
}

// anchoredIndex returns the first index at or after pos where q occurs in
// data, or -1. It looks for q's byte at index a with IndexByte (vector
// instructions) and compares the rest where it finds it. bytes.Index
// anchors on q's first byte, often a common one in key names (the "k" of
// "key::99" comes three times in "kvdeck:bench:key::123"), and pays a
// call for each false start; anchored on the rarest byte a sparse query
// searched ten million names in about half the time.
func anchoredIndex(data []byte, pos int, q []byte, a int) int {
	b := q[a]
	for i := pos + a; i < len(data); i++ {
		j := bytes.IndexByte(data[i:], b)
		if j < 0 {
			return -1
		}
		i += j
		at := i - a
		if at+len(q) > len(data) {
			return -1
		}
		if bytes.Equal(data[at:at+len(q)], q) {
			return at
		}
	}
	return -1
}

// anchorSample is how many bytes of names anchorOf counts.
const anchorSample = 64 << 10

// anchorOf picks the byte of q least frequent in a sample of the names:
// the first chunk's first anchorSample bytes, which in a listing's order
// (a hash table's, on Redis) are a fair sample of the whole.
func (sn Snapshot) anchorOf(q []byte) int {
	if len(q) < 2 || len(sn.chunks) == 0 {
		return 0
	}
	var freq [256]int
	sample := sn.chunks[0]
	for _, b := range sample[:min(len(sample), anchorSample)] {
		freq[b]++
	}
	a := 0
	for i, b := range q {
		if freq[b] < freq[q[a]] {
			a = i
		}
	}
	return a
}

func (sn Snapshot) rowAt(i int) *row { return &sn.pages[i>>pageBits][i&pageMask] }

// mergeRows merges two ascending row lists.
func mergeRows(a, b []uint32) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
