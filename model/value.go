package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// valuePane shows the selected key: its metadata, with the TTL counting
// down, and its value formatted, scrolled in a window of lines.
type valuePane struct {
	bucket, key string
	row         int
	req         uint64
	loading     bool
	err         error
	entry       *backend.Entry
	whole       bool // the user asked for the whole value (L)
	mode        format.Mode
	doc         *format.Document
	fmErr       error
	hl          *format.Highlighter
	win         ui.Window

	// expiryReloaded is the expiry instant the pane already reloaded for,
	// so a value whose TTL ran out is read again once.
	expiryReloaded time.Time

	// Collections (Redis hash, list, set, zset, stream).
	elements []backend.Element
	cursor   string
	done     bool
	paging   bool
}

func (v *valuePane) clear() {
	*v = valuePane{hl: v.hl, win: ui.Window{Height: v.win.Height}}
}

func (v *valuePane) restyle(a *App) {
	if a.st.NoColor {
		v.hl = nil
		return
	}
	v.hl = format.NewHighlighter(a.st.Dark)
}

// open loads a key; an answer for a key no longer selected is dropped.
func (v *valuePane) open(a *App, bucket, k string, row int) tea.Cmd {
	if v.bucket == bucket && v.key == k && v.entry != nil && !v.loading {
		return nil
	}
	same := v.bucket == bucket && v.key == k
	v.bucket, v.key, v.row = bucket, k, row
	if !same {
		v.mode = format.Auto
		v.whole = false
		v.win = ui.Window{Height: v.win.Height}
		v.entry, v.doc, v.elements = nil, nil, nil
	}
	return v.reload(a)
}

// reloadIfExpired reads the value again once its expiry has passed: the
// key is gone, or (NATS) an older revision without that TTL is the value
// now. It does not wait for a watch event, which not every store sends.
func (v *valuePane) reloadIfExpired(a *App, now time.Time) tea.Cmd {
	e := v.entry
	if e == nil || e.ExpiresAt.IsZero() || v.loading || now.Before(e.ExpiresAt.Add(expiryGrace)) || v.expiryReloaded.Equal(e.ExpiresAt) {
		return nil
	}
	v.expiryReloaded = e.ExpiresAt
	return v.reload(a)
}

// expiryGrace lets the store remove an expired key before the pane asks
// (Redis expires lazily or within its cycle; NATS within a second).
const expiryGrace = 1500 * time.Millisecond

func (v *valuePane) reload(a *App) tea.Cmd {
	if v.key == "" {
		return nil
	}
	v.req = a.nextReq()
	v.loading = true
	v.err = nil
	limit := int64(0)
	if v.whole {
		limit = -1
	}
	return loadEntryCmd(a.store, v.req, a.opts.Timeout, v.bucket, v.key, limit, v.mode)
}

func (v *valuePane) loaded(a *App, msg entryLoadedMsg) tea.Cmd {
	if msg.req != v.req {
		return nil
	}
	v.loading = false
	if msg.err != nil {
		v.err = msg.err
		v.entry, v.doc = nil, nil
		return nil
	}
	e := msg.entry
	v.entry = &e
	v.doc, v.fmErr = msg.doc, msg.fmErr
	if v.mode == format.Auto || msg.fmErr == nil {
		v.mode = msg.mode
	}
	if v.hl == nil && !a.st.NoColor {
		v.hl = format.NewHighlighter(a.st.Dark)
	}
	v.win.Clamp(v.lines())
	// What the list shows for this key is now known exactly.
	if ks := a.keys.set; ks != nil && v.row >= 0 && v.row < ks.Len() && ks.Name(v.row) == v.key {
		ks.SetMeta(v.row, backend.KeyInfo{Kind: e.Kind, ExpiresAt: e.ExpiresAt, Size: e.Size})
	}
	if e.Kind.IsCollection() {
		if c, ok := a.store.(backend.Collections); ok {
			v.elements, v.cursor, v.done, v.paging = nil, "", false, true
			return collectionPageCmd(c, v.req, a.opts.Timeout, v.bucket, v.key, "")
		}
	}
	return nil
}

