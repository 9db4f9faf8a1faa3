package model

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// conflictDialog shows both versions when a value write lost a race and
// lets the user reload (theirs), overwrite (what the dialog shows, and only
// that), or cancel. Reload and cancel give the user's edit back.
type conflictDialog struct {
	msg writeDoneMsg
}

func newConflictDialog(a *App, msg writeDoneMsg) dialog { return &conflictDialog{msg: msg} }

func (d *conflictDialog) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch k.String() {
	case "r":
		// Theirs is shown; the edit is not lost: it goes to a private
		// file (an inline editor cannot stay open over the reloaded value).
		kept := *d.msg.retry
		if kept.recover != nil {
			kept.recover = &editRecovery{target: kept.recover.target}
		}
		return nil, tea.Batch(a.value.reload(a), a.recoverEdit(kept, "reloaded the value in the store"))
	case "o":
		return nil, putCmd(a.store, a.opts.Timeout, *d.msg.retry)
	case "c", "esc":
		if d.msg.retry.recover != nil {
			return nil, a.recoverEdit(*d.msg.retry, "not saved: the value changed since it was shown")
		}
		a.status.info(a, "save cancelled; your edit was not written")
		return nil, nil
	}
	return d, nil
}

func (d *conflictDialog) view(a *App) string {
	w := a.dialogWidth()/2 - 3
	theirs := textBlock(a, "now in the store", d.msg.conflict.Value, 8, w)
	mine := textBlock(a, "your version", d.msg.retry.value, 8, w)
	both := lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(w+2).Render(theirs), mine)
	return a.box("Changed by someone else: "+format.Escape(d.msg.retry.key),
		"The value changed since it was shown.",
		"",
		both,
		"",
		a.st.HelpKey.Render("r")+" reload theirs   "+a.st.HelpKey.Render("o")+" overwrite with yours   "+a.st.HelpKey.Render("c/esc")+" cancel")
}

// elementConflictDialog: an element write found the element changed since
// it was shown. Nothing was written. The user's input is shown and can be
// applied again to the element as it is now (e edits it again after a
// reload).
type elementConflictDialog struct {
	p   pendingElement
	why string
}

func newElementConflictDialog(msg writeDoneMsg) dialog {
	return &elementConflictDialog{p: *msg.element, why: describeError(msg.err)}
}

func (d *elementConflictDialog) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch k.String() {
	case "r", "e":
		// Reload the elements; the user's input stays in the status line
		// to type again on the element as it is now.
		cmd := a.value.reload(a)
		if d.p.typed != "" {
			a.status.info(a, "reloaded; your input was: "+format.Escape(d.p.typed))
		}
		return nil, cmd
	case "c", "esc":
		if d.p.typed != "" {
			a.status.info(a, "not saved; your input was: "+format.Escape(d.p.typed))
		}
		return nil, nil
	}
	return d, nil
}

func (d *elementConflictDialog) view(a *App) string {
	lines := []string{d.why, "", "Nothing was written: the element is no longer what was shown."}
	if d.p.old != nil {
		lines = append(lines, "shown: "+elementText(d.p.kind, *d.p.old))
	}
	if d.p.typed != "" {
		lines = append(lines, "yours: "+format.Escape(d.p.typed))
	}
	lines = append(lines, "", a.st.HelpKey.Render("r")+" reload and look again   "+a.st.HelpKey.Render("c/esc")+" cancel")
	return a.box("Changed by someone else: "+format.Escape(d.p.key), lines...)
}

// elementText is one element as the value pane shows it.
func elementText(kind backend.Kind, el backend.Element) string {
	switch kind {
	case backend.KindHash:
		return format.Escape(el.Field) + " = " + format.Escape(string(el.Value))
	case backend.KindZSet:
		return formatScore(el.Score) + " " + format.Escape(string(el.Value))
	case backend.KindStream:
		return format.Escape(el.Field) + " " + streamFieldsText(el.Fields)
	}
	return format.Escape(string(el.Value))
}

// undoConflictDialog: undo found keys changed since the action. It shows
// what undo would put back and what each key holds now; y overwrites those
// it can (kept copies, created keys, TTLs), anything else leaves them.
type undoConflictDialog struct {
	u         *undoRecord
	conflicts []undoConflict
}

func newUndoConflictDialog(u *undoRecord, cs []undoConflict) dialog {
	return &undoConflictDialog{u: u, conflicts: cs}
}

func (d *undoConflictDialog) forceable() *undoRecord {
	f := &undoRecord{what: d.u.what, bucket: d.u.bucket}
	for _, st := range d.u.steps {
		if st.forceable() {
			f.steps = append(f.steps, st)
		}
	}
	return f
}

func (d *undoConflictDialog) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch {
	case key.Matches(k, a.km.Confirm):
		if f := d.forceable(); len(f.steps) > 0 {
			return nil, undoCmd(a.store, a.opts.Timeout, f, true)
		}
		return nil, nil
	case key.Matches(k, a.km.Deny), key.Matches(k, a.km.Quit):
		a.status.info(a, "undo left the changed keys as they are")
		return nil, nil
	}
	return d, nil
}

func (d *undoConflictDialog) view(a *App) string {
	lines := []string{"These keys changed since the action; undo left them as they are:", ""}
	lines = append(lines, conflictLines(d.conflicts, a.dialogWidth()-14)...)
	lines = append(lines, "")
	if n := len(d.forceable().steps); n > 0 {
		lines = append(lines, a.st.HelpKey.Render(a.km.Confirm.Help().Key)+" "+a.st.Danger.Render("overwrite")+" what they hold now with the undo ("+strconv.Itoa(n)+" keys)   "+a.st.HelpKey.Render(a.km.Deny.Help().Key)+" leave them")
	} else {
		lines = append(lines, a.st.HelpKey.Render(a.km.Deny.Help().Key)+" close (changed elements cannot be undone over)")
	}
	return a.box("Undo: changed since", lines...)
}
