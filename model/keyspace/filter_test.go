package keyspace

import (
	"bytes"
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
	rows, _, err := Filter(context.Background(), s.Snapshot(), 0, "Profile", true)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("substring filter rows = %v, want [1 2]", rows)
	}
	rows, _, _ = Filter(context.Background(), s.Snapshot(), 0, "uprof", true)
	// "USER-PROFILE" and "user:1:profile" contain u…p…r…o…f in order.
	if fmt.Sprint(rows) != "[1 2]" {
		t.Fatalf("fuzzy rows = %v", rows)
	}
	rows, _, _ = Filter(context.Background(), s.Snapshot(), 0, "ses", true)
	if fmt.Sprint(rows) != "[0]" {
		t.Fatalf("rows = %v", rows)
	}
}

func TestFilterStopsWhenCancelled(t *testing.T) {
	s := New()
	s.Append(batch(0, 10000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Filter(ctx, s.Snapshot(), 0, "x", true); err == nil {
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
			got, all, err := Filter(context.Background(), sn, from, q, false)
			if err != nil {
				t.Fatal(err)
			}
			if all {
				t.Fatalf("%q from %d: every row matched, but some names are empty", q, from)
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

// A query every name contains answers "all" with no list (at ten million
// keys the list is 40 MB); one that matches whole chunks and part of
// another lists exactly the matching rows, whole chunks included.
func TestSubstringScanReportsEveryRowWithoutAList(t *testing.T) {
	s := New()
	const n = 200_000
	batch := make([]backend.KeyInfo, n)
	for i := range batch {
		prefix := "session"
		if i >= n/2 {
			prefix = "user"
		}
		batch[i].Name = fmt.Sprintf("%s:key:%d", prefix, i)
	}
	s.Append(batch)
	sn := s.Snapshot()
	if len(sn.chunks) < 4 {
		t.Fatalf("%d chunks: the test needs whole chunks on each side", len(sn.chunks))
	}
	rows, all, err := Filter(context.Background(), sn, 0, "KEY:", false)
	if err != nil || !all || rows != nil {
		t.Fatalf("every name contains key: rows %d, all %v, err %v", len(rows), all, err)
	}
	rows, all, err = Filter(context.Background(), sn, 0, "session:", false)
	if err != nil || all || len(rows) != n/2 || rows[0] != 0 || rows[n/2-1] != n/2-1 {
		t.Fatalf("half the names: %d rows, all %v, err %v", len(rows), all, err)
	}
	// Refining a list by a query every row matches keeps the list.
	base := []uint32{3, 5, 8}
	rows, all, _ = Refine(context.Background(), sn, base, "key:", false)
	if !all || !slices.Equal(rows, base) {
		t.Fatalf("refine of a short list: %v, all %v", rows, all)
	}
}

// anchoredIndex finds what bytes.Index finds, whichever byte of the query
// it anchors on: overlapping false starts, a match at either end of the
// data, none at all.
func TestAnchoredIndexFindsWhatBytesIndexFinds(t *testing.T) {
	data := []byte("kvdeck:key:kekey::9key::99k")
	for _, q := range []string{"key::99", "key", "kek", "k", "9k", "kv", "zz", "key::999"} {
		for a := range len(q) {
			for pos := 0; pos <= len(data); pos++ {
				want := bytes.Index(data[pos:], []byte(q))
				if want >= 0 {
					want += pos
				}
				if got := anchoredIndex(data, pos, []byte(q), a); got != want {
					t.Fatalf("%q anchored at %d from %d: %d, want %d", q, a, pos, got, want)
				}
			}
		}
	}
}
