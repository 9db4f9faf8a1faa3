package theme

import (
	"strings"
	"testing"
)

func TestNoColorStylesEmitNoColorSequences(t *testing.T) {
	s := New(true, true)
	out := s.RowSelected.Render("key") + s.StatusError.Render("boom") + s.Pane.Render("x")
	// 38;/48; are SGR foreground/background color parameters.
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Fatalf("NO_COLOR theme rendered color codes: %q", out)
	}
}

func TestDarkAndLightDiffer(t *testing.T) {
	if New(true, false).RowSelected.GetBackground() == New(false, false).RowSelected.GetBackground() {
		t.Fatal("dark and light themes use the same selection background")
	}
}
