package model

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Editing collections element by element (Redis hash, list, set, sorted
// set, stream): change the element under the cursor, add one, remove one.

// collection returns the Collections of the store and the open entry when
// the value pane shows a collection.
func (a *App) collection() (backend.Collections, *backend.Entry, bool) {
	c, ok := a.store.(backend.Collections)
	e := a.value.entry
	if !ok || e == nil || !e.Kind.IsCollection() {
		return nil, nil, false
	}
	return c, e, true
}

// pendingElement is an element write the user asked for: kept so that a
// conflict can show what they typed and let them edit it again.
type pendingElement struct {
	bucket, key string
	kind        backend.Kind
	// old is the element as shown (nil when adding); el is the new one,
	// unless the write removes old.
	old    *backend.Element
	el     backend.Element
	remove bool
	typed  string
}

// elementCmd runs one element write, conditional on the element as shown,
// and reports it like any other write, with its undo.
func (a *App) elementCmd(what string, p pendingElement, write func(ctx context.Context) (backend.ElementWrite, error)) tea.Cmd {
	s, timeout := a.store, a.opts.Timeout
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		w, err := write(ctx)
		msg := writeDoneMsg{from: s, op: what, bucket: p.bucket, keys: []string{p.key}, err: err}
		if err != nil {
			msg.element = &p
			return msg
		}
		written := &p.el
		if p.remove {
			written = nil
		} else if p.kind == backend.KindStream && w.ID != "" {
			written.Field = w.ID
		}
		steps, ok := elementUndoSteps(p.key, p.kind, w, written, p.old)
		if !ok {
			msg.op += " (the " + p.kind.String() + " is too large to keep a copy: cannot be undone)"
			return msg
		}
		msg.undo = &undoRecord{what: what, bucket: p.bucket, steps: steps}
		return msg
	})
}

// editElement changes the element under the cursor: a hash field's value,
// a list item, a sorted-set member's score, or a set member. The write is
// conditional on the element as shown. Stream entries are immutable.
func (a *App) editElement() tea.Cmd {
	c, e, ok := a.collection()
	if !ok || !a.writable() || a.value.win.Cursor >= len(a.value.elements) {
		return nil
	}
	el := a.value.elements[a.value.win.Cursor]
	return a.openElementEdit(c, pendingElement{bucket: a.value.bucket, key: a.value.key, kind: e.Kind, old: &el}, "")
}

// openElementEdit asks for the new value of p.old, starting from typed (or
// from the element itself).
func (a *App) openElementEdit(c backend.Collections, p pendingElement, typed string) tea.Cmd {
	el, key, kind := *p.old, p.key, p.kind
	var title, prompt, current string
	switch kind {
	case backend.KindHash:
		title, prompt, current = "Field "+format.Escape(el.Field), "value> ", string(el.Value)
	case backend.KindList:
		title, prompt, current = fmt.Sprintf("Item %d", el.Index), "value> ", string(el.Value)
	case backend.KindZSet:
		title, prompt, current = "Score of "+format.Escape(string(el.Value)), "score> ", formatScore(el.Score)
	case backend.KindSet:
		title, prompt, current = "Member "+format.Escape(string(el.Value)), "member> ", string(el.Value)
	default:
		a.inform("stream entries cannot be changed; " + a.keyName(a.km.AddElement) + " adds an entry, " + a.keyName(a.km.RemoveElement) + " removes one")
		return nil
	}
	if typed != "" {
		current = typed
	}
	a.dialog = newInput(title+" of "+format.KeyName(key), prompt, current, nil, func(a *App, v string) (tea.Cmd, error) {
		next := el
		switch kind {
		case backend.KindZSet:
			score, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, backend.Invalid("score", "%q is not a number", v)
			}
			next.Score = score
		default:
			next.Value = []byte(v)
		}
		if kind != backend.KindZSet && v == string(el.Value) || kind == backend.KindZSet && next.Score == el.Score {
			a.inform("unchanged; nothing saved")
			return nil, nil
		}
		p.el, p.typed = next, v
		return a.elementCmd("saved "+format.KeyName(key), p, func(ctx context.Context) (backend.ElementWrite, error) {
			return c.SetElement(ctx, p.bucket, key, kind, p.old, next)
		}), nil
	})
	return nil
}

// elementHints say how to type an element of each kind.
var elementHints = map[backend.Kind]string{
	backend.KindHash:   "field=value",
	backend.KindList:   "a value to append (prefix with < to prepend)",
	backend.KindSet:    "a member",
	backend.KindZSet:   "score member, like: 42 alice",
	backend.KindStream: `field=value pairs separated by spaces; quote a value with spaces: msg="hello world"`,
}

