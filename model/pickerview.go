package model

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// render draws the picker: a header, the list in a frame (the filter on
// its first line), and a status line; a form or a question over it.
func (p *picker) render(d *Deck) string {
	w, h := p.width, p.height
	if w == 0 || h == 0 {
		return ""
	}
	st := d.st
	km := d.opts.Keys
	header := st.Header.Render("kvdeck") + " " + st.HeaderAccent.Render("connections")
	for _, t := range d.tabs { // what is open already, as the tabs show it
		header += " " + d.tabLabel(t, false)
	}
	if d.connector != nil {
		header += "  " + st.Muted.Render(format.EscapeLine(d.connector.Where()))
	}
	header = fitWidth(header, w)

	inner := w - 2
	var lines []string
	switch {
	case p.typing || p.query.Value() != "":
		lines = append(lines, p.query.View())
	default:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%s filter · enter connect · %s new · %s edit · %s delete · %s reload · esc back",
			d.keyName(km.Filter), d.keyName(km.NewKey), d.keyName(km.Edit), d.keyName(km.Delete), d.keyName(km.Reload))))
	}
	rows := p.win.Height
	switch {
	case p.loading && len(p.entries) == 0:
		lines = append(lines, st.Muted.Render("reading the config file and natscli contexts…"))
	case p.loadErr != "":
		lines = append(lines, st.StatusError.Render(p.loadErr))
	case len(p.shown) == 0:
		lines = append(lines, st.Muted.Render("nothing matches"))
	}
	nameW := 4
	for _, e := range p.entries {
		nameW = max(nameW, min(ansi.StringWidth(format.Escape(e.Name)), 28))
	}
	from, to := p.win.Visible(len(p.shown))
	for i := from; i < to && len(lines) < rows+1; i++ {
		e := p.entries[p.shown[i]]
		lines = append(lines, p.row(d, e, i == p.win.Cursor, nameW, inner))
	}
	for _, warn := range p.warnings {
		if len(lines) < rows+1 {
			lines = append(lines, st.StatusError.Render(fitWidth(format.EscapeLine(warn), inner)))
		}
	}
	body := ui.Frame(lipgloss.NewStyle().Foreground(st.PaneFocused.GetBorderTopForeground()), st.PaneTitle.Render(" Connections "),
		strings.Join(lines, "\n"), w, h-2)
	status := st.StatusInfo.Render(p.status)
	if p.isErr {
		status = st.StatusError.Render(p.status)
	}
	screen := header + "\n" + body + "\n" + ui.StatusBar([]string{status}, []string{st.Muted.Render(fmt.Sprintf("%d connections", len(p.entries)))}, w, st.Status)
	env := dlg.Env{Styles: st, Keys: km, Width: w, Height: h}
	switch {
	case p.form != nil:
		screen = ui.Overlay(screen, p.form.View(env), w, h)
	case p.confirm != nil:
		screen = ui.Overlay(screen, p.confirm.View(env), w, h)
	}
	return screen
}

// row is one entry: a dot in its label colour, name, kind, address, and
// where it comes from; open connections say so.
func (p *picker) row(d *Deck, e Entry, cursor bool, nameW, w int) string {
	st := d.st
	dot := "  "
	if c := labelColor(e.Color); c != nil && !d.opts.NoColor {
		dot = lipgloss.NewStyle().Foreground(c).Render("●") + " "
	}
	name := format.Escape(e.Name)
	if ansi.StringWidth(name) > nameW {
		name = ansi.Truncate(name, nameW, "…")
	}
	tags := []string{string(e.Source)}
	if e.ReadOnly {
		tags = append(tags, "read-only")
	}
	if slices.ContainsFunc(d.tabs, func(t *tab) bool { return t.entry.same(e) }) {
		tags = append(tags, "open")
	}
	if e.Problem != "" {
		tags = append(tags, "problem: "+e.Problem)
	}
	text := fmt.Sprintf("%-*s  %-6s %s", nameW, name, e.Kind, format.EscapeLine(e.Address))
	right := strings.Join(tags, " · ")
	room := w - 2 - ansi.StringWidth(right) - 2
	text = fitWidth(text, max(room, 1))
	gap := max(w-2-ansi.StringWidth(text)-ansi.StringWidth(right), 1)
	line := text + strings.Repeat(" ", gap) + st.Muted.Render(right)
	if cursor {
		line = st.RowSelected.Render(text+strings.Repeat(" ", gap)) + st.Muted.Render(right)
	}
	return dot + line
}
