package format

import (
	"fmt"
	"strings"
)

// hexWidth is the most bytes on one hex dump line, the layout of
// encoding/hex's Dump; narrower panes get fewer (see HexBytesPerLine).
const hexWidth = 16

// hexMinWidth is the fewest bytes on one hex dump line.
const hexMinWidth = 4

// buildHex prepares a hex dump. Lines are made when read, so dumping a
// large value costs nothing until it is scrolled.
func buildHex(b []byte) *Document {
	return &Document{mode: Hex, shown: Hex, hex: string(b), hexPer: hexWidth}
}

// hexLineWidth is the width in cells of a hex dump line of per bytes:
// the offset, two spaces, the bytes ("xx" apart by a space, and by one more
// between groups of 8), two spaces and the text column between bars. With
// 16 bytes it is encoding/hex's Dump line, 78 cells.
func hexLineWidth(per int) int {
	return 8 + 2 + hexBytesWidth(per) + 2 + per + 2
}

// hexBytesWidth is the width of the byte column of a line of per bytes.
func hexBytesWidth(per int) int {
	return 3*per - 1 + (per-1)/8
}

// HexBytesPerLine is how many bytes a hex dump line holds in width cells:
// the most, a multiple of 4 up to 16, whose line fits, and never fewer
// than 4 (a pane narrower than that line cuts it). width <= 0 means 16.
func HexBytesPerLine(width int) int {
	if width <= 0 {
		return hexWidth
	}
	for per := hexWidth; per > hexMinWidth; per -= 4 {
		if hexLineWidth(per) <= width {
			return per
		}
	}
	return hexMinWidth
}

// Fit returns the document laid out for a pane width cells wide. Only a hex
// dump depends on the width (its bytes per line, so the text column stays
// on screen): it is laid out again from the bytes it holds, sharing them,
// which costs nothing per line. Other documents are returned as they are.
func (d *Document) Fit(width int) *Document {
	if d == nil || d.shown != Hex {
		return d
	}
	per := HexBytesPerLine(width)
	if per == d.hexPer {
		return d
	}
	c := *d
	c.hexPer = per
	return &c
}

// HexBytes is the number of bytes on one line of a hex dump, 0 for other
// documents.
func (d *Document) HexBytes() int {
	if d.shown != Hex {
		return 0
	}
	return d.hexPer
}

// hexLine is line i of the dump ("00000010  68 65 ...  |hello|"), with the
// offset of the line's first byte. A short last line is padded so its text
// column lines up with the others, as encoding/hex's Dump does.
func (d *Document) hexLine(i int) string {
	per := d.hexPer
	from := i * per
	chunk := d.hex[from:min(from+per, len(d.hex))]
	var b strings.Builder
	b.Grow(hexLineWidth(per))
	fmt.Fprintf(&b, "%08x  ", from)
	for j := range per {
		if j > 0 {
			b.WriteByte(' ')
			if j%8 == 0 {
				b.WriteByte(' ')
			}
		}
		if j < len(chunk) {
			b.WriteByte(hexDigits[chunk[j]>>4])
			b.WriteByte(hexDigits[chunk[j]&0xf])
		} else {
			b.WriteString("  ")
		}
	}
	b.WriteString("  |")
	for j := 0; j < len(chunk); j++ {
		c := chunk[j]
		if c < 32 || c > 126 {
			c = '.'
		}
		b.WriteByte(c)
	}
	b.WriteByte('|')
	return b.String()
}

// hexColumns returns where the byte column and the text column start in a
// hex line of per bytes, for styling.
func hexColumns(line string, per int) (bytesAt, asciiAt int) {
	bytesAt = min(8, len(line))
	return bytesAt, min(10+hexBytesWidth(per)+2, len(line))
}
