package format

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Long lines: a line wider than the pane is either wrapped onto as many
// screen rows as it needs (RenderRows) or cut at the edge and scrolled
// sideways (RenderShifted). Both work from a byte offset into the line as
// stored, so a frame measures and escapes only what reaches the screen:
// the rows of a 10 MB one-line value cost what an 80-byte line costs.
//
// A row never splits what is drawn as one thing: an escape (`\x1b`,
// `\u202e`), an expanded tab, a UTF-8 sequence or a grapheme cluster (a
// wide rune, a letter and its combining marks, an emoji sequence).

// Pos is where a screen row starts: a line, and a byte offset into the
// line's text as stored (unescaped, without its JSON indent). At 0 is the
// line's first row.
type Pos struct{ Line, At int }

// maxUnit is the widest thing a row never splits: an escaped rune, `\u202e`.
const maxUnit = 6

// source is line i as stored, the text rows are offsets into.
func (d *Document) source(i int) string {
	if d.shown == Hex {
		return d.hexLine(i)
	}
	return d.raw(i)
}

// wrapIndent is the indent drawn before every row of line i when wrapping
// at width: JSON's nesting, so the rows of a deep line stay under their
// parent, but never more than half the row, and always leaving room for
// the widest unit.
func (d *Document) wrapIndent(i, width int) int {
	if width <= 0 {
		return d.indent(i)
	}
	return max(0, min(d.indent(i), width/2, width-maxUnit))
}

// rowRoom is how many cells of line i's text fit on a row at width.
func (d *Document) rowRoom(i, width int) int {
	if width <= 0 {
		return math.MaxInt
	}
	return max(width-d.wrapIndent(i, width), 1)
}

// normal moves p off the end of its line to the next line's start, and
// into the document.
func (d *Document) normal(p Pos) Pos {
	p.Line = min(max(p.Line, 0), d.Len())
	p.At = max(p.At, 0)
	if p.Line < d.Len() && p.At > 0 && p.At >= len(d.source(p.Line)) {
		p = Pos{p.Line + 1, 0}
	}
	return p
}

// step measures the unit of s at byte i that a row never splits: a byte or
// rune shown escaped, a tab, or a grapheme cluster. It returns its length
// in bytes, its width in cells, and how far it moves appendEscaped's column
// (which counts runes, not cells, for tab stops); col is that column
// before it. The widths are the escaped text's, so they add up to what
// ansi.StringWidth measures of the row.
func step(s string, i, col int) (size, cells, cols int) {
	c := s[i]
	if c < utf8.RuneSelf {
		if !asciiSafe[c] {
			switch c {
			case '\t':
				n := TabWidth - col%TabWidth
				return 1, n, n
			case '\n', '\r':
				return 1, 2, 2 // `\n`
			}
			return 1, 4, 4 // `\x1b`
		}
		if i+1 == len(s) || s[i+1] < utf8.RuneSelf {
			return 1, 1, 1
		}
		// A letter followed by more than ASCII may carry combining marks.
	} else {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return 1, 4, 4 // `\xff`
		}
		if UnsafeRune(r) {
			return n, 6, 6 // `\u202e`
		}
	}
	cluster, w := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
	if j := firstUnsafe(cluster, false); j < len(cluster) {
		// What the cluster took after its first rune is shown escaped,
		// so it is a unit of its own.
		cluster = cluster[:j]
		w = ansi.StringWidth(cluster)
	}
	if cluster == "" {
		return 1, 1, 1
	}
	return len(cluster), w, utf8.RuneCountInString(cluster)
}

// asciiRun reports whether s[i] is printable ASCII that is a unit of one
// cell by itself (no combining mark may follow it), the fast path.
func asciiRun(s string, i int) bool {
	c := s[i]
	return c < utf8.RuneSelf && asciiSafe[c] && (i+1 == len(s) || s[i+1] < utf8.RuneSelf)
}

// rowEnd returns where a row of at most room cells that starts at byte at
// of s ends, its width in cells and the column after it; col is the column
// at at. With force the row holds at least one unit, even one wider than
// room, so wrapping always moves on.
func rowEnd(s string, at, room, col int, force bool) (end, cells, colAfter int) {
	i := at
	for i < len(s) {
		if asciiRun(s, i) {
			if cells+1 > room {
				break
			}
			i, cells, col = i+1, cells+1, col+1
			continue
		}
		size, w, dc := step(s, i, col)
		if cells+w > room && (i > at || !force) {
			break
		}
		i, cells, col = i+size, cells+w, col+dc
	}
	return i, cells, col
}

