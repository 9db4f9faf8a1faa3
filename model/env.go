package model

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/theme"
	"github.com/kvdeck/kvdeck/ui/format"
)

// env is what the panes and pages see of the App: the store and its facts,
// the options (timeout, clock), keys and styles, the status line and the
// request ids. Panes and pages never see the App and never reach into one
// another; what one wants of another pane (show this key, move the focus)
// it asks with an intent, which the App, owner of every pane, acts on as
// soon as the pane returns (applyIntents).
type env struct {
	store  backend.Store
	info   backend.Info
	opts   Options
	km     keymap.KeyMap
	st     theme.Styles
	status statusLine
	seq    uint64 // the last request id handed out

	intents []intent
}

func (e *env) nextReq() uint64 {
	e.seq++
	return e.seq
}

// ask queues an intent for the App.
func (e *env) ask(i intent) { e.intents = append(e.intents, i) }

func (e *env) inform(text string) {
	// The same guard as describeError's: names in text come escaped, and
	// nothing else reaches the terminal raw either.
	text = format.EscapeLine(text)
	e.status.text, e.status.isError, e.status.until = text, false, e.opts.Now().Add(statusLifetime)
}

func (e *env) fail(err error) {
	e.status.text, e.status.isError, e.status.until = describeError(err), true, e.opts.Now().Add(2*statusLifetime)
}

// keyName is how hints name a binding: its first key as the keymap shows it
// ("u", "ctrl+s"), so a rebound key shows as rebound.
func (e *env) keyName(b key.Binding) string {
	if k := b.Keys(); len(k) > 0 {
		return k[0]
	}
	return b.Help().Key
}

// cursorStyle is the cursor row's style in a pane that has the focus or not.
func (e *env) cursorStyle(focused bool) lipgloss.Style {
	if focused {
		return e.st.RowSelected
	}
	return e.st.RowCursorDim
}

// treeDelimiter is the separator the key tree splits names on: the user's
// choice, else the store's.
func (e *env) treeDelimiter() string {
	if e.opts.Delimiter != "" {
		return e.opts.Delimiter
	}
	if e.info.Delimiter != "" {
		return e.info.Delimiter
	}
	return ":"
}

// now is the App's clock.
func (e *env) now() time.Time { return e.opts.Now() }
