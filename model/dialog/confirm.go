package dialog

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/ui/format"
)

// Confirm asks yes or no. Only the keymap's confirm key confirms: a
// reflexive enter, or any other key, leaves the question open. With Typed
// set, the user must type that text (a bucket's name) and press enter.
type Confirm struct {
	Title string
	Body  []string
	typed string
	input textinput.Model
}

// NewConfirm asks a yes/no question.
func NewConfirm(title string, body []string) *Confirm {
	return &Confirm{Title: title, Body: body}
}

// NewTypedConfirm asks the user to type typed to confirm.
func NewTypedConfirm(title string, body []string, typed string) *Confirm {
	in := textinput.New()
	in.Prompt = "> "
	in.Focus()
	return &Confirm{Title: title, Body: body, typed: typed, input: in}
}

func (d *Confirm) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if d.typed != "" {
		if isKey {
			switch k.String() {
			case "esc":
				return Cancelled{}, nil
			case "enter":
				if d.input.Value() == d.typed {
					return Confirmed{}, nil
				}
				return nil, nil
			}
		}
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		return nil, cmd
	}
	if !isKey {
		return nil, nil
	}
	switch {
	case key.Matches(k, env.Keys.Confirm):
		return Confirmed{}, nil
	case key.Matches(k, env.Keys.Deny), key.Matches(k, env.Keys.Quit):
		return Declined{}, nil
	}
	return nil, nil
}

func (d *Confirm) View(env Env) string {
	st := env.Styles
	lines := append([]string{}, d.Body...)
	if d.typed != "" {
		lines = append(lines, "", "Type "+st.Danger.Render(format.Escape(d.typed))+" to confirm, esc to cancel:", d.input.View())
	} else {
		lines = append(lines, "", st.HelpKey.Render(env.Keys.Confirm.Help().Key)+" yes   "+st.HelpKey.Render(env.Keys.Deny.Help().Key)+" no")
	}
	return env.Box(d.Title, lines...)
}
