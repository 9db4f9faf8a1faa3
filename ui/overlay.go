package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Overlay draws box over the middle of screen (both multi-line strings of
// styled text), cell-accurately, so dialogs float over the panes.
func Overlay(screen, box string, w, h int) string {
	lines := strings.Split(screen, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	boxLines := strings.Split(box, "\n")
	bw := 0
	for _, l := range boxLines {
		bw = max(bw, ansi.StringWidth(l))
	}
	top := max((h-len(boxLines))/2, 0)
	left := max((w-bw)/2, 0)
	for i, bl := range boxLines {
		y := top + i
		if y >= len(lines) {
			break
		}
		base := Fit(lines[y], w)
		prefix := ansi.Truncate(base, left, "")
		suffix := ansi.TruncateLeft(base, left+bw, "")
		lines[y] = prefix + Fit(bl, bw) + suffix
	}
	return strings.Join(lines, "\n")
}
