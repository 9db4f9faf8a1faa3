package model

import (
	"reflect"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/internal/teacmd"
)

// Every message a tab's Cmds produce comes back tagged with the tab's id,
// so that a listing, search or watch of a tab in the background reaches
// its own App, and nothing of a closed tab reaches any.

// tabMsg is a message of tab id.
type tabMsg struct {
	tab int
	msg tea.Msg
}

// teaPkg is Bubble Tea's package path: its messages (quit, exec, terminal
// queries, sequences) are for the Program, and pass untagged. Their
// answers (an editor's exit) come back untagged, to the active tab, which
// is the one that asked: nothing switches tabs while the terminal is
// handed over.
var teaPkg = reflect.TypeFor[tea.QuitMsg]().PkgPath()

func tagCmd(tab int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil || teacmd.IsCursorBlink(cmd) {
		// A cursor's blink is for the input with the focus, which is in
		// the active tab (or the picker): it goes there untagged.
		return cmd
	}
	return func() tea.Msg { return tagMsg(tab, cmd()) }
}

func tagMsg(tab int, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		out := make(tea.BatchMsg, len(m))
		for i, c := range m {
			out[i] = tagCmd(tab, c)
		}
		return out
	}
	t := reflect.TypeOf(msg)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == teaPkg {
		return msg
	}
	if w, ok := msg.(interface{ OutsideWait() bool }); ok {
		return tabWaitMsg{tabMsg{tab: tab, msg: msg}, w.OutsideWait()}
	}
	return tabMsg{tab: tab, msg: msg}
}

// tabWaitMsg is a tab's wait on an outside event (the clock, a watch),
// still one to modeltest (see modeltest.OutsideWait).
type tabWaitMsg struct {
	tabMsg
	clock bool
}

func (m tabWaitMsg) OutsideWait() bool { return m.clock }
