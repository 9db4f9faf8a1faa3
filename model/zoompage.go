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
	open: func(a *App) (page, tea.Cmd) { return &zoomPage{value: &a.value}, nil },
}

// zoomPage is the value pane on the whole screen. It keeps no state of its
// own: the value pane's cursor, format and wrap mode carry over both ways,
// and the keys it does not use go to the value pane.
type zoomPage struct{ value *valuePane }

func (z *zoomPage) title(e *env) string { return format.KeyName(z.value.key) }

// layout needs nothing of its own: the App sizes the value pane to the
// page while this page is on top.
func (*zoomPage) layout(e *env, w, h int) {}

func (z *zoomPage) update(e *env, msg tea.Msg) (tea.Cmd, pageResult) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, pageKept
	}
	// The back keys return to the panes, except ←/h while the value is
	// scrolled sideways, which scroll back first (as in the pane).
	scrolled := z.value.sideways && z.value.shift > 0 && k.String() != "esc"
	if key.Matches(k, e.km.Zoom) || key.Matches(k, e.km.Back) && !scrolled {
		return nil, pagePopped
	}
	return nil, pagePassed
}

func (z *zoomPage) view(e *env, w, h int) string { return z.value.render(e, w, h, true) }
