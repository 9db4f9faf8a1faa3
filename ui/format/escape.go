package format

import (
	"strings"
	"unicode/utf8"
)

// TabWidth is the tab stop EscapeLine expands tabs to; lipgloss uses the
// same width, so values and the rest of the UI line up alike.
const TabWidth = 4

// asciiSafe marks the bytes below 0x80 that may go to the terminal as they
// are: the printable ASCII range. Everything else below 0x80 (C0 controls,
// ESC, DEL) is shown escaped.
var asciiSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	return t
}()

// UnsafeRune reports whether a correctly encoded rune above ASCII must be
// shown escaped: C1 controls (a terminal may act on U+009B as CSI), the line
// and paragraph separators, the bidirectional marks and overrides that can
// make text display in an order other than the bytes' (Trojan Source), and
// the characters that draw nothing (zero-width space, joiners, word joiner,
// invisible operators, byte order mark), with which two different keys
// look the same.
func UnsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// firstUnsafe returns the index of the first byte of s that Escape would
// change, or len(s) when s is safe as it is. Tabs count as unsafe, and so
// does a backslash when backslash is set.
func firstUnsafe(s string, backslash bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiSafe[c] || backslash && c == '\\' {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || UnsafeRune(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// Escape makes a single-line string such as a key name safe to write to a
// terminal: control bytes, DEL, C1 controls, bidi overrides and invalid
// UTF-8 become visible escapes (`\x1b`, `\n`, `\t`, `\u009b`, `\xff`), so an
// escape sequence inside a key can never act on the terminal. A literal
// backslash is shown as `\\`, so a key holding the four characters `\x1b`
// never looks like one holding ESC. Printable unicode is kept. A string that needs no
// escaping is returned as it is, without allocating: this runs for every
// visible key row on every frame.
func Escape(s string) string {
	i := firstUnsafe(s, true)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	appendEscaped(&b, s[i:], i, false, true, nil)
	return b.String()
}

// EscapeLine is Escape for one line of a multi-line value: tabs are
// expanded to spaces at TabWidth stops instead of shown as `\t`.
func EscapeLine(s string) string {
	i := firstUnsafe(s, false)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	appendEscaped(&b, s[i:], utf8.RuneCountInString(s[:i]), true, false, nil)
	return b.String()
}

// span is a byte range of escaped output that stands for a byte or rune of
// the input, so the renderer can show escapes apart from literal text.
type span struct{ from, to int }

// escapeLineSpans is EscapeLine that also reports where its escapes are.
func escapeLineSpans(s string) (string, []span) {
	return escapeSpansAt(s, 0)
}

// escapeSpansAt is escapeLineSpans for a piece of a line that starts at
// column col (in appendEscaped's count), so its tabs stop where the whole
// line's would.
func escapeSpansAt(s string, col int) (string, []span) {
	i := firstUnsafe(s, false)
	if i == len(s) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	var spans []span
	appendEscaped(&b, s[i:], col+utf8.RuneCountInString(s[:i]), true, false, &spans)
	return b.String(), spans
}

const hexDigits = "0123456789abcdef"

// appendEscaped writes s to b with every unsafe byte or rune escaped. col is
// the column (in runes) b's line is at, for tab stops; expandTabs turns tabs
// into spaces rather than `\t`; backslash writes a backslash as `\\`. When
// spans is not nil, the range of each escape written is appended to it.
func appendEscaped(b *strings.Builder, s string, col int, expandTabs, backslash bool, spans *[]span) {
	mark := func(from int) {
		if spans != nil {
			*spans = append(*spans, span{from, b.Len()})
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if asciiSafe[c] && !(backslash && c == '\\') {
				b.WriteByte(c)
				col++
				continue
			}
			if c == '\t' && expandTabs {
				n := TabWidth - col%TabWidth
				b.WriteString("    "[:n])
				col += n
				continue
			}
			from := b.Len()
			switch c {
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\\':
				b.WriteString(`\\`)
			default:
				b.WriteString(`\x`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
			mark(from)
			col += b.Len() - from
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			from := b.Len()
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			mark(from)
			col += 4
		case UnsafeRune(r):
			from := b.Len()
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
			mark(from)
			col += 6
		default:
			b.WriteString(s[i : i+size])
			col++
		}
		i += size
	}
}
