package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// StatusBar lays out left and right segments on one line of width w; the
// left side is cut first when they do not fit.
func StatusBar(left, right []string, w int, base lipgloss.Style) string {
	l := strings.Join(left, "  ")
	r := strings.Join(right, "  ")
	rw := ansi.StringWidth(r)
	if rw > w {
		r = ansi.Truncate(r, w, "…")
		rw = ansi.StringWidth(r)
	}
	l = Fit(l, max(w-rw-1, 0))
	return base.Render(l + " " + r)
}
