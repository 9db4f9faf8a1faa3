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

// elementCmd runs one element write and reports it like any other write.
func (a *App) elementCmd(what string, write func(ctx context.Context) error) tea.Cmd {
	bucket, key, timeout := a.value.bucket, a.value.key, a.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return writeDoneMsg{op: what, bucket: bucket, keys: []string{key}, err: write(ctx)}
	}
}

// editElement changes the element under the cursor: a hash field's value,
// a list item, a sorted-set member's score, or a set member (remove and
// add). Stream entries are immutable in Redis.
func (a *App) editElement() tea.Cmd {
	c, e, ok := a.collection()
	if !ok || !a.writable() || a.value.win.Cursor >= len(a.value.elements) {
		return nil
	}
	el := a.value.elements[a.value.win.Cursor]
	bucket, key, kind := a.value.bucket, a.value.key, e.Kind
	var title, prompt, current string
	switch kind {
	case backend.KindHash:
		title, prompt, current = "Field "+format.Escape(el.Field), "value> ", string(el.Value)
	case backend.KindList:
		title, prompt, current = fmt.Sprintf("Item %d", el.Index), "value> ", string(el.Value)
	case backend.KindZSet:
		title, prompt, current = "Score of "+format.Escape(string(el.Value)), "score> ", strconv.FormatFloat(el.Score, 'g', -1, 64)
	case backend.KindSet:
		title, prompt, current = "Member "+format.Escape(string(el.Value)), "member> ", string(el.Value)
	default:
		a.status.info(a, "stream entries cannot be changed; a adds an entry, x removes one")
		return nil
	}
	a.dialog = newInput(title+" of "+format.Escape(key), prompt, current, nil, func(a *App, v string) (tea.Cmd, error) {
		what := "saved " + format.Escape(key)
		switch kind {
		case backend.KindZSet:
			score, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, backend.Invalid("score", "%q is not a number", v)
			}
			return a.elementCmd(what, func(ctx context.Context) error {
				return c.SetElement(ctx, bucket, key, kind, backend.Element{Value: el.Value, Score: score})
			}), nil
		case backend.KindSet:
			return a.elementCmd(what, func(ctx context.Context) error {
				if err := c.SetElement(ctx, bucket, key, kind, backend.Element{Value: []byte(v)}); err != nil {
					return err
				}
				return c.RemoveElement(ctx, bucket, key, kind, el)
			}), nil
		}
		next := el
		next.Value = []byte(v)
		return a.elementCmd(what, func(ctx context.Context) error { return c.SetElement(ctx, bucket, key, kind, next) }), nil
	})
	return nil
}

// elementHints say how to type an element of each kind.
var elementHints = map[backend.Kind]string{
	backend.KindHash:   "field=value",
	backend.KindList:   "a value to append (prefix with < to prepend)",
	backend.KindSet:    "a member",
	backend.KindZSet:   "score member, like: 42 alice",
	backend.KindStream: "field=value pairs separated by spaces",
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
		for _, pair := range strings.Fields(v) {
			f, val, ok := strings.Cut(pair, "=")
			if !ok || f == "" {
				return el, false, backend.Invalid("entry", "%q: write field=value pairs", pair)
			}
			el.Fields = append(el.Fields, backend.Field{Name: f, Value: val})
		}
		if len(el.Fields) == 0 {
			return el, false, backend.Invalid("entry", "a stream entry needs at least one field=value")
		}
		return el, false, nil
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
	a.dialog = newInput("Add to "+format.Escape(key), "add> ", "", []string{elementHints[kind]}, func(a *App, v string) (tea.Cmd, error) {
		el, front, err := parseElement(kind, v)
		if err != nil {
			return nil, err
		}
		return a.elementCmd("added to "+format.Escape(key), func(ctx context.Context) error {
			if kind == backend.KindList {
				return c.PushElement(ctx, bucket, key, el.Value, front)
			}
			return c.SetElement(ctx, bucket, key, kind, el)
		}), nil
	})
	return nil
}

// newCollectionKey asks for a new collection's first element and creates
// it, with its TTL, in one atomic write that refuses an existing key.
func (a *App) newCollectionKey(bucket, key string, kind backend.Kind, ttl time.Duration) dialog {
	c := a.store.(backend.Collections)
	return newInput("First element of the new "+kind.String()+" "+format.Escape(key), "add> ", "", []string{elementHints[kind]}, func(a *App, v string) (tea.Cmd, error) {
		el, _, err := parseElement(kind, v)
		if err != nil {
			return nil, err
		}
		timeout := a.opts.Timeout
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			err := c.CreateKey(ctx, bucket, key, kind, el, ttl)
			msg := writeDoneMsg{op: "created " + kind.String() + " " + format.Escape(key), bucket: bucket, keys: []string{key}, err: err}
			if err == nil {
				msg.added = msg.keys
				msg.undo = &undoRecord{what: "creation of " + format.Escape(key), bucket: bucket, created: []string{key}}
			}
			return msg
		}, nil
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
	a.dialog = newConfirm("Remove element?", []string{"Remove " + a.st.Danger.Render(name) + " from " + format.Escape(key) + "?"}, func(a *App) tea.Cmd {
		return a.elementCmd("removed "+name+" from "+format.Escape(key), func(ctx context.Context) error {
			return c.RemoveElement(ctx, bucket, key, kind, el)
		})
	})
	return nil
}

// memoryReporter is the Redis driver's MEMORY USAGE, loaded on demand.
type memoryReporter interface {
	MemoryUsage(ctx context.Context, bucket, key string) (int64, error)
}

func (a *App) memoryUsage() tea.Cmd {
	m, ok := a.store.(memoryReporter)
	if !ok || a.value.key == "" {
		a.status.info(a, "memory usage: only Redis reports it")
		return nil
	}
	bucket, key := a.value.bucket, a.value.key
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := m.MemoryUsage(ctx, bucket, key)
		if errors.Is(err, backend.ErrUnsupported) {
			return statusMsg{text: "the server does not allow MEMORY USAGE"}
		}
		if err != nil {
			return statusMsg{err: err}
		}
		return statusMsg{text: fmt.Sprintf("%s uses %s in Redis (MEMORY USAGE)", format.Escape(key), format.HumanBytes(n))}
	}
}
