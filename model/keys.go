package model

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/model/keyspace"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// keysPane is the key list of the open bucket: a windowed list over one
// keyspace.Set, filled by a streaming listing.
type keysPane struct {
	bucket  string
	pattern string       // server-side pattern of the running listing
	kind    backend.Kind // server-side type filter (Redis)
	req     uint64
	stream  *keyStream
	set     *keyspace.Set
	// view lists the Set rows shown, in order; nil shows every live row in
	// listing order without an index (the common, cheapest case).
	view     []uint32
	win      ui.Window
	listing  bool
	complete bool
	err      error
	// listedAt is when the listing started, and rate the keys per second
	// it has read so far, shown while it runs.
	listedAt time.Time
	rate     float64

	filter     filterState
	tree       treeState
	sortBy     sortOrder
	marked     map[int]bool
	describing map[int]bool

	watch    *watchStream
	watchReq uint64

	search valueSearchState
}

// open starts listing bucket from the start, cancelling any listing, filter
// or watch of the previous bucket.
func (k *keysPane) open(e *env, bucket string) tea.Cmd {
	return k.list(e, bucket, false)
}

// list starts a listing; a reload keeps the value pane, anything else (a
// new bucket, pattern or type) shows the first key of the new list.
func (k *keysPane) list(e *env, bucket string, reload bool) tea.Cmd {
	if bucket != k.bucket {
		// Another bucket: nothing of this one stays but the user's view
		// choices and the pattern and type they search with.
		pattern, kind, tree, order := k.pattern, k.kind, k.tree.on, k.sortBy.order
		k.reset()
		k.pattern, k.kind, k.tree.on, k.sortBy.order = pattern, kind, tree, order
	}
	k.stopStreams()
	if !reload {
		e.ask(clearValueIntent{})
	}
	k.bucket = bucket
	k.set = keyspace.New()
	k.view = nil
	k.win = ui.Window{Height: k.win.Height}
	k.listing, k.complete, k.err = true, false, nil
	k.listedAt, k.rate = e.now(), 0
	k.describing = map[int]bool{}
	k.tree.reset()
	k.req = e.nextReq()
	var first tea.Cmd
	k.stream, first = startListing(e.store, k.req, bucket, backend.Query{Pattern: k.pattern, Type: k.kind})
	cmds := []tea.Cmd{first}
	if w, ok := e.store.(backend.Watcher); ok {
		k.watchReq = e.nextReq()
		var wcmd tea.Cmd
		k.watch, wcmd = startWatch(w, k.watchReq, bucket)
		cmds = append(cmds, wcmd)
	}
	return tea.Batch(cmds...)
}

// reset forgets the bucket listed and everything derived from it (the
// listing, its watch, filter, value search, marks, tree and sort), keeping
// only the window's height. A store switch resets every pane.
func (k *keysPane) reset() {
	k.stopStreams()
	*k = keysPane{win: ui.Window{Height: k.win.Height}}
}

func (k *keysPane) stopStreams() {
	k.stream.stop()
	k.stream = nil
	k.watch.stop()
	k.watch = nil
	k.filter.cancelRun()
	k.stopValueSearch()
}

// reload lists the bucket again with the same pattern, keeping the cursor
// on the same key when it still exists.
func (k *keysPane) reload(e *env) tea.Cmd {
	if k.bucket == "" {
		return nil
	}
	return k.list(e, k.bucket, true)
}

func (k *keysPane) chunk(e *env, msg keysChunkMsg) tea.Cmd {
	if msg.req != k.req {
		return nil
	}
	if len(msg.batches) > 0 {
		first := k.set.Len()
		for _, b := range msg.batches {
			k.set.Append(b)
		}
		k.rowsAdded(e, first)
		if d := e.now().Sub(k.listedAt); d > 0 {
			k.rate = float64(k.set.Len()) / d.Seconds()
		}
	}
	if msg.done {
		k.listing = false
		k.stream = nil
		if msg.err != nil {
			k.err = msg.err
			e.fail(fmt.Errorf("listing stopped after %d keys: %w", k.set.Live(), msg.err))
		} else {
			k.complete = true
		}
		return tea.Batch(k.afterChange(e), k.resortIfDirty(e))
	}
	return tea.Batch(keysWait(msg.stream, msg.req), k.afterChange(e))
}

