package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// HelpEntry is one binding in the help overlay.
type HelpEntry struct{ Key, Desc string }

// HelpSection is one titled group of bindings.
type HelpSection struct {
	Title   string
	Entries []HelpEntry
}

// HelpStyles are the styles the overlay uses.
type HelpStyles struct{ Box, Section, Key, Desc lipgloss.Style }

// Help renders the sections in as many columns as fit in w.
func Help(sections []HelpSection, st HelpStyles, w, h int) string {
	var cols []string
	for _, s := range sections {
		kw := 0
		for _, e := range s.Entries {
			kw = max(kw, ansi.StringWidth(e.Key))
		}
		var b strings.Builder
		b.WriteString(st.Section.Render(s.Title))
		for _, e := range s.Entries {
			b.WriteString("\n" + st.Key.Render(Fit(e.Key, kw)) + "  " + st.Desc.Render(e.Desc))
		}
		cols = append(cols, b.String())
	}
	// Greedy packing: fill rows of columns as wide as the screen allows.
	var rows []string
	var cur []string
	curW := 0
	for _, c := range cols {
		cw := lipgloss.Width(c) + 3
		if curW+cw > w-4 && len(cur) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...))
			cur, curW = nil, 0
		}
		cur = append(cur, lipgloss.NewStyle().PaddingRight(3).Render(c))
		curW += cw
	}
	if len(cur) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...))
	}
	body := strings.Join(rows, "\n\n") + "\n\n" + st.Desc.Render("press ? or esc to close")
	lines := strings.Split(body, "\n")
	if len(lines) > h-2 && h > 3 {
		lines = lines[:h-3]
		body = strings.Join(lines, "\n")
	}
	return st.Box.Render(body)
}
