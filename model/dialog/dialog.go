// Package dialog holds kvdeck's modal dialogs. A dialog handles a message
// and returns a typed Action (Confirmed, Declined, Submitted, Cancelled,
// Chosen, SaveBucket);
// it never sees the application: the caller turns actions into store calls.
// Everything a dialog draws with or reacts to comes in an Env: the styles,
// the key bindings (the confirm key is the keymap's, not a letter written
// here) and the screen size.
package dialog

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/theme"
)

// Env is what a dialog may know of its surroundings.
type Env struct {
	Styles        theme.Styles
	Keys          keymap.KeyMap
	Width, Height int
}

// BoxWidth is the width dialogs take on a screen of this size.
func (e Env) BoxWidth() int { return max(min(e.Width-6, 72), 24) }

// Box draws a dialog: a title, then lines, in a bordered box. A box taller
// than the screen keeps its title and its last two lines (the keys that
// answer it) and cuts lines before them, saying how many: a long body
// (a 1 MB key name) pushed the answer keys off the screen.
func (e Env) Box(title string, lines ...string) string {
	inner := e.BoxWidth() - e.Styles.Dialog.GetHorizontalFrameSize()
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, strings.Split(ansi.Wrap(l, max(inner, 1), ""), "\n")...)
	}
	// Room for the border, padding, title and its blank line.
	room := e.Height - e.Styles.Dialog.GetVerticalFrameSize() - 2
	if e.Height > 0 && len(wrapped) > room && room >= 4 {
		keep := room - 3 // head lines, then the cut notice, then the last two
		cut := len(wrapped) - keep - 2
		wrapped = append(append(wrapped[:keep:keep], e.Styles.Muted.Render(fmt.Sprintf("… %d lines not shown", cut))), wrapped[len(wrapped)-2:]...)
	}
	body := e.Styles.DialogTitle.Render(title) + "\n\n" + strings.Join(wrapped, "\n")
	return e.Styles.Dialog.Width(e.BoxWidth()).Render(body)
}

// Action is what a dialog answers a message with; nil means it stays open
// with nothing to report.
type Action interface{ action() }

// Confirmed: the user pressed the confirm key.
type Confirmed struct{}

// Declined: the user said no (the deny key); the caller may give back what
// the question was about (an unsaved edit).
type Declined struct{}

// Submitted: the user entered Value; AsText asks to save it as text even
// where it looks like JSON that does not parse (the editor's ctrl+t).
type Submitted struct {
	Value  string
	AsText bool
}

// Cancelled: the user closed the dialog without an answer.
type Cancelled struct{}

func (Confirmed) action() {}
func (Declined) action()  {}
func (Submitted) action() {}
func (Cancelled) action() {}

// Model is a dialog.
type Model interface {
	Update(env Env, msg tea.Msg) (Action, tea.Cmd)
	View(env Env) string
}