// rowsAdded folds rows [first, Len) into the derived views: the filter
// matches them here, synchronously, since a batch is small.
func (k *keysPane) rowsAdded(e *env, first int) {
	if k.tree.on {
		// Folders and keys may appear above the cursor: keep it on the
		// same row of the tree.
		at := k.tree.identity(k.win.Cursor)
		k.tree.add(k, first)
		if i := k.tree.find(at); i >= 0 {
			shift := i - k.win.Cursor
			k.win.Cursor, k.win.Offset = i, k.win.Offset+shift
			k.win.Clamp(len(k.tree.rows))
		}
	}
	if k.search.query != "" {
		// The view holds search results; new keys join only if searched.
		return
	}
	if k.view == nil && !k.filter.active() && !k.sortBy.active() {
		return
	}
	if k.view == nil {
		k.view = k.allRows(first)
	}
	for i := first; i < k.set.Len(); i++ {
		if k.filter.matches(k.set.Name(i)) {
			k.view = append(k.view, uint32(i))
		}
	}
	if k.sortBy.active() {
		k.sortBy.dirty = true
	}
}

// allRows lists live rows below n as an explicit view.
func (k *keysPane) allRows(n int) []uint32 {
	v := make([]uint32, 0, n)
	for i := range n {
		if !k.set.Deleted(i) {
			v = append(v, uint32(i))
		}
	}
	return v
}

// afterChange runs after the list changed: the cursor stays in range, the
// visible rows get their metadata, the value pane follows the cursor.
func (k *keysPane) afterChange(e *env) tea.Cmd {
	k.win.Clamp(k.count())
	if k.count() > 0 {
		e.ask(followCursorIntent{ifEmpty: true})
	}
	return k.describeVisible(e)
}

// count is the number of rows shown.
func (k *keysPane) count() int {
	if k.tree.on {
		return len(k.tree.rows)
	}
	if k.view != nil {
		return len(k.view)
	}
	if k.set == nil {
		return 0
	}
	// Without a view no row is deleted: rebuildViews makes one (in Update)
	// as soon as the first row is.
	return k.set.Len()
}

// rowAt maps a display position to a Set row (-1 for a tree folder).
func (k *keysPane) rowAt(i int) int {
	if k.tree.on {
		return k.tree.rows[i].Row
	}
	if k.view != nil {
		return int(k.view[i])
	}
	return i
}

// selectedKey returns the key under the cursor.
func (k *keysPane) selectedKey() (string, int, bool) {
	if k.count() == 0 {
		return "", -1, false
	}
	r := k.rowAt(k.win.Cursor)
	if r < 0 {
		return "", -1, false
	}
	return k.set.Name(r), r, true
}

func (k *keysPane) selectCursor(e *env) tea.Cmd {
	name, row, ok := k.selectedKey()
	if !ok {
		return nil
	}
	e.ask(showKeyIntent{bucket: k.bucket, key: name, row: row})
	return nil
}

// describeVisible asks a Describer (Redis) for type, TTL and size of the
// rows on screen that do not have them yet: one pipelined call per screen,
// never one per key, never for rows off screen.
func (k *keysPane) describeVisible(e *env) tea.Cmd {
	d, ok := e.store.(backend.Describer)
	if !ok || k.set == nil {
		return nil
	}
	from, to := k.win.Visible(k.count())
	var rows []int
	var names []string
	for i := from; i < to; i++ {
		r := k.rowAt(i)
		if r < 0 || k.set.Meta(r).Known || k.describing[r] {
			continue
		}
		k.describing[r] = true
		rows = append(rows, r)
		names = append(names, k.set.Name(r))
	}
	if len(rows) == 0 {
		return nil
	}
	return describeCmd(d, k.req, e.opts.Timeout, k.bucket, rows, names)
}

func (k *keysPane) described(e *env, msg describedMsg) {
	if msg.req != k.req {
		return
	}
	for _, r := range msg.rows {
		delete(k.describing, r)
	}
	if msg.err != nil {
		e.fail(msg.err)
		return
	}
	for i, info := range msg.infos {
		if i < len(msg.rows) {
			k.set.SetMeta(msg.rows[i], info)
		}
	}
}

// handleKey moves the cursor; ok is false for any other key, which the
// App looks up in the pane's action table.
func (k *keysPane) handleKey(e *env, msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if k.filter.editing {
		return k.filterKey(e, msg), true
	}
	prev := k.win.Cursor
	if navigate(e.km, msg, &k.win, k.count()) {
		return k.afterMove(e, prev), true
	}
	return nil, false
}

// afterMove describes the rows now visible and shows the key under the
// cursor, when the cursor moved from prev.
func (k *keysPane) afterMove(e *env, prev int) tea.Cmd {
	if k.win.Cursor == prev {
		return nil
	}
	return tea.Batch(k.describeVisible(e), k.selectCursor(e))
}

