package model

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// bucketsPane lists the store's buckets with their counts.
type bucketsPane struct {
	req   uint64
	list  []backend.Bucket
	win   ui.Window
	ready bool // the first answer arrived
	err   error
	// want is a bucket to open once the list arrives (--bucket).
	want string
}

func (b *bucketsPane) loaded(e *env, msg bucketsLoadedMsg) tea.Cmd {
	if msg.req != b.req {
		return nil
	}
	b.ready = true
	if msg.err != nil {
		b.err = msg.err
		e.fail(msg.err)
		return nil
	}
	b.err = nil
	// Keep the cursor on the same bucket across a refresh.
	cur := b.selected()
	b.list = msg.buckets
	for i, bk := range b.list {
		if bk.Name == cur {
			b.win.Cursor = i
		}
	}
	b.win.Clamp(len(b.list))
	if b.want != "" {
		want := b.want
		b.want = ""
		for i, bk := range b.list {
			if bk.Name == want {
				b.win.Cursor = i
				b.win.Clamp(len(b.list))
				e.ask(enterBucketIntent{want})
				return nil
			}
		}
		e.fail(fmt.Errorf("bucket %q not found; pick one from the list", format.Escape(want)))
		if len(b.list) > 0 {
			// In place of the listing of want that started with the list.
			e.ask(previewBucketIntent{bucket: b.list[b.win.Cursor].Name})
			return nil
		}
	}
	if len(b.list) > 0 {
		// Show the first bucket's keys right away, as a file manager does.
		e.ask(previewBucketIntent{bucket: b.list[b.win.Cursor].Name, onlyFirst: true})
	}
	return nil
}

// reset forgets the store's buckets, keeping the window's height.
func (b *bucketsPane) reset() {
	*b = bucketsPane{win: ui.Window{Height: b.win.Height}}
}

func (b *bucketsPane) selected() string {
	if b.win.Cursor < len(b.list) {
		return b.list[b.win.Cursor].Name
	}
	return ""
}

// refreshCounts reloads the list so key counts follow writes.
func (b *bucketsPane) refreshCounts(e *env) tea.Cmd {
	b.req = e.nextReq()
	return loadBucketsCmd(e.store, b.req, e.opts.Timeout)
}

// handleKey moves the cursor; ok is false for any other key, which the
// App looks up in the pane's action table.
func (b *bucketsPane) handleKey(e *env, msg tea.KeyPressMsg) (ok bool) {
	prev := b.win.Cursor
	if !navigate(e.km, msg, &b.win, len(b.list)) {
		return false
	}
	if b.win.Cursor != prev {
		// Moving through buckets previews their keys; the running listing
		// of the previous bucket is cancelled.
		e.ask(previewBucketIntent{bucket: b.selected()})
	}
	return true
}

// openSelected opens the bucket under the cursor in the keys pane.
func (b *bucketsPane) openSelected(e *env) {
	e.ask(enterBucketIntent{b.selected()})
}

func (b *bucketsPane) render(e *env, w, h int, focused bool) string {
	if !b.ready {
		return e.st.Muted.Render("loading…")
	}
	if len(b.list) == 0 {
		if b.err != nil {
			return e.st.StatusError.Render("could not list buckets")
		}
		return e.st.Muted.Render("no buckets")
	}
	from, to := b.win.Visible(len(b.list))
	var out []string
	for i := from; i < to; i++ {
		bk := b.list[i]
		count := ""
		if bk.Keys >= 0 {
			count = humanCount(bk.Keys)
		}
		name := format.Escape(bk.Name)
		line := ui.Fit(name, max(w-len(count)-1, 1)) + " " + e.st.Muted.Render(count)
		if i == b.win.Cursor {
			line = e.cursorStyle(focused).Render(ui.Fit(name, max(w-len(count)-1, 1)) + " " + count)
		}
		out = append(out, line)
	}
	return joinLines(out)
}

// humanCount prints key counts compactly: 987, 12.3k, 1.2M.
func humanCount(n int64) string {
	switch {
	case n < 10_000:
		return fmt.Sprintf("%d", n)
	case n < 1_000_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}
