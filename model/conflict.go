package model

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/backend"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The conflict dialogs are dialog.Choose dialogs: their lines are drawn
// when they open, and their options come back here as Chosen actions.

// cancelKeys decline a conflict: the keymap's deny keys, and c.
func (a *App) cancelKeys() key.Binding {
	return key.NewBinding(key.WithKeys(append([]string{"c"}, a.km.Deny.Keys()...)...), key.WithHelp("c/"+a.km.Deny.Help().Key, "cancel"))
}

// newConflictDialog shows both versions when a value write lost a race and
// lets the user reload (theirs), overwrite (what the dialog shows, and only
// that), or cancel. Reload and cancel give the user's edit back.
func newConflictDialog(a *App, msg writeDoneMsg) modal {
	retry := *msg.retry
	w := a.dialogWidth()/2 - 3
	theirs := textBlock(a, "now in the store", msg.conflict.Value, 8, w)
	mine := textBlock(a, "your version", retry.value, 8, w)
	if retry.recover != nil && retry.recover.text != nil {
		// An edit through decoders: the text typed, not its encoding.
		mine = textBlock(a, "your version (decoded)", retry.recover.text, 8, w)
	}
	both := lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(w+2).Render(theirs), mine)
	d := &dlg.Choose{
		Title: "Changed by someone else: " + format.KeyName(retry.key),
		Lines: []string{"The value changed since it was shown.", "", both},
		Options: []dlg.Option{
			{ID: "reload", Keys: a.km.Reload, Label: "reload theirs"},
			{ID: "overwrite", Keys: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "")), Label: "overwrite with yours", Danger: true},
			{ID: "cancel", Keys: a.cancelKeys(), Label: "cancel"},
		},
	}
	cancel := func(a *App) tea.Cmd {
		if retry.recover != nil {
			return a.recoverEdit(retry, "not saved: the value changed since it was shown")
		}
		a.inform("save cancelled; your edit was not written")
		return nil
	}
	return &hosted{d: d, onCancel: cancel, onChoose: func(a *App, id string) tea.Cmd {
		switch id {
		case "reload":
			// Theirs is shown; the edit is not lost: it goes to a private
			// file (an inline editor cannot stay open over the reloaded
			// value).
			kept := retry
			if kept.recover != nil {
				kept.recover = &editRecovery{target: kept.recover.target, text: kept.recover.text}
			}
			return tea.Batch(a.value.reload(&a.env), a.recoverEdit(kept, "reloaded the value in the store"))
		case "overwrite":
			return putCmd(a.store, a.opts.Timeout, retry)
		}
		return cancel(a)
	}}
}

// newElementConflictDialog: an element write found the element changed
// since it was shown. Nothing was written. What was shown and what the user
// typed are on screen, and stay in the status line after a reload, to type
// again on the element as it is now.
func newElementConflictDialog(a *App, msg writeDoneMsg) modal {
	p := *msg.element
	lines := []string{describeError(msg.err), "", "Nothing was written: the element is no longer what was shown."}
	if p.old != nil {
		lines = append(lines, "shown: "+elementText(p.kind, *p.old))
	}
	if p.typed != "" {
		lines = append(lines, "yours: "+format.Escape(p.typed))
	}
	d := &dlg.Choose{
		Title: "Changed by someone else: " + format.KeyName(p.key),
		Lines: lines,
		Options: []dlg.Option{
			{ID: "reload", Keys: a.km.Reload, Label: "reload and look again"},
			{ID: "cancel", Keys: a.cancelKeys(), Label: "cancel"},
		},
	}
	say := func(a *App, what string) {
		if p.typed != "" {
			a.inform(what + "; your input was: " + format.Escape(p.typed))
		}
	}
	cancel := func(a *App) tea.Cmd { say(a, "not saved"); return nil }
	return &hosted{d: d, onCancel: cancel, onChoose: func(a *App, id string) tea.Cmd {
		if id == "reload" {
			cmd := a.value.reload(&a.env)
			say(a, "reloaded")
			return cmd
		}
		return cancel(a)
	}}
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

// newUndoConflictDialog: undo found keys changed since the action. It shows
// what undo would put back and what each key holds now; the confirm key
// overwrites those it can (kept copies, created keys, TTLs), anything else
// leaves them.
func newUndoConflictDialog(a *App, u *undoRecord, cs []undoConflict) modal {
	force := &undoRecord{what: u.what, bucket: u.bucket}
	for _, st := range u.steps {
		if st.forceable() {
			force.steps = append(force.steps, st)
		}
	}
	lines := []string{"These keys changed since the action; undo left them as they are:", ""}
	lines = append(lines, conflictLines(cs, a.dialogWidth()-14)...)
	leave := dlg.Option{ID: "leave", Keys: a.km.Deny, Label: "leave them"}
	options := []dlg.Option{leave}
	if n := len(force.steps); n > 0 {
		options = []dlg.Option{{ID: "overwrite", Keys: a.km.Confirm, Label: fmt.Sprintf("overwrite what they hold now with the undo (%d keys)", n), Danger: true}, leave}
	} else {
		lines = append(lines, "", "(changed elements cannot be undone over)")
	}
	left := func(a *App) tea.Cmd {
		a.inform("undo left the changed keys as they are")
		return nil
	}
	return &hosted{d: &dlg.Choose{Title: "Undo: changed since", Lines: lines, Options: options}, onCancel: left,
		onChoose: func(a *App, id string) tea.Cmd {
			if id == "overwrite" {
				return undoCmd(a.store, a.opts.Timeout, force, true)
			}
			return left(a)
		}}
}
