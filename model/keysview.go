package model

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// render draws the visible key rows: name (escaped), then kind and TTL at the
// right edge when known.
func (k *keysPane) render(e *env, w, h int, focused bool) string {
	if k.set == nil {
		return e.st.Muted.Render("no bucket open")
	}
	n := k.count()
	if n == 0 {
		switch {
		case k.listing:
			return e.st.Muted.Render("listing…")
		case k.err != nil:
			return e.st.StatusError.Render(describeError(k.err))
		case k.filter.active():
			return e.st.Muted.Render("no key matches the filter")
		}
		return e.st.Muted.Render("no keys")
	}
	now := e.opts.Now()
	from, to := k.win.Visible(n)
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, k.rowLine(e, i, w, now, focused))
	}
	return strings.Join(out, "\n")
}

func (k *keysPane) rowLine(e *env, i, w int, now time.Time, focused bool) string {
	var name, right string
	indent := ""
	r := k.rowAt(i)
	if k.tree.on {
		tr := k.tree.rows[i]
		indent = strings.Repeat("  ", tr.Depth)
		if tr.Row < 0 {
			arrow := "▸ "
			if tr.Node.Expanded {
				arrow = "▾ "
			}
			label := indent + arrow + format.Escape(tr.Node.Segment) + k.tree.delim
			count := humanCount(int64(tr.Node.Count))
			line := ui.Fit(label, max(w-len(count)-1, 1)) + " " + count
			if i == k.win.Cursor {
				return e.cursorStyle(focused).Render(line)
			}
			return e.st.Folder.Render(ui.Fit(label, max(w-len(count)-1, 1))) + " " + e.st.Muted.Render(count)
		}
		full := k.set.Name(r)
		if tr.Node != nil && tr.Node.Parent != nil {
			full = strings.TrimPrefix(full, tr.Node.Path(k.tree.delim))
		}
		name = indent + "  " + format.KeyName(full)
	} else {
		name = format.KeyName(k.set.Name(r))
	}
	m := k.set.Meta(r)
	if m.Known {
		if !m.ExpiresAt.IsZero() {
			right = backend.FormatTTL(m.ExpiresAt.Sub(now))
		}
		if m.Kind != backend.KindUnknown && m.Kind != backend.KindString {
			right = m.Kind.String() + " " + right
		}
	}
	if where, ok := k.search.where[uint32(r)]; ok && k.search.query != "" {
		// Where the search matched, cut: the name comes first.
		right = format.Escape(ui.Fit(where, 28)) + " " + right
	}
	if n := k.set.NameLen(r); n > format.MaxShownName {
		// The row cuts a long name at the pane's edge, and KeyName's
		// length after the cut would be past it: say the length here.
		right = format.HumanBytes(int64(n)) + " name " + right
	}
	mark := "  "
	if k.marked[r] {
		mark = "● "
	}
	right = strings.TrimSpace(right)
	nameW := max(w-2-ansi.StringWidth(right)-1, 1)
	if i == k.win.Cursor {
		return e.cursorStyle(focused).Render(mark + ui.Fit(name, nameW) + " " + right)
	}
	styledRight := e.st.Muted.Render(right)
	if !m.ExpiresAt.IsZero() {
		style := e.st.TTL
		if m.ExpiresAt.Sub(now) < time.Minute {
			style = e.st.TTLSoon
		}
		styledRight = style.Render(right)
	}
	rowStyle := e.st.Row
	if k.marked[r] {
		rowStyle = e.st.RowMarked
	}
	return rowStyle.Render(mark+ui.Fit(name, nameW)) + " " + styledRight
}
