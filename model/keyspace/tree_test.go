package keyspace

import (
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestTreeCountsAndFlatten(t *testing.T) {
	s := New()
	s.Append([]backend.KeyInfo{{Name: "user:1:profile"}, {Name: "user:2:profile"}, {Name: "user:2:prefs"}, {Name: "session:a"}, {Name: "plain"}})
	tr := NewTree(":")
	for i := range s.Len() {
		tr.Add(s, i)
	}
	if tr.Root.Count != 5 {
		t.Fatalf("root count %d", tr.Root.Count)
	}
	rows := tr.Flatten(s)
	// Collapsed: two folders (session, user) then the plain key.
	if len(rows) != 3 || rows[0].Node.Segment != "session" || rows[1].Node.Segment != "user" || rows[1].Node.Count != 3 || s.Name(rows[2].Row) != "plain" {
		t.Fatalf("collapsed tree rows wrong: %+v", rows)
	}
	user := rows[1].Node
	user.Expanded = true
	rows = tr.Flatten(s)
	if len(rows) != 5 || rows[2].Node.Segment != "1" || rows[3].Node.Count != 2 {
		t.Fatalf("expanded user: %+v", rows)
	}
	if got := user.Path(":"); got != "user:" {
		t.Fatalf("path %q", got)
	}
	if len(user.Rows()) != 3 {
		t.Fatal("folder rows")
	}
	tr.Remove(s, 2)
	if user.Count != 2 || tr.Root.Count != 4 {
		t.Fatalf("after remove: user %d root %d", user.Count, tr.Root.Count)
	}
}

// A bulk delete takes many rows out at once, across folders; rows named
// twice, or not in the tree, change nothing more.
func TestTreeRemoveMany(t *testing.T) {
	s := New()
	var keys []backend.KeyInfo
	for _, n := range []string{"a:1", "a:2", "a:3", "b:x:1", "b:x:2", "b:y", "top"} {
		keys = append(keys, backend.KeyInfo{Name: n})
	}
	s.Append(keys)
	tr := NewTree(":")
	for i := range s.Len() - 1 { // "top" is not filed: removing it changes nothing
		tr.Add(s, i)
	}
	tr.RemoveMany(s, []int{0, 2, 3, 3, 6})
	counts := map[string]int{}
	var walk func(n *Node)
	walk = func(n *Node) {
		counts[n.Path(":")] = n.Count
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(tr.Root)
	want := map[string]int{":": 3, "a:": 1, "b:": 2, "b:x:": 1}
	for p, c := range want {
		if counts[p] != c {
			t.Errorf("%q counts %d, want %d (all: %v)", p, counts[p], c, counts)
		}
	}
	a := tr.Root.children["a"]
	if rows := a.Rows(); len(rows) != 1 || s.Name(rows[0]) != "a:2" {
		t.Fatalf("a: holds %v, want a:2 only", rows)
	}
}
