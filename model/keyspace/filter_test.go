package keyspace

import (
	"context"
	"fmt"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestFilterPutsSubstringMatchesBeforeFuzzy(t *testing.T) {
	s := New()
	s.Append([]backend.KeyInfo{{Name: "session:abc"}, {Name: "user:1:profile"}, {Name: "USER-PROFILE"}, {Name: "up"}})
	rows, err := Filter(context.Background(), s.Snapshot(), 0, "Profile")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("substring filter rows = %v, want [1 2]", rows)
	}
	rows, _ = Filter(context.Background(), s.Snapshot(), 0, "uprof")
	// "USER-PROFILE" and "user:1:profile" contain u…p…r…o…f in order.
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("fuzzy rows = %v", rows)
	}
	rows, _ = Filter(context.Background(), s.Snapshot(), 0, "ses")
	if fmt.Sprint(rows) != "[0]" {
		t.Fatalf("rows = %v", rows)
	}
}

func TestFilterStopsWhenCancelled(t *testing.T) {
	s := New()
	s.Append(batch(0, 10000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Filter(ctx, s.Snapshot(), 0, "x"); err == nil {
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
