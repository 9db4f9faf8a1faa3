package keyspace

import (
	"bytes"
	"context"
	"runtime"
	"sync"
)

// FuzzyLimit is the largest key list the filter also matches fuzzily (the
// query's characters in order, anywhere in the name). A fuzzy test costs a
// pass over every name's bytes; beyond a couple of million keys that is
// more than a keystroke may take, and the filter matches substrings only,
// found by scanning the packed names (substringRows).
const FuzzyLimit = 2_000_000

// substringRows returns, in listing order, the rows from `from` on whose
// names contain lowerQuery (ASCII case folded). Rather than testing name by
// name it searches each chunk of packed names with bytes.Index, which jumps
// over non-matching bytes with vector instructions, and maps each hit back
// to its row by binary search over the chunk's rows; a hit that spans two
// adjacent names is no match. Names with an upper-case letter, which the
// search on the lower-cased query can miss, are then tested with folding.
// Chunks are split across the CPUs; ctx is checked after each chunk.
func substringRows(ctx context.Context, sn Snapshot, from int, lowerQuery string) ([]uint32, error) {
	q := []byte(lowerQuery)
	results := make([][]uint32, len(sn.chunks))
	next := make(chan int, len(sn.chunks))
	for c := range sn.chunks {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if ctx.Err() != nil {
					return
				}
				results[c] = sn.chunkMatches(c, from, q)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]uint32, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// chunkMatches is substringRows for the rows of chunk c.
func (sn Snapshot) chunkMatches(c, from int, q []byte) []uint32 {
	lo := sn.chunkFirst[c]
	hi := sn.n
	if c+1 < len(sn.chunkFirst) {
		hi = min(sn.chunkFirst[c+1], sn.n)
	}
	lo = max(lo, from)
	if lo >= hi {
		return nil
	}
	data := sn.chunks[c]
	start := int(sn.rowAt(lo).off)
	var exact []uint32
	k := lo // the row holding the last hit; hits only move forward
	for pos := start; ; {
		i := bytes.Index(data[pos:], q)
		if i < 0 {
			break
		}
		at := pos + i
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
