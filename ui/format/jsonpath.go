package format

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// path walks from line i up through the lines that opened its containers,
// collecting one segment per level: O(depth), whatever the document's size.
func (d *Document) path(i int) string {
	var segs []string
	for i >= 0 {
		l := d.json[i]
		switch {
		case l.index == lineCloser:
			// A closing line stands for the container it closes.
		case l.index == lineRoot:
		case l.index == lineMember:
			segs = append(segs, keySegment(d.raw(i)))
		default:
			segs = append(segs, "["+strconv.Itoa(int(l.index))+"]")
		}
		i = int(l.parent)
	}
	slices.Reverse(segs)
	return "$" + strings.Join(segs, "")
}

// keySegment reads the key that starts a member line (`"a b": 1,`) and
// writes it as a path segment: `.name` for identifiers, `["a b"]` for
// anything else.
func keySegment(line string) string {
	end := 1
	for end < len(line) && line[end] != '"' {
		if line[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(line) {
		// The key of a preview cut inside it: use what there is.
		return "[" + quoteKey(strings.TrimPrefix(line, `"`)) + "]"
	}
	quoted := line[:end+1]
	key := quoted[1:end]
	if strings.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal([]byte(quoted), &s) == nil {
			key = s
		}
	}
	if isIdentifier(key) {
		return "." + key
	}
	return "[" + quoteKey(key) + "]"
}

// isIdentifier reports whether key can follow a dot in a path.
func isIdentifier(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		letter := c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// quoteKey writes key as a JSON string whose escapes also cover what a
// terminal could act on (DEL, C1 controls, bidi overrides), so a copied or
// displayed path is plain, safe text that still parses as JSON.
func quoteKey(key string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range key { // invalid UTF-8 arrives as U+FFFD
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || UnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
