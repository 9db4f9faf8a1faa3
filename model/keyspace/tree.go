package keyspace

import (
	"slices"
	"strings"
)

// Tree groups a Set's keys into folders by a delimiter, incrementally: Add
// takes rows as they stream in and keeps every folder's key count exact.
// Leaves are row numbers, so the tree holds no copy of the names.
type Tree struct {
	Delim string
	Root  *Node
}

// Node is a folder.
type Node struct {
	Segment  string // this folder's name without the delimiter
	Parent   *Node
	Count    int // live keys under this folder, at any depth
	Expanded bool
	children map[string]*Node
	leaves   []uint32
}

// NewTree returns an empty tree splitting on delim.
func NewTree(delim string) *Tree {
	return &Tree{Delim: delim, Root: &Node{Expanded: true}}
}

// Add files row r of s under its folders.
func (t *Tree) Add(s *Set, r int) {
	name := s.Name(r)
	n := t.Root
	n.Count++
	if t.Delim != "" {
		for {
			seg, rest, ok := strings.Cut(name, t.Delim)
			if !ok || rest == "" && seg == "" {
				break
			}
			n = n.child(seg)
			n.Count++
			name = rest
		}
	}
	n.leaves = append(n.leaves, uint32(r))
}

func (n *Node) child(seg string) *Node {
	if c, ok := n.children[seg]; ok {
		return c
	}
	if n.children == nil {
		n.children = map[string]*Node{}
	}
	c := &Node{Segment: strings.Clone(seg), Parent: n}
	n.children[c.Segment] = c
	return c
}

// Child is the subfolder named seg, or nil.
func (n *Node) Child(seg string) *Node { return n.children[seg] }

// Folder is the folder whose Path is prefix ("session:eu:"), or nil.
func (t *Tree) Folder(prefix string) *Node {
	if t.Delim == "" || !strings.HasSuffix(prefix, t.Delim) {
		return nil
	}
	n := t.Root
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, t.Delim), t.Delim) {
		if n = n.children[seg]; n == nil {
			return nil
		}
	}
	return n
}

// Path is the folder's prefix including the trailing delimiter.
func (n *Node) Path(delim string) string {
	var segs []string
	for p := n; p != nil && p.Parent != nil; p = p.Parent {
		segs = append(segs, p.Segment)
	}
	slices.Reverse(segs)
	return strings.Join(segs, delim) + delim
}

// Remove takes a deleted row out of its folder's counts: its folder
// found by its name, the row searched among the folder's keys. Many rows
// at once go through RemoveMany.
func (t *Tree) Remove(s *Set, r int) {
	n := t.folderOf(s.Name(r))
	if n == nil {
		return
	}
	i := slices.Index(n.leaves, uint32(r))
	if i < 0 {
		return
	}
	n.leaves = slices.Delete(n.leaves, i, i+1)
	for p := n; p != nil; p = p.Parent {
		p.Count--
	}
}

// RemoveMany takes deleted rows out of their folders' counts in one walk
// of the tree, each folder's keys filtered against a bitmap of the rows:
// a bulk delete removes hundreds of thousands of rows, where a search of
// a folder's keys per row would cost the square of that, and finding each
// row's folder by its name a string walk a row.
func (t *Tree) RemoveMany(s *Set, rows []int) {
	dead := make([]bool, s.Len())
	for _, r := range rows {
		dead[r] = true
	}
	var walk func(n *Node) int
	walk = func(n *Node) int {
		removed := 0
		for _, c := range n.children {
			removed += walk(c)
		}
		kept := n.leaves[:0]
		for _, l := range n.leaves {
			if !dead[l] {
				kept = append(kept, l)
			}
		}
		removed += len(n.leaves) - len(kept)
		clear(n.leaves[len(kept):])
		n.leaves = kept
		n.Count -= removed
		return removed
	}
	walk(t.Root)
}

// folderOf is the folder a key's name files it under (nil: none yet).
func (t *Tree) folderOf(name string) *Node {
	n := t.Root
	if t.Delim == "" {
		return n
	}
	for {
		seg, rest, ok := strings.Cut(name, t.Delim)
		if !ok || rest == "" && seg == "" {
			return n
		}
		if n = n.children[seg]; n == nil {
			return nil
		}
		name = rest
	}
}

// Row is one line of the flattened tree: a folder (Node set, Row -1) or a
// key (Row >= 0).
type Row struct {
	Node  *Node
	Row   int
	Depth int
}

// Flatten lists the expanded part of the tree: folders sorted by name, then
// the folder's keys sorted by name. Its cost is the number of rows shown,
// not the size of the keyspace, except for one expanded folder holding many
// keys directly.
func (t *Tree) Flatten(s *Set) []Row {
	var out []Row
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		names := make([]string, 0, len(n.children))
		for k, c := range n.children {
			if c.Count > 0 {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, k := range names {
			c := n.children[k]
			out = append(out, Row{Node: c, Row: -1, Depth: depth})
			if c.Expanded {
				walk(c, depth+1)
			}
		}
		leaves := slices.Clone(n.leaves)
		slices.SortFunc(leaves, func(a, b uint32) int { return strings.Compare(s.Name(int(a)), s.Name(int(b))) })
		for _, l := range leaves {
			out = append(out, Row{Node: n, Row: int(l), Depth: depth})
		}
	}
	walk(t.Root, 0)
	return out
}

// Rows returns every key row under n, at any depth.
func (n *Node) Rows() []int {
	var out []int
	for _, l := range n.leaves {
		out = append(out, int(l))
	}
	for _, c := range n.children {
		out = append(out, c.Rows()...)
	}
	return out
}
