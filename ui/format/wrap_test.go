package format

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// escapeText matches a whole escape; a split one would leave `\x` or `\u`
// without its digits.
var escapeText = regexp.MustCompile(`\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt\\])`)

// wrapValues are values with long lines of every kind of unit.
var wrapValues = map[string][]byte{
	"json string": []byte(`{"k":"` + strings.Repeat("abc\\\"def\\\\", 30) + `","n":[1,"` + strings.Repeat("名前😀e\u0301", 25) + `"]}`),
	"long key":    []byte(`{"` + strings.Repeat("key", 40) + `":true}`),
	"text":        []byte(strings.Repeat("wide 名前 emoji 👍🏽 flag 🇫🇷 mark e\u0301 ", 20) + "\nshort\n\n" + strings.Repeat("x", 300)),
}

// rowsOf wraps all of doc at width.
func rowsOf(doc *Document, width int, hl *Highlighter) ([]string, []int) {
	return doc.RenderRows(Pos{}, 1<<20, width, hl)
}

func TestWrappedRowsFitAndJoinBackIntoTheLine(t *testing.T) {
	for name, value := range wrapValues {
		doc, err := Build(value, Auto, Options{})
		if err != nil {
			t.Fatal(name, err)
		}
		for _, width := range []int{8, 13, 30, 77} {
			rows, lines := rowsOf(doc, width, nil)
			joined := make([]string, doc.Len())
			for i, r := range rows {
				if w := ansi.StringWidth(r); w > width {
					t.Fatalf("%s at %d: row %q is %d cells", name, width, r, w)
				}
				joined[lines[i]] += r[doc.wrapIndent(lines[i], width):]
			}
			for i := range doc.Len() {
				if want := strings.TrimLeft(doc.Line(i), " "); joined[i] != want {
					t.Errorf("%s at %d: line %d wraps to %q, want %q", name, width, i, joined[i], want)
				}
			}
			// Colouring changes no text.
			styled, _ := rowsOf(doc, width, NewHighlighter(true))
			for i := range styled {
				if ansi.Strip(styled[i]) != rows[i] {
					t.Errorf("%s at %d: highlighted row %q differs from %q", name, width, ansi.Strip(styled[i]), rows[i])
				}
			}
		}
	}
}

