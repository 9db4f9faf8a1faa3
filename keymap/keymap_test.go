package keymap

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestEveryBindingHasKeysAndHelp(t *testing.T) {
	km := Default()
	for name, b := range km.byName() {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("binding %q has no keys or no help text; it would be missing from the help overlay", name)
		}
	}
}

func TestApplyOverridesAndRejectsUnknownNames(t *testing.T) {
	km := Default()
	if err := km.Apply(map[string][]string{"Quit": {"ctrl+q"}}); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'q', Mod: tea.ModCtrl}, km.Quit) {
		t.Error("ctrl+q does not quit after overriding quit")
	}
	if key.Matches(tea.KeyPressMsg{Code: 'q', Text: "q"}, km.Quit) {
		t.Error("q still quits after quit was rebound")
	}
	if err := km.Apply(map[string][]string{"explode": {"x"}}); err == nil {
		t.Error("an unknown binding name was accepted silently")
	}
}

func TestGroupsCoverMovementKeys(t *testing.T) {
	km := Default()
	found := false
	for _, g := range km.Groups() {
		for _, b := range g.Bindings {
			if key.Matches(tea.KeyPressMsg{Code: 'j', Text: "j"}, b) {
				found = true
			}
		}
	}
	if !found {
		t.Error("help groups do not list the binding for j (down)")
	}
}
