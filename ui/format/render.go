package format

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Render returns lines [from, to) ready to draw: escaped, cut to width
// cells with an ellipsis (wide runes count two), and coloured by hl (nil
// for plain text). Only these lines are touched, so a frame costs the same
// for a 10 MB value as for a small one. width <= 0 means no limit.
func (d *Document) Render(from, to, width int, hl *Highlighter) []string {
	from, to = max(from, 0), min(to, d.Len())
	if from >= to {
		return nil
	}
	out := make([]string, 0, to-from)
	var b strings.Builder
	for i := from; i < to; i++ {
		b.Reset()
		d.renderLine(&b, i, width, hl)
		out = append(out, b.String())
	}
	return out
}

func (d *Document) renderLine(b *strings.Builder, i, width int, hl *Highlighter) {
	if d.shown == Hex {
		line, cut := fit(d.hexLine(i), width, false)
		if hl == nil {
			writePlain(b, line, cut)
			return
		}
		hl.hex(b, line, d.hexPer, cut)
		return
	}
	indent := d.indent(i)
	if width > 0 {
		indent = min(indent, width)
	}
	raw := d.raw(i)
	// Only the part of a long line that can reach the screen is escaped:
	// a rune is at most 4 bytes and most take a cell, so 8 bytes a cell
	// leaves room for escapes and combining marks.
	dropped := false
	if limit := 8*width + 64; width > 0 && len(raw) > limit {
		raw, dropped = cutAtRune(raw, limit), true
	}
	text, spans := escapeLineSpans(raw)
	line := strings.Repeat(" ", indent) + text
	line, cut := fit(line, width, dropped)
	if hl == nil {
		writePlain(b, line, cut)
		return
	}
	content := line[min(indent, len(line)):]
	b.WriteString(line[:len(line)-len(content)])
	if d.shown == JSON {
		hl.json(b, content, lexerState(d.json[i], content), cut)
		return
	}
	hl.text(b, content, spans, cut)
}

// fit cuts line to width cells, leaving one for the ellipsis, when it is
// wider or when more of it was dropped already. It returns the cut line
// (without the ellipsis) and whether it was cut.
func fit(line string, width int, dropped bool) (string, bool) {
	if width <= 0 {
		return line, false
	}
	if isASCII(line) {
		if len(line) <= width && !dropped {
			return line, false
		}
		return line[:min(len(line), width-1)], true
	}
	if !dropped && ansi.StringWidth(line) <= width {
		return line, false
	}
	return ansi.Truncate(line, width-1, ""), true
}

func writePlain(b *strings.Builder, line string, cut bool) {
	b.WriteString(line)
	if cut {
		b.WriteString("…")
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cutAtRune returns the longest prefix of s of at most n bytes that does
// not end inside a UTF-8 sequence.
func cutAtRune(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}