func TestWrapNeverSplitsAGraphemeOrAnEscape(t *testing.T) {
	hostileValues["gzip of ansi"] = gzipped(t, []byte("\x1b[2J\x1b[31mwiped\x1b[0m\n\x07"))
	for name, value := range hostileValues {
		for _, mode := range Available(value) {
			doc, err := Build(value, mode, Options{})
			if err != nil {
				continue
			}
			for _, width := range []int{7, 11, 40} {
				for _, hl := range []*Highlighter{nil, NewHighlighter(true)} {
					rows, _ := rowsOf(doc, width, hl)
					for _, r := range rows {
						plain := sgr.ReplaceAllString(r, "")
						assertTerminalSafe(t, name, plain)
						if ansi.StringWidth(plain) > width {
							t.Errorf("%s as %v at %d: %q is wider", name, mode, width, plain)
						}
						if left := escapeText.ReplaceAllString(plain, ""); strings.Contains(left, `\`) && doc.Shown() == Text {
							t.Errorf("%s as %v at %d: row %q holds part of an escape", name, mode, width, plain)
						}
					}
				}
			}
		}
	}
	// A cluster is one unit: the flag, the skin-toned thumb and the
	// accented e stay whole even where only part of them would fit.
	doc, _ := Build([]byte("ab🇫🇷cd👍🏽efe\u0301"), Text, Options{})
	for _, width := range []int{3, 4, 5} {
		rows, _ := rowsOf(doc, width, nil)
		for _, r := range rows {
			for _, part := range []string{"🇫", "👍"} {
				if strings.Contains(r, part) && !strings.Contains(r, map[string]string{"🇫": "🇫🇷", "👍": "👍🏽"}[part]) {
					t.Errorf("width %d: row %q splits a cluster", width, r)
				}
			}
			if strings.HasPrefix(r, "\u0301") {
				t.Errorf("width %d: row %q starts with a combining mark", width, r)
			}
		}
	}
}

func TestWrappedJSONStringStaysAString(t *testing.T) {
	doc, _ := Build([]byte(`{"key":"`+strings.Repeat(`ab\"`, 40)+`"}`), JSON, Options{})
	hl := NewHighlighter(true)
	whole := doc.Render(1, 2, 0, hl)[0]
	stringColour := func(s string) string {
		i := strings.Index(s, "ab")
		seqs := sgr.FindAllString(s[:i], -1)
		return seqs[len(seqs)-1]
	}
	want := stringColour(whole)
	rows, lines := rowsOf(doc, 12, hl)
	for i, r := range rows {
		if lines[i] != 1 || !strings.Contains(r, "ab") {
			continue
		}
		if got := stringColour(r); got != want {
			t.Errorf("row %q: string coloured %q, want %q as on the whole line", ansi.Strip(r), got, want)
		}
	}
}

func TestRowsBackRetracesRows(t *testing.T) {
	doc, _ := Build(wrapValues["text"], Text, Options{})
	for _, width := range []int{9, 30} {
		all := doc.Rows(Pos{}, 1<<20, width)
		if len(all) < 20 {
			t.Fatalf("only %d rows", len(all))
		}
		if back := doc.RowsBack(Pos{Line: doc.Len()}, len(all)+5, width); fmt.Sprint(back) != fmt.Sprint(all) {
			t.Fatalf("width %d: back %v, forward %v", width, back, all)
		}
		for _, k := range []int{1, 7, len(all) - 1} {
			back := doc.RowsBack(all[k], 3, width)
			if fmt.Sprint(back) != fmt.Sprint(all[max(k-3, 0):k]) {
				t.Errorf("width %d: 3 rows before %v are %v, want %v", width, all[k], back, all[max(k-3, 0):k])
			}
		}
	}
}

func TestShiftedLinesShowTheirTail(t *testing.T) {
	doc, _ := Build([]byte("short\n"+strings.Repeat("0123456789", 10)+"\n名前名前名前名前名前"), Text, Options{})
	got := doc.RenderShifted(0, doc.Len(), 12, 95, nil)
	if got[0] != "" || got[1] != "56789" || got[2] != "" {
		t.Errorf("shifted by 95: %q", got)
	}
	got = doc.RenderShifted(0, doc.Len(), 12, 3, nil)
	if got[0] != "rt" || got[1] != "34567890123…" || got[2] != " 名前名前名…" {
		t.Errorf("shifted by 3: %q (a wide rune cut by the left edge leaves a blank)", got)
	}
	if !doc.Wider(1, 99) || doc.Wider(1, 100) || doc.Wider(0, 5) {
		t.Error("Wider is wrong")
	}
}

func TestWrapOfAHugeLineIsBounded(t *testing.T) {
	long := strings.Repeat("\x7fé名", 1<<20) // 6 MB on one line
	doc, _ := Build([]byte(long), Text, Options{})
	hl := NewHighlighter(true)
	mid := Pos{At: len(long) / 2}
	mid.At -= mid.At % 6 // a unit boundary
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows, _ := doc.RenderRows(mid, 40, 80, hl)
	next := doc.Rows(mid, 41, 80)
	runtime.ReadMemStats(&after)
	if len(rows) != 40 || len(next) != 41 {
		t.Fatalf("%d rows", len(rows))
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 512<<10 {
		t.Errorf("40 rows from the middle of a 6 MB line allocated %s", HumanBytes(int64(n)))
	}
}

// TestHexDumpFitsTheWidth: 64 bytes in a 40- and a 100-cell pane, every
// line within the width, its bytes and its text column those of the value.
func TestHexDumpFitsTheWidth(t *testing.T) {
	value := []byte("kvdeck\x00\x01\x1b[31m\xff|bar|")
	for len(value) < 64 {
		value = append(value, byte(len(value)*31))
	}
	line := regexp.MustCompile(`^([0-9a-f]{8})  ([0-9a-f ]+?)  \|(.*)\|$`)
	for _, c := range []struct{ width, per int }{{40, 4}, {100, 16}, {50, 8}, {64, 12}} {
		doc, _ := Build(value, Hex, Options{})
		doc = doc.Fit(c.width)
		if doc.HexBytes() != c.per {
			t.Fatalf("width %d: %d bytes a line, want %d", c.width, doc.HexBytes(), c.per)
		}
		var got []byte
		for i, l := range doc.Render(0, doc.Len(), c.width, nil) {
			if ansi.StringWidth(l) > c.width || strings.Contains(l, "…") {
				t.Fatalf("width %d: %q does not fit", c.width, l)
			}
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("width %d: %q is not a dump line", c.width, l)
			}
			b, err := hex.DecodeString(strings.ReplaceAll(m[2], " ", ""))
			if err != nil || len(b) != min(c.per, len(value)-len(got)) || m[1] != fmt.Sprintf("%08x", i*c.per) {
				t.Fatalf("width %d: line %q", c.width, l)
			}
			for j, ch := range b {
				if want := byte('.'); ch >= 32 && ch <= 126 && m[3][j] != ch || (ch < 32 || ch > 126) && m[3][j] != want {
					t.Fatalf("width %d: text column %q does not match % x", c.width, m[3], b)
				}
			}
			got = append(got, b...)
		}
		if string(got) != string(value) {
			t.Errorf("width %d: dump holds % x", c.width, got)
		}
	}
}
