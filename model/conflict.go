package model

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/ui/format"
)

// conflictDialog shows both versions when a write lost a race and lets the
// user reload (drop their edit), overwrite, or cancel (keep nothing).
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
		return nil, a.value.reload(a)
	case "o":
		return nil, putCmd(a.store, a.opts.Timeout, *d.msg.retry)
	case "c", "esc":
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
