package keyspace

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestFilterPutsSubstringMatchesBeforeFuzzy(t *testing.T) {
	s := New()
	s.Append([]backend.KeyInfo{{Name: "session:abc"}, {Name: "user:1:profile"}, {Name: "USER-PROFILE"}, {Name: "up"}})
	rows, err := Filter(context.Background(), s.Snapshot(), 0, "Profile", true)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("substring filter rows = %v, want [1 2]", rows)
	}
	rows, _ = Filter(context.Background(), s.Snapshot(), 0, "uprof", true)
	// "USER-PROFILE" and "user:1:profile" contain u…p…r…o…f in order.
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("fuzzy rows = %v", rows)
	}
	rows, _ = Filter(context.Background(), s.Snapshot(), 0, "ses", true)
	if fmt.Sprint(rows) != "[0]" {
		t.Fatalf("rows = %v", rows)
	}
}

func TestFilterStopsWhenCancelled(t *testing.T) {
	s := New()
	s.Append(batch(0, 10000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Filter(ctx, s.Snapshot(), 0, "x", true); err == nil {
		t.Fatal("a cancelled filter ran to the end")
	}
}

func TestSortByNameTTLSize(t *testing.T) {
	s := New()
	s.Append([]backend.KeyInfo{{Name: "c"}, {Name: "a"}, {Name: "b"}})
	s.SetMeta(0, backend.KeyInfo{Size: 5})
	s.SetMeta(1, backend.KeyInfo{Size: 50})
	rows := []uint32{0, 1, 2}
	byName, _ := SortRows(context.Background(), s.Snapshot(), rows, nil, SortName)
	if fmt.Sprint(byName) != "[1 2 0]" {
		t.Fatalf("by name %v", byName)
	}
	bySize, _ := SortRows(context.Background(), s.Snapshot(), rows, s.SortKeys(rows, SortSize), SortSize)
	if fmt.Sprint(bySize) != "[1 0 2]" {
		t.Fatalf("by size %v (largest first, unknown last)", bySize)
	}
}

// The substring scan over packed names finds exactly the rows a name-by-
// name substring test finds, in listing order: across chunk boundaries,
// never a hit spanning two adjacent names, upper-case names by folding,
// empty names, and only from the row asked.
func TestSubstringScanMatchesTheNameByNameTest(t *testing.T) {
	s := New()
	var names []string
	for i := range 300_000 {
		var n string
		switch i % 7 {
		case 0:
			n = fmt.Sprintf("user:%d:prefs", i)
		case 1:
			n = fmt.Sprintf("User:%d:Session", i) // upper case
		case 2:
			n = "" // an empty name
		case 3:
			n = fmt.Sprintf("ab%d", i) // "b" then the next name's start
		default:
			n = fmt.Sprintf("cache:%x", i*7919)
		}
		names = append(names, n)
	}
	// A name longer than a chunk gets a chunk of its own.
	names = append(names, strings.Repeat("x", chunkSize+10)+"user:needle")
	batch := make([]backend.KeyInfo, len(names))
	for i, n := range names {
		batch[i].Name = n
	}
	s.Append(batch)
	sn := s.Snapshot()
	if len(sn.chunks) < 3 {
		t.Fatalf("%d chunks: the test does not cross chunk boundaries", len(sn.chunks))
	}
	for _, q := range []string{"user:1", "USER:2", "session", "b1", "3ab", "needle", "prefs", "zzz"} {
		for _, from := range []int{0, 123_457} {
			got, err := Filter(context.Background(), sn, from, q, false)
			if err != nil {
				t.Fatal(err)
			}
			var want []uint32
			lq := strings.ToLower(q)
			for i := from; i < len(names); i++ {
				if strings.Contains(strings.ToLower(names[i]), lq) {
					want = append(want, uint32(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q from %d: %d rows, want %d", q, from, len(got), len(want))
			}
		}
	}
}
