package format

import (
	"strings"
)

// Document is a value formatted as lines: built once per value and mode,
// then read by line range as the pane scrolls. The lines live in one
// buffer with an offset per line, not as a slice of strings, so a 10 MB
// value costs two allocations, not a million.
type Document struct {
	mode   Mode   // the mode asked for (Auto resolved)
	shown  Mode   // how the lines are laid out: JSON, Text or Hex
	notice string // what was done to the bytes, for the pane ("gzip: …")
	// chain is the decoders applied, outermost first, without the final
	// layout ("base64", "gzip"); empty when the bytes are shown as they are.
	chain []string

	buf    string // JSON and Text: line contents back to back
	starts []int  // JSON and Text: line i is buf[starts[i]:end(i)]
	json   []jsonLine

	hex    string // Hex: the bytes dumped
	hexPer int    // Hex: bytes on one line (see Fit)
}

// Len is the number of lines.
func (d *Document) Len() int {
	if d.shown == Hex {
		return (len(d.hex) + d.hexPer - 1) / d.hexPer
	}
	return len(d.starts) - 1
}

// Mode is the mode the document was built in (never Auto).
func (d *Document) Mode() Mode { return d.mode }

// Shown is how the lines are laid out: JSON, Text or Hex. It differs from
// Mode for Base64 and Gzip, whose decoded bytes are shown in their own mode.
func (d *Document) Shown() Mode { return d.shown }

// Chain is the decoders applied to show the value, outermost first, then
// how it is shown: "base64 → gzip → json", or just "json".
func (d *Document) Chain() []string {
	return append(append([]string(nil), d.chain...), d.shown.String())
}

// Notice says in one line what was done to the bytes to show them
// ("gzip: 1.2 MB decompressed, shown as json"), or "" when nothing was.
func (d *Document) Notice() string { return d.notice }

// raw is line i as stored: not escaped, without its JSON indent.
func (d *Document) raw(i int) string {
	s := d.buf[d.starts[i]:d.starts[i+1]]
	if d.shown == Text {
		s = strings.TrimSuffix(s, "\n")
		s = strings.TrimSuffix(s, "\r")
	}
	return s
}

// indent is line i's indentation in spaces (JSON lines only).
func (d *Document) indent(i int) int {
	if d.shown != JSON {
		return 0
	}
	return 2 * int(d.json[i].depth)
}

// Line is line i as plain text, safe for the terminal: control bytes and
// escape sequences are escaped, tabs expanded. Out of range gives "".
func (d *Document) Line(i int) string {
	if i < 0 || i >= d.Len() {
		return ""
	}
	if d.shown == Hex {
		return d.hexLine(i)
	}
	s := EscapeLine(d.raw(i))
	if n := d.indent(i); n > 0 {
		s = strings.Repeat(" ", n) + s
	}
	return s
}

// Path is the JSON path of the value on line i (`$.users[3].name`), for
// copying a field's path; "" when the lines are not JSON. A line that
// closes an object or array has the path of what it closes.
func (d *Document) Path(i int) string {
	if d.shown != JSON || i < 0 || i >= d.Len() {
		return ""
	}
	return d.path(i)
}
