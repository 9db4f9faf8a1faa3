// Package keymap holds every key binding kvdeck answers to. The help overlay
// and the README's key table are generated from Groups, so a binding exists
// in exactly one place.
package keymap

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every binding, by action.
type KeyMap struct {
	// Global
	Quit, Help, NextPane, PrevPane, Command, Undo, Reload key.Binding
	// Movement in any list or viewport
	Up, Down, PageUp, PageDown, Home, End, Open, Back key.Binding
	// Keys pane
	Filter, Pattern, TypeFilter, ValueSearch, Tree, Sort, Mark, MarkAll, NewKey, Rename, Delete, CopyKey, CopyTo key.Binding
	// Value pane and key actions
	Edit, EditInline, TTL, RefreshTTL, Format, Wrap, Zoom, LoadWhole, CopyValue, CopyPath, History, Purge key.Binding
	// Collection elements (Redis hash, list, set, zset, stream) and memory
	AddElement, RemoveElement, MemoryUsage key.Binding
	// Buckets pane
	NewBucket, EditBucket, DeleteBucket key.Binding
	// History page
	Diff, Revert key.Binding
	// Analysis page
	Analyze, Depth, Export key.Binding
	// Connections: the picker, and the tabs of open connections
	Connect, NextTab, PrevTab, CloseTab key.Binding
	// Dialogs: the only key that confirms a destructive action, and the
	// keys that decline.
	Confirm, Deny key.Binding
}

// Group is a titled set of bindings for the help overlay.
type Group struct {
	Title    string
	Bindings []key.Binding
}

