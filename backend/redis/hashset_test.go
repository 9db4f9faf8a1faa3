package redis

import (
	"hash/maphash"
	"strconv"
	"testing"
)

// The set keeps every distinct hash once, across growth.
func TestHashSetAddsEachHashOnce(t *testing.T) {
	s := newHashSet(0)
	seed := maphash.MakeSeed()
	for round := range 2 {
		for i := range 100_000 {
			isNew := s.add(maphash.String(seed, "key:"+strconv.Itoa(i)))
			if isNew != (round == 0) {
				t.Fatalf("round %d key %d: new = %v", round, i, isNew)
			}
		}
	}
	if !s.add(0) || s.add(0) || s.n != 100_001 {
		t.Fatalf("hash 0: n = %d", s.n)
	}
}

func BenchmarkHashSetMillion(b *testing.B) {
	seed := maphash.MakeSeed()
	names := make([]string, 1_000_000)
	for i := range names {
		names[i] = "session:" + strconv.Itoa(i)
	}
	b.ResetTimer()
	for range b.N {
		s := newHashSet(len(names))
		for _, n := range names {
			s.add(maphash.String(seed, n))
		}
		s.release()
	}
}
