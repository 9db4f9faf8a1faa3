package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// valuePane shows the selected key: its metadata, with the TTL counting
// down, and its value formatted, scrolled in a window of lines.
type valuePane struct {
	bucket, key string
	// hasKey: a key is open. Its name may be "" (Redis allows an empty
	// name), so key == "" cannot say that no key is open.
	hasKey  bool
	row     int
	req     uint64
	loading bool
	err     error
	entry   *backend.Entry
	whole   bool // the user asked for the whole value (L)
	mode    format.Mode
	// decs are the decoders for this key: the built-in ones and the
	// user's (Options.Decoding), whose commands know the key.
	decs  *format.Decoders
	modes []format.Mode // what f cycles through (entryLoadedMsg.modes)
	doc   *format.Document
	fmErr error
	hl    *format.Highlighter
	win   ui.Window

	// Long lines of a value (not of collection elements) are wrapped onto
	// as many rows as they need, or, when sideways, cut at the pane's edge
	// and scrolled shift cells to the right. sideways is the user's choice
	// and outlives the key shown. While wrapping, top is where the first
	// row on screen starts: a line (always win.Offset) and a byte offset
	// into it, so a line taller than the pane is read a row at a time.
	sideways bool
	shift    int
	top      format.Pos

	// expiryReloaded is the expiry instant the pane already reloaded for,
	// so a value whose TTL ran out is read again once.
	expiryReloaded time.Time

	// width and height are the room the pane draws in (inside its border,
	// or the whole page when the value is maximised), set by the App's
	// layout in Update.
	width, height int

	// Collections (Redis hash, list, set, zset, stream).
	elements []backend.Element
	cursor   string
	done     bool
	paging   bool
}

// reset empties the pane, keeping the user's wrap choice and the room the
// layout gave it.
func (v *valuePane) reset() {
	*v = valuePane{hl: v.hl, win: ui.Window{Height: v.win.Height}, sideways: v.sideways, width: v.width, height: v.height}
}

func (v *valuePane) restyle(e *env) {
	if e.st.NoColor {
		v.hl = nil
		return
	}
	v.hl = format.NewHighlighter(e.st.Dark)
}

// open loads a key; an answer for a key no longer selected is dropped.
func (v *valuePane) open(e *env, bucket, k string, row int) tea.Cmd {
	if v.bucket == bucket && v.key == k && v.entry != nil && !v.loading {
		return nil
	}
	same := v.bucket == bucket && v.key == k
	v.bucket, v.key, v.row, v.hasKey = bucket, k, row, true
	if !same {
		v.decs, v.mode = e.opts.Decoding.forKey(e.info.Kind, bucket, k)
		v.whole = false
		v.win, v.top, v.shift = ui.Window{Height: v.win.Height}, format.Pos{}, 0
		v.entry, v.doc, v.elements = nil, nil, nil
	}
	return v.reload(e)
}

// reloadIfExpired reads the value again once its expiry has passed: the
// key is gone, or (NATS) an older revision without that TTL is the value
// now. It does not wait for a watch event, which not every store sends.
func (v *valuePane) reloadIfExpired(e *env, now time.Time) tea.Cmd {
	ent := v.entry
	if ent == nil || ent.ExpiresAt.IsZero() || v.loading || now.Before(ent.ExpiresAt.Add(expiryGrace)) || v.expiryReloaded.Equal(ent.ExpiresAt) {
		return nil
	}
	v.expiryReloaded = ent.ExpiresAt
	return v.reload(e)
}

// expiryGrace lets the store remove an expired key before the pane asks
// (Redis expires lazily or within its cycle; NATS within a second).
const expiryGrace = 1500 * time.Millisecond

func (v *valuePane) reload(e *env) tea.Cmd {
	if !v.hasKey {
		return nil
	}
	v.req = e.nextReq()
	v.loading = true
	v.err = nil
	limit := int64(0)
	if v.whole {
		limit = -1
	}
	return loadEntryCmd(e.store, v.req, e.opts.Timeout, v.bucket, v.key, limit, v.mode, v.decs, e.opts.Decoding)
}

