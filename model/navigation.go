package model

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/ui"
)

// navigate applies the movement keys every list and viewport shares (up,
// down, page, home, end) to w over n rows, and reports whether msg was one.
func navigate(km keymap.KeyMap, msg tea.KeyPressMsg, w *ui.Window, n int) bool {
	switch {
	case key.Matches(msg, km.Up):
		w.Move(-1, n)
	case key.Matches(msg, km.Down):
		w.Move(1, n)
	case key.Matches(msg, km.PageUp):
		w.Page(-1, n)
	case key.Matches(msg, km.PageDown):
		w.Page(1, n)
	case key.Matches(msg, km.Home):
		w.Home(n)
	case key.Matches(msg, km.End):
		w.End(n)
	default:
		return false
	}
	return true
}

// writableTarget is the key a write applies to, when the store may write.
func (a *App) writableTarget() (string, bool) {
	if !a.writable() {
		return "", false
	}
	return a.targetKey()
}
