package dialog

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Input asks for one line. The caller answers a Submitted with an error to
// keep it open with the reason shown (SetError): an invalid TTL, a name
// that exists.
type Input struct {
	Title string
	Hint  []string
	input textinput.Model
	err   string
	// Complete offers completions for tab (the command line).
	Complete func(value string) []string
}

// NewInput asks for a line, starting from value.
func NewInput(title, prompt, value string, hint []string) *Input {
	in := textinput.New()
	in.Prompt = prompt
	// Bounded, so a paste of megabytes cannot make every keystroke slow:
	// nothing typed by hand is longer. Never below the starting value,
	// which SetValue would otherwise cut (an element's value, edited and
	// saved shorter than it was).
	in.CharLimit = max(MaxInput, utf8.RuneCountInString(value))
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	return &Input{Title: title, Hint: hint, input: in}
}

// MaxInput is the most characters a one-line input takes.
const MaxInput = 64 << 10

// SetError shows why the last submission was refused.
func (d *Input) SetError(msg string) { d.err = msg }

func (d *Input) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return Cancelled{}, nil
		case "enter":
			return Submitted{Value: d.input.Value()}, nil
		case "tab":
			if d.Complete != nil {
				if c := d.Complete(d.input.Value()); len(c) > 0 {
					d.input.SetValue(commonPrefix(c))
					d.input.CursorEnd()
					if len(c) > 1 {
						d.err = ""
						d.Hint = []string{"completions: " + strings.Join(c, "  ")}
					}
				}
				return nil, nil
			}
		}
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return nil, cmd
}

// View draws the line, its hints, the last refusal and the keys. The
// input's width follows the box (SetWidth on a copy: View only reads).
func (d *Input) View(env Env) string {
	st := env.Styles
	in := d.input
	in.SetWidth(env.BoxWidth() - 6)
	lines := []string{in.View()}
	for _, h := range d.Hint {
		lines = append(lines, st.Muted.Render(h))
	}
	if d.err != "" {
		lines = append(lines, "", st.StatusError.Render(d.err))
	}
	lines = append(lines, "", st.Muted.Render("enter to apply · esc to cancel"))
	return env.Box(d.Title, lines...)
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
