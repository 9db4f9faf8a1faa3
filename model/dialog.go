package model

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

// modal is a dialog box over the panes. update returns the dialog to keep
// showing (nil closes it). The generic dialogs (yes/no, one line) live in
// package dialog and never see App; hosted turns their actions into the
// caller's handlers (bucketFormHost does the same for the bucket form).
// The dialogs still here (conflicts, the editor) are bound to the edits
// they carry.
type modal interface {
	update(a *App, msg tea.Msg) (modal, tea.Cmd)
	view(a *App) string
}

// dialogEnv is what package dialog may know: styles, keys, screen size.
func (a *App) dialogEnv() dlg.Env {
	return dlg.Env{Styles: a.st, Keys: a.km, Width: a.width, Height: a.height}
}

// dialogWidth fits dialogs to the screen.
func (a *App) dialogWidth() int { return a.dialogEnv().BoxWidth() }

func (a *App) box(title string, lines ...string) string {
	return a.dialogEnv().Box(title, lines...)
}

// hosted shows a dialog of package dialog and turns its actions into the
// caller's handlers: onYes on Confirmed, onNo on Declined and onCancel on
// Cancelled (nil just closes), onSubmit on Submitted, whose error keeps the
// dialog open with the reason shown, and onChoose on Chosen.
type hosted struct {
	d        dlg.Model
	onYes    func(a *App) tea.Cmd
	onNo     func(a *App) tea.Cmd
	onCancel func(a *App) tea.Cmd
	onSubmit func(a *App, value string) (tea.Cmd, error)
	onChoose func(a *App, id string) tea.Cmd
}

func newConfirm(title string, body []string, onYes func(a *App) tea.Cmd) *hosted {
	return &hosted{d: dlg.NewConfirm(title, body), onYes: onYes}
}

func newTypedConfirm(title string, body []string, typed string, onYes func(a *App) tea.Cmd) *hosted {
	return &hosted{d: dlg.NewTypedConfirm(title, body, typed), onYes: onYes}
}

func newInput(title, prompt, value string, hint []string, submit func(a *App, value string) (tea.Cmd, error)) *hosted {
	return &hosted{d: dlg.NewInput(title, prompt, value, hint), onSubmit: submit}
}

func (h *hosted) update(a *App, msg tea.Msg) (modal, tea.Cmd) {
	act, cmd := h.d.Update(a.dialogEnv(), msg)
	switch act := act.(type) {
	case dlg.Confirmed:
		return nil, tea.Batch(cmd, h.onYes(a))
	case dlg.Declined:
		if h.onNo != nil {
			return nil, tea.Batch(cmd, h.onNo(a))
		}
		return nil, cmd
	case dlg.Cancelled:
		if h.onCancel != nil {
			return nil, tea.Batch(cmd, h.onCancel(a))
		}
		return nil, cmd
	case dlg.Chosen:
		return nil, tea.Batch(cmd, h.onChoose(a, act.ID))
	case dlg.Submitted:
		next, err := h.onSubmit(a, act.Value)
		if err != nil {
			if in, ok := h.d.(*dlg.Input); ok {
				in.SetError(describeError(err))
			}
			return h, cmd
		}
		return nil, tea.Batch(cmd, next)
	}
	return h, cmd
}

func (h *hosted) view(a *App) string { return h.d.View(a.dialogEnv()) }

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
