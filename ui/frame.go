package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Frame draws content inside a rounded border of exactly w×h cells with the
// title set into the top edge, like k9s and lazygit panes. Content lines are
// cut to fit (by display cells, so wide runes count right) and padded.
func Frame(border lipgloss.Style, title, content string, w, h int) string {
	if w < 4 || h < 2 {
		return ""
	}
	inner := w - 2
	var b strings.Builder
	t := ansi.Truncate(title, max(inner-2, 0), "…")
	tw := ansi.StringWidth(t)
	top := "╭"
	if tw > 0 {
		top += "─" + t + strings.Repeat("─", max(inner-1-tw, 0))
	} else {
		top += strings.Repeat("─", inner)
	}
	b.WriteString(border.Render(top + "╮"))
	lines := strings.Split(content, "\n")
	side := border.Render("│")
	for i := range h - 2 {
		b.WriteByte('\n')
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		b.WriteString(side)
		b.WriteString(Fit(line, inner))
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(border.Render("╰" + strings.Repeat("─", inner) + "╯"))
	return b.String()
}

// Fit cuts or pads a styled line to exactly w cells.
func Fit(line string, w int) string {
	lw := ansi.StringWidth(line)
	if lw > w {
		line = ansi.Truncate(line, w, "…")
		lw = ansi.StringWidth(line)
	}
	if lw < w {
		line += strings.Repeat(" ", w-lw)
	}
	return line
}

// JoinColumns puts blocks side by side line by line. Unlike
// lipgloss.JoinHorizontal it does not measure the lines: callers pass
// blocks whose lines already have equal widths (Frame's do), which saves
// a grapheme walk over the whole screen on every frame.
func JoinColumns(blocks ...string) string {
	cols := make([][]string, len(blocks))
	n := 0
	for i, b := range blocks {
		cols[i] = strings.Split(b, "\n")
		n = max(n, len(cols[i]))
	}
	var sb strings.Builder
	for y := range n {
		if y > 0 {
			sb.WriteByte('\n')
		}
		for _, c := range cols {
			if y < len(c) {
				sb.WriteString(c[y])
			}
		}
	}
	return sb.String()
}
