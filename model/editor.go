package model

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Editing a value: in $EDITOR through a private temp file, or inline in a
// textarea for short values. Either way JSON is checked before saving, the
// write carries the version that was shown (a concurrent change is a
// conflict, never a silent overwrite) and the key's TTL is kept.

// editorReadyMsg: the temp file holds the value; run the editor on it.
type editorReadyMsg struct {
	bucket, key string
	entry       backend.Entry
	path        string
	err         error
}

// editedMsg: the editor exited and the file was read back and removed.
type editedMsg struct {
	bucket, key string
	entry       backend.Entry
	value       []byte
	err         error
}

func (a *App) editInEditor() tea.Cmd {
	if !a.writable() {
		return nil
	}
	name, ok := a.targetKey()
	if !ok {
		return nil
	}
	if a.value.entry != nil && a.value.key == name && a.value.entry.Kind.IsCollection() {
		a.status.fail(a, fmt.Errorf("edit: %s values are edited element by element, not as text", a.value.entry.Kind))
		return nil
	}
	s, bucket, timeout := a.store, a.keys.bucket, a.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		e, err := s.Get(ctx, bucket, name, backend.GetOptions{MaxBytes: -1})
		if err != nil {
			return editorReadyMsg{err: err}
		}
		// os.CreateTemp makes the file 0600: the value may be a secret.
		f, err := os.CreateTemp("", "kvdeck-*"+editSuffix(e.Value))
		if err != nil {
			return editorReadyMsg{err: err}
		}
		_, werr := f.Write(e.Value)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			os.Remove(f.Name())
			return editorReadyMsg{err: fmt.Errorf("writing temp file: %v %v", werr, cerr)}
		}
		return editorReadyMsg{bucket: bucket, key: name, entry: e, path: f.Name()}
	}
}

func editSuffix(v []byte) string {
	if format.Detect(v) == format.JSON {
		return ".json"
	}
	return ".txt"
}

func (a *App) editorCommand(path string) *exec.Cmd {
	ed := a.opts.Editor
	if ed == "" {
		ed = "vi"
	}
	parts := strings.Fields(ed)
	return exec.Command(parts[0], append(parts[1:], path)...)
}

func (a *App) runEditor(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		a.status.fail(a, msg.err)
		return nil
	}
	return tea.ExecProcess(a.editorCommand(msg.path), func(err error) tea.Msg {
		// Runs after the editor exits: read back and remove the file.
		defer os.Remove(msg.path)
		if err != nil {
			return editedMsg{err: fmt.Errorf("editor: %w", err)}
		}
		b, rerr := os.ReadFile(msg.path)
		return editedMsg{bucket: msg.bucket, key: msg.key, entry: msg.entry, value: b, err: rerr}
	})
}

func (a *App) edited(msg editedMsg) tea.Cmd {
	if msg.err != nil {
		a.status.fail(a, msg.err)
		return nil
	}
	if string(msg.value) == string(msg.entry.Value) {
		a.status.info(a, "value unchanged; nothing saved")
		return nil
	}
	return a.saveEdit(editTarget{bucket: msg.bucket, key: msg.key, version: msg.entry.Version, old: msg.entry.Value}, msg.value, false)
}

// saveEdit checks JSON and writes. A value that was JSON (or looks like it
// now) must parse, unless the user chose to save it as text.
func (a *App) saveEdit(t editTarget, value []byte, asText bool) tea.Cmd {
	if !asText && looksJSON(t.old, value) {
		if err := jsonError(value); err != nil {
			a.dialog = newConfirm("Invalid JSON", []string{
				format.Escape(err.Error()),
				"",
				"Save it as text anyway? (n returns without saving; the edit is kept in the dialog for inline edits)",
			}, func(a *App) tea.Cmd { return a.saveEdit(t, value, true) })
			return nil
		}
	}
	p := pendingPut{bucket: t.bucket, key: t.key, value: value, what: "saved " + format.Escape(t.key)}
	if t.version != "" {
		p.opts.IfVersion = t.version
	} else {
		p.opts.IfAbsent = true
		p.what = "created " + format.Escape(t.key)
		if t.ttl > 0 {
			p.opts.TTLMode, p.opts.TTL = backend.TTLSet, t.ttl
		}
	}
	return putCmd(a.store, a.opts.Timeout, p)
}

// editTarget is what an edit writes to: the key, the version that was
// shown (empty when creating) and the old bytes; ttl applies to a new key.
type editTarget struct {
	bucket, key, version string
	old                  []byte
	ttl                  time.Duration
}

func looksJSON(old, value []byte) bool {
	if len(old) > 0 && format.Detect(old) == format.JSON {
		return true
	}
	t := strings.TrimSpace(string(value))
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// jsonError reports where JSON is broken, as line and column.
func jsonError(b []byte) error { return format.CheckJSON(b) }

// valueEditor is the inline editor (i), and the value step of "new key".
type valueEditor struct {
	target editTarget
	create bool
	area   textarea.Model
	err    string
}

// inlineLimit is the largest value edited inline; larger ones go to $EDITOR.
const inlineLimit = 64 << 10

func newValueEditor(a *App, bucket, key string, e *backend.Entry, create bool, ttl time.Duration) *valueEditor {
	ta := textarea.New()
	ta.SetWidth(a.dialogWidth() - 4)
	ta.SetHeight(max(min(a.height-12, 16), 3))
	ta.ShowLineNumbers = true
	ta.CharLimit = 0
	d := &valueEditor{target: editTarget{bucket: bucket, key: key, ttl: ttl}, create: create, area: ta}
	if e != nil {
		d.target.version, d.target.old = e.Version, e.Value
		ta.SetValue(string(e.Value))
	}
	d.area = ta
	d.area.Focus()
	return d
}

func (a *App) openInlineEdit() tea.Cmd {
	if !a.writable() {
		return nil
	}
	e := a.value.entry
	if e == nil || a.value.key == "" {
		return nil
	}
	if e.Kind.IsCollection() {
		a.status.fail(a, fmt.Errorf("edit: %s values are edited element by element", e.Kind))
		return nil
	}
	if e.Truncated || len(e.Value) > inlineLimit || format.Detect(e.Value) == format.Hex {
		return a.editInEditor()
	}
	a.dialog = newValueEditor(a, a.value.bucket, a.value.key, e, false, 0)
	return nil
}

func (d *valueEditor) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, nil
		case "ctrl+s":
			v := []byte(d.area.Value())
			if looksJSON(d.target.old, v) {
				if err := jsonError(v); err != nil {
					d.err = err.Error() + " · ctrl+t saves it as text"
					return d, nil
				}
			}
			return nil, a.saveEdit(d.target, v, true)
		case "ctrl+t":
			return nil, a.saveEdit(d.target, []byte(d.area.Value()), true)
		}
	}
	var cmd tea.Cmd
	d.area, cmd = d.area.Update(msg)
	return d, cmd
}

func (d *valueEditor) view(a *App) string {
	title := "Edit " + format.Escape(d.target.key)
	if d.create {
		title = "New key " + format.Escape(d.target.key)
	}
	lines := []string{d.area.View()}
	if d.err != "" {
		lines = append(lines, a.st.StatusError.Render(format.Escape(d.err)))
	}
	help := "ctrl+s save · esc cancel · the key's TTL is kept"
	if d.create {
		help = "ctrl+s create · esc cancel"
		if d.target.ttl > 0 {
			help += " · TTL " + backend.FormatTTL(d.target.ttl)
		}
	}
	lines = append(lines, a.st.Muted.Render(help))
	return a.box(title, lines...)
}
