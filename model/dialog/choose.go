package dialog

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Option is one answer of a Choose dialog: the keys that pick it, what
// the footer calls it, and whether it destroys something (drawn as such).
type Option struct {
	ID     string
	Keys   key.Binding
	Label  string
	Danger bool
}

// Chosen: the user picked the option with this ID.
type Chosen struct{ ID string }

func (Chosen) action() {}

// Choose shows prepared lines (a conflict: what is stored, what you
// wrote) and waits for one of its options; esc cancels. Keys that are no
// option do nothing.
type Choose struct {
	Title   string
	Lines   []string
	Options []Option
}

func (d *Choose) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	for _, o := range d.Options {
		if key.Matches(k, o.Keys) {
			return Chosen{ID: o.ID}, nil
		}
	}
	if k.String() == "esc" {
		return Cancelled{}, nil
	}
	return nil, nil
}

func (d *Choose) View(env Env) string {
	st := env.Styles
	var opts []string
	for _, o := range d.Options {
		label := o.Label
		if o.Danger {
			label = st.Danger.Render(label)
		}
		opts = append(opts, st.HelpKey.Render(o.Keys.Help().Key)+" "+label)
	}
	lines := append(append([]string{}, d.Lines...), "", strings.Join(opts, "   "))
	return env.Box(d.Title, lines...)
}
