package model_test

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// valueRows is the value pane's inside on a plain screen w cells wide, one
// string per screen row, cut by cells (as the pane's geometry lays it out:
// buckets w/5 clamped to 14..32, keys 2w/5 at least 20, the rest).
func valueRows(screen string, w int) []string {
	bucketsW := max(min(w/5, 32), 14)
	keysW := max(w*2/5, 20)
	left := bucketsW + keysW + 1
	right := w - 1
	lines := strings.Split(screen, "\n")
	var out []string
	for _, l := range lines[2 : len(lines)-2] { // header, top border; bottom border, status
		out = append(out, ansi.Cut(l, left, right))
	}
	return out
}

// body is the value pane's rows below the metadata's rule.
func bodyRows(t *testing.T, screen string, w int) []string {
	t.Helper()
	rows := valueRows(screen, w)
	for i, r := range rows {
		if strings.HasPrefix(r, "───") {
			return rows[i+1:]
		}
	}
	t.Fatalf("no metadata rule in the value pane:\n%s", screen)
	return nil
}

// everyLineFits checks that each screen line is exactly the terminal's
// width: a row wider than its pane would push the border out of place.
func everyLineFits(t *testing.T, screen string, w int) {
	t.Helper()
	for i, l := range strings.Split(screen, "\n") {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("screen line %d is %d cells, not %d: %q", i, got, w, l)
		}
	}
}

// segments is ASCII text without spaces (a trailing space would not show
// at a row's end), whose pieces are numbered so order is checked too.
func segments(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "seg%03d-", i)
	}
	return b.String() + "end"
}

func openValue(t *testing.T, value string, w, h int) *modeltest.Sim {
	t.Helper()
	s := openStore(t, map[string]map[string]string{"b": {"k": value}}, nil)
	app := modeltest.New(model.New(s, model.Options{Bucket: "b", NoColor: true}), w, h)
	app.Keys("enter")
	mustSee(t, app, "lines ")
	return app
}

func TestLongJSONLineWrapsFullyReadable(t *testing.T) {
	text := segments(36) // 255 bytes on one line
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 30}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			app := openValue(t, `{"id":7,"note":"`+text+`"}`, size.w, size.h)
			screen := app.Plain()
			everyLineFits(t, screen, size.w)
			if !strings.Contains(screen, "lines    wrapped") {
				t.Fatalf("the pane does not say lines are wrapped:\n%s", screen)
			}
			// The rows of the long line, each indented like the line, join
			// back into it: nothing is cut at the edge.
			var joined strings.Builder
			for _, r := range bodyRows(t, screen, size.w) {
				joined.WriteString(strings.TrimPrefix(strings.TrimRight(r, " "), "  "))
			}
			if want := `"note": "` + text + `"`; !strings.Contains(joined.String(), want) {
				t.Fatalf("wrapped rows do not hold the whole line %q:\n%s", want, screen)
			}
			if strings.Contains(strings.Join(bodyRows(t, screen, size.w), "\n"), "…") {
				t.Errorf("a wrapped line is still cut with an ellipsis:\n%s", screen)
			}
		})
	}
}

func TestSidewaysShowsTheTailOfALongLine(t *testing.T) {
	text := segments(36)
	app := openValue(t, `{"id":7,"note":"`+text+`"}`, 80, 24)
	app.Keys("w")
	screen := app.Plain()
	if !strings.Contains(screen, "lines    sideways") || !strings.Contains(screen, "…") {
		t.Fatalf("sideways: the long line should be cut at the edge:\n%s", screen)
	}
	if strings.Contains(screen, "seg035") {
		t.Fatalf("sideways: the tail should be off screen before scrolling:\n%s", screen)
	}
	// The pane is 30 cells wide: → scrolls by 15 cells.
	app.Keys("right")
	mustSee(t, app, "lines    sideways, col 16")
	for range 20 {
		app.Keys("right")
	}
	screen = app.Plain()
	everyLineFits(t, screen, 80)
	if !strings.Contains(screen, `seg035-end"`) {
		t.Fatalf("after scrolling right the tail of the line should show:\n%s", screen)
	}
	// → stops once no line goes on past the edge.
	before := screen
	app.Keys("right")
	if app.Plain() != before {
		t.Errorf("→ scrolled past the end of every line:\n%s", app.Plain())
	}
	// ← scrolls back; at the left edge it leaves the pane as before.
	for range 30 {
		app.Keys("left")
		if strings.Contains(app.Plain(), "lines    sideways  (w)") {
			break
		}
	}
	mustSee(t, app, "lines    sideways  (w)")
	app.Keys("w")
	mustSee(t, app, "lines    wrapped")
}

