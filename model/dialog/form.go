package dialog

import (
	"fmt"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/ui/format"
)

// FormField is one row of a Form: a label, the text it starts with, and a
// hint shown while it has the focus.
type FormField struct {
	Key, Label, Value, Hint string
}

// Form edits a list of one-line fields (a saved connection): tab, ↑ and ↓
// move, enter saves, esc cancels. The caller checks what was saved and
// answers a refusal with SetError, which keeps the form open.
type Form struct {
	Title  string
	fields []FormField
	inputs []textinput.Model
	focus  int
	err    string
}

// FormSaved: the user saved; Values are the fields' texts by Key.
type FormSaved struct{ Values map[string]string }

func (FormSaved) action() {}

// NewForm opens a form on fields, focused on the first.
func NewForm(title string, fields []FormField) *Form {
	f := &Form{Title: title, fields: fields}
	for _, fl := range fields {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = MaxInput
		in.SetValue(fl.Value)
		in.CursorEnd()
		f.inputs = append(f.inputs, in)
	}
	if len(f.inputs) > 0 {
		f.inputs[0].Focus()
	}
	return f
}

// SetError shows why the last save was refused.
func (f *Form) SetError(msg string) { f.err = msg }

func (f *Form) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return Cancelled{}, nil
		case "tab", "down":
			return nil, f.move(1)
		case "shift+tab", "up":
			return nil, f.move(-1)
		case "enter", "ctrl+s":
			values := make(map[string]string, len(f.fields))
			for i, fl := range f.fields {
				values[fl.Key] = f.inputs[i].Value()
			}
			return FormSaved{Values: values}, nil
		}
	}
	if len(f.inputs) == 0 {
		return nil, nil
	}
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return nil, cmd
}

func (f *Form) move(d int) tea.Cmd {
	if len(f.inputs) == 0 {
		return nil
	}
	f.inputs[f.focus].Blur()
	n := len(f.inputs)
	f.focus = ((f.focus+d)%n + n) % n
	return f.inputs[f.focus].Focus()
}

func (f *Form) View(env Env) string {
	st := env.Styles
	width := 0
	for _, fl := range f.fields {
		width = max(width, len(fl.Label))
	}
	var lines []string
	for i, fl := range f.fields {
		label := fmt.Sprintf("%-*s  ", width, fl.Label)
		if i == f.focus {
			label = st.HelpKey.Render(label)
		} else {
			label = st.MetaLabel.Render(label)
		}
		lines = append(lines, label+f.inputs[i].View())
	}
	if f.focus < len(f.fields) && f.fields[f.focus].Hint != "" {
		lines = append(lines, "", st.Muted.Render(f.fields[f.focus].Hint))
	}
	if f.err != "" {
		lines = append(lines, "", st.StatusError.Render(format.EscapeLine(f.err)))
	}
	lines = append(lines, "", st.Muted.Render("tab/↑/↓ move · enter save · esc cancel"))
	return env.Box(f.Title, lines...)
}
