package config

import (
	"bytes"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The layout of a TOML document: where each table header, key/value and
// comment line is, as byte offsets. It comes from go-toml's own parser
// (package unstable, which keeps the byte range of every expression), so
// that a multi-line string or array, a quoted key or a '#' inside a string
// is located exactly, not guessed by a line scan. Load uses it for the
// line numbers of its messages, the write-back for its edits.

// layout indexes one document.
type layout struct {
	data       []byte
	lineStarts []int // offset of each line's first byte
	sections   []section
	// commentLines are the offsets of lines holding only a comment.
	commentLines map[int]bool
}

// section is a table header and the key/values under it; the first section
// is the root (the keys before any header), with a nil path.
type section struct {
	path  []string
	array bool // [[array table]]
	start int  // first byte of the header line (0 for the root)
	// headerEnd is the first byte after the header line; keyStart/keyEnd
	// the header's key, between the brackets.
	headerEnd, keyStart, keyEnd int
	entries                     []entry
}

// entry is one key = value.
type entry struct {
	key              []string // as written under its section (dotted: several)
	start            int      // first byte of the line the key is on
	valStart, valEnd int      // the value's bytes
	end              int      // first byte after the line the value ends on
}

// fullPath is the entry's key from the document's root.
func (s *section) fullPath(e entry) []string {
	return append(slices.Clip(s.path), e.key...)
}

// parseLayout indexes data, which must be valid TOML (Load checks it first).
func parseLayout(data []byte) (*layout, error) {
	l := &layout{data: data, commentLines: map[int]bool{}, lineStarts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			l.lineStarts = append(l.lineStarts, i+1)
		}
	}
	l.sections = []section{{}}
	p := unstable.Parser{KeepComments: true}
	p.Reset(data)
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Comment:
			l.commentLines[l.lineStart(int(n.Raw.Offset))] = true
		case unstable.Table, unstable.ArrayTable:
			var path []string
			first, last := -1, 0
			it := n.Key()
			for it.Next() {
				k := it.Node()
				path = append(path, string(k.Data))
				if first < 0 {
					first = int(k.Raw.Offset)
				}
				last = int(k.Raw.Offset + k.Raw.Length)
			}
			// The key ends before the closing bracket(s); a key part that
			// is quoted has its quotes in Raw.
			l.sections = append(l.sections, section{
				path: path, array: n.Kind == unstable.ArrayTable,
				start: l.lineStart(first), headerEnd: l.lineEnd(last),
				keyStart: first, keyEnd: last,
			})
		case unstable.KeyValue:
			var key []string
			it := n.Key()
			lastKey := 0
			for it.Next() {
				k := it.Node()
				key = append(key, string(k.Data))
				lastKey = int(k.Raw.Offset + k.Raw.Length)
			}
			// The value starts after "=" and blanks; Raw of the key/value
			// ends where the value ends.
			eq := lastKey + bytes.IndexByte(data[lastKey:], '=')
			valStart := eq + 1
			for valStart < len(data) && (data[valStart] == ' ' || data[valStart] == '\t') {
				valStart++
			}
			valEnd := int(n.Raw.Offset + n.Raw.Length)
			s := &l.sections[len(l.sections)-1]
			s.entries = append(s.entries, entry{
				key: key, start: l.lineStart(int(n.Raw.Offset)),
				valStart: valStart, valEnd: valEnd, end: l.lineEnd(valEnd),
			})
		}
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	return l, nil
}

// lineStart is the offset of the line holding offset.
func (l *layout) lineStart(offset int) int {
	i, found := slices.BinarySearch(l.lineStarts, offset)
	if found {
		return offset
	}
	return l.lineStarts[i-1]
}

// lineEnd is the offset after the newline of the line holding offset (or
// the end of the data).
func (l *layout) lineEnd(offset int) int {
	i := bytes.IndexByte(l.data[offset:], '\n')
	if i < 0 {
		return len(l.data)
	}
	return offset + i + 1
}

// line is the 1-based line number of offset.
func (l *layout) line(offset int) int {
	i, found := slices.BinarySearch(l.lineStarts, offset)
	if found {
		return i + 1
	}
	return i
}

// lineOf is the line where path is defined: the key/value or header with
// that path, else the closest ancestor's (a key inside an inline table has
// no line of its own here); 0 when nothing of it is found.
func (l *layout) lineOf(path ...string) int {
	for n := len(path); n > 0; n-- {
		want := path[:n]
		for si := range l.sections {
			s := &l.sections[si]
			if slices.Equal(s.path, want) {
				return l.line(s.keyStart)
			}
			for _, e := range s.entries {
				if slices.Equal(s.fullPath(e), want) {
					return l.line(e.start)
				}
			}
		}
	}
	return 0
}

// hasPrefix tells whether path starts with prefix.
func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// newline is the document's line ending: CRLF if it uses it, else LF.
func (l *layout) newline() string {
	if bytes.Contains(l.data, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// indentOf is the blanks at the start of the line at offset.
func (l *layout) indentOf(offset int) string {
	end := offset
	for end < len(l.data) && (l.data[end] == ' ' || l.data[end] == '\t') {
		end++
	}
	return string(l.data[offset:end])
}

// joinKey writes a path as a dotted TOML key.
func joinKey(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = quoteKey(p)
	}
	return strings.Join(parts, ".")
}
