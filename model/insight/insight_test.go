package insight

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestNamespacesAtEveryDepthAndTTLGroups(t *testing.T) {
	a := New(":", func() time.Time { return t0 })
	a.Add([]backend.KeyFacts{
		{Key: "session:eu:1", Kind: backend.KindString, Size: 100},
		{Key: "session:eu:2", Kind: backend.KindString, Size: 300, ExpiresAt: t0.Add(30 * time.Second)},
		{Key: "session:us:1", Kind: backend.KindHash, Size: 50, Length: 7, ExpiresAt: t0.Add(2 * time.Hour)},
		{Key: "cfg", Kind: backend.KindString, Size: -1, ExpiresAt: t0.Add(40 * 24 * time.Hour)},
	})
	r := a.Report()
	if r.Keys != 4 || r.Bytes != 450 || r.Sized != 3 {
		t.Fatalf("totals %d keys %d bytes %d sized", r.Keys, r.Bytes, r.Sized)
	}
	got := func(d int) string {
		s := ""
		for _, n := range r.Namespaces[d-1] {
			s += fmt.Sprintf("[%s %d %d %d] ", n.Prefix, n.Keys, n.Bytes, n.NoTTL)
		}
		return s
	}
	if g := got(1); g != "[session: 3 450 1] [ 1 0 0] " {
		t.Errorf("depth 1: %s", g)
	}
	if g := got(2); g != "[session:eu: 2 400 1] [session:us: 1 50 0] [ 1 0 0] " {
		t.Errorf("depth 2: %s", g)
	}
	want := TTLGroups{NoTTL: 1, UnderHour: 1, UnderDay: 1, Longer: 1, NextMinute: 1, NextHour: 1}
	if r.TTL != want {
		t.Errorf("TTL groups %+v, want %+v", r.TTL, want)
	}
	if len(r.TopCollections) != 1 || r.TopCollections[0].Key != "session:us:1" {
		t.Errorf("top collections %+v", r.TopCollections)
	}
	if r.TopKeys[0].Key != "session:eu:2" || len(r.TopKeys) != 3 {
		t.Errorf("top keys %+v (a key of unknown size is not ranked)", r.TopKeys)
	}
}

func TestTopKeepsTheLargestHundred(t *testing.T) {
	a := New(":", func() time.Time { return t0 })
	for i := range 1000 {
		a.Add([]backend.KeyFacts{{Key: fmt.Sprintf("k%04d", i), Size: int64((i * 7919) % 1000)}})
	}
	r := a.Report()
	if len(r.TopKeys) != TopN || r.TopKeys[0].Size != 999 || r.TopKeys[TopN-1].Size != 900 {
		t.Fatalf("top %d: first %d last %d", len(r.TopKeys), r.TopKeys[0].Size, r.TopKeys[len(r.TopKeys)-1].Size)
	}
}

func TestSortNamespaces(t *testing.T) {
	list := []Namespace{{Prefix: "b:", Keys: 1, Bytes: 10, Sized: 1}, {Prefix: "a:", Keys: 5, Bytes: 10, Sized: 5}, {Prefix: "c:", Keys: 2, Bytes: 30, Sized: 2}}
	SortNamespaces(list, ByKeys, true)
	if list[0].Prefix != "a:" || list[2].Prefix != "b:" {
		t.Errorf("by keys: %v", list)
	}
	SortNamespaces(list, ByAvg, true)
	if list[0].Prefix != "c:" || list[2].Prefix != "a:" {
		t.Errorf("by average: %v", list)
	}
	SortNamespaces(list, ByPrefix, false)
	if list[0].Prefix != "a:" {
		t.Errorf("by name: %v", list)
	}
}

func TestExportWritesCSVAndJSONWithoutLosingBytes(t *testing.T) {
	a := New(":", func() time.Time { return t0 })
	a.Add([]backend.KeyFacts{{Key: "bin:\xff\x00", Size: 5}, {Key: "text:1", Size: 3, ExpiresAt: t0.Add(time.Hour)}})
	dir := t.TempDir()
	paths, err := Export(dir, a.Report(), 1, []backend.Fact{{Label: "used_memory_human", Value: "1M"}}, t0)
	if err != nil || len(paths) != 5 {
		t.Fatalf("export: %v %v", paths, err)
	}
	f, _ := os.Open(filepath.Join(dir, "top-keys.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 || rows[1][0] != "" || rows[1][1] != "YmluOv8A" || rows[2][0] != "text:1" {
		t.Fatalf("top-keys.csv: %v %v", rows, err)
	}
	var doc map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "analysis.json"))
	if err := json.Unmarshal(b, &doc); err != nil || doc["keys"].(float64) != 2 {
		t.Fatalf("analysis.json: %v %s", err, b)
	}
}

// A level of ids (user:<id>:prefs at depth 2) folds past MaxNamespaces
// into one row, the totals whole.
func TestNamespacesPastTheBoundFoldIntoOther(t *testing.T) {
	a := New(":", func() time.Time { return t0 })
	n := MaxNamespaces + 500
	for i := range n {
		a.Add([]backend.KeyFacts{{Key: fmt.Sprintf("user:%d:prefs", i), Size: 10}})
	}
	r := a.Report()
	if len(r.Namespaces[0]) != 1 || r.Namespaces[0][0].Keys != int64(n) {
		t.Fatalf("depth 1: %v", r.Namespaces[0])
	}
	d2 := r.Namespaces[1]
	if len(d2) != MaxNamespaces+1 {
		t.Fatalf("depth 2 has %d rows, want %d and Other", len(d2), MaxNamespaces)
	}
	var keys int64
	var other *Namespace
	for i := range d2 {
		keys += d2[i].Keys
		if d2[i].Prefix == OtherPrefix {
			other = &d2[i]
		}
	}
	if other == nil || other.Keys != 500 || keys != int64(n) {
		t.Fatalf("other %+v, keys %d", other, keys)
	}
}

func TestSortKeys(t *testing.T) {
	list := []backend.KeyFacts{
		{Key: "b", Size: 5, Length: 9},
		{Key: "a", Size: 7, Length: 1, ExpiresAt: t0.Add(time.Hour)},
		{Key: "c", Size: 1, Length: 3, ExpiresAt: t0.Add(time.Minute)},
	}
	order := func() string {
		s := ""
		for _, f := range list {
			s += f.Key
		}
		return s
	}
	for by, want := range map[KeyColumn]string{KeysBySize: "abc", KeysByLength: "bca", KeysByExpiry: "cab", KeysByName: "abc"} {
		SortKeys(list, by)
		if got := order(); got != want {
			t.Errorf("by %s: %s, want %s", by, got, want)
		}
	}
}
