package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// HelpEntry is one binding in the help overlay. Off, when set, says why it
// does nothing here now; the entry is shown dimmed with that reason.
type HelpEntry struct{ Key, Desc, Off string }

// HelpSection is one titled group of bindings.
type HelpSection struct {
	Title   string
	Entries []HelpEntry
}

// HelpStyles are the styles the overlay uses.
type HelpStyles struct{ Box, Section, Key, Desc, Off lipgloss.Style }

// Help renders the sections in as many columns as fit in w, showing the
// lines from top on (it scrolls); it returns the box and the largest top
// worth scrolling to.
func Help(sections []HelpSection, st HelpStyles, w, h, top int) (string, int) {
	var cols []string
	for _, s := range sections {
		kw := 0
		for _, e := range s.Entries {
			kw = max(kw, ansi.StringWidth(e.Key))
		}
		var b strings.Builder
		b.WriteString(st.Section.Render(s.Title))
		for _, e := range s.Entries {
			if e.Off != "" {
				b.WriteString("\n" + st.Off.Render(Fit(e.Key, kw)+"  "+e.Desc+" — "+e.Off))
				continue
			}
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
	lines := strings.Split(strings.Join(rows, "\n\n"), "\n")
	for i, l := range lines {
		// A long reason is cut at the screen's edge, not past it.
		if l = strings.TrimRight(l, " "); ansi.StringWidth(l) > max(w-4, 10) {
			l = ansi.Truncate(l, max(w-4, 10)-1, "…")
		}
		lines[i] = l
	}
	room := max(h-5, 1) // the box's border and padding, and the footer
	last := max(len(lines)-room, 0)
	top = min(max(top, 0), last)
	footer := "press ? or esc to close"
	if last > 0 {
		footer = "↑/↓ scroll · " + footer
		lines = lines[top:min(top+room, len(lines))]
	}
	return st.Box.Render(strings.Join(lines, "\n") + "\n\n" + st.Desc.Render(footer)), last
}
