package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// The write-back behind the picker's new, edit and delete: edits of the
// file's text at the byte ranges go-toml's parser reports (layout.go), so
// that everything kvdeck does not change stays as the user wrote it. The
// package documentation lists what is kept.

// ErrChangedOnDisk is Save's refusal to overwrite a file that changed (or
// appeared, or went away) since it was loaded: the user's own edit wins.
var ErrChangedOnDisk = errors.New("changed on disk since kvdeck read it; load it again, then make the change")

// newFileMode is a new file's permission bits: it names where secrets are,
// and other users have no business reading that.
const newFileMode = 0o600

// Put adds the connection, or replaces the one of the same name. Only the
// lines of known keys whose value changed are touched; see the package
// documentation.
func (f *File) Put(c Connection) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.SentinelAddrs) == 0 {
		c.SentinelAddrs = nil // an empty array is no key, as it loads
	}
	l, err := parseLayout(f.data)
	if err != nil {
		return tomlError(f.Path, err)
	}
	var out []byte
	if old, exists := f.Get(c.Name); exists {
		out, err = editConnection(l, f.Path, old, c)
		if err != nil {
			return err
		}
	} else {
		out = appendConnection(l, c)
	}
	return f.apply(out, c.Name, &c)
}

// Delete removes the named connection's table (and its sub-tables).
func (f *File) Delete(name string) error {
	if _, exists := f.Get(name); !exists {
		return fmt.Errorf("%s: no connection named %q", f.Path, name)
	}
	l, err := parseLayout(f.data)
	if err != nil {
		return tomlError(f.Path, err)
	}
	owned, err := ownedSections(l, f.Path, name)
	if err != nil {
		return err
	}
	// A table's lines run from the comment block directly above its
	// header (which describes it) to the line before the next table's
	// such block or header. A block at the very start of the file is the
	// file's own comment, not the first table's, and stays.
	attached := func(i int) int {
		if from := l.keepFrom(l.sections[i].start); from > 0 {
			return from
		}
		return l.sections[i].start
	}
	var edits []edit
	for _, i := range owned {
		start, end := attached(i), len(l.data)
		if i+1 < len(l.sections) {
			end = attached(i + 1)
		}
		if end < len(l.data) && !slices.Contains(owned, i+1) && start > 0 && l.blanksBefore(start) == start {
			// Nothing blank separates what is before from the table: keep
			// the blank lines after it, which separate it from the next.
			end = max(start, l.blanksBefore(end))
		}
		if end == len(l.data) {
			// The end of the file: drop the blank lines that separated the
			// table from the one before, so the file does not end in them.
			start = l.blanksBefore(start)
		}
		edits = append(edits, edit{start, end, ""})
	}
	return f.apply(applyEdits(l.data, edits), name, nil)
}

// Rename gives a connection a new name, rewriting its header line(s).
func (f *File) Rename(oldName, newName string) error {
	c, exists := f.Get(oldName)
	if !exists {
		return fmt.Errorf("%s: no connection named %q", f.Path, oldName)
	}
	if err := validateName(newName); err != nil {
		return err
	}
	if oldName == newName {
		return nil
	}
	if _, taken := f.Get(newName); taken {
		return fmt.Errorf("%s: there is already a connection named %q", f.Path, newName)
	}
	l, err := parseLayout(f.data)
	if err != nil {
		return tomlError(f.Path, err)
	}
	owned, err := ownedSections(l, f.Path, oldName)
	if err != nil {
		return err
	}
	var edits []edit
	for _, i := range owned {
		s := l.sections[i]
		path := append([]string{"connections", newName}, s.path[2:]...)
		edits = append(edits, edit{s.keyStart, s.keyEnd, joinKey(path)})
	}
	c.Name = newName
	return f.apply(applyEdits(l.data, edits), newName, &c)
}

// apply makes out the file's text after checking that it loads and that
// the connection reads back as intended (want, or gone when nil): an edit
// that would break the file, or another connection, is refused and the
// file left as it was.
func (f *File) apply(out []byte, name string, want *Connection) error {
	conns, _, err := decode(f.Path, out)
	if err != nil {
		return fmt.Errorf("the edit would leave the file unreadable, so it was not made: %w", err)
	}
	got, found := Connection{}, false
	if i := slices.IndexFunc(conns, func(c Connection) bool { return c.Name == name }); i >= 0 {
		got, found = conns[i], true
	}
	switch {
	case want == nil && found:
		return fmt.Errorf("%s: %s is still there after the edit, which was not made", f.Path, connectionPath(name))
	case want != nil && (!found || !reflect.DeepEqual(got, *want)):
		return fmt.Errorf("%s: %s does not read back as written, so the edit was not made", f.Path, connectionPath(name))
	}
	return f.parse(out)
}

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// applyEdits applies edits that do not overlap, from the last one back so
// that the offsets of the others stay right.
func applyEdits(data []byte, edits []edit) []byte {
	slices.SortStableFunc(edits, func(a, b edit) int { return b.start - a.start })
	out := slices.Clone(data)
	for _, e := range edits {
		out = slices.Concat(out[:e.start], []byte(e.text), out[e.end:])
	}
	return out
}

