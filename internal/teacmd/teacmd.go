// Package teacmd recognises Bubble Tea commands by the function they run,
// for the two places that must treat a library's timer differently from
// kvdeck's own commands: the Deck, which tags every tab's commands, and
// modeltest, which waits for every command but a timer that never ends.
package teacmd

import (
	"reflect"
	"runtime"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Name is the name of the function cmd runs ("" when unknown).
func Name(cmd tea.Cmd) string {
	if f := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()); f != nil {
		return f.Name()
	}
	return ""
}

// IsCursorBlink reports whether cmd is the blink of a text input's cursor:
// half a second's wait that, while the input has the focus, starts the
// next one for ever. This goes by function name because the Cmd is all
// the library returns; should the name change, the blink is tagged and
// waited for like any command, and modeltest's Settle fails naming it.
func IsCursorBlink(cmd tea.Cmd) bool {
	return strings.HasPrefix(Name(cmd), "charm.land/bubbles/v2/cursor.(*Model).Blink.")
}
