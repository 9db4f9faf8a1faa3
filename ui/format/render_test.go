package format

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// hostileValues are values an attacker or a broken producer might store.
var hostileValues = map[string][]byte{
	"ansi text":         []byte("\x1b[31mALERT\x1b[0m\r\n\x1b]0;pwned title\x07\x1b[2J\x1b[H\x07bell\x00nul\x7fdel"),
	"osc52 clipboard":   []byte("\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"),
	"c1 controls":       []byte("\u009b31m\u009d0;title\u009c \u0085next"),
	"invalid utf8":      []byte("ok \xff\xfe\xc3( \xe2\x82 end"),
	"bidi":              []byte("admin\u202e\u2066txt.exe"),
	"json with hostile": []byte("{\"k\x7f\":\"v \xc2\x9b2J \xff\",\"esc\":\"\\u001b[31m\",\"list\":[\"\xe2\x80\xae\"]}"),
	"binary":            append([]byte{0x1b, '[', '3', '1', 'm', 0, 1, 2, 0x9b, 0xff}, randomBytes(64)...),
	"gzip of ansi":      nil, // filled in the test
	"base64 of ansi":    b64([]byte("\x1b[31mred\x1b[0m and \x1b]52;c;eA==\x07 more text")),
	"tabs and escapes":  []byte("col1\tcol2\t\x1b[1mbold\x1b[0m"),
}

// sgr matches the colour sequences lipgloss writes (Select Graphic
// Rendition); nothing else may reach the terminal.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func TestHostileValuesRenderWithoutRawEscapes(t *testing.T) {
	hostileValues["gzip of ansi"] = gzipped(t, []byte("\x1b[2J\x1b[31mwiped\x1b[0m\n\x07"))
	hl := NewHighlighter(true)
	for name, value := range hostileValues {
		for _, mode := range append([]Mode{Auto}, Available(value)...) {
			doc, err := Build(value, mode, Options{})
			if err != nil {
				continue // a mode that does not fit these bytes
			}
			for _, width := range []int{0, 7, 40, 200} {
				for _, line := range doc.Render(0, doc.Len(), width, nil) {
					if strings.ContainsRune(line, 0x1b) {
						t.Errorf("%s as %v, width %d: plain line %q holds ESC", name, mode, width, line)
					}
					assertTerminalSafe(t, name+" plain", line)
				}
				for _, line := range doc.Render(0, doc.Len(), width, hl) {
					assertTerminalSafe(t, name+" highlighted", sgr.ReplaceAllString(line, ""))
				}
			}
			for i := range doc.Len() {
				assertTerminalSafe(t, name+" Line", doc.Line(i))
				assertTerminalSafe(t, name+" Path", doc.Path(i))
			}
		}
	}
}

