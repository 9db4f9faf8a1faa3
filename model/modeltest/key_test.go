package modeltest

import "testing"

// The simulator must produce key presses that match the keymap's names, or
// every model test would press the wrong keys.
func TestKeyNamesRoundTrip(t *testing.T) {
	for _, n := range []string{"G", "g", "down", "ctrl+c", "shift+tab", "space", "/", "?", "enter", "+", ":", "ctrl+t", "esc", "pgdown"} {
		if got := Key(n).String(); got != n {
			t.Errorf("Key(%q).String() = %q", n, got)
		}
	}
}