// openSelected opens the folder under the cursor in the tree, or moves to
// the value of the key under it.
func (k *keysPane) openSelected(e *env) tea.Cmd {
	if k.tree.on && k.tree.toggleAt(k, k.win.Cursor) {
		k.win.Clamp(k.count())
		return k.describeVisible(e)
	}
	if _, _, ok := k.selectedKey(); ok {
		e.ask(focusIntent{paneValue})
	}
	return nil
}

// back closes the folder under the cursor, then a value search or filter,
// then returns to the buckets.
func (k *keysPane) back(e *env) tea.Cmd {
	if k.tree.on && k.tree.collapseAt(k, k.win.Cursor, &k.win) {
		return nil
	}
	if k.search.query != "" {
		k.stopValueSearch()
		return k.clearFilter(e)
	}
	if k.filter.active() {
		return k.clearFilter(e)
	}
	e.ask(focusIntent{paneBuckets})
	return nil
}

// toggleTree switches between the flat list and the folder tree.
func (k *keysPane) toggleTree(e *env) tea.Cmd {
	k.tree.toggle(k, e.treeDelimiter())
	k.win = ui.Window{Height: k.win.Height}
	return tea.Batch(k.describeVisible(e), k.selectCursor(e))
}

// toggleMark marks the key (or, in the tree, every key of the folder) under
// the cursor for a bulk delete.
func (k *keysPane) toggleMark(e *env) {
	if k.count() == 0 {
		return
	}
	if k.marked == nil {
		k.marked = map[int]bool{}
	}
	rows := k.rowsUnderCursor()
	on := !k.marked[rows[0]]
	for _, r := range rows {
		if on {
			k.marked[r] = true
		} else {
			delete(k.marked, r)
		}
	}
	e.inform(fmt.Sprintf("%d keys marked", len(k.marked)))
}

// toggleMarkAll marks every key shown (the listing's, through the filter
// when one is typed; in the tree, every folder's), for a bulk action on a
// whole pattern; with every one marked already, it clears the marks.
func (k *keysPane) toggleMarkAll(e *env) {
	var rows []int
	if k.tree.on && k.tree.tree != nil {
		rows = k.tree.tree.Root.Rows()
	} else {
		rows = make([]int, k.count())
		for i := range rows {
			rows[i] = k.rowAt(i)
		}
	}
	if len(k.marked) == len(rows) {
		k.marked = nil
		e.inform("no keys marked")
		return
	}
	k.marked = make(map[int]bool, len(rows))
	for _, r := range rows {
		k.marked[r] = true
	}
	e.inform(fmt.Sprintf("%d keys marked", len(k.marked)))
}

// rowsUnderCursor is the key under the cursor, or all keys of the folder.
func (k *keysPane) rowsUnderCursor() []int {
	if k.tree.on {
		return k.tree.rowsUnder(k, k.win.Cursor)
	}
	return []int{k.rowAt(k.win.Cursor)}
}

// applyWrite updates the list after a write without listing again.
func (k *keysPane) applyWrite(e *env, msg writeDoneMsg) tea.Cmd {
	if k.set == nil {
		return nil
	}
	var gone []int
	for _, r := range k.set.FindMany(msg.removed) {
		if r >= 0 {
			k.set.Delete(r)
			delete(k.marked, r)
			gone = append(gone, r)
		}
	}
	// One pass over the list for all the names (Find is a scan each): an
	// undo or a bulk TTL may name hundreds of thousands of keys.
	if len(msg.added) > 0 {
		listed := k.set.FindMany(msg.added)
		var batch []backend.KeyInfo
		for _, name := range msg.added {
			if listed[name] < 0 && k.matchesPattern(e.info.Pattern, name) {
				listed[name] = 0 // once, if named twice
				batch = append(batch, backend.KeyInfo{Name: name})
			}
		}
		if len(batch) > 0 {
			first := k.set.Len()
			k.set.Append(batch)
			k.rowsAdded(e, first)
		}
	}
	if _, ok := e.store.(backend.Describer); ok && len(msg.keys) > 0 {
		// TTL and size may have changed: describe the rows again when drawn.
		if len(msg.keys) > k.set.Len()/4 {
			// Most of the list (a bulk TTL): forgetting every row's is
			// cheaper than finding these, and only drawn rows are described.
			for r := range k.set.Len() {
				k.set.ForgetMeta(r)
			}
		} else {
			for _, r := range k.set.FindMany(msg.keys) {
				if r >= 0 {
					k.set.ForgetMeta(r)
				}
			}
		}
	}
	if len(gone) > 0 {
		k.removeRows(gone)
	}
	return k.afterChange(e)
}

