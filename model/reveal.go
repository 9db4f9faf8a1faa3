package model

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Showing a namespace or a key that another view found (the analysis
// page's Enter) in the keys pane, with the cursor on it.

// revealIntent puts the keys pane's cursor on a folder (prefix, in the
// tree, which it turns on) or a key, and focuses the pane.
type revealIntent struct {
	prefix, key string
}

func (revealIntent) isIntent() {}

// reveal moves the cursor; it says why not when the listing does not hold
// what was asked (another bucket, a pattern that leaves it out).
func (k *keysPane) reveal(e *env, i revealIntent) (tea.Cmd, string) {
	var cmd tea.Cmd
	if k.set == nil {
		return nil, "the keys pane lists nothing yet"
	}
	if k.filter.active() {
		cmd = k.clearFilter(e)
	}
	if i.prefix != "" {
		if !k.tree.on {
			k.tree.toggle(k, e.treeDelimiter())
		}
		n := k.tree.tree.Folder(i.prefix)
		if n == nil {
			return cmd, "no folder " + i.prefix + " in this listing"
		}
		for p := n.Parent; p != nil; p = p.Parent {
			p.Expanded = true
		}
		k.tree.rows = k.tree.tree.Flatten(k.set)
		for j, r := range k.tree.rows {
			if r.Row < 0 && r.Node == n {
				k.win.Cursor = j
				k.win.Clamp(len(k.tree.rows))
				return cmd, ""
			}
		}
		return cmd, "no folder " + i.prefix + " in this listing"
	}
	r := k.set.Find(i.key)
	if r < 0 || k.set.Deleted(r) {
		return cmd, "the key is not in this listing"
	}
	if k.tree.on {
		name := k.set.Name(r)
		n := k.tree.tree.Root
		if d := k.tree.delim; d != "" {
			for {
				seg, rest, ok := strings.Cut(name, d)
				if !ok {
					break
				}
				if c := n.Child(seg); c != nil {
					n = c
					n.Expanded = true
				}
				name = rest
			}
		}
		k.tree.rows = k.tree.tree.Flatten(k.set)
	}
	for j := range k.count() {
		if k.rowAt(j) == r {
			k.win.Cursor = j
			k.win.Clamp(k.count())
			return cmd, ""
		}
	}
	return cmd, "the key is not in this listing"
}