func (v *valuePane) loaded(e *env, msg entryLoadedMsg) tea.Cmd {
	if msg.req != v.req {
		return nil
	}
	v.loading = false
	if msg.err != nil {
		v.err = msg.err
		v.entry, v.doc = nil, nil
		return nil
	}
	ent := msg.entry
	v.entry = &ent
	v.modes = msg.modes
	v.doc, v.fmErr = msg.doc.Fit(v.bodyWidth()), msg.fmErr
	if v.mode == format.Auto || msg.fmErr == nil {
		v.mode = msg.mode
	}
	if v.hl == nil && !e.st.NoColor {
		v.hl = format.NewHighlighter(e.st.Dark)
	}
	v.win.Clamp(v.lines())
	// What the list shows for this key is now known exactly.
	e.ask(keyKnownIntent{row: v.row, key: v.key, info: backend.KeyInfo{Kind: ent.Kind, ExpiresAt: ent.ExpiresAt, Size: ent.Size}})
	if ent.Kind.IsCollection() {
		if c, ok := e.store.(backend.Collections); ok {
			v.elements, v.cursor, v.done, v.paging = nil, "", false, true
			return collectionPageCmd(c, v.req, e.opts.Timeout, v.bucket, v.key, "")
		}
	}
	return nil
}

func (v *valuePane) page(e *env, msg collectionPageMsg) {
	if msg.req != v.req {
		return
	}
	v.paging = false
	if msg.err != nil {
		v.err = msg.err
		return
	}
	v.elements = append(v.elements, msg.page.Elements...)
	v.cursor, v.done = msg.page.Cursor, msg.page.Done
}

func (v *valuePane) docBuilt(e *env, msg docBuiltMsg) {
	if msg.req != v.req {
		return
	}
	if msg.err != nil {
		e.fail(fmt.Errorf("cannot show as %s: %w", msg.mode, msg.err))
		return
	}
	v.doc, v.mode, v.fmErr = msg.doc.Fit(v.bodyWidth()), msg.mode, nil
	v.win, v.top, v.shift = ui.Window{Height: v.win.Height}, format.Pos{}, 0
}

// bodyWidth is the width the value is drawn at.
func (v *valuePane) bodyWidth() int { return v.width }

// resize gives the pane its room (layout, in Update).
func (v *valuePane) resize(w, h int) { v.width, v.height = w, h }

// layout sizes the value's window below its metadata and puts the cursor
// and the first line in range. It runs in Update, after every message, so
// that View only reads; it touches the metadata and the visible rows only.
func (v *valuePane) layout(e *env) {
	if v.entry == nil {
		return
	}
	w, h := v.width, v.height
	v.win.Height = max(h-len(v.metaLines(e, w)), 1)
	v.fit(w)
	if !v.wrapping() {
		v.win.Clamp(v.lines())
		return
	}
	n := v.doc.Len()
	if n == 0 {
		return
	}
	v.win.Cursor = min(max(v.win.Cursor, 0), n-1)
	v.syncTop()
	if _, lines := v.doc.RenderRows(v.top, v.win.Height, w, nil); !slices.Contains(lines, v.win.Cursor) {
		// The pane got narrower and the lines above the cursor took the
		// rows it was on.
		v.top = format.Pos{Line: v.win.Cursor}
	}
	v.win.Offset = v.top.Line
}

// fit lays a hex dump out again when the pane's width asks for another
// number of bytes per line, from the bytes the document holds, keeping the
// same bytes at the cursor and at the top. Other documents are left alone.
func (v *valuePane) fit(w int) {
	if v.doc == nil {
		return
	}
	f := v.doc.Fit(w)
	if f == v.doc {
		return
	}
	if old, per := v.doc.HexBytes(), f.HexBytes(); old > 0 && per > 0 {
		v.win.Cursor = v.win.Cursor * old / per
		v.win.Offset = v.win.Offset * old / per
		v.top = format.Pos{Line: v.win.Offset}
	}
	v.doc = f
}