// removeRows takes rows just deleted out of the derived views; the tree
// loses them folder by folder rather than being rebuilt.
func (k *keysPane) removeRows(rows []int) {
	if k.tree.on && k.tree.tree != nil {
		at := k.tree.identity(k.win.Cursor)
		if len(rows) == 1 {
			k.tree.tree.Remove(k.set, rows[0])
		} else {
			k.tree.tree.RemoveMany(k.set, rows)
		}
		k.tree.rows = k.tree.tree.Flatten(k.set)
		if i := k.tree.find(at); i >= 0 {
			k.win.Cursor = i
		}
	}
	k.dropDeletedFromView()
}

func (k *keysPane) dropDeletedFromView() {
	if k.view == nil && k.set.Live() != k.set.Len() {
		k.view = k.allRows(k.set.Len())
	} else if k.view != nil {
		// A new slice, not the old one compacted: the view may share its
		// array with the filter's last rows or a running sort's input.
		v := make([]uint32, 0, len(k.view))
		for _, r := range k.view {
			if !k.set.Deleted(int(r)) {
				v = append(v, r)
			}
		}
		k.view = v
	}
	k.win.Clamp(k.count())
}

// resortOnWatchLimit is the largest sorted list re-sorted on every burst of
// watch events.
const resortOnWatchLimit = 100_000

// watched applies changes made elsewhere to the open bucket.
func (k *keysPane) watched(e *env, msg watchMsg) tea.Cmd {
	if msg.req != k.watchReq {
		return nil
	}
	if msg.err != nil {
		// A store without notifications (Redis with them off) ends here
		// quietly: the user refreshes with r.
		k.watch = nil
		return nil
	}
	names := make([]string, len(msg.changes))
	for i, c := range msg.changes {
		names[i] = c.Key
	}
	rows := k.set.FindMany(names)
	var gone []int
	for _, c := range msg.changes {
		r := rows[c.Key]
		switch {
		case c.Op == backend.ChangePut && r < 0 && k.matchesPattern(e.info.Pattern, c.Key):
			first := k.set.Len()
			k.set.Append([]backend.KeyInfo{{Name: c.Key}})
			k.rowsAdded(e, first)
			rows[c.Key] = first
		case c.Op != backend.ChangePut && r >= 0:
			k.set.Delete(r)
			delete(k.marked, r)
			gone = append(gone, r)
			rows[c.Key] = -1
		}
	}
	if len(gone) > 0 {
		// Once per burst of events: an expiry sweep may remove thousands.
		k.removeRows(gone)
	}
	cmds := []tea.Cmd{watchWait(msg.stream, msg.req), k.afterChange(e)}
	if len(k.view) < resortOnWatchLimit {
		// Keys created elsewhere take their place in a sorted list; past
		// this size they wait at the end for the next reload rather than
		// keeping a core busy re-sorting on every change.
		cmds = append(cmds, k.resortIfDirty(e))
	}
	e.ask(keysChangedIntent{names})
	return tea.Batch(cmds...)
}

// known records what a read of the value learned of a key (type, expiry,
// size), when the row still holds that key.
func (k *keysPane) known(row int, name string, info backend.KeyInfo) {
	if k.set != nil && row >= 0 && row < k.set.Len() && k.set.Name(row) == name {
		k.set.SetMeta(row, info)
	}
}

func (k *keysPane) statusCount() string {
	if k.set == nil {
		return ""
	}
	n := k.set.Live()
	shown := k.count()
	s := fmt.Sprintf("%d keys", n)
	if k.listing {
		s = fmt.Sprintf("%d keys… listing", n)
		if k.rate >= 1000 {
			s += " " + humanCount(int64(k.rate)) + "/s"
		}
	} else if k.err != nil {
		s = fmt.Sprintf("%d keys (incomplete)", n)
	}
	if k.search.query != "" {
		return k.searchStatus()
	}
	if k.filter.active() {
		matched := len(k.view)
		if k.view == nil && k.filter.all {
			matched = n
		}
		s = fmt.Sprintf("%d of %s match %q", matched, s, format.Escape(k.filter.query))
		if k.filter.substringOnly {
			s += " (substrings only at this size)"
		}
		if k.filter.running() {
			s += " (filtering…)"
		}
	} else if shown != n && !k.tree.on {
		s = fmt.Sprintf("%d shown, %s", shown, s)
	}
	return s
}