func TestRenderCutsToWidthWithEllipsis(t *testing.T) {
	doc, err := Build([]byte("short\n名前名前名前名前\n"+strings.Repeat("x", 100)+"\n\x1b[31m long escaped line"), Text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Render(0, doc.Len(), 9, nil)
	want := []string{"short", "名前名前…", "xxxxxxxx…", `\x1b[31m…`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Render = %q, want %q", got, want)
	}
	for _, hl := range []*Highlighter{nil, NewHighlighter(false)} {
		for _, w := range []int{1, 2, 5, 9, 30} {
			for _, line := range doc.Render(0, doc.Len(), w, hl) {
				if ansi.StringWidth(line) > w {
					t.Errorf("width %d: %q is %d cells", w, line, ansi.StringWidth(line))
				}
			}
		}
	}
	if n := len(doc.Render(2, 100, 10, nil)); n != 2 {
		t.Errorf("Render past the end gave %d lines, want 2", n)
	}
	if doc.Render(5, 3, 10, nil) != nil || doc.Render(-5, 0, 10, nil) != nil {
		t.Errorf("empty ranges should render nothing")
	}
}

func TestRenderOfAHugeLineIsBounded(t *testing.T) {
	// One 4 MB line (a big string in JSON, a minified blob in text): a
	// frame escapes only what can reach the screen.
	long := `{"blob":"` + strings.Repeat("\x7fé", 2<<20) + `"}`
	doc, err := Build([]byte(long), JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hl := NewHighlighter(true)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	lines := doc.Render(0, doc.Len(), 80, hl)
	runtime.ReadMemStats(&after)
	if w := ansi.StringWidth(lines[1]); w != 80 || !strings.HasSuffix(ansi.Strip(lines[1]), "…") {
		t.Errorf("long line rendered %d cells: %q", w, ansi.Strip(lines[1]))
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("rendering 3 lines of a %s value allocated %s", HumanBytes(int64(len(long))), HumanBytes(int64(n)))
	}
}

func TestHighlightTellsKeysFromValues(t *testing.T) {
	doc, err := Build([]byte(`{"name":"Alice","age":30,"ok":true,"tags":["a"]}`), JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hl := NewHighlighter(true)
	styled := doc.Render(0, doc.Len(), 80, hl)
	plain := doc.Render(0, doc.Len(), 80, nil)
	for i := range styled {
		if got := ansi.Strip(styled[i]); got != plain[i] {
			t.Errorf("line %d: highlighted text %q differs from plain %q", i, got, plain[i])
		}
	}
	// Line 1 is `  "name": "Alice",`: the key and the string value are
	// coloured differently, the number and keyword have colours too.
	colourOf := func(line, token string) string {
		i := strings.Index(line, token)
		if i < 0 {
			t.Fatalf("%q not in %q", token, line)
		}
		seqs := sgr.FindAllString(line[:i], -1)
		if len(seqs) == 0 {
			return ""
		}
		return seqs[len(seqs)-1]
	}
	key, value := colourOf(styled[1], `"name"`), colourOf(styled[1], `"Alice"`)
	if key == "" || value == "" || key == value {
		t.Errorf("key colour %q, value colour %q: want two different colours", key, value)
	}
	if colourOf(styled[2], "30") == "" || colourOf(styled[3], "true") == "" {
		t.Errorf("number or keyword not coloured: %q %q", styled[2], styled[3])
	}
	// The comma after a closing bracket is punctuation, like the bracket.
	closer := styled[len(styled)-2] // `  ]` of "tags"
	if !strings.Contains(ansi.Strip(closer), "]") || colourOf(closer, "]") == value {
		t.Errorf("closing bracket coloured as a string: %q", closer)
	}
	inner, _ := Build([]byte(`[[1],{"a":1},2]`), JSON, Options{})
	for _, l := range inner.Render(0, inner.Len(), 80, hl) {
		if s := ansi.Strip(l); (s == "  ]," || s == "  },") && colourOf(l, ",") == value {
			t.Errorf("comma after a closer coloured as a string: %q", l)
		}
	}
	// A cut string is still coloured as a string, not as an error.
	cut := doc.Render(1, 2, 14, hl)[0]
	if ansi.Strip(cut) != `  "name": "Al…` {
		t.Errorf("cut line %q", ansi.Strip(cut))
	}
	if colourOf(cut, `"Al`) != value {
		t.Errorf("cut string colour %q, want %q", colourOf(cut, `"Al`), value)
	}
}

func TestHighlightMarksEscapesInText(t *testing.T) {
	doc, _ := Build([]byte("literal \\x1b and real \x1b"), Text, Options{})
	line := doc.Render(0, 1, 80, NewHighlighter(true))[0]
	if ansi.Strip(line) != `literal \x1b and real \x1b` {
		t.Fatalf("text %q", ansi.Strip(line))
	}
	// Only the real escape is styled: the literal text stays plain.
	if !strings.HasPrefix(line, `literal \x1b and real `) || !sgr.MatchString(line) {
		t.Errorf("escape not set apart: %q", line)
	}
}

func TestHexRenderStylesColumns(t *testing.T) {
	doc, _ := Build([]byte("hello, world and more bytes"), Hex, Options{})
	styled := doc.Render(0, doc.Len(), 0, NewHighlighter(false))
	plain := doc.Render(0, doc.Len(), 0, nil)
	for i := range styled {
		if ansi.Strip(styled[i]) != plain[i] || !sgr.MatchString(styled[i]) {
			t.Errorf("hex line %d: %q vs %q", i, styled[i], plain[i])
		}
	}
	if plain[1] != doc.Line(1) || !strings.HasPrefix(plain[1], "00000010  ") {
		t.Errorf("second hex line %q", plain[1])
	}
}