// wrapping reports whether the value's lines are wrapped: a document is
// shown (not collection elements) and the user has not chosen sideways.
func (v *valuePane) wrapping() bool {
	return !v.sideways && v.doc != nil && v.entry != nil && !v.entry.Kind.IsCollection()
}

// syncTop follows a scroll made by line (the mouse wheel moves win.Offset):
// the screen then starts at that line's first row.
func (v *valuePane) syncTop() {
	if v.top.Line != v.win.Offset {
		v.top = format.Pos{Line: v.win.Offset}
	}
}

// lines is the number of scrollable lines below the metadata.
func (v *valuePane) lines() int {
	if v.entry != nil && v.entry.Kind.IsCollection() {
		return len(v.elements)
	}
	if v.doc == nil {
		return 0
	}
	return v.doc.Len()
}

// handleKey moves through the value; ok is false for any other key, which
// the App looks up in the pane's action table.
func (v *valuePane) handleKey(e *env, msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	w := v.width
	v.fit(w)
	switch {
	case v.wrapping() && v.wrapMove(e, msg, w), navigate(e.km, msg, &v.win, v.lines()):
		return v.moreElements(e), true
	case v.sideways && key.Matches(msg, e.km.Open) && msg.String() != "enter":
		v.scrollRight(w)
		return nil, true
	case v.sideways && v.shift > 0 && key.Matches(msg, e.km.Back) && msg.String() != "esc":
		// Scrolled sideways, ←/h scroll back first; esc always leaves.
		v.shift = max(v.shift-shiftStep(w), 0)
		return nil, true
	}
	return nil, false
}

// shiftStep is how far ←/→ scroll sideways: half the pane, as less -S does.
func shiftStep(w int) int { return max(w/2, 1) }

// toggleWrap switches between wrapped lines and lines cut at the edge and
// scrolled sideways, keeping the first line on screen.
func (v *valuePane) toggleWrap(e *env) {
	if v.entry == nil || v.entry.Kind.IsCollection() {
		return
	}
	v.sideways, v.shift = !v.sideways, 0
	v.top = format.Pos{Line: v.win.Offset}
	if v.sideways {
		e.inform("long lines cut at the edge: ←/→ scroll sideways")
	} else {
		e.inform("long lines wrapped")
	}
}

// scrollRight scrolls sideways by a step while a line on screen goes on
// past the right edge, so the view never scrolls into emptiness. It walks
// the visible lines only as far as the edge.
func (v *valuePane) scrollRight(w int) {
	if v.doc == nil {
		return
	}
	from, to := v.win.Visible(v.lines())
	for i := from; i < to; i++ {
		if v.doc.Wider(i, v.shift+w) {
			v.shift += shiftStep(w)
			return
		}
	}
}

