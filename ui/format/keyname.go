package format

import (
	"strconv"
	"unicode/utf8"
)

// EmptyKey is how a key whose name is the empty string is shown. Escape
// writes every backslash of a name as `\\`, so no escaped name holds a
// single backslash followed by "(": this placeholder cannot be a key's own
// name, not even a key named "(empty)".
const EmptyKey = `\(empty)`

// MaxShownName is how much of a key's name KeyName shows, in bytes: a
// name can be megabytes long (Redis allows 512 MB), and drawing all of it
// in a row, a title or a dialog froze the screen and pushed a dialog's
// buttons off it.
const MaxShownName = 256

// KeyName is Escape for a key's name, bounded: an empty name, which Redis,
// NATS and bbolt all allow, shows as EmptyKey rather than as nothing, and
// a name longer than MaxShownName shows its start, "…" and its length in
// the same backslash form (`…\(1048576 bytes)`), which no escaped name can
// hold either.
func KeyName(s string) string {
	switch {
	case s == "":
		return EmptyKey
	case len(s) <= MaxShownName:
		return Escape(s)
	}
	cut := MaxShownName
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return Escape(s[:cut]) + `…\(` + strconv.Itoa(len(s)) + ` bytes)`
}