// skipCells walks s from its start to the first unit that starts at or
// after cell target, and returns its byte offset, its cell and the column
// there.
func skipCells(s string, target int) (at, cells, col int) {
	for at < len(s) && cells < target {
		if asciiRun(s, at) {
			at, cells, col = at+1, cells+1, col+1
			continue
		}
		size, w, dc := step(s, at, col)
		at, cells, col = at+size, cells+w, col+dc
	}
	return at, cells, col
}

// nextRow is the start of the row after the one at p, wrapping at width.
func (d *Document) nextRow(p Pos, width int) Pos {
	raw := d.source(p.Line)
	end, _, _ := rowEnd(raw, p.At, d.rowRoom(p.Line, width), 0, true)
	if end >= len(raw) {
		return Pos{p.Line + 1, 0}
	}
	return Pos{p.Line, end}
}

// Rows returns the starts of up to n screen rows from p on, wrapping lines
// at width cells, across lines. It measures only those rows.
func (d *Document) Rows(p Pos, n, width int) []Pos {
	out := make([]Pos, 0, min(max(n, 0), 256))
	for p = d.normal(p); p.Line < d.Len() && len(out) < n; p = d.nextRow(p, width) {
		out = append(out, p)
	}
	return out
}

// RowsBack returns the starts of up to n screen rows before p, in screen
// order, wrapping at width; Pos{Len(), 0} is the document's end. Where a
// row of a line starts depends on the whole line before it, so this
// measures each line it crosses up to p (once, keeping n starts): it is for
// a key press, not for a frame.
func (d *Document) RowsBack(p Pos, n, width int) []Pos {
	if n <= 0 || d.Len() == 0 {
		return nil
	}
	p = d.normal(p)
	line, limit := p.Line, p.At
	if line >= d.Len() {
		line, limit = d.Len()-1, -1
	}
	var out []Pos
	for ; line >= 0 && len(out) < n; line, limit = line-1, -1 {
		if limit == 0 {
			continue
		}
		starts := d.lastRowStarts(line, width, limit, n-len(out))
		for k := len(starts) - 1; k >= 0; k-- {
			out = append(out, Pos{line, starts[k]})
		}
	}
	slices.Reverse(out)
	return out
}

// lastRowStarts returns the last k starts of line i's rows that start
// before byte limit (all rows when limit < 0), in order.
func (d *Document) lastRowStarts(i, width, limit, k int) []int {
	raw := d.source(i)
	room := d.rowRoom(i, width)
	ring := make([]int, 0, k)
	head := 0
	for at := 0; limit < 0 || at < limit; {
		if len(ring) < k {
			ring = append(ring, at)
		} else {
			ring[head] = at
			head = (head + 1) % k
		}
		end, _, _ := rowEnd(raw, at, room, 0, true)
		if end >= len(raw) {
			break
		}
		at = end
	}
	return append(ring[head:], ring[:head]...)
}

// RenderRows draws up to n screen rows from p on, wrapping lines at width
// cells: each row escaped, coloured by hl (nil for plain text) and never
// wider than width. A JSON line's rows all take its indent. It also
// returns the line each row belongs to. Only these rows are measured and
// escaped.
func (d *Document) RenderRows(p Pos, n, width int, hl *Highlighter) (rows []string, lines []int) {
	var b strings.Builder
	for p = d.normal(p); p.Line < d.Len() && len(rows) < n; {
		raw := d.source(p.Line)
		room := d.rowRoom(p.Line, width)
		end, cells, _ := rowEnd(raw, p.At, room, 0, true)
		b.Reset()
		b.WriteString(strings.Repeat(" ", d.wrapIndent(p.Line, width)))
		if cells > room {
			// One unit wider than a very narrow pane: cut, plain.
			text, _ := escapeSpansAt(raw[p.At:end], 0)
			b.WriteString(ansi.Truncate(text, room, ""))
		} else {
			d.piece(&b, p.Line, raw, p.At, end, 0, hl, false)
		}
		rows, lines = append(rows, b.String()), append(lines, p.Line)
		if end >= len(raw) {
			p = Pos{p.Line + 1, 0}
		} else {
			p.At = end
		}
	}
	return rows, lines
}

