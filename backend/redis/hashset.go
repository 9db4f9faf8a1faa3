package redis

// hashSet is a set of 64-bit hashes: open addressing with linear probing in
// one flat slice. Written by hand because the listing de-duplicates every
// key it reads, and Go's map (with its growth from a small size) was about
// a quarter of a million-key listing's CPU; this costs a few ns per key and
// 8 bytes per slot, and is sized once from DBSIZE where that is known.
type hashSet struct {
	slots []uint64 // 0 = empty; a hash of 0 is stored as 1
	free  func()   // returns slots' memory (slotsOf)
	n     int
}

// newHashSet makes a set for about expected hashes: filled to at most 3/4
// (beyond that linear probing slows), so ten million keys take 2^24 slots,
// 128 MB, freed when the listing ends.
func newHashSet(expected int) *hashSet {
	size := 1024
	for size*3 < expected*4 {
		size *= 2
	}
	slots, free := slotsOf(size)
	return &hashSet{slots: slots, free: free}
}

// release returns the table's memory; the set is unusable after.
func (s *hashSet) release() {
	s.free()
	s.slots, s.free = nil, func() {}
}

// add inserts h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

func (s *hashSet) grow() {
	old, freeOld := s.slots, s.free
	defer freeOld()
	s.slots, s.free = slotsOf(len(old) * 2)
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
