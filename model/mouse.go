package model

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// doubleClick is the longest gap between two clicks that opens a row.
const doubleClick = 400 * time.Millisecond

// mouse: a click focuses the pane under it and selects the row; a second
// click on the same row opens it; the wheel scrolls the pane under it.
func (a *App) mouse(msg tea.MouseMsg) tea.Cmd {
	if a.dialog != nil || a.showHelp || a.topPage() != nil {
		return nil
	}
	m := msg.Mouse()
	g := a.geometry()
	p, ok := a.paneAt(g, m.X, m.Y)
	if !ok {
		return nil
	}
	row := m.Y - g.top - 1 // first content row is below the top border
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		d := 3
		if msg.Button == tea.MouseWheelUp {
			d = -3
		}
		switch p {
		case paneBuckets:
			a.buckets.win.Scroll(d, len(a.buckets.list))
		case paneKeys:
			a.keys.win.Scroll(d, a.keys.count())
			return a.keys.describeVisible(&a.env)
		case paneValue:
			a.value.win.Scroll(d, a.value.lines())
			return a.value.moreElements(&a.env)
		}
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return nil
		}
		now := a.opts.Now()
		double := p == a.lastClickPane && row == a.lastClickRow && now.Sub(a.lastClick) < doubleClick
		a.lastClick, a.lastClickPane, a.lastClickRow = now, p, row
		a.setFocus(p)
		if row < 0 {
			return nil
		}
		switch p {
		case paneBuckets:
			i := a.buckets.win.Offset + row
			if i < len(a.buckets.list) {
				a.buckets.win.Cursor = i
				if double || a.keys.bucket != a.buckets.selected() {
					if double {
						a.setFocus(paneKeys)
					}
					return a.keys.open(&a.env, a.buckets.selected())
				}
			}
		case paneKeys:
			i := a.keys.win.Offset + row
			if i < a.keys.count() {
				a.keys.win.Cursor = i
				if double {
					if a.keys.tree.on && a.keys.tree.toggleAt(&a.keys, i) {
						return a.keys.describeVisible(&a.env)
					}
					a.setFocus(paneValue)
				}
				return a.keys.selectCursor(&a.env)
			}
		case paneValue:
			// The value pane's content starts below its metadata lines;
			// clicking only focuses it.
		}
	}
	return nil
}

func (a *App) paneAt(g geometry, x, y int) (pane, bool) {
	if y < g.top || y >= g.top+g.height {
		return 0, false
	}
	switch {
	case x < g.bucketsW:
		return paneBuckets, true
	case x < g.bucketsW+g.keysW:
		return paneKeys, true
	}
	return paneValue, true
}