// wrapMove moves through wrapped lines and reports whether msg was a
// movement key. The cursor is a line, as without wrapping: the highlight,
// c (the JSON path) and the element keys are about a line. But a line
// taller than the pane must stay readable, so while the cursor's line goes
// on below the bottom edge, down scrolls it a row at a time (as less does)
// before the cursor moves on, and up does the same going back.
func (v *valuePane) wrapMove(e *env, msg tea.KeyPressMsg, w int) bool {
	d, h, n := v.doc, max(v.win.Height, 1), v.doc.Len()
	if n == 0 {
		return false
	}
	v.syncTop()
	v.win.Cursor = min(max(v.win.Cursor, 0), n-1)
	if !key.Matches(msg, e.km.Home, e.km.End) {
		v.showCursor(w, h)
	}
	switch {
	case key.Matches(msg, e.km.Down):
		v.wrapDown(w, h)
	case key.Matches(msg, e.km.Up):
		v.wrapUp(w, h)
	case key.Matches(msg, e.km.PageDown):
		rows := d.Rows(v.top, h+1, w)
		if len(rows) <= h { // the end is on screen
			v.win.Cursor = n - 1
			break
		}
		v.top = rows[max(h-1, 1)]
		if len(d.Rows(v.top, h, w)) < h {
			v.top = v.lastScreen(w, h)
		}
		if v.win.Cursor < v.top.Line {
			v.win.Cursor = firstStart(d.Rows(v.top, h, w), v.top.Line, false)
		}
	case key.Matches(msg, e.km.PageUp):
		back := d.RowsBack(v.top, max(h-1, 1), w)
		if len(back) == 0 { // the start is on screen
			v.win.Cursor = 0
			break
		}
		v.top = back[0]
		rows := d.Rows(v.top, h, w)
		if !onScreen(rows, v.win.Cursor) {
			v.win.Cursor = firstStart(rows, v.top.Line, true)
		}
	case key.Matches(msg, e.km.Home):
		v.win.Cursor, v.top = 0, format.Pos{}
	case key.Matches(msg, e.km.End):
		v.win.Cursor, v.top = n-1, v.lastScreen(w, h)
	default:
		return false
	}
	v.win.Offset = v.top.Line
	return true
}

// wrapDown scrolls the cursor's line a row when it goes on below the
// screen, or moves the cursor to the next line and brings it in: all of it
// when it fits, else from its first row.
func (v *valuePane) wrapDown(w, h int) {
	d, c := v.doc, v.win.Cursor
	rows := d.Rows(v.top, h+1, w)
	if len(rows) > h && rows[h].Line == c {
		v.top = rows[1]
		return
	}
	if c+1 >= d.Len() {
		return
	}
	c++
	v.win.Cursor = c
	// The new line starts at most one row below the screen, so 2h+1 rows
	// from the top hold its start and, when it fits, its end.
	limit := 2*h + 1
	rows = d.Rows(v.top, limit, w)
	first, next := -1, len(rows)
	if len(rows) == limit {
		next = math.MaxInt // the line may go on past what was measured
	}
	for i, r := range rows {
		if r.Line == c && first < 0 {
			first = i
		}
		if r.Line > c {
			next = i
			break
		}
	}
	if first < 0 {
		v.top = format.Pos{Line: c}
		return
	}
	v.top = rows[min(max(next-h, 0), first)]
}

// wrapUp scrolls back a row while the top of the cursor's line is above
// the screen, or moves the cursor to the line before, showing as much of
// its end as fits when it was above the screen.
func (v *valuePane) wrapUp(w, h int) {
	d, c := v.doc, v.win.Cursor
	if v.top.Line == c && v.top.At > 0 {
		if back := d.RowsBack(v.top, 1, w); len(back) > 0 {
			v.top = back[0]
		}
		return
	}
	if c == 0 {
		return
	}
	c--
	v.win.Cursor = c
	if c >= v.top.Line {
		return
	}
	for _, r := range d.RowsBack(format.Pos{Line: c + 1}, h, w) {
		if r.Line == c {
			v.top = r
			return
		}
	}
	v.top = format.Pos{Line: c}
}

// showCursor brings the cursor's line to the top when none of its rows is
// on screen (the mouse wheel scrolled it away, or the pane got narrower).
func (v *valuePane) showCursor(w, h int) {
	if !onScreen(v.doc.Rows(v.top, h, w), v.win.Cursor) {
		v.top = format.Pos{Line: v.win.Cursor}
	}
}

// lastScreen is where the screen starts when it ends with the value's last
// row.
func (v *valuePane) lastScreen(w, h int) format.Pos {
	back := v.doc.RowsBack(format.Pos{Line: v.doc.Len()}, h, w)
	if len(back) == 0 {
		return format.Pos{}
	}
	return back[0]
}

func onScreen(rows []format.Pos, line int) bool {
	for _, r := range rows {
		if r.Line == line {
			return true
		}
	}
	return false
}