func TestWrappedLineTallerThanThePaneReadsRowByRow(t *testing.T) {
	text := segments(120) // 843 bytes: 31 rows in a 28-cell room, the pane has 13
	app := openValue(t, "first\n"+text+"\nlast", 80, 24)
	seen := map[string]bool{}
	for range 60 {
		// The rows of a screen joined: a segment may be broken across two.
		joined := strings.Join(bodyRows(t, app.Plain(), 80), "")
		for _, m := range regexp.MustCompile(`seg\d{3}`).FindAllString(joined, -1) {
			seen[m] = true
		}
		app.Keys("down")
	}
	for i := range 120 {
		if s := fmt.Sprintf("seg%03d", i); !seen[s] {
			t.Fatalf("%s never came on screen scrolling down", s)
		}
	}
	mustSee(t, app, "last")
	// Going back up reads the line again from its end, then reaches the top.
	for range 60 {
		app.Keys("up")
	}
	mustSee(t, app, "first")
}

// escapeText matches the escapes the pane writes; a split one would leave
// `\x` or `\u` without all its digits.
var escapeText = regexp.MustCompile(`\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt\\])`)

func TestHostileLineWrapsWithoutSplittingAnything(t *testing.T) {
	hostile := strings.Repeat("a\x1b[31mred\x1b]52;c;eA==\x07 名前 e\u0301 \xff\xfe \u202e bidi \u009b2J 😀 ", 8)
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 30}} {
		s := openStore(t, map[string]map[string]string{"b": {"k": hostile}}, nil)
		app := modeltest.New(model.New(s, model.Options{Bucket: "b", Dark: true}), size.w, size.h)
		app.Keys("enter", "f") // text: auto may pick hex for these bytes
		for !strings.Contains(app.Plain(), "format   text") {
			app.Keys("f")
		}
		for range 3 {
			noRawControls(t, app.Screen())
			screen := app.Plain()
			everyLineFits(t, screen, size.w)
			for _, r := range bodyRows(t, screen, size.w) {
				if left := escapeText.ReplaceAllString(r, ""); strings.Contains(left, `\`) {
					t.Fatalf("a row holds part of an escape: %q", r)
				}
			}
			app.Keys("pgdown")
		}
	}
}

// hexLine is a line of the dump: offset, bytes, text column.
var hexLine = regexp.MustCompile(`^([0-9a-f]{8})  ((?:[0-9a-f]{2} {1,2})*[0-9a-f]{2})\s+\|(.*)\|$`)

func TestHexDumpFitsThePane(t *testing.T) {
	value := make([]byte, 64)
	for i := range value {
		value[i] = byte(i*37 + 1)
	}
	copy(value, "hex\x00\xff")
	for _, size := range []struct{ w, h, per int }{{80, 40, 4}, {200, 40, 16}} {
		t.Run(fmt.Sprint(size.w), func(t *testing.T) {
			app := openValue(t, string(value), size.w, size.h)
			for !strings.Contains(app.Plain(), "format   hex") {
				app.Keys("f")
			}
			screen := app.Plain()
			everyLineFits(t, screen, size.w)
			var got []byte
			for _, r := range bodyRows(t, screen, size.w) {
				r = strings.TrimRight(r, " ")
				if r == "" {
					continue
				}
				m := hexLine.FindStringSubmatch(r)
				if m == nil {
					t.Fatalf("not a whole hex line: %q\n%s", r, screen)
				}
				b, err := hex.DecodeString(strings.ReplaceAll(m[2], " ", ""))
				if err != nil || len(b) != size.per && len(got)+len(b) != len(value) {
					t.Fatalf("line %q holds %d bytes, want %d", r, len(b), size.per)
				}
				if off := fmt.Sprintf("%08x", len(got)); m[1] != off {
					t.Fatalf("line %q starts at %s, want %s", r, m[1], off)
				}
				for i, c := range b {
					want := byte('.')
					if c >= 32 && c <= 126 {
						want = c
					}
					if m[3][i] != want {
						t.Fatalf("text column %q does not match bytes % x", m[3], b)
					}
				}
				got = append(got, b...)
			}
			if string(got) != string(value) {
				t.Fatalf("the dump shows % x, want % x", got, value)
			}
		})
	}
}
