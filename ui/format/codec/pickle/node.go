package pickle

// kind is what a node stands for: a Python value the pickle builds, or a
// call it asks for (shown, never made).
type kind uint8

const (
	kNone kind = iota
	kBool
	kInt    // i
	kBigInt // s: decimal digits (or 0x… hex when very long), with sign
	kFloat  // f
	kStr    // s: WTF-8 text
	kBytes  // s
	kByteArray
	kList      // items
	kTuple     // items
	kSet       // items
	kFrozenSet // items
	kDict      // x.keys, x.vals
	kGlobal    // s: "module.name"
	kCall      // x.fn, x.args, x.kwargs: REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ
	kPersid    // x.fn: the persistent id
	kExt       // i: an extension registry code
	kBuffer    // i: the index of an out-of-band buffer
	kReadonly  // x.fn: the buffer made read-only
	kMark      // a MARK left on the stack of an unfinished pickle
)

// node is one value of the simulated unpickler. It is kept small (the
// common scalars carry no extra) because a hostile pickle makes one per
// byte or two; the rarer parts live in x.
type node struct {
	kind     kind
	b        bool
	visiting bool  // on the path being rendered: a cycle back to it
	memo     int32 // first memo index it was stored at, -1 when none
	i        int64
	f        float64
	s        string
	items    []*node
	x        *extra
}

// extra holds what calls, dicts and mutated objects need.
type extra struct {
	fn, args, kwargs *node
	keys, vals       []*node
	index            map[string]int // a dict's str keys, so a key set twice keeps one entry as in Python
	state            *node          // BUILD's argument
	hasState         bool
	listItems        []*node // APPEND(S) to something not a list
	setItems         []*node // ADDITEMS to something not a set
	dictKeys         []*node // SETITEM(S) to something not a dict
	dictVals         []*node
}

func (n *node) ext() *extra {
	if n.x == nil {
		n.x = &extra{}
	}
	return n.x
}
