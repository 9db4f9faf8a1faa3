package model

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/ui/format"
)

// zoomPageSpec maximises the value (z in the value pane): the value pane's
// own view and keys on the whole screen, so a long value reads without the
// lists beside it. The back key returns to the panes.
var zoomPageSpec = pageSpec{
	binding: func(km keymap.KeyMap) key.Binding { return km.Zoom },
	panes:   []pane{paneValue},
	why: func(a *App) string {
		if a.value.entry == nil {
			return "no value open"
		}
		return ""
	},
	open: func(a *App) (page, tea.Cmd) { return &zoomPage{}, nil },
}

// zoomPage is the value pane on the whole screen. It keeps no state of its
// own: the value pane's cursor, format and wrap mode carry over both ways.
type zoomPage struct{}

func (*zoomPage) title(a *App) string { return format.Escape(a.value.key) }

// layout needs nothing of its own: the value pane sizes itself to the page
// (bodySize) while this page is on top.
func (*zoomPage) layout(a *App, w, h int) {}

func (*zoomPage) update(a *App, msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	// The back keys return to the panes, except ←/h while the value is
	// scrolled sideways, which scroll back first (as in the pane).
	scrolled := a.value.sideways && a.value.shift > 0 && k.String() != "esc"
	if key.Matches(k, a.km.Zoom) || key.Matches(k, a.km.Back) && !scrolled {
		return nil, true
	}
	if key.Matches(k, a.km.Quit) {
		a.keys.stopStreams()
		return tea.Quit, true
	}
	return a.value.handleKey(a, k), false
}

func (*zoomPage) view(a *App, w, h int) string { return a.value.render(a, w, h) }
