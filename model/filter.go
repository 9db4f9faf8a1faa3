package model

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/model/keyspace"
)

// filterState is the / filter over the listed keys: it runs in a Cmd on a
// snapshot of the Set, with a request id, so typing never waits for it.
type filterState struct {
	editing bool
	input   textinput.Model
	query   string
	lower   string
	req     uint64
	cancel  context.CancelFunc
	// last is the previous result and its query, so a query that extends it
	// only searches what it kept.
	last      []uint32
	lastQuery string
	// all: the last result was every key (the keys pane then has no view,
	// as without a filter, rather than a list of every row).
	all bool
	// substringOnly: the list was too long for fuzzy matching when the
	// filter started (keyspace.FuzzyLimit).
	substringOnly bool
}

func (f *filterState) active() bool  { return f.query != "" }
func (f *filterState) running() bool { return f.cancel != nil }

func (f *filterState) matches(name string) bool {
	if f.query == "" {
		return true
	}
	m := keyspace.Match(f.lower, name)
	return m == keyspace.MatchSubstring || m == keyspace.MatchFuzzy && !f.substringOnly
}

func (f *filterState) begin() {
	f.input = textinput.New()
	f.input.Prompt = "/"
	f.input.Placeholder = "filter keys (substring, then fuzzy)"
	f.input.SetValue(f.query)
	f.input.CursorEnd()
	f.input.Focus()
	f.editing = true
}

func (f *filterState) cancelRun() {
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
}

func (k *keysPane) filterKey(e *env, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		k.filter.editing = false
		return nil
	case "esc":
		k.filter.editing = false
		return k.clearFilter(e)
	}
	var cmd tea.Cmd
	k.filter.input, cmd = k.filter.input.Update(msg)
	if q := k.filter.input.Value(); q != k.filter.query {
		return tea.Batch(cmd, k.setFilter(e, q))
	}
	return cmd
}

// setFilter starts filtering for q, cancelling the previous run.
func (k *keysPane) setFilter(e *env, q string) tea.Cmd {
	f := &k.filter
	f.cancelRun()
	f.query, f.lower = q, strings.ToLower(q)
	k.win.Home(0)
	if q == "" {
		k.view = nil
		f.last, f.lastQuery = nil, ""
		return k.afterFilter(e)
	}
	f.req = e.nextReq()
	f.substringOnly = k.set.Len() > keyspace.FuzzyLimit
	fuzzy := !f.substringOnly
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	sn := k.set.Snapshot()
	req := f.req
	base, baseQuery := f.last, f.lastQuery
	return func() tea.Msg {
		var rows []uint32
		var all bool
		var err error
		if base != nil && baseQuery != "" && strings.Contains(strings.ToLower(q), strings.ToLower(baseQuery)) {
			rows, all, err = keyspace.Refine(ctx, sn, base, q, fuzzy)
			// Every row of the base matched: the base is the answer.
			all = all && len(base) == sn.Len()
		} else {
			rows, all, err = keyspace.Filter(ctx, sn, 0, q, fuzzy)
		}
		if err != nil {
			return nil
		}
		return filterDoneMsg{req: req, query: q, rows: rows, all: all, upTo: sn.Len()}
	}
}

func (k *keysPane) filtered(e *env, msg filterDoneMsg) {
	f := &k.filter
	if msg.req != f.req {
		return
	}
	f.cancel = nil
	f.all = msg.all && msg.upTo == k.set.Len() && k.set.Live() == k.set.Len()
	if f.all {
		// Every key matched and none is deleted: the view is the whole
		// list, as with no filter, and the next keystroke filters afresh
		// (refining every row is the same work).
		f.last, f.lastQuery = nil, ""
		k.view = nil
	} else {
		k.view = k.filterView(msg)
	}
	k.tree.rebuild(k)
	k.win.Clamp(k.count())
	if k.sortBy.active() {
		k.sortBy.dirty = true
	}
}

// filterView is the view of a filter's result that is not every key; it
// keeps the result as the next keystroke's base.
func (k *keysPane) filterView(msg filterDoneMsg) []uint32 {
	f := &k.filter
	if msg.all && msg.rows == nil {
		msg.rows = k.allRows(msg.upTo)
	}
	f.last, f.lastQuery = msg.rows, msg.query
	// The view shares the filter's rows unless some were deleted: at ten
	// million keys a copy is 40 MB written in Update. Its capacity is
	// capped, so appending to the view copies instead of writing into
	// f.last, which the next keystroke refines; nothing compacts a view
	// in place (dropDeletedFromView).
	view := msg.rows[:len(msg.rows):len(msg.rows)]
	if k.set.Live() != k.set.Len() {
		view = make([]uint32, 0, len(msg.rows))
		for _, r := range msg.rows {
			if !k.set.Deleted(int(r)) {
				view = append(view, r)
			}
		}
	}
	// Rows that arrived while the filter ran.
	for i := msg.upTo; i < k.set.Len(); i++ {
		if !k.set.Deleted(i) && f.matches(k.set.Name(i)) {
			view = append(view, uint32(i))
		}
	}
	return view
}

func (k *keysPane) clearFilter(e *env) tea.Cmd {
	k.filter = filterState{}
	k.view = nil
	k.dropDeletedFromView()
	k.tree.rebuild(k)
	e.ask(followCursorIntent{})
	return k.afterFilter(e)
}

func (k *keysPane) afterFilter(e *env) tea.Cmd {
	k.win.Clamp(k.count())
	if k.sortBy.active() {
		return k.startSort(e)
	}
	return k.describeVisible(e)
}