// ownedSections are the indexes of the connection's table and sub-tables.
// A connection written otherwise (an inline table, dotted keys outside its
// table) is refused: its lines cannot be told apart from its neighbours'
// without rewriting them.
func ownedSections(l *layout, path, name string) ([]int, error) {
	prefix := []string{"connections", name}
	var owned []int
	table := false
	for i, s := range l.sections {
		if hasPrefix(s.path, prefix) {
			owned = append(owned, i)
			table = table || (len(s.path) == 2 && !s.array)
			continue
		}
		for _, e := range s.entries {
			if hasPrefix(s.fullPath(e), prefix) {
				return nil, fmt.Errorf("%s:%d: %s is written as an inline table or with dotted keys; kvdeck edits only a [%s] table, so edit this one by hand",
					path, l.line(e.start), connectionPath(name), connectionPath(name))
			}
		}
	}
	if !table {
		return nil, fmt.Errorf("%s: %s has no [%s] table of its own; edit it by hand", path, connectionPath(name), connectionPath(name))
	}
	return owned, nil
}

// editConnection changes the known keys of the connection's table whose
// value changed: a changed value is replaced (key, spacing and comment
// stay), a cleared key's line is removed, a new key is added after the
// table's last key.
func editConnection(l *layout, path string, old, c Connection) ([]byte, error) {
	if _, err := ownedSections(l, path, c.Name); err != nil {
		return nil, err
	}
	var s *section
	for i := range l.sections {
		if slices.Equal(l.sections[i].path, []string{"connections", c.Name}) {
			s = &l.sections[i]
		}
	}
	find := func(key string) (entry, bool) {
		i := slices.IndexFunc(s.entries, func(e entry) bool { return len(e.key) == 1 && e.key[0] == key })
		if i < 0 {
			return entry{}, false
		}
		return s.entries[i], true
	}
	insertAt, indent := s.headerEnd, ""
	if n := len(s.entries); n > 0 {
		insertAt, indent = s.entries[n-1].end, l.indentOf(s.entries[n-1].start)
	}
	nl := l.newline()
	var edits []edit
	var added strings.Builder
	for _, fl := range fields {
		if fl.equal(&old, &c) {
			continue
		}
		e, has := find(fl.key)
		switch {
		case !fl.isSet(&c) && has:
			edits = append(edits, edit{e.start, e.end, ""})
		case !fl.isSet(&c):
		case has:
			edits = append(edits, edit{e.valStart, e.valEnd, encodeValue(fl.ptr(&c))})
		default:
			added.WriteString(indent + fl.key + " = " + encodeValue(fl.ptr(&c)) + nl)
		}
	}
	if added.Len() > 0 {
		text := added.String()
		if insertAt == len(l.data) && len(l.data) > 0 && l.data[len(l.data)-1] != '\n' {
			text = nl + text
		}
		edits = append(edits, edit{insertAt, insertAt, text})
	}
	return applyEdits(l.data, edits), nil
}

// appendConnection adds a table for c at the end of the file, after a
// blank line.
func appendConnection(l *layout, c Connection) []byte {
	nl := l.newline()
	var b strings.Builder
	if len(l.data) > 0 {
		if !bytes.HasSuffix(l.data, []byte("\n")) {
			b.WriteString(nl)
		}
		if !bytes.HasSuffix(l.data, []byte(nl+nl)) {
			b.WriteString(nl)
		}
	}
	b.WriteString("[" + connectionPath(c.Name) + "]" + nl)
	for _, fl := range fields {
		if fl.isSet(&c) {
			b.WriteString(fl.key + " = " + encodeValue(fl.ptr(&c)) + nl)
		}
	}
	return slices.Concat(l.data, []byte(b.String()))
}

// keepFrom is where the comment block directly above the line at offset
// starts (offset itself when there is none): deleting the table before a
// header keeps the comment that introduces it.
func (l *layout) keepFrom(offset int) int {
	for offset > 0 {
		prev := l.lineStart(offset - 1)
		if !l.commentLines[prev] {
			break
		}
		offset = prev
	}
	return offset
}

// blanksBefore is the start of the blank lines just before offset (offset
// when the line before is not blank).
func (l *layout) blanksBefore(offset int) int {
	for offset > 0 {
		prev := l.lineStart(offset - 1)
		if len(bytes.TrimSpace(l.data[prev:offset])) > 0 {
			break
		}
		offset = prev
	}
	return offset
}

// Save writes the file atomically: a temporary file in the same folder,
// renamed over the old one, so that a crash leaves the old file or the
// new, never half of one. A new file is made 0600 (its folder 0700); an
// existing one keeps its mode. A symbolic link (a dotfiles manager's) is
// followed, and the file it points to replaced. A file that changed on disk
// since Load is not overwritten (ErrChangedOnDisk).
func (f *File) Save() error {
	if bytes.Equal(f.data, f.loaded) && (f.loaded != nil || len(f.data) == 0) {
		return nil // nothing changed: no file is made or touched
	}
	target := f.Path
	if resolved, err := filepath.EvalSymlinks(f.Path); err == nil {
		target = resolved
	}
	current, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if f.loaded != nil {
			return fmt.Errorf("%s: %w", f.Path, ErrChangedOnDisk)
		}
	case err != nil:
		return err
	case f.loaded == nil || !bytes.Equal(current, f.loaded):
		return fmt.Errorf("%s: %w", f.Path, ErrChangedOnDisk)
	}
	mode := f.mode
	if f.loaded == nil || mode == 0 {
		mode = newFileMode
	}
	if err := writeAtomic(target, f.data, mode); err != nil {
		return err
	}
	f.loaded, f.mode = slices.Clone(f.data), mode
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// folder (a rename is atomic only within one file system).
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is durable once the folder is synced; a failure here
	// leaves the new file in place, so it is not reported.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