// RenderShifted draws lines [from, to) as Render does, but scrolled shift
// cells to the right: the view starts at that cell of each line (indent
// included) and is cut at width with an ellipsis where more follows. A
// unit cut by the left edge is left out, its cells blank, so the columns
// of all lines stay aligned. Reaching the shift costs a walk over the bytes
// before it, without escaping or allocating.
func (d *Document) RenderShifted(from, to, width, shift int, hl *Highlighter) []string {
	if shift <= 0 {
		return d.Render(from, to, width, hl)
	}
	from, to = max(from, 0), min(to, d.Len())
	if from >= to {
		return nil
	}
	out := make([]string, 0, to-from)
	var b strings.Builder
	for i := from; i < to; i++ {
		b.Reset()
		raw := d.source(i)
		ind := d.indent(i)
		at, col, lead := 0, 0, 0
		if shift < ind {
			lead = ind - shift
		} else {
			var cells int
			at, cells, col = skipCells(raw, shift-ind)
			lead = max(cells-(shift-ind), 0) // 0 past the line's end
		}
		room := math.MaxInt
		if width > 0 {
			lead = min(lead, width)
			room = width - lead
		}
		end, _, _ := rowEnd(raw, at, room, col, false)
		cut := end < len(raw)
		if cut {
			end, _, _ = rowEnd(raw, at, room-1, col, false)
		}
		b.WriteString(strings.Repeat(" ", lead))
		if cut && room < 1 {
			cut = false // no cell left even for the ellipsis
		}
		d.piece(&b, i, raw, at, end, col, hl, cut)
		out = append(out, b.String())
	}
	return out
}

// Wider reports whether line i is wider than cells (indent included),
// walking at most that far into it.
func (d *Document) Wider(i, cells int) bool {
	if i < 0 || i >= d.Len() {
		return false
	}
	ind := d.indent(i)
	if ind > cells {
		return true
	}
	raw := d.source(i)
	at, _, _ := skipCells(raw, cells-ind)
	return at < len(raw)
}

// piece writes raw[a:e] of line i, which starts at column col of the line
// (for tab stops), escaped and coloured by hl as it is in the whole line,
// with an ellipsis after it when cut.
func (d *Document) piece(b *strings.Builder, i int, raw string, a, e, col int, hl *Highlighter, cut bool) {
	text, spans := escapeSpansAt(raw[a:e], col)
	switch {
	case hl == nil:
		writePlain(b, text, cut)
	case d.shown == JSON:
		state, prefix := d.jsonResume(i, raw, a)
		hl.jsonPiece(b, text, state, prefix, cut)
	case d.shown == Hex:
		if a == 0 && e == len(raw) {
			hl.hex(b, text, d.hexPer, cut)
		} else {
			writePlain(b, text, cut) // a piece of a dump has no columns to tell apart
		}
	default:
		hl.text(b, text, spans, cut)
	}
}

// jsonResume is the lexer state, and the text to lex before the piece,
// that colour JSON line i from byte a on as the whole line is coloured. A
// pretty-printed line is `"key": value,` or `value,` or a closer, and only
// a string is long enough to be broken, so finding whether a is inside the
// key or a string value is enough: the key is read to its end, the value
// string ends at the line's last quote.
func (d *Document) jsonResume(i int, raw string, a int) (state, prefix string) {
	l := d.json[i]
	state = lexerState(l, raw)
	if a == 0 {
		return state, ""
	}
	valueAt := 0
	if l.index == lineMember && raw != "" && raw[0] == '"' {
		k := stringEnd(raw)
		if a < k {
			return "objectvalue", quotePrefix(raw[:a])
		}
		state, valueAt = "objectattribute", k
		for valueAt < len(raw) && (raw[valueAt] == ':' || raw[valueAt] == ' ') {
			valueAt++
		}
	}
	if valueAt < len(raw) && raw[valueAt] == '"' && a > valueAt && a <= strings.LastIndexByte(raw, '"') {
		return state, quotePrefix(raw[:a])
	}
	return state, ""
}

// stringEnd is the offset just past the string that starts s.
func stringEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// quotePrefix opens a string for the lexer, and repeats an escaping
// backslash that before ends with (a row may start between `\` and `"`).
func quotePrefix(before string) string {
	if endsEscaping(before) {
		return `"\`
	}
	return `"`
}