// parseElement reads an element as elementHints describe it; front is a
// list item to prepend.
func parseElement(kind backend.Kind, v string) (el backend.Element, front bool, err error) {
	switch kind {
	case backend.KindHash:
		f, val, ok := strings.Cut(v, "=")
		if !ok || f == "" {
			return el, false, backend.Invalid("field", "write field=value")
		}
		return backend.Element{Field: f, Value: []byte(val)}, false, nil
	case backend.KindList:
		return backend.Element{Value: []byte(strings.TrimPrefix(v, "<"))}, strings.HasPrefix(v, "<"), nil
	case backend.KindZSet:
		sc, member, ok := strings.Cut(strings.TrimSpace(v), " ")
		score, perr := strconv.ParseFloat(sc, 64)
		if !ok || perr != nil || member == "" {
			return el, false, backend.Invalid("member", "write a score then the member, like: 42 alice")
		}
		return backend.Element{Value: []byte(member), Score: score}, false, nil
	case backend.KindStream:
		fs, err := parseStreamFields(v)
		return backend.Element{Fields: fs}, false, err
	}
	if v == "" {
		return el, false, backend.Invalid("member", "must not be empty")
	}
	return backend.Element{Value: []byte(v)}, false, nil
}

// addElement asks for a new element in the form the type needs.
func (a *App) addElement() tea.Cmd {
	c, e, ok := a.collection()
	if !ok || !a.writable() {
		return nil
	}
	bucket, key, kind := a.value.bucket, a.value.key, e.Kind
	a.dialog = newInput("Add to "+format.KeyName(key), "add> ", "", []string{elementHints[kind]}, func(a *App, v string) (tea.Cmd, error) {
		el, front, err := parseElement(kind, v)
		if err != nil {
			return nil, err
		}
		p := pendingElement{bucket: bucket, key: key, kind: kind, el: el, typed: v}
		return a.elementCmd("added to "+format.KeyName(key), p, func(ctx context.Context) (backend.ElementWrite, error) {
			if kind == backend.KindList {
				return c.PushElement(ctx, bucket, key, el.Value, front)
			}
			return c.SetElement(ctx, bucket, key, kind, nil, el)
		}), nil
	})
	return nil
}

// newCollectionKey asks for a new collection's first element and creates
// it, with its TTL, in one atomic write that refuses an existing key.
func (a *App) newCollectionKey(bucket, key string, kind backend.Kind, ttl time.Duration) modal {
	c := a.store.(backend.Collections)
	return newInput("First element of the new "+kind.String()+" "+format.KeyName(key), "add> ", "", []string{elementHints[kind]}, func(a *App, v string) (tea.Cmd, error) {
		el, _, err := parseElement(kind, v)
		if err != nil {
			return nil, err
		}
		timeout := a.opts.Timeout
		return withTimeout(timeout, func(ctx context.Context) tea.Msg {
			version, err := c.CreateKey(ctx, bucket, key, kind, el, ttl)
			msg := writeDoneMsg{from: c, op: "created " + kind.String() + " " + format.KeyName(key), bucket: bucket, keys: []string{key}, err: err}
			if err == nil {
				msg.added = msg.keys
				msg.undo = &undoRecord{what: "creation of " + format.KeyName(key), bucket: bucket,
					steps: []undoStep{{key: key, created: true, createdV: version}}}
			}
			return msg
		}), nil
	})
}

// removeElement removes the element under the cursor after a confirmation
// naming it.
func (a *App) removeElement() tea.Cmd {
	c, e, ok := a.collection()
	if !ok || !a.writable() || a.value.win.Cursor >= len(a.value.elements) {
		return nil
	}
	el := a.value.elements[a.value.win.Cursor]
	bucket, key, kind := a.value.bucket, a.value.key, e.Kind
	name := format.Escape(string(el.Value))
	if kind == backend.KindHash || kind == backend.KindStream {
		name = format.Escape(el.Field)
	}
	a.dialog = newConfirm("Remove element?", []string{"Remove " + a.st.Danger.Render(name) + " from " + format.KeyName(key) + "?", a.keyName(a.km.Undo) + " undoes it in this session."}, func(a *App) tea.Cmd {
		p := pendingElement{bucket: bucket, key: key, kind: kind, old: &el, remove: true}
		return a.elementCmd("removed "+name+" from "+format.KeyName(key), p, func(ctx context.Context) (backend.ElementWrite, error) {
			return c.RemoveElement(ctx, bucket, key, kind, el)
		})
	})
	return nil
}

func (a *App) memoryUsage() tea.Cmd {
	m, ok := a.store.(backend.MemoryReporter)
	if !ok || !a.value.hasKey {
		a.inform("memory usage: this store does not report it")
		return nil
	}
	bucket, key, timeout := a.value.bucket, a.value.key, a.opts.Timeout
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		n, err := m.MemoryUsage(ctx, bucket, key)
		if errors.Is(err, backend.ErrUnsupported) {
			return statusMsg{text: "the server does not allow MEMORY USAGE"}
		}
		if err != nil {
			return statusMsg{err: err}
		}
		return statusMsg{text: fmt.Sprintf("%s uses %s in the store (MEMORY USAGE)", format.KeyName(key), format.HumanBytes(n))}
	})
}
