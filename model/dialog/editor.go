package dialog

import (
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/ui/format"
)

// Editor edits text in a textarea: ctrl+s submits it (Submitted), ctrl+t
// submits it to be saved as text whatever it looks like (Submitted with
// AsText), esc cancels. The caller checks the text and answers a refusal
// with SetError, which keeps the editor open with the text as typed.
type Editor struct {
	Title string
	// Notes are lines under the text (what escapes mean); Help is the
	// footer.
	Notes []string
	Help  string
	area  textarea.Model
	err   string
}

// NewEditor starts an editor on text, sized to the screen.
func NewEditor(env Env, title, text string) *Editor {
	ta := textarea.New()
	ta.SetWidth(env.BoxWidth() - 4)
	ta.SetHeight(max(min(env.Height-12, 16), 3))
	ta.ShowLineNumbers = true
	ta.CharLimit = 0
	ta.SetValue(text)
	ta.Focus()
	return &Editor{Title: title, area: ta}
}

// SetError shows why the last submission was refused.
func (d *Editor) SetError(msg string) { d.err = msg }

func (d *Editor) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return Cancelled{}, nil
		case "ctrl+s":
			return Submitted{Value: d.area.Value()}, nil
		case "ctrl+t":
			return Submitted{Value: d.area.Value(), AsText: true}, nil
		}
	}
	var cmd tea.Cmd
	d.area, cmd = d.area.Update(msg)
	return nil, cmd
}

func (d *Editor) View(env Env) string {
	st := env.Styles
	lines := []string{d.area.View()}
	for _, n := range d.Notes {
		lines = append(lines, st.Muted.Render(n))
	}
	if d.err != "" {
		lines = append(lines, st.StatusError.Render(format.Escape(d.err)))
	}
	lines = append(lines, st.Muted.Render(d.Help))
	return env.Box(d.Title, lines...)
}
