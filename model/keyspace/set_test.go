package keyspace

import (
	"fmt"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

func batch(from, n int) []backend.KeyInfo {
	b := make([]backend.KeyInfo, n)
	for i := range b {
		b[i] = backend.KeyInfo{Name: fmt.Sprintf("user:%07d:profile", from+i)}
	}
	return b
}

func TestAppendKeepsNamesWhenBatchIsReused(t *testing.T) {
	s := New()
	b := batch(0, 3)
	s.Append(b)
	b[0].Name = "overwritten"
	s.Append(batch(3, 2))
	if s.Len() != 5 || s.Live() != 5 {
		t.Fatalf("len %d live %d, want 5", s.Len(), s.Live())
	}
	if s.Name(0) != "user:0000000:profile" || s.Name(4) != "user:0000004:profile" {
		t.Fatalf("names changed: %q %q", s.Name(0), s.Name(4))
	}
}

func TestLongNamesAndEmptyNames(t *testing.T) {
	s := New()
	long := string(make([]byte, chunkSize+10))
	s.Append([]backend.KeyInfo{{Name: "a"}, {Name: long}, {Name: ""}, {Name: "b"}})
	if s.Name(0) != "a" || s.Name(1) != long || s.Name(2) != "" || s.Name(3) != "b" {
		t.Fatal("names do not round-trip across chunk boundaries")
	}
}

func TestDeleteFindAndMeta(t *testing.T) {
	s := New()
	s.Append(batch(0, 10))
	if i := s.Find("user:0000007:profile"); i != 7 {
		t.Fatalf("Find = %d, want 7", i)
	}
	s.Delete(7)
	if s.Find("user:0000007:profile") != -1 || s.Live() != 9 {
		t.Fatal("a deleted key is still found or counted")
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	s.SetMeta(3, backend.KeyInfo{Kind: backend.KindHash, ExpiresAt: exp, Size: 12})
	m := s.Meta(3)
	if !m.Known || m.Kind != backend.KindHash || !m.ExpiresAt.Equal(exp) || m.Size != 12 {
		t.Fatalf("meta = %+v", m)
	}
	if s.Meta(4).Known || s.Meta(4).Size != -1 {
		t.Fatal("a key never described claims known metadata")
	}
}

func TestSnapshotIsStableWhileSetGrows(t *testing.T) {
	s := New()
	s.Append(batch(0, 100))
	sn := s.Snapshot()
	s.Append(batch(100, 5000))
	s.Delete(5)
	if sn.Len() != 100 || sn.Name(99) != "user:0000099:profile" || sn.Name(5) != "user:0000005:profile" {
		t.Fatal("snapshot changed after the set grew")
	}
}
