package e2e

import (
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"

	"github.com/kvdeck/kvdeck/theme"
)

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == b
	}
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	return ar>>8 == br>>8 && ag>>8 == bg>>8 && ab>>8 == bb>>8
}

// A terminal that never answers the background-colour query used to hold
// the first frame for 4 s: main asked stdin and then stdout, waiting out
// lipgloss's 2 s timeout on each, before the program started. Now the
// question is asked inside the program, the first frame draws in the dark
// palette at once, and an answer that comes later restyles the screen.
func TestFirstFrameDoesNotWaitForTheTerminalsAnswer(t *testing.T) {
	st := startPty(t, append(env(t), "TERM=xterm-256color", "COLORTERM=truecolor"), binary, "--demo")
	// The old start waited out two 2 s timeouts before it drew anything,
	// 4 s on any machine however fast; 3.8 s leaves a start that does not
	// wait room for a machine loaded by the rest of the tests.
	st.waitFor(t, 3800*time.Millisecond, "first frame on a terminal that does not answer", func(e *vt.Emulator) bool {
		return strings.Contains(e.String(), "Buckets")
	})
	header := func(e *vt.Emulator) color.Color {
		if c := e.CellAt(0, 0); c != nil {
			return c.Style.Fg
		}
		return nil
	}
	dark, light := theme.New(true, false).Header.GetForeground(), theme.New(false, false).Header.GetForeground()
	if sameColor(dark, light) {
		t.Fatal("the dark and light palettes draw the header alike; pick another cell")
	}
	st.waitFor(t, 5*time.Second, "header in the dark palette before any answer", func(e *vt.Emulator) bool {
		return sameColor(header(e), dark)
	})

	// The answer a light terminal would have given.
	if _, err := st.pty.WriteString("\x1b]11;rgb:ffff/ffff/ffff\x1b\\"); err != nil {
		t.Fatal(err)
	}
	st.waitFor(t, 5*time.Second, "header restyled in the light palette after the answer", func(e *vt.Emulator) bool {
		return sameColor(header(e), light)
	})
}
