package model

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// geometry is where each pane sits, computed from the window size; layout
// (in Update), View and the mouse handler use the same numbers.
type geometry struct {
	top, height           int // panes' first row and height (borders included)
	bucketsW, keysW, valW int
}

func (a *App) geometry() geometry {
	g := geometry{top: 1, height: max(a.height-2, 3)}
	w := max(a.width, 30)
	g.bucketsW = max(min(w/5, 32), 14)
	g.keysW = max(w*2/5, 20)
	g.valW = max(w-g.bucketsW-g.keysW, 10)
	return g
}

// layout sizes the panes' windows from the window size. It runs in Update
// (on a resize), so that View only reads, and so that a resize can describe
// the rows it reveals before they are drawn.
func (a *App) layout() {
	inner := max(a.geometry().height-2, 1)
	a.buckets.win.Height = inner
	a.keys.win.Height = inner
}

// View draws the header, three panes and the status bar, touching only the
// rows that are visible.
func (a *App) View() tea.View {
	v := tea.NewView(a.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	// The address is the user's target: a file path or URL can hold
	// escape sequences, which in a title would act on the terminal.
	v.WindowTitle = "kvdeck " + format.Escape(a.info.Address)
	return v
}

// Render returns the screen as a string (View's content), used by golden
// tests and the screenshot generator.
func (a *App) Render() string {
	if a.width == 0 || a.height == 0 {
		return ""
	}
	g := a.geometry()
	inner := g.height - 2
	bucketsTitle := " Buckets "
	keysTitle := " Keys "
	if a.keys.bucket != "" {
		keysTitle = " " + format.Escape(a.keys.bucket) + " "
		if a.keys.tree.on {
			keysTitle += "(tree) "
		}
	}
	valueTitle := " Value "
	valueBody := ""
	if a.focus == paneBuckets && a.buckets.win.Cursor < len(a.buckets.list) {
		// While choosing a bucket, the value pane describes it.
		b := a.buckets.list[a.buckets.win.Cursor]
		valueTitle = " bucket " + format.Escape(b.Name) + " "
		valueBody = a.bucketInfo(b, g.valW-2)
	} else {
		if a.value.hasKey {
			valueTitle = " " + format.KeyName(a.value.key) + " "
		}
		valueBody = a.value.render(&a.env, g.valW-2, inner, a.focus == paneValue)
	}
	if pg := a.topPage(); pg != nil {
		w, h := a.pageSize()
		body := ui.Frame(a.borderStyle(paneValue), a.st.PaneTitle.Render(" "+pg.title(&a.env)+" "), pg.view(&a.env, w, h), w+2, h+2)
		screen := a.header() + "\n" + body + "\n" + a.statusBar()
		if a.dialog != nil {
			screen = ui.Overlay(screen, a.dialog.view(a), a.width, a.height)
		}
		return screen
	}
	panes := ui.JoinColumns(
		ui.Frame(a.borderStyle(paneBuckets), a.titleStyle(paneBuckets).Render(bucketsTitle), a.buckets.render(&a.env, g.bucketsW-2, inner, a.focus == paneBuckets), g.bucketsW, g.height),
		ui.Frame(a.borderStyle(paneKeys), a.titleStyle(paneKeys).Render(keysTitle), a.keys.render(&a.env, g.keysW-2, inner, a.focus == paneKeys), g.keysW, g.height),
		ui.Frame(a.borderStyle(paneValue), a.titleStyle(paneValue).Render(valueTitle), valueBody, g.valW, g.height),
	)
	screen := a.header() + "\n" + panes + "\n" + a.statusBar()
	if a.showHelp {
		screen = ui.Overlay(screen, a.helpView(), a.width, a.height)
	} else if a.dialog != nil {
		screen = ui.Overlay(screen, a.dialog.view(a), a.width, a.height)
	}
	return screen
}

func (a *App) borderStyle(p pane) lipgloss.Style {
	st := a.st.Pane
	if a.focus == p {
		st = a.st.PaneFocused
	}
	return lipgloss.NewStyle().Foreground(st.GetBorderTopForeground()).Bold(a.focus == p && a.st.NoColor)
}

func (a *App) titleStyle(p pane) lipgloss.Style {
	if a.focus == p {
		return a.st.PaneTitle
	}
	return a.st.PaneTitleDim
}

func (a *App) header() string {
	left := a.st.Header.Render("kvdeck") + " " + a.st.HeaderAccent.Render(a.info.Kind+" · "+format.Escape(a.info.Address))
	if a.tabLine != "" {
		left = a.st.Header.Render("kvdeck") + " " + a.tabLine
	}
	right := a.st.Muted.Render(a.keyName(a.km.Help) + " help  " + a.keyName(a.km.Command) + " command  " + a.keyName(a.km.Quit) + " quit")
	if a.info.ReadOnly {
		right = a.st.ReadOnlyBadge.Render("READ-ONLY") + " " + right
	}
	if a.conn.badge != "" {
		right = a.st.StatusError.Render(a.conn.badge) + " " + right
	}
	gap := a.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ui.Fit(left, a.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (a *App) statusBar() string {
	var left []string
	if a.keys.filter.editing {
		left = append(left, a.keys.filter.input.View())
	} else if a.status.text != "" {
		st := a.st.StatusInfo
		if a.status.isError {
			st = a.st.StatusError
		}
		left = append(left, st.Render(a.status.text))
	} else if a.keys.filter.active() {
		left = append(left, a.st.StatusKey.Render("/")+a.st.Status.Render(format.Escape(a.keys.filter.query)))
	}
	var right []string
	if a.keys.bucket != "" {
		right = append(right, a.st.Muted.Render(a.info.Kind+" ")+a.st.Status.Render(format.Escape(a.keys.bucket)))
		if a.keys.pattern != "" {
			right = append(right, a.st.Muted.Render("pattern ")+a.st.Status.Render(format.Escape(a.keys.pattern)))
		}
		if a.keys.kind != backend.KindUnknown {
			right = append(right, a.st.Muted.Render("type ")+a.st.Status.Render(a.keys.kind.String()))
		}
		right = append(right, a.st.StatusKey.Render(a.keys.statusCount()))
	}
	return ui.StatusBar(left, right, a.width, a.st.Status)
}

func (a *App) helpView() string {
	box, _ := ui.Help(a.helpSections(), a.helpStyles(), a.width, a.height, a.helpTop)
	return box
}

func (a *App) helpStyles() ui.HelpStyles {
	return ui.HelpStyles{Box: a.st.Help, Section: a.st.HelpSection, Key: a.st.HelpKey, Desc: a.st.HelpDesc, Off: a.st.Muted}
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }

func ansiStrip(s string) string { return ansi.Strip(s) }