// firstStart is the first line (or with last, the last line) whose first
// row is among rows, or dflt when none starts there.
func firstStart(rows []format.Pos, dflt int, last bool) int {
	found := dflt
	for _, r := range rows {
		if r.At == 0 {
			found = r.Line
			if !last {
				break
			}
		}
	}
	return found
}

// moreElements fetches the next page of a collection when the cursor nears
// the end of what is loaded.
func (v *valuePane) moreElements(e *env) tea.Cmd {
	if v.entry == nil || !v.entry.Kind.IsCollection() || v.done || v.paging || v.win.Cursor < len(v.elements)-v.win.Height {
		return nil
	}
	c, ok := e.store.(backend.Collections)
	if !ok {
		return nil
	}
	v.paging = true
	return collectionPageCmd(c, v.req, e.opts.Timeout, v.bucket, v.key, v.cursor)
}

func (v *valuePane) cycleFormat(e *env) tea.Cmd {
	if v.entry == nil || v.entry.Kind.IsCollection() {
		return nil
	}
	modes := v.modes
	if len(modes) == 0 {
		return nil // not loaded as a value with formats
	}
	if v.mode != format.Auto && !slices.Contains(modes, v.mode) {
		// A decoder the key's glob chose, which does not recognise the
		// bytes on its own: it stays in the cycle.
		modes = append([]format.Mode{v.mode}, modes...)
	}
	i := slices.Index(modes, v.mode)
	next := modes[(i+1)%len(modes)]
	e.inform("format: " + next.String())
	return buildDocCmd(v.req, v.entry.Value, v.entry.Truncated, next, v.decs)
}

// metaLines describes the entry above its value.
func (v *valuePane) metaLines(e *env, w int) []string {
	ent := v.entry
	lbl := func(s string) string { return e.st.MetaLabel.Render(fmt.Sprintf("%-8s ", s)) }
	val := e.st.MetaValue.Render
	var out []string
	kind := ent.Kind.String()
	if kind == "" {
		kind = "value"
	}
	size := format.HumanBytes(ent.Size)
	if ent.Kind.IsCollection() {
		size = fmt.Sprintf("%d elements", ent.Size)
	}
	line := lbl("kind") + e.st.Kind.Render(kind) + val(" · "+size)
	if ent.Revision > 0 {
		line += val(fmt.Sprintf(" · rev %d", ent.Revision))
	}
	out = append(out, line)
	out = append(out, lbl("ttl")+v.ttlText(e))
	if !ent.Created.IsZero() {
		out = append(out, lbl("created")+val(ent.Created.Local().Format("2006-01-02 15:04:05")))
	}
	if ent.Operation != "" && ent.Operation != "PUT" {
		out = append(out, lbl("op")+val(ent.Operation))
	}
	for _, f := range ent.Meta {
		out = append(out, lbl(f.Name)+val(format.Escape(f.Value)))
	}
	if !ent.Kind.IsCollection() {
		shown := v.mode.String()
		if v.doc != nil {
			// The chain of decoders: "zstd → msgpack → json".
			shown = format.Escape(strings.Join(v.doc.Chain(), " → "))
		}
		f := lbl("format") + val(shown) + e.st.Muted.Render("  ("+e.keyName(e.km.Format)+" to change)")
		out = append(out, f)
		lines := "wrapped"
		if v.sideways {
			lines = "sideways"
			if v.shift > 0 {
				lines += fmt.Sprintf(", col %d", v.shift+1)
			}
		}
		out = append(out, lbl("lines")+val(lines)+e.st.Muted.Render("  ("+e.keyName(e.km.Wrap)+")"))
	}
	if v.doc != nil && v.doc.Notice() != "" {
		out = append(out, e.st.Muted.Render(format.Escape(v.doc.Notice())))
	}
	if ent.Truncated {
		out = append(out, e.st.StatusWarn.Render(fmt.Sprintf("showing the first %s of %s · "+e.keyName(e.km.LoadWhole)+" loads the whole value",
			format.HumanBytes(int64(len(ent.Value))), format.HumanBytes(ent.Size))))
	}
	if v.fmErr != nil {
		out = append(out, e.st.StatusWarn.Render(format.Escape(v.fmErr.Error())))
	}
	out = append(out, e.st.Muted.Render(strings.Repeat("─", max(w, 0))))
	return out
}