func (v *valuePane) page(a *App, msg collectionPageMsg) {
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

func (v *valuePane) docBuilt(a *App, msg docBuiltMsg) {
	if msg.req != v.req {
		return
	}
	if msg.err != nil {
		a.status.fail(a, fmt.Errorf("cannot show as %s: %w", msg.mode, msg.err))
		return
	}
	v.doc, v.mode, v.fmErr = msg.doc, msg.mode, nil
	v.win = ui.Window{Height: v.win.Height}
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

func (v *valuePane) handleKey(a *App, msg tea.KeyPressMsg) tea.Cmd {
	if navigate(a.km, msg, &v.win, v.lines()) {
		return v.moreElements(a)
	}
	cmd, _ := dispatch(a, a.valueActions(), msg)
	return tea.Batch(cmd, v.moreElements(a))
}

// moreElements fetches the next page of a collection when the cursor nears
// the end of what is loaded.
func (v *valuePane) moreElements(a *App) tea.Cmd {
	if v.entry == nil || !v.entry.Kind.IsCollection() || v.done || v.paging || v.win.Cursor < len(v.elements)-v.win.Height {
		return nil
	}
	c, ok := a.store.(backend.Collections)
	if !ok {
		return nil
	}
	v.paging = true
	return collectionPageCmd(c, v.req, a.opts.Timeout, v.bucket, v.key, v.cursor)
}

func (v *valuePane) cycleFormat(a *App) tea.Cmd {
	if v.entry == nil || v.entry.Kind.IsCollection() {
		return nil
	}
	modes := format.Available(v.entry.Value)
	i := slices.Index(modes, v.mode)
	next := modes[(i+1)%len(modes)]
	a.status.info(a, "format: "+next.String())
	return buildDocCmd(v.req, v.entry.Value, v.entry.Truncated, next)
}

// metaLines describes the entry above its value.
func (v *valuePane) metaLines(a *App, w int) []string {
	e := v.entry
	lbl := func(s string) string { return a.st.MetaLabel.Render(fmt.Sprintf("%-8s ", s)) }
	val := a.st.MetaValue.Render
	var out []string
	kind := e.Kind.String()
	if kind == "" {
		kind = "value"
	}
	size := format.HumanBytes(e.Size)
	if e.Kind.IsCollection() {
		size = fmt.Sprintf("%d elements", e.Size)
	}
	line := lbl("kind") + a.st.Kind.Render(kind) + val(" · "+size)
	if e.Revision > 0 {
		line += val(fmt.Sprintf(" · rev %d", e.Revision))
	}
	out = append(out, line)
	out = append(out, lbl("ttl")+v.ttlText(a))
	if !e.Created.IsZero() {
		out = append(out, lbl("created")+val(e.Created.Local().Format("2006-01-02 15:04:05")))
	}
	if e.Operation != "" && e.Operation != "PUT" {
		out = append(out, lbl("op")+val(e.Operation))
	}
	for _, f := range e.Meta {
		out = append(out, lbl(f.Name)+val(format.Escape(f.Value)))
	}
	if !e.Kind.IsCollection() {
		f := lbl("format") + val(v.mode.String()) + a.st.Muted.Render("  (f to change)")
		out = append(out, f)
	}
	if v.doc != nil && v.doc.Notice() != "" {
		out = append(out, a.st.Muted.Render(format.Escape(v.doc.Notice())))
	}
	if e.Truncated {
		out = append(out, a.st.StatusWarn.Render(fmt.Sprintf("showing the first %s of %s · L loads the whole value",
			format.HumanBytes(int64(len(e.Value))), format.HumanBytes(e.Size))))
	}
	if v.fmErr != nil {
		out = append(out, a.st.StatusWarn.Render(format.Escape(v.fmErr.Error())))
	}
	out = append(out, a.st.Muted.Render(strings.Repeat("─", max(w, 0))))
	return out
}

// ttlText counts down from the entry's expiry on every tick.
func (v *valuePane) ttlText(a *App) string {
	e := v.entry
	if e.ExpiresAt.IsZero() {
		return a.st.Muted.Render("no TTL (persistent)")
	}
	left := e.ExpiresAt.Sub(a.opts.Now())
	style := a.st.TTL
	if left < time.Minute {
		style = a.st.TTLSoon
	}
	s := style.Render(backend.FormatTTL(left))
	s += a.st.Muted.Render(" · expires " + e.ExpiresAt.Local().Format("2006-01-02 15:04:05"))
	return s
}

func (v *valuePane) render(a *App, w, h int) string {
	switch {
	case v.key == "":
		return a.st.Muted.Render("select a key")
	case v.err != nil:
		return a.st.StatusError.Render(describeError(v.err))
	case v.entry == nil:
		return a.st.Muted.Render("loading…")
	}
	meta := v.metaLines(a, w)
	v.win.Height = max(h-len(meta), 1)
	v.win.Clamp(v.lines())
	from, to := v.win.Visible(v.lines())
	var body []string
	if v.entry.Kind.IsCollection() {
		body = v.elementLines(a, from, to, w)
		if v.paging {
			body = append(body, a.st.Muted.Render("loading more…"))
		}
	} else if v.doc != nil {
		body = v.doc.Render(from, to, w, v.hl)
	}
	focused := a.focus == paneValue
	for i := range body {
		if focused && from+i == v.win.Cursor {
			body[i] = a.st.RowCursorDim.Render(ui.Fit(ansiStrip(body[i]), w))
		}
	}
	if len(body) == 0 && !v.entry.Kind.IsCollection() {
		body = []string{a.st.Muted.Render("(empty value)")}
	}
	return joinLines(append(meta, body...))
}

func (v *valuePane) elementLines(a *App, from, to, w int) []string {
	var out []string
	for i := from; i < to && i < len(v.elements); i++ {
		el := v.elements[i]
		var s string
		switch v.entry.Kind {
		case backend.KindHash:
			s = a.st.Kind.Render(format.Escape(el.Field)) + " = " + format.Escape(string(el.Value))
		case backend.KindZSet:
			s = a.st.Kind.Render(fmt.Sprintf("%12s", formatScore(el.Score))) + "  " + format.Escape(string(el.Value))
		case backend.KindList:
			s = a.st.Muted.Render(fmt.Sprintf("%6d  ", el.Index)) + format.Escape(string(el.Value))
		case backend.KindStream:
			// Fields in the order they were written, repeats included, in
			// the form the add dialog reads back.
			s = a.st.Kind.Render(format.Escape(el.Field)) + "  " + streamFieldsText(el.Fields)
		default:
			s = format.Escape(string(el.Value))
		}
		out = append(out, s)
	}
	return out
}
