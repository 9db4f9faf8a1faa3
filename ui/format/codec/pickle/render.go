package pickle

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// errDeep stops rendering a value nested deeper than maxDepth.
type errDeep struct{}

func (errDeep) Error() string {
	return fmt.Sprintf("pickle nests values deeper than %d levels, more than kvdeck shows", maxDepth)
}

// render writes n as JSON (the layout is in doc.go). A value reached
// again through the memo is written again in full — a shared str or
// tuple reads as itself — except on a cycle, which is cut with its memo
// index. Shared values can make the JSON exponentially larger than the
// pickle, so every step stops as soon as the writer is full.
func render(w *jsonw.Writer, n *node, depth int) error {
	if w.Full() {
		return nil
	}
	if depth > maxDepth {
		return errDeep{}
	}
	if n.visiting {
		w.BeginObject()
		if n.memo >= 0 {
			w.Name("$memo")
			w.Int64(int64(n.memo))
		} else {
			w.Name("$cycle")
			w.Bool(true)
		}
		w.End()
		return nil
	}
	n.visiting = true
	defer func() { n.visiting = false }()

	// Something done to a value of another kind than the op expects
	// (BUILD on a dict, APPEND to a call's result is normal and kept in
	// the call) wraps it: {"$value": …, "state": …}.
	if n.kind != kCall && n.x != nil && (n.x.hasState || len(n.x.listItems) > 0 || len(n.x.setItems) > 0 || len(n.x.dictKeys) > 0) {
		w.BeginObject()
		w.Name("$value")
		if err := renderPlain(w, n, depth+1); err != nil {
			return err
		}
		if err := renderExtras(w, n, depth); err != nil {
			return err
		}
		w.End()
		return nil
	}
	return renderPlain(w, n, depth)
}

func renderPlain(w *jsonw.Writer, n *node, depth int) error {
	switch n.kind {
	case kNone:
		w.Null()
	case kBool:
		w.Bool(n.b)
	case kInt:
		// Beyond 2^53 a JSON reader's float64 would change the number.
		if n.i > 1<<53 || n.i < -(1<<53) {
			tagged(w, "$int", fmt.Sprint(n.i))
		} else {
			w.Int64(n.i)
		}
	case kBigInt:
		tagged(w, "$int", n.s)
	case kFloat:
		switch {
		case math.IsNaN(n.f):
			tagged(w, "$float", "nan")
		case math.IsInf(n.f, 1):
			tagged(w, "$float", "inf")
		case math.IsInf(n.f, -1):
			tagged(w, "$float", "-inf")
		default:
			w.Raw(pyFloat(n.f))
		}
	case kStr:
		w.Str(n.s)
	case kBytes:
		tagged(w, "$bytes", base64.StdEncoding.EncodeToString([]byte(n.s)))
	case kByteArray:
		tagged(w, "$bytearray", base64.StdEncoding.EncodeToString([]byte(n.s)))
	case kList:
		return renderList(w, n.items, depth)
	case kTuple:
		return renderTagged(w, "$tuple", n.items, depth)
	case kSet:
		return renderTagged(w, "$set", n.items, depth)
	case kFrozenSet:
		return renderTagged(w, "$frozenset", n.items, depth)
	case kDict:
		var keys, vals []*node
		if n.x != nil {
			keys, vals = n.x.keys, n.x.vals
		}
		return renderDict(w, keys, vals, depth)
	case kGlobal:
		tagged(w, "$global", n.s)
	case kCall:
		w.BeginObject()
		w.Name("$call")
		if err := render(w, n.x.fn, depth+1); err != nil {
			return err
		}
		w.Name("args")
		// The args are a tuple but for a damaged pickle: a plain array.
		if a := n.x.args; a.kind == kTuple && (a.x == nil || !a.x.hasState) {
			if err := renderList(w, a.items, depth+1); err != nil {
				return err
			}
		} else if err := render(w, a, depth+1); err != nil {
			return err
		}
		if n.x.kwargs != nil {
			w.Name("kwargs")
			if err := render(w, n.x.kwargs, depth+1); err != nil {
				return err
			}
		}
		if err := renderExtras(w, n, depth); err != nil {
			return err
		}
		w.End()
	case kPersid:
		return renderWrapped(w, "$persid", n.x.fn, depth)
	case kReadonly:
		return renderWrapped(w, "$readonly", n.x.fn, depth)
	case kExt:
		w.BeginObject()
		w.Name("$ext")
		w.Int64(n.i)
		w.End()
	case kBuffer:
		w.BeginObject()
		w.Name("$buffer")
		w.Int64(n.i)
		w.End()
	case kMark:
		w.BeginObject()
		w.Name("$mark")
		w.Bool(true)
		w.End()
	}
	return nil
}

// renderExtras writes what BUILD, APPEND(S), SETITEM(S) and ADDITEMS did
// to n, as the keys state, listitems, dictitems and setitems.
func renderExtras(w *jsonw.Writer, n *node, depth int) error {
	x := n.x
	if x.hasState {
		w.Name("state")
		if err := render(w, x.state, depth+1); err != nil {
			return err
		}
	}
	if len(x.listItems) > 0 {
		w.Name("listitems")
		if err := renderList(w, x.listItems, depth+1); err != nil {
			return err
		}
	}
	if len(x.dictKeys) > 0 {
		w.Name("dictitems")
		if err := renderDict(w, x.dictKeys, x.dictVals, depth+1); err != nil {
			return err
		}
	}
	if len(x.setItems) > 0 {
		w.Name("setitems")
		if err := renderList(w, x.setItems, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func tagged(w *jsonw.Writer, tag, s string) {
	w.BeginObject()
	w.Name(tag)
	w.Str(s)
	w.End()
}

func renderWrapped(w *jsonw.Writer, tag string, n *node, depth int) error {
	w.BeginObject()
	w.Name(tag)
	if err := render(w, n, depth+1); err != nil {
		return err
	}
	w.End()
	return nil
}

func renderList(w *jsonw.Writer, items []*node, depth int) error {
	w.BeginArray()
	for _, it := range items {
		if w.Full() {
			return nil
		}
		if err := render(w, it, depth+1); err != nil {
			return err
		}
	}
	w.End()
	return nil
}

func renderTagged(w *jsonw.Writer, tag string, items []*node, depth int) error {
	w.BeginObject()
	w.Name(tag)
	if err := renderList(w, items, depth+1); err != nil {
		return err
	}
	w.End()
	return nil
}

// renderDict writes a JSON object when every key is a str not starting
// with '$' (so it cannot be read as one of the tags), else
// {"$dict":[[key,value],…]}.
func renderDict(w *jsonw.Writer, keys, vals []*node, depth int) error {
	plain := true
	for _, k := range keys {
		if k.kind != kStr || strings.HasPrefix(k.s, "$") {
			plain = false
			break
		}
	}
	if plain {
		w.BeginObject()
		for i, k := range keys {
			if w.Full() {
				return nil
			}
			w.Name(k.s)
			if err := render(w, vals[i], depth+1); err != nil {
				return err
			}
		}
		w.End()
		return nil
	}
	w.BeginObject()
	w.Name("$dict")
	w.BeginArray()
	for i, k := range keys {
		if w.Full() {
			return nil
		}
		w.BeginArray()
		if err := render(w, k, depth+2); err != nil {
			return err
		}
		if err := render(w, vals[i], depth+2); err != nil {
			return err
		}
		w.End()
	}
	w.End()
	w.End()
	return nil
}
