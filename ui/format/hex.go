package format

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// hexWidth is the number of bytes on one hex dump line.
const hexWidth = 16

// buildHex prepares a hex dump. Lines are made when read, so dumping a
// large value costs nothing until it is scrolled.
func buildHex(b []byte) *Document {
	return &Document{mode: Hex, shown: Hex, hex: string(b), hexLines: (len(b) + hexWidth - 1) / hexWidth}
}

// hexLine is line i of the dump in encoding/hex's Dump layout
// ("00000010  68 65 ...  |hello|"), with the offset of the line's first
// byte (Dump starts each call at offset 0).
func (d *Document) hexLine(i int) string {
	from := i * hexWidth
	chunk := d.hex[from:min(from+hexWidth, len(d.hex))]
	line := strings.TrimSuffix(hex.Dump([]byte(chunk)), "\n")
	return fmt.Sprintf("%08x", from) + line[8:]
}

// hexColumns returns where the byte columns and the ASCII column start in
// a hex line, for styling. Dump pads a short last line, so the ASCII
// column is always 52 cells after the offset ("  " + 16 × "xx " + " " + " ").
func hexColumns(line string) (bytesAt, asciiAt int) {
	bytesAt = strings.IndexByte(line, ' ')
	if bytesAt < 0 {
		return len(line), len(line)
	}
	return bytesAt, min(bytesAt+52, len(line))
}
