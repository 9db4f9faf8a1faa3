package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestWindowKeepsCursorVisible(t *testing.T) {
	w := Window{Height: 10}
	n := 1_000_000
	w.End(n)
	if w.Cursor != n-1 || w.Offset != n-10 {
		t.Fatalf("End: cursor %d offset %d", w.Cursor, w.Offset)
	}
	w.Page(-1, n)
	if w.Cursor < w.Offset || w.Cursor >= w.Offset+w.Height {
		t.Fatalf("cursor %d left the window at offset %d", w.Cursor, w.Offset)
	}
	w.Home(n)
	w.Move(-5, n)
	if w.Cursor != 0 || w.Offset != 0 {
		t.Fatalf("moved above the first row: %+v", w)
	}
	from, to := w.Visible(n)
	if to-from != 10 {
		t.Fatalf("visible rows %d, want 10", to-from)
	}
}

func TestWindowShrinkingListClampsCursor(t *testing.T) {
	w := Window{Height: 5, Cursor: 50, Offset: 46}
	w.Clamp(3)
	if w.Cursor != 2 || w.Offset != 0 {
		t.Fatalf("after shrinking: %+v", w)
	}
}

func TestFrameIsExactlyTheRequestedSize(t *testing.T) {
	out := Frame(lipgloss.NewStyle(), "Keys", "short\na line that is much longer than the frame is wide\n世界世界世界世界世界世界", 20, 6)
	lines := strings.Split(out, "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 20 {
			t.Errorf("line %d is %d cells wide, want 20: %q", i, w, l)
		}
	}
	if !strings.Contains(lines[0], "Keys") {
		t.Error("title missing from the top border")
	}
}

func TestOverlayKeepsScreenWidth(t *testing.T) {
	screen := strings.Repeat(strings.Repeat("x", 40)+"\n", 9) + strings.Repeat("x", 40)
	out := Overlay(screen, "┌──┐\n│hi│\n└──┘", 40, 10)
	for i, l := range strings.Split(out, "\n") {
		if ansi.StringWidth(l) != 40 {
			t.Fatalf("line %d width %d", i, ansi.StringWidth(l))
		}
	}
	if !strings.Contains(out, "│hi│") {
		t.Fatal("dialog not drawn")
	}
}
