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
// history page does to close a diff).
type page interface {
	// title is the page's frame title.
	title(a *App) string
	// update handles a key press or a message meant for the page; done
	// pops it.
	update(a *App, msg tea.Msg) (cmd tea.Cmd, done bool)
	// view draws the page's body in w columns and h rows; layout (in
	// Update) has sized it already, so view only reads.
	view(a *App, w, h int) string
	// layout sizes the page to w x h; it runs when the page opens and on
	// every resize.
	layout(a *App, w, h int)
}

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
	}
}

// pageActions are the actions that open pages from pane p, for its table.
func pageActions(a *App, p pane) []action {
	var out []action
	for _, spec := range pageSpecs() {
		for _, in := range spec.panes {
			if in == p {
				spec := spec
				out = append(out, action{binding: spec.binding(a.km), why: spec.why, run: func(a *App) tea.Cmd { return a.pushPage(spec.open(a)) }})
			}
		}
	}
	return out
}

// pushPage shows pg over the panes (and over any page already open).
func (a *App) pushPage(pg page, cmd tea.Cmd) tea.Cmd {
	if pg == nil {
		return cmd
	}
	a.pages = append(a.pages, pg)
	w, h := a.pageSize()
	pg.layout(a, w, h)
	return cmd
}

// topPage is the page on top, or nil when the panes show.
func (a *App) topPage() page {
	if len(a.pages) == 0 {
		return nil
	}
	return a.pages[len(a.pages)-1]
}

// updatePage gives msg to the top page and pops it when it is done.
func (a *App) updatePage(msg tea.Msg) tea.Cmd {
	pg := a.topPage()
	cmd, done := pg.update(a, msg)
	if done && a.topPage() == pg {
		a.pages = a.pages[:len(a.pages)-1]
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
		pg.layout(a, w, h)
	}
}
