package model

import (
	"github.com/kvdeck/kvdeck/model/keyspace"
	"github.com/kvdeck/kvdeck/ui"
)

// treeState is the folder view of the key list. The tree is built
// incrementally as keys stream in (keyspace.Tree); rows is the flattened
// expanded part, rebuilt when folders open or close or new keys land in an
// open folder.
type treeState struct {
	on    bool
	delim string
	tree  *keyspace.Tree
	rows  []keyspace.Row
}

func (t *treeState) reset() {
	if t.tree != nil {
		t.tree = keyspace.NewTree(t.delim)
		t.rows = nil
	}
}

func (t *treeState) toggle(k *keysPane, delim string) {
	t.on = !t.on
	if !t.on {
		t.tree, t.rows = nil, nil
		return
	}
	t.delim = delim
	t.tree = keyspace.NewTree(delim)
	if k.set != nil {
		t.add(k, 0)
	}
}

// treeRowID names a tree row across reflattening: a folder or a key.
type treeRowID struct {
	node *keyspace.Node
	row  int
}

func (t *treeState) identity(i int) treeRowID {
	if i < 0 || i >= len(t.rows) {
		return treeRowID{row: -2}
	}
	r := t.rows[i]
	if r.Row >= 0 {
		return treeRowID{row: r.Row}
	}
	return treeRowID{node: r.Node, row: -1}
}

func (t *treeState) find(id treeRowID) int {
	if id.row == -2 {
		return -1
	}
	for i, r := range t.rows {
		if id.row >= 0 && r.Row == id.row || id.row == -1 && r.Row < 0 && r.Node == id.node {
			return i
		}
	}
	return -1
}

// add files rows [first, Len) of the Set and reflattens.
func (t *treeState) add(k *keysPane, first int) {
	if !t.on || t.tree == nil {
		return
	}
	for i := first; i < k.set.Len(); i++ {
		if !k.set.Deleted(i) && k.filter.matches(k.set.Name(i)) {
			t.tree.Add(k.set, i)
		}
	}
	t.rows = t.tree.Flatten(k.set)
}

// rebuild files the rows shown (the filter's result, or every live row
// when view is nil) into a fresh tree: its cost is the rows shown.
func (t *treeState) rebuild(k *keysPane) {
	if !t.on {
		return
	}
	t.tree = keyspace.NewTree(t.delim)
	if k.view == nil {
		t.add(k, 0)
		return
	}
	for _, r := range k.view {
		t.tree.Add(k.set, int(r))
	}
	t.rows = t.tree.Flatten(k.set)
}

// toggleAt opens or closes the folder at display row i; false for a key.
func (t *treeState) toggleAt(k *keysPane, i int) bool {
	if i >= len(t.rows) || t.rows[i].Row >= 0 {
		return false
	}
	n := t.rows[i].Node
	n.Expanded = !n.Expanded
	t.rows = t.tree.Flatten(k.set)
	return true
}

// collapseAt closes the folder at i, or the folder holding the key at i and
// moves the cursor to it.
func (t *treeState) collapseAt(k *keysPane, i int, w *ui.Window) bool {
	if i >= len(t.rows) {
		return false
	}
	r := t.rows[i]
	n := r.Node
	if r.Row < 0 && n.Expanded {
		n.Expanded = false
	} else if r.Row >= 0 && n.Parent != nil {
		n.Expanded = false
	} else if r.Row < 0 && n.Parent != nil && n.Parent.Parent != nil {
		n = n.Parent
		n.Expanded = false
	} else {
		return false
	}
	t.rows = t.tree.Flatten(k.set)
	for j, row := range t.rows {
		if row.Row < 0 && row.Node == n {
			w.Cursor = j
		}
	}
	w.Clamp(len(t.rows))
	return true
}

// rowsUnder is the keys of the folder at i, or the key at i.
func (t *treeState) rowsUnder(k *keysPane, i int) []int {
	if i >= len(t.rows) {
		return nil
	}
	if r := t.rows[i]; r.Row >= 0 {
		return []int{r.Row}
	}
	var out []int
	for _, r := range t.rows[i].Node.Rows() {
		if !k.set.Deleted(r) {
			out = append(out, r)
		}
	}
	return out
}