func b(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default returns kvdeck's bindings: arrows and vim keys, Tab between panes.
func Default() KeyMap {
	return KeyMap{
		Quit:     b("q", "quit", "q", "ctrl+c"),
		Help:     b("?", "help", "?"),
		NextPane: b("tab", "next pane", "tab"),
		PrevPane: b("shift+tab", "previous pane", "shift+tab"),
		Command:  b(":", "command line", ":"),
		Undo:     b("u", "undo last destructive action", "u", "ctrl+z"),
		Reload:   b("r", "reload", "r", "ctrl+r"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:     b("home/g", "first", "home", "g"),
		End:      b("end/G", "last", "end", "G"),
		Open:     b("enter/→", "open", "enter", "right", "l"),
		Back:     b("esc/←", "back", "esc", "left", "h"),

		Filter:      b("/", "filter listed keys", "/"),
		Pattern:     b("s", "server-side pattern search", "s"),
		TypeFilter:  b("ctrl+t", "filter by type (Redis)", "ctrl+t"),
		ValueSearch: b("S", "search in values", "S"),
		Tree:        b("T", "tree / flat view", "T"),
		Sort:        b("o", "sort by name, TTL, size", "o"),
		Mark:        b("space", "mark key or folder", "space"),
		MarkAll:     b("ctrl+a", "mark every listed key; again: none", "ctrl+a"),
		NewKey:      b("n", "new key", "n"),
		Rename:      b("R", "rename key", "R"),
		Delete:      b("d", "delete key, marked keys or folder", "d", "delete"),
		CopyKey:     b("y", "copy key name", "y"),
		CopyTo:      b("X", "copy key, marked keys or folder to another tab's store", "X"),

		Edit:       b("e", "edit value in $EDITOR", "e"),
		EditInline: b("i", "edit value inline", "i"),
		TTL:        b("t", "set TTL", "t"),
		RefreshTTL: b("+", "refresh TTL", "+"),
		Format:     b("f", "cycle format (json/text/hex and the decoders that fit: gzip, zstd, msgpack…)", "f"),
		Wrap:       b("w", "wrap long lines / scroll sideways (←/→)", "w"),
		Zoom:       b("z", "maximise the value (z or esc returns)", "z"),
		LoadWhole:  b("L", "load the whole value", "L"),
		CopyValue:  b("Y", "copy value", "Y"),
		CopyPath:   b("c", "copy JSON path of line", "c"),
		History:    b("H", "history and revert", "H"),
		Purge:      b("P", "purge key and its history (NATS)", "P"),

		AddElement:    b("a", "add element (hash field, list item, member, entry)", "a"),
		RemoveElement: b("x", "remove the element under the cursor", "x"),
		MemoryUsage:   b("m", "memory usage (Redis MEMORY USAGE)", "m"),

		NewBucket:    b("n", "new bucket", "n"),
		EditBucket:   b("e", "edit bucket", "e"),
		DeleteBucket: b("d", "delete bucket", "d"),

		Diff:   b("d", "diff the revision with the current value", "d"),
		Revert: b("r", "revert the key to the revision", "r"),

		Analyze: b("A", "analyse the keyspace: sizes, TTLs, namespaces (marked keys, folder or listing)", "A"),
		Depth:   b("+/-", "namespace depth", "+", "-"),
		Export:  b("x", "export the tables as CSV and JSON", "x"),

		Connect:  b("C", "connections: pick, add, edit (also :connect)", "C"),
		NextTab:  b("]", "next connection tab", "]"),
		PrevTab:  b("[", "previous connection tab", "["),
		CloseTab: b("ctrl+w", "close this connection's tab", "ctrl+w"),

		Confirm: b("y", "yes: do it (nothing else confirms)", "y", "Y"),
		Deny:    b("n/esc", "no", "n", "N", "esc"),
	}
}

// Groups lists the bindings by pane for the help overlay.
func (k KeyMap) Groups() []Group {
	return []Group{
		{"Global", []key.Binding{k.Help, k.Command, k.NextPane, k.PrevPane, k.Reload, k.Undo, k.Quit}},
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Open, k.Back}},
		{"Buckets", []key.Binding{k.NewBucket, k.EditBucket, k.DeleteBucket}},
		{"Keys", []key.Binding{k.Filter, k.Pattern, k.TypeFilter, k.ValueSearch, k.Tree, k.Sort, k.Mark, k.MarkAll, k.NewKey, k.Rename, k.Delete, k.CopyKey, k.CopyTo, k.TTL, k.RefreshTTL}},
		{"Value", []key.Binding{k.Edit, k.EditInline, k.TTL, k.RefreshTTL, k.Format, k.Wrap, k.Zoom, k.LoadWhole, k.CopyValue, k.CopyPath, k.History, k.Purge, k.Delete}},
		{"Collections", []key.Binding{relabel(k.Edit, "edit the element under the cursor"), k.AddElement, k.RemoveElement, k.MemoryUsage}},
		{"History", []key.Binding{relabel(k.Open, "view the revision"), k.Diff, k.Revert}},
		{"Analysis", []key.Binding{k.Analyze, relabel(k.NextPane, "next table"), relabel(k.Sort, "sort by the next column"), k.Depth, relabel(k.Open, "show the namespace or key in the keys pane"), relabel(k.TTL, "TTL on the namespace's keys"), relabel(k.Delete, "delete the namespace's keys"), k.Export}},
		{"Connections", []key.Binding{k.Connect, k.NextTab, k.PrevTab, k.CloseTab}},
		{"Dialogs", []key.Binding{k.Confirm, k.Deny}},
	}
}

// relabel is a binding as one group describes it (e edits a value, or in a
// collection the element under the cursor).
func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// Apply overrides bindings by action name (the field name, case-insensitive,
// e.g. "quit": ["q", "ctrl+q"]). Unknown names are an error naming them.
func (k *KeyMap) Apply(overrides map[string][]string) error {
	byName := k.byName()
	var unknown []string
	for name, keys := range overrides {
		bnd, ok := byName[strings.ToLower(name)]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		bnd.SetKeys(keys...)
		h := bnd.Help()
		bnd.SetHelp(strings.Join(keys, "/"), h.Desc)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown key binding name(s): %s", strings.Join(unknown, ", "))
	}
	return nil
}

// byName maps every binding's field name, lower-cased, to the binding, so
// that a binding added to KeyMap can be overridden with no other change.
func (k *KeyMap) byName() map[string]*key.Binding {
	v := reflect.ValueOf(k).Elem()
	out := make(map[string]*key.Binding, v.NumField())
	for i := range v.NumField() {
		if b, ok := v.Field(i).Addr().Interface().(*key.Binding); ok {
			out[strings.ToLower(v.Type().Field(i).Name)] = b
		}
	}
	return out
}
