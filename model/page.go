package model

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/keymap"
)

// A page is a full-screen view over the three panes that owns its input,
// as k9s's page stack: a key's history, the maximised value, and later the
// connection picker, the keyspace analysis and the console. Pages stack;
// the back key pops the top one (unless the page uses it first, as the
// history page does to close a diff). Like a pane, a page sees only the
// env, never the App.
type page interface {
	// title is the page's frame title.
	title(e *env) string
	// update handles a key press or a message meant for the page.
	update(e *env, msg tea.Msg) (tea.Cmd, pageResult)
	// view draws the page's body in w columns and h rows; layout (in
	// Update) has sized it already, so view only reads.
	view(e *env, w, h int) string
	// layout sizes the page to w x h; it runs when the page opens and on
	// every resize.
	layout(e *env, w, h int)
}

// pageResult says what became of a message given to a page.
type pageResult int

const (
	pageKept   pageResult = iota // the page used it and stays
	pagePopped                   // the page is done: the App pops it
	// pagePassed: the page did not use the key; it goes to the pane the
	// page was opened from (the maximised value passes its keys to the
	// value pane, so every value key works maximised too).
	pagePassed
)

// pageSpec registers a page: the key that opens it, in which panes, why it
// cannot open now, and how it opens.
type pageSpec struct {
	binding func(km keymap.KeyMap) key.Binding
	panes   []pane
	why     func(a *App) string
	open    func(a *App) (page, tea.Cmd)
}

// pageSpecs lists every page. A new full-screen view is one new file that
// defines its pageSpec, and one line here.
func pageSpecs() []pageSpec {
	return []pageSpec{
		historyPageSpec,
		zoomPageSpec,
		analysisPageSpec,
	}
}

// openPage is a page on the stack and the pane it was opened from.
type openPage struct {
	page
	from pane
}

// pageActions are the actions that open pages from pane p, for its table.
func pageActions(a *App, p pane) []action {
	var out []action
	for _, spec := range pageSpecs() {
		for _, in := range spec.panes {
			if in == p {
				spec := spec
				out = append(out, action{binding: spec.binding(a.km), why: spec.why, run: func(a *App) tea.Cmd {
					pg, cmd := spec.open(a)
					return a.pushPage(pg, p, cmd)
				}})
			}
		}
	}
	return out
}

// pushPage shows pg over the panes (and over any page already open).
func (a *App) pushPage(pg page, from pane, cmd tea.Cmd) tea.Cmd {
	if pg == nil {
		return cmd
	}
	a.pages = append(a.pages, openPage{pg, from})
	w, h := a.pageSize()
	pg.layout(&a.env, w, h)
	return cmd
}

// topPage is the page on top, or nil when the panes show.
func (a *App) topPage() page {
	if len(a.pages) == 0 {
		return nil
	}
	return a.pages[len(a.pages)-1].page
}

// updatePage gives msg to the top page: pops it when it is done, and
// gives a key it passes to the pane it was opened from.
func (a *App) updatePage(msg tea.Msg) tea.Cmd {
	top := a.pages[len(a.pages)-1]
	cmd, res := top.update(&a.env, msg)
	switch res {
	case pagePopped:
		if a.topPage() == top.page {
			a.pages = a.pages[:len(a.pages)-1]
		}
	case pagePassed:
		if k, ok := msg.(tea.KeyPressMsg); ok {
			if key.Matches(k, a.km.Quit) {
				return a.quit()
			}
			if key.Matches(k, a.km.Undo) {
				return tea.Batch(cmd, a.undoLast())
			}
			return tea.Batch(cmd, a.paneKey(top.from, k))
		}
	}
	return cmd
}

// pageSize is the room a page has: the screen less the header and the
// status bar, inside a frame.
func (a *App) pageSize() (w, h int) {
	return max(a.width-2, 10), max(a.height-4, 3)
}

// layoutPages sizes every open page after a resize.
func (a *App) layoutPages() {
	w, h := a.pageSize()
	for _, pg := range a.pages {
		pg.layout(&a.env, w, h)
	}
}
