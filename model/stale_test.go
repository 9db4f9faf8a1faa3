package model

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
)

// Answers to an older request never reach the screen: a listing of the
// bucket the user left, or the value of a key they moved past.
func TestStaleAnswersAreDropped(t *testing.T) {
	a := New(emptyStore{}, Options{})
	a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	a.keys.open(&a.env, "first")
	oldReq, oldStream := a.keys.req, a.keys.stream
	a.keys.open(&a.env, "second")
	a.Update(keysChunkMsg{req: oldReq, batches: [][]backend.KeyInfo{{{Name: "from-first"}}}, stream: oldStream})
	if a.keys.set.Len() != 0 {
		t.Fatal("a chunk of the old listing was added to the new bucket's keys")
	}
	a.Update(keysChunkMsg{req: a.keys.req, batches: [][]backend.KeyInfo{{{Name: "from-second"}}}, done: true})
	if a.keys.set.Len() != 1 || a.keys.set.Name(0) != "from-second" {
		t.Fatal("the current listing's chunk was not applied")
	}

	a.value.open(&a.env, "second", "k1", 0)
	old := a.value.req
	a.value.open(&a.env, "second", "k2", 0)
	a.Update(entryLoadedMsg{req: old, key: "k1", entry: backend.Entry{Key: "k1", Value: []byte("stale")}})
	if a.value.entry != nil {
		t.Fatal("the value of a key the user moved past was shown")
	}
}
