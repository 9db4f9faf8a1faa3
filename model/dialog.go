package model

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/ui/format"
)

// dialog is a modal box over the panes. update returns the dialog to keep
// showing (nil closes it).
type dialog interface {
	update(a *App, msg tea.Msg) (dialog, tea.Cmd)
	view(a *App) string
}

// dialogWidth fits dialogs to the screen.
func (a *App) dialogWidth() int { return max(min(a.width-6, 72), 24) }

func (a *App) box(title string, lines ...string) string {
	body := a.st.DialogTitle.Render(title) + "\n\n" + strings.Join(lines, "\n")
	return a.st.Dialog.Width(a.dialogWidth()).Render(body)
}

// confirmDialog asks yes/no; with typed set, the user must type that text
// (a bucket's name) to confirm.
type confirmDialog struct {
	title string
	body  []string
	typed string
	input textinput.Model
	onYes func(a *App) tea.Cmd
	// onNo, when set, runs on n or esc (giving back an unsaved edit).
	onNo func(a *App) tea.Cmd
}

func newConfirm(title string, body []string, onYes func(a *App) tea.Cmd) *confirmDialog {
	return &confirmDialog{title: title, body: body, onYes: onYes}
}

func newTypedConfirm(title string, body []string, typed string, onYes func(a *App) tea.Cmd) *confirmDialog {
	in := textinput.New()
	in.Prompt = "> "
	in.Focus()
	return &confirmDialog{title: title, body: body, typed: typed, input: in, onYes: onYes}
}

func (d *confirmDialog) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if d.typed != "" {
		if ok {
			switch k.String() {
			case "esc":
				return nil, nil
			case "enter":
				if d.input.Value() == d.typed {
					return nil, d.onYes(a)
				}
				return d, nil
			}
		}
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		return d, cmd
	}
	if !ok {
		return d, nil
	}
	// Only the confirm key (y) confirms: a reflexive enter must never
	// delete, and any other key leaves the question open.
	switch {
	case key.Matches(k, a.km.Confirm):
		return nil, d.onYes(a)
	case key.Matches(k, a.km.Deny), key.Matches(k, a.km.Quit):
		if d.onNo != nil {
			return nil, d.onNo(a)
		}
		return nil, nil
	}
	return d, nil
}

func (d *confirmDialog) view(a *App) string {
	lines := append([]string{}, d.body...)
	if d.typed != "" {
		lines = append(lines, "", "Type "+a.st.Danger.Render(format.Escape(d.typed))+" to confirm, esc to cancel:", d.input.View())
	} else {
		lines = append(lines, "", a.st.HelpKey.Render(a.km.Confirm.Help().Key)+" yes   "+a.st.HelpKey.Render(a.km.Deny.Help().Key)+" no")
	}
	return a.box(d.title, lines...)
}

// inputDialog asks for one line. submit returns an error to keep the
// dialog open with the reason shown (invalid TTL, invalid name...).
type inputDialog struct {
	title  string
	hint   []string
	input  textinput.Model
	err    string
	submit func(a *App, value string) (tea.Cmd, error)
	// complete offers completions for tab (the command line).
	complete func(value string) []string
}

func newInput(title, prompt, value string, hint []string, submit func(a *App, value string) (tea.Cmd, error)) *inputDialog {
	in := textinput.New()
	in.Prompt = prompt
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	return &inputDialog{title: title, hint: hint, input: in, submit: submit}
}

func (d *inputDialog) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, nil
		case "enter":
			cmd, err := d.submit(a, d.input.Value())
			if err != nil {
				d.err = describeError(err)
				return d, nil
			}
			return nil, cmd
		case "tab":
			if d.complete != nil {
				if c := d.complete(d.input.Value()); len(c) > 0 {
					d.input.SetValue(commonPrefix(c))
					d.input.CursorEnd()
					if len(c) > 1 {
						d.err = ""
						d.hint = []string{"completions: " + strings.Join(c, "  ")}
					}
				}
				return d, nil
			}
		}
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return d, cmd
}

func (d *inputDialog) view(a *App) string {
	d.input.SetWidth(a.dialogWidth() - 6)
	lines := []string{d.input.View()}
	for _, h := range d.hint {
		lines = append(lines, a.st.Muted.Render(h))
	}
	if d.err != "" {
		lines = append(lines, "", a.st.StatusError.Render(d.err))
	}
	lines = append(lines, "", a.st.Muted.Render("enter to apply · esc to cancel"))
	return a.box(d.title, lines...)
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

// textBlock renders at most n lines of a value for comparison dialogs.
func textBlock(a *App, title string, value []byte, n, w int) string {
	doc, err := format.Build(value, format.Detect(value), format.Options{})
	if err != nil {
		doc, _ = format.Build(value, format.Hex, format.Options{})
	}
	lines := doc.Render(0, min(doc.Len(), n), w, nil)
	if doc.Len() > n {
		lines = append(lines, a.st.Muted.Render("…"))
	}
	return lipgloss.JoinVertical(lipgloss.Left, a.st.MetaLabel.Render(title), strings.Join(lines, "\n"))
}