// ttlText counts down from the entry's expiry on every tick.
func (v *valuePane) ttlText(e *env) string {
	ent := v.entry
	if ent.ExpiresAt.IsZero() {
		return e.st.Muted.Render("no TTL (persistent)")
	}
	left := ent.ExpiresAt.Sub(e.opts.Now())
	style := e.st.TTL
	if left < time.Minute {
		style = e.st.TTLSoon
	}
	s := style.Render(backend.FormatTTL(left))
	s += e.st.Muted.Render(" · expires " + ent.ExpiresAt.Local().Format("2006-01-02 15:04:05"))
	return s
}

func (v *valuePane) render(e *env, w, h int, focused bool) string {
	switch {
	case !v.hasKey:
		return e.st.Muted.Render("select a key")
	case v.err != nil:
		return e.st.StatusError.Render(describeError(v.err))
	case v.entry == nil:
		return e.st.Muted.Render("loading…")
	}
	meta := v.metaLines(e, w)
	if v.wrapping() {
		return joinLines(append(meta, v.wrappedBody(e, w, focused)...))
	}
	from, to := v.win.Visible(v.lines())
	var body []string
	if v.entry.Kind.IsCollection() {
		body = v.elementLines(e, from, to, w)
		if v.paging {
			body = append(body, e.st.Muted.Render("loading more…"))
		}
	} else if v.doc != nil {
		body = v.doc.RenderShifted(from, to, w, v.shift, v.hl)
	}
	for i := range body {
		if focused && from+i == v.win.Cursor {
			body[i] = e.st.RowCursorDim.Render(ui.Fit(ansiStrip(body[i]), w))
		}
	}
	if len(body) == 0 && !v.entry.Kind.IsCollection() {
		body = []string{e.st.Muted.Render("(empty value)")}
	}
	return joinLines(append(meta, body...))
}

// wrappedBody draws the rows on screen of the wrapped value, the cursor's
// line highlighted on all its rows. It measures only those rows.
func (v *valuePane) wrappedBody(e *env, w int, focused bool) []string {
	if v.doc.Len() == 0 {
		return []string{e.st.Muted.Render("(empty value)")}
	}
	rows, lines := v.doc.RenderRows(v.top, v.win.Height, w, v.hl)
	if focused {
		for i := range rows {
			if lines[i] == v.win.Cursor {
				rows[i] = e.st.RowCursorDim.Render(ui.Fit(ansiStrip(rows[i]), w))
			}
		}
	}
	return rows
}

func (v *valuePane) elementLines(e *env, from, to, w int) []string {
	var out []string
	for i := from; i < to && i < len(v.elements); i++ {
		el := v.elements[i]
		var s string
		switch v.entry.Kind {
		case backend.KindHash:
			s = e.st.Kind.Render(format.Escape(el.Field)) + " = " + format.Escape(string(el.Value))
		case backend.KindZSet:
			s = e.st.Kind.Render(fmt.Sprintf("%12s", formatScore(el.Score))) + "  " + format.Escape(string(el.Value))
		case backend.KindList:
			s = e.st.Muted.Render(fmt.Sprintf("%6d  ", el.Index)) + format.Escape(string(el.Value))
		case backend.KindStream:
			// Fields in the order they were written, repeats included, in
			// the form the add dialog reads back.
			s = e.st.Kind.Render(format.Escape(el.Field)) + "  " + streamFieldsText(el.Fields)
		default:
			s = format.Escape(string(el.Value))
		}
		out = append(out, s)
	}
	return out
}
