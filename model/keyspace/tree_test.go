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
