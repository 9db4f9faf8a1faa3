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
	// readOnly is why the key cannot be reverted (nil when it can), as
	// known when the page opened.
	readOnly error
}

func (a *App) openHistory() (page, tea.Cmd) {
	h := a.store.(backend.Historian)
	name, _ := a.targetKey()
	d := &historyPage{bucket: a.keys.bucket, key: name, req: a.nextReq(), readOnly: a.writeRefusal()}
	return d, historyCmd(h, d.req, a.opts.Timeout, d.bucket, name)
}

func (d *historyPage) title(e *env) string { return "History of " + format.KeyName(d.key) }

func (d *historyPage) layout(e *env, w, h int) {
	d.win.Height = max(h-2, 1)
	d.detailWin.Height = max(h-2, 1)
}

func (d *historyPage) update(e *env, msg tea.Msg) (tea.Cmd, pageResult) {
	switch msg := msg.(type) {
	case historyMsg:
		if msg.req == d.req {
			d.entries, d.err = msg.entries, msg.err
		}
		return nil, pageKept
	case tea.KeyPressMsg:
		if d.detail != nil {
			switch {
			case key.Matches(msg, e.km.Back):
				d.detail = nil
			case key.Matches(msg, e.km.Down):
				d.detailWin.Move(1, len(d.detail))
			case key.Matches(msg, e.km.Up):
				d.detailWin.Move(-1, len(d.detail))
			case key.Matches(msg, e.km.PageDown):
				d.detailWin.Page(1, len(d.detail))
			case key.Matches(msg, e.km.PageUp):
				d.detailWin.Page(-1, len(d.detail))
			case key.Matches(msg, e.km.Quit):
				return nil, pagePassed
			}
			return nil, pageKept
		}
		n := len(d.entries)
		switch {
		case key.Matches(msg, e.km.Back):
			return nil, pagePopped
		case key.Matches(msg, e.km.Quit):
			return nil, pagePassed
		case key.Matches(msg, e.km.Up):
			d.win.Move(-1, n)
		case key.Matches(msg, e.km.Down):
			d.win.Move(1, n)
		case key.Matches(msg, e.km.Open):
			if n > 0 {
				d.show(revisionLines(d.entries[d.win.Cursor]))
			}
		case key.Matches(msg, e.km.Diff):
			if n > 1 {
				d.show(diffLines(e, d.entries[0], d.entries[d.win.Cursor]))
			}
		case key.Matches(msg, e.km.Revert):
			if d.readOnly != nil {
				e.fail(d.readOnly)
				return nil, pageKept
			}
			if n > 1 && d.win.Cursor > 0 {
				old, cur := d.entries[d.win.Cursor], d.entries[0]
				p := pendingPut{bucket: d.bucket, key: d.key, value: old.Value,
					opts: backend.PutOptions{IfVersion: cur.Version},
					what: fmt.Sprintf("reverted %s to revision %d", format.KeyName(d.key), old.Revision)}
				return putCmd(e.store, e.opts.Timeout, p), pagePopped
			}
		}
	}
	return nil, pageKept
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
func diffLines(e *env, cur, old backend.Entry) []string {
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
		line := format.EscapeLine(l)
		switch {
		case strings.HasPrefix(l, "+"):
			line = e.st.DiffAdd.Render(line)
		case strings.HasPrefix(l, "-"):
			line = e.st.DiffDel.Render(line)
		}
		out = append(out, line)
	}
	return out
}

func (d *historyPage) view(e *env, w, h int) string {
	if d.err != nil {
		return joinLines([]string{e.st.StatusError.Render(describeError(d.err)), "", e.st.Muted.Render(e.keyName(e.km.Back) + " closes")})
	}
	if d.entries == nil {
		return e.st.Muted.Render("loading…")
	}
	if d.detail != nil {
		from, to := d.detailWin.Visible(len(d.detail))
		lines := append([]string{}, d.detail[from:to]...)
		lines = append(lines, "", e.st.Muted.Render("↑/↓ scroll · "+e.keyName(e.km.Back)+" back"))
		return joinLines(lines)
	}
	from, to := d.win.Visible(len(d.entries))
	var lines []string
	for i := from; i < to; i++ {
		rev := d.entries[i]
		when := ""
		if !rev.Created.IsZero() {
			when = rev.Created.Local().Format("2006-01-02 15:04:05")
		}
		op := rev.Operation
		if op == "" {
			op = "PUT"
		}
		l := fmt.Sprintf("rev %-6d %-19s %-6s %s", rev.Revision, when, op, format.HumanBytes(int64(len(rev.Value))))
		if i == 0 {
			l += "  (current)"
		}
		if i == d.win.Cursor {
			l = e.st.RowSelected.Render(l)
		}
		lines = append(lines, l)
	}
	lines = append(lines, "", e.st.Muted.Render(e.keyName(e.km.Open)+" view · "+e.keyName(e.km.Diff)+" diff with current · "+e.keyName(e.km.Revert)+" revert to this revision · "+e.keyName(e.km.Back)+" close"))
	return joinLines(lines)
}
