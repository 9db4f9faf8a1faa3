package model

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// historyPageSpec opens a key's history (H in the value pane).
var historyPageSpec = pageSpec{
	binding: func(km keymap.KeyMap) key.Binding { return km.History },
	panes:   []pane{paneValue},
	why:     all(needs[backend.Historian]("it keeps no revisions"), needsKey),
	open:    (*App).openHistory,
}

// historyPage lists a key's kept revisions (NATS, local): view one, diff it
// against the current value, revert to it.
type historyPage struct {
	bucket, key string
	req         uint64
	entries     []backend.Entry
	err         error
	win         ui.Window
	detail      []string // lines of a revision or a diff being shown
	detailWin   ui.Window
}

func (a *App) openHistory() (page, tea.Cmd) {
	h := a.store.(backend.Historian)
	name, _ := a.targetKey()
	d := &historyPage{bucket: a.keys.bucket, key: name, req: a.nextReq()}
	return d, historyCmd(h, d.req, a.opts.Timeout, d.bucket, name)
}

func (d *historyPage) title(a *App) string { return "History of " + format.Escape(d.key) }

func (d *historyPage) layout(a *App, w, h int) {
	d.win.Height = max(h-2, 1)
	d.detailWin.Height = max(h-2, 1)
}

func (d *historyPage) update(a *App, msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.req == d.req {
			d.entries, d.err = msg.entries, msg.err
		}
		return nil, false
	case tea.KeyPressMsg:
		if d.detail != nil {
			switch {
			case key.Matches(msg, a.km.Back), msg.String() == "q":
				d.detail = nil
			case key.Matches(msg, a.km.Down):
				d.detailWin.Move(1, len(d.detail))
			case key.Matches(msg, a.km.Up):
				d.detailWin.Move(-1, len(d.detail))
			case key.Matches(msg, a.km.PageDown):
				d.detailWin.Page(1, len(d.detail))
			case key.Matches(msg, a.km.PageUp):
				d.detailWin.Page(-1, len(d.detail))
			}
			return nil, false
		}
		n := len(d.entries)
		switch {
		case key.Matches(msg, a.km.Back), msg.String() == "q":
			return nil, true
		case key.Matches(msg, a.km.Up):
			d.win.Move(-1, n)
		case key.Matches(msg, a.km.Down):
			d.win.Move(1, n)
		case key.Matches(msg, a.km.Open):
			if n > 0 {
				d.show(revisionLines(d.entries[d.win.Cursor]))
			}
		case msg.String() == "d":
			if n > 1 {
				d.show(diffLines(a, d.entries[0], d.entries[d.win.Cursor]))
			}
		case msg.String() == "r":
			if n > 1 && d.win.Cursor > 0 && a.writable() {
				old, cur := d.entries[d.win.Cursor], d.entries[0]
				p := pendingPut{bucket: d.bucket, key: d.key, value: old.Value,
					opts: backend.PutOptions{IfVersion: cur.Version},
					what: fmt.Sprintf("reverted %s to revision %d", format.Escape(d.key), old.Revision)}
				return putCmd(a.store, a.opts.Timeout, p), true
			}
		}
	}
	return nil, false
}

func (d *historyPage) show(lines []string) {
	d.detail = lines
	d.detailWin = ui.Window{Height: d.detailWin.Height}
}

func revisionLines(e backend.Entry) []string {
	doc, err := format.Build(e.Value, format.Detect(e.Value), format.Options{})
	if err != nil {
		return []string{format.Escape(string(e.Value))}
	}
	out := make([]string, doc.Len())
	for i := range out {
		out[i] = doc.Line(i)
	}
	return out
}

// diffLines is a unified diff from an old revision to the current one; JSON
// is pretty-printed first so the diff is by field, not one long line.
func diffLines(a *App, cur, old backend.Entry) []string {
	pretty := func(b []byte) string {
		var v any
		if json.Unmarshal(b, &v) == nil {
			if p, err := json.MarshalIndent(v, "", "  "); err == nil {
				return string(p) + "\n"
			}
		}
		return string(b) + "\n"
	}
	text := udiff.Unified(fmt.Sprintf("revision %d", old.Revision), fmt.Sprintf("revision %d (current)", cur.Revision), pretty(old.Value), pretty(cur.Value))
	if text == "" {
		return []string{"(no difference)"}
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		e := format.EscapeLine(l)
		switch {
		case strings.HasPrefix(l, "+"):
			e = a.st.DiffAdd.Render(e)
		case strings.HasPrefix(l, "-"):
			e = a.st.DiffDel.Render(e)
		}
		out = append(out, e)
	}
	return out
}

func (d *historyPage) view(a *App, w, h int) string {
	if d.err != nil {
		return joinLines([]string{a.st.StatusError.Render(describeError(d.err)), "", a.st.Muted.Render("esc closes")})
	}
	if d.entries == nil {
		return a.st.Muted.Render("loading…")
	}
	if d.detail != nil {
		from, to := d.detailWin.Visible(len(d.detail))
		lines := append([]string{}, d.detail[from:to]...)
		lines = append(lines, "", a.st.Muted.Render("↑/↓ scroll · esc back"))
		return joinLines(lines)
	}
	from, to := d.win.Visible(len(d.entries))
	var lines []string
	for i := from; i < to; i++ {
		e := d.entries[i]
		when := ""
		if !e.Created.IsZero() {
			when = e.Created.Local().Format("2006-01-02 15:04:05")
		}
		op := e.Operation
		if op == "" {
			op = "PUT"
		}
		l := fmt.Sprintf("rev %-6d %-19s %-6s %s", e.Revision, when, op, format.HumanBytes(int64(len(e.Value))))
		if i == 0 {
			l += "  (current)"
		}
		if i == d.win.Cursor {
			l = a.st.RowSelected.Render(l)
		}
		lines = append(lines, l)
	}
	lines = append(lines, "", a.st.Muted.Render("enter view · d diff with current · r revert to this revision · esc close"))
	return joinLines(lines)
}
